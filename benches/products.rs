//! The fused kernel's matrix products through the `gemm` crate (the one Burn's Flex backend
//! uses, as the kernel did before) and through the crate's packed kernel:
//! - the per-step product `[batch x H] · [H x G*H]` (`W_hh` packed once per call, then one
//!   product per step), on the shapes of the seed workload, the UCR example and the medium and
//!   large workloads split across two threads;
//! - the weight gradient `dgates^T · h` (`[G*H x rows] · [rows x H]`, rows = steps x batch,
//!   `dgates` stored `[rows x G*H]`), once per call, on the medium and large shapes;
//! - the machine's peak: the packed product on every thread of rayon's pool at once (as the
//!   kernel runs), [`PEAK_REPS`] products per thread per iteration, on cache-resident step
//!   shapes. `scripts/bench_compare.py --roofline` divides each workload's GFLOP/s by the best
//!   of these.
//!
//! ```text
//! cargo bench --bench products
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recurrent::__bench::PackedProduct;

/// `(rows, inner, columns)`: a step's `[batch x H] · [H x 4H]` for an LSTM.
const STEP_SHAPES: [(usize, usize, usize); 4] = [
    (32, 32, 128),   // the seed workload
    (16, 64, 256),   // examples/07_ucr on BasicMotions
    (32, 128, 512),  // medium, one thread's half of the batch
    (32, 256, 1024), // large, one thread's half of the batch
];

/// `(rows, inner, columns)` of an LSTM's `dW_hh = dgates^T · h`: `[4H x steps*batch] · [steps*batch
/// x H]`, for one thread's half of the batch.
const GRADIENT_SHAPES: [(usize, usize, usize); 2] = [
    (512, 50 * 32, 128),   // medium
    (1024, 100 * 32, 256), // large
];

/// Products per thread in one iteration of the peak group: enough that handing the work to the
/// threads (some microseconds) is lost in the arithmetic. `scripts/bench_compare.py` reads it
/// from the benchmark id.
const PEAK_REPS: usize = 64;

/// The shapes the peak is measured on: the medium and large workloads' step products, whose
/// packed weights stay in L2.
const PEAK_SHAPES: [(usize, usize, usize); 2] = [(32, 128, 512), (32, 256, 1024)];

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 7919 + seed * 104_729) % 2001) as f32 / 1000.0 - 1.0)
        .collect()
}

/// `out = A b` through `gemm`, `b` row-major `[k x n]`, `A` `[m x k]` row-major or, with
/// `a_transposed`, given as its row-major transpose `[k x m]`; on one thread, as each thread
/// of the kernel runs its products.
fn gemm_product(
    out: &mut [f32],
    a: &[f32],
    a_transposed: bool,
    b: &[f32],
    m: usize,
    k: usize,
    n: usize,
) {
    let (a_col_stride, a_row_stride) = if a_transposed {
        (m as isize, 1)
    } else {
        (1, k as isize)
    };
    // SAFETY: `a` holds `m * k` values at the strides given, `b` `k * n` row-major, `out`
    // `m * n` row-major, and `out` does not alias them.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            a_col_stride,
            a_row_stride,
            b.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn products(c: &mut Criterion) {
    let mut group = c.benchmark_group("per-step-product");
    for (m, k, n) in STEP_SHAPES {
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let mut out = vec![0.0; m * n];
        let shape = format!("{m}x{k}x{n}");
        group.bench_function(BenchmarkId::new("gemm", &shape), |bench| {
            bench.iter(|| gemm_product(black_box(&mut out), black_box(&a), false, &b, m, k, n))
        });
        let packed = PackedProduct::new(&b, k, n);
        group.bench_function(BenchmarkId::new("packed", &shape), |bench| {
            bench.iter(|| packed.product(black_box(&mut out), black_box(&a), m))
        });
    }
    group.finish();

    // Packing `h` is part of each call here: the kernel packs it once per backward pass.
    let mut group = c.benchmark_group("weight-gradient");
    for (m, k, n) in GRADIENT_SHAPES {
        let (at, b) = (values(k * m, 3), values(k * n, 4));
        let mut out = vec![0.0; m * n];
        let shape = format!("{m}x{k}x{n}");
        group.bench_function(BenchmarkId::new("gemm", &shape), |bench| {
            bench.iter(|| gemm_product(black_box(&mut out), black_box(&at), true, &b, m, k, n))
        });
        group.bench_function(BenchmarkId::new("packed", &shape), |bench| {
            bench.iter(|| {
                PackedProduct::new(black_box(&b), k, n).product_transposed(
                    black_box(&mut out),
                    black_box(&at),
                    m,
                )
            })
        });
    }
    group.finish();
}

/// Every thread of rayon's pool multiplies its own `[m x k] · [k x n]` [`PEAK_REPS`] times: the
/// ids are `peak/packed-{threads}threads-{reps}reps/{m}x{k}x{n}`.
fn peak(c: &mut Criterion) {
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group("peak");
    for (m, k, n) in PEAK_SHAPES {
        let (a, b) = (values(m * k, 5), values(k * n, 6));
        let packed = PackedProduct::new(&b, k, n);
        let mut outs = vec![vec![0.0; m * n]; threads];
        let label = format!("packed-{threads}threads-{PEAK_REPS}reps");
        group.bench_function(BenchmarkId::new(label, format!("{m}x{k}x{n}")), |bench| {
            bench.iter(|| {
                rayon::scope(|scope| {
                    for out in outs.iter_mut() {
                        let (a, packed) = (&a, &packed);
                        scope.spawn(move |_| {
                            for _ in 0..PEAK_REPS {
                                packed.product(black_box(out), black_box(a), m);
                            }
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = products, peak
}
criterion_main!(benches);
