//! The recurrence's per-step matrix product, `[batch x H] · [H x G*H]`, through the `gemm` crate
//! (as every call did before) and through the crate's packed kernel (`W_hh` packed once per
//! call, then one product per step), on the shapes of the UCR example and of the medium and
//! large workloads split across two threads.
//!
//! ```text
//! cargo bench --bench products
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recurrent::__bench::{PackedProduct, gemm_product};

/// `(rows, inner, columns)`: a step's `[batch x H] · [H x 4H]` for an LSTM.
const SHAPES: [(usize, usize, usize); 4] = [
    (32, 32, 128),   // the seed workload
    (16, 64, 256),   // examples/07_ucr on BasicMotions
    (32, 128, 512),  // medium, one thread's half of the batch
    (32, 256, 1024), // large, one thread's half of the batch
];

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 7919 + seed * 104_729) % 2001) as f32 / 1000.0 - 1.0)
        .collect()
}

fn products(c: &mut Criterion) {
    let mut group = c.benchmark_group("per-step-product");
    for (m, k, n) in SHAPES {
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let mut out = vec![0.0; m * n];
        let shape = format!("{m}x{k}x{n}");
        group.bench_function(BenchmarkId::new("gemm", &shape), |bench| {
            bench.iter(|| gemm_product(black_box(&mut out), black_box(&a), &b, m, k, n))
        });
        let packed = PackedProduct::new(&b, k, n);
        group.bench_function(BenchmarkId::new("packed", &shape), |bench| {
            bench.iter(|| packed.product(black_box(&mut out), black_box(&a), m))
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
    targets = products
}
criterion_main!(benches);
