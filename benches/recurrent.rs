//! Training-step and inference speed of `recurrent` next to Burn's stock `burn::nn` layers, for
//! every workload, cell and compiled-in backend (see `common` for the exact workloads).
//!
//! ```text
//! cargo bench --bench recurrent                          # everything on flex
//! cargo bench --features ndarray --bench recurrent -- seed   # a filter, as criterion takes it
//! python3 scripts/bench_compare.py                       # with PyTorch, ratios side by side
//! ```
//!
//! Benchmark ids are `{workload}-{mode}/{implementation}-{backend}/{cell}`, e.g.
//! `seed-train/recurrent-flex/lstm`; `scripts/bench_compare.py` reads criterion's estimates by
//! these names.

mod common;

use std::time::Duration;

use burn::module::Module;
use burn::tensor::Device;
use common::{
    BenchModel, CELLS, Implementation, WORKLOADS, Workload, adam, backends, batch, cell_name,
    infer, train_step,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recurrent::model::CellType;

/// Times `model`'s training step and inference in the two groups.
fn measure(c: &mut Criterion, id: (&str, Workload, CellType), model: BenchModel, device: &Device) {
    let (label, w, cell) = id;
    let name = cell_name(cell);
    let (x, y) = batch(w, device);

    let inference = model.clone().valid();
    c.benchmark_group(format!("{}-infer", w.name))
        .bench_function(BenchmarkId::new(label, name), |b| {
            b.iter(|| infer(&inference, &x))
        });

    let train_device = device.clone().autodiff();
    let (x, y) = (x.to_device(&train_device), y.to_device(&train_device));
    let mut state = Some((model.to_device(&train_device).train(), adam()));
    c.benchmark_group(format!("{}-train", w.name))
        .bench_function(BenchmarkId::new(label, name), |b| {
            b.iter(|| {
                let (model, mut optimizer) = state.take().expect("the model is put back");
                let model = train_step(model, &mut optimizer, &x, &y);
                // GPU backends queue work: wait for it, as the CPU backends do anyway.
                train_device.sync().expect("the device finishes the step");
                state = Some((model, optimizer));
            })
        });
}

fn benches(c: &mut Criterion) {
    for (backend, device) in backends() {
        for w in WORKLOADS {
            for cell in CELLS {
                for implementation in Implementation::ALL {
                    let label = format!("{}-{backend}", implementation.name());
                    let model = implementation.model(cell, w, &device);
                    measure(c, (label.as_str(), w, cell), model, &device);
                }
            }
        }
    }
}

fn config() -> Criterion {
    // The large workloads take up to a second a step: short windows keep a full run in minutes.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args()
}

criterion_group! {
    name = recurrent;
    config = config();
    targets = benches
}
criterion_main!(recurrent);
