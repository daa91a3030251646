//! Each thread's spare buffers, for the packed matrices and packing passes of its next call.
//!
//! Allocated fresh at every call, buffers of this size went back to the system when freed and
//! were faulted in again (13% of the medium LSTM's training step in page faults, `perf`): a
//! dropped packed matrix hands its buffer here ([`recycle`]), and the next packing takes the
//! smallest one large enough ([`zeroed`]), zeroed.

std::thread_local! {
    /// Buffers of this thread's dropped packed matrices and packing passes, for its next
    /// call.
    static SPARE: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers kept per thread, and the largest kept (in values: 16 MB; at most 64 MB per thread
/// stays allocated after training). The large benchmark's largest is 3.3 MB.
const SPARE_BUFFERS: usize = 4;
const SPARE_MAX_LEN: usize = 4 << 20;

/// `len` zeros, in the smallest of this thread's spare buffers that is large enough (so a
/// small request does not take the buffer a large one would need), if one is.
pub(super) fn zeroed(len: usize) -> Vec<f32> {
    let spare = SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        let fit = (0..spare.len())
            .filter(|&i| spare[i].capacity() >= len)
            .min_by_key(|&i| spare[i].capacity());
        fit.map(|i| spare.swap_remove(i))
    });
    match spare {
        Some(mut buffer) => {
            buffer.clear();
            buffer.resize(len, 0.0);
            buffer
        }
        None => vec![0.0; len],
    }
}

/// Keeps `buffer` for [`zeroed`] on this thread (the largest few).
pub(super) fn recycle(buffer: Vec<f32>) {
    if buffer.capacity() == 0 || buffer.capacity() > SPARE_MAX_LEN {
        return;
    }
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        spare.push(buffer);
        if spare.len() > SPARE_BUFFERS {
            // Drop the smallest.
            let smallest = (0..spare.len())
                .min_by_key(|&i| spare[i].capacity())
                .expect("not empty");
            spare.swap_remove(smallest);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::PackedMatrix;
    use super::super::tests::{reference, values};
    use super::*;

    /// A buffer handed back by a dropped matrix comes back all zeros, so the padding of a
    /// partial panel packed into it is zero.
    #[test]
    fn recycled_buffers_come_back_zeroed() {
        let (k, n) = (5, 40);
        let ones = PackedMatrix::new(&vec![1.0; k * n], k, n);
        let len = ones.data.len();
        drop(ones);
        let reused = zeroed(len);
        assert_eq!(reused.len(), len);
        assert!(reused.iter().all(|&v| v == 0.0));
        recycle(reused);
        let b = values(k * n, 9);
        let packed = PackedMatrix::new(&b, k, n);
        let a = values(3 * k, 10);
        let mut out = vec![0.0; 3 * n];
        packed.matmul(&mut out, &a, 3, false);
        for (o, e) in out.iter().zip(reference(&a, &b, 3, k, n)) {
            assert!((o - e).abs() <= 1e-4 * (1.0 + e.abs()));
        }
    }
}
