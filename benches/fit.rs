//! One epoch of `Trainer::fit` on the seed task (1000 sequences of 10 steps, batch 32: 32
//! steps), reading the losses back after every step (`sync_every = 1`, what the trainer did
//! before) and every 16 (the default), on every compiled-in backend.
//!
//! ```text
//! cargo bench --features wgpu --bench fit
//! ```
//!
//! Benchmark ids are `fit-epoch/sync-{n}-{backend}/{cell}`, e.g. `fit-epoch/sync-16-wgpu/lstm`.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recurrent::data::SumSignConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};

fn benches(c: &mut Criterion) {
    let train = SumSignConfig::new()
        .generate(1000, 1)
        .expect("the seed task generates");
    let mut group = c.benchmark_group("fit-epoch");
    for name in recurrent::device::available() {
        let device = recurrent::device::from_name(name).expect("a compiled-in backend");
        for cell in [CellType::Rnn, CellType::Lstm] {
            for sync_every in [1, 16] {
                let config = TrainerConfig::new(Objective::BinaryClassification)
                    .with_epochs(1)
                    .with_progress(ProgressMode::Quiet)
                    .with_sync_every(sync_every);
                let model = SequenceModelConfig::new(cell, 1, 32, 1)
                    .with_seed(Some(1))
                    .init(&device);
                let cell_name = format!("{cell:?}").to_lowercase();
                let id = BenchmarkId::new(format!("sync-{sync_every}-{name}"), cell_name);
                group.bench_function(id, |b| {
                    b.iter(|| {
                        Trainer::new(config.clone())
                            .fit(model.clone(), &train, None)
                            .expect("the seed task trains")
                    })
                });
            }
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .configure_from_args()
}

criterion_group! {
    name = fit;
    config = config();
    targets = benches
}
criterion_main!(fit);
