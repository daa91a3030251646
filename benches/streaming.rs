//! Streaming latency: one sequence (batch 1), one step per call through [`Recurrent::step`],
//! the state carried from call to call, as a model serving live data runs. Hidden 128 and 256,
//! input 32, one layer, the LSTM and the GRU; `scripts/bench_pytorch.py --streaming` times
//! PyTorch's `nn.LSTMCell`/`nn.GRUCell`, one-step `nn.LSTM`/`nn.GRU` and ONNX Runtime on the
//! same steps.
//!
//! ```text
//! cargo bench --bench streaming
//! python3 scripts/bench_compare.py --streaming          # with PyTorch and ONNX Runtime
//! ```
//!
//! Benchmark ids are `stream{hidden}-step/recurrent-{backend}/{cell}`. One iteration is one step
//! and waits for the device, so a GPU's queue is no shortcut.

mod common;

use std::hint::black_box;
use std::time::Duration;

use burn::tensor::{Device, Distribution, Tensor};
use common::{backends, cell_name};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recurrent::model::CellType;
use recurrent::{GruConfig, LstmConfig, Recurrent, RecurrentLayer, RecurrentState};

/// The input size of every streaming workload.
const INPUT: usize = 32;
/// The hidden sizes timed.
const HIDDEN: [usize; 2] = [128, 256];
/// The cells timed: the two gated ones, as in the issue's streaming workload.
const STREAM_CELLS: [CellType; 2] = [CellType::Lstm, CellType::Gru];

fn layer(cell: CellType, hidden: usize, device: &Device) -> RecurrentLayer {
    match cell {
        CellType::Lstm => LstmConfig::new(INPUT, hidden)
            .with_seed(Some(0))
            .init(device)
            .into(),
        CellType::Gru => GruConfig::new(INPUT, hidden)
            .with_seed(Some(0))
            .init(device)
            .into(),
        CellType::Rnn => unreachable!("the streaming workloads are the gated cells"),
    }
}

fn streaming(c: &mut Criterion) {
    for (backend, device) in backends() {
        for hidden in HIDDEN {
            let mut group = c.benchmark_group(format!("stream{hidden}-step"));
            for cell in STREAM_CELLS {
                let layer = layer(cell, hidden, &device);
                device.seed(0);
                let x_t = Tensor::<2>::random([1, INPUT], Distribution::Normal(0.0, 1.0), &device);
                let mut state: Option<RecurrentState> = None;
                let id = BenchmarkId::new(format!("recurrent-{backend}"), cell_name(cell));
                group.bench_function(id, |b| {
                    b.iter(|| {
                        let (output, next) = layer.step(x_t.clone(), state.take());
                        black_box(output);
                        state = Some(next);
                        device.sync().expect("the device finishes the step");
                    })
                });
            }
            group.finish();
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = streaming
}
criterion_main!(benches);
