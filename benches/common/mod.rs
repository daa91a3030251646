//! The workloads the benches measure, built the same way for `recurrent` and for Burn's stock
//! `burn::nn` layers, and the PyTorch script (`scripts/bench_pytorch.py`) mirrors them exactly.
//!
//! Model: the recurrent layer(s), then `Linear(hidden, 1)` on the last step's output. Data:
//! `x` `[batch, seq, input]` standard normal, `y` 0/1 labels. A training step is forward,
//! binary cross-entropy on the logits, backward and one Adam update (lr 1e-3, eps 1e-8).

#![allow(dead_code)] // each bench binary uses its own part

use burn::module::Module;
use burn::nn::loss::BinaryCrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Distribution, Int, Tensor};
use recurrent::model::{CellType, ModelOutput, SequenceModel, SequenceModelConfig, Trainable};

/// One problem size.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    pub name: &'static str,
    pub input: usize,
    pub hidden: usize,
    pub seq: usize,
    pub batch: usize,
    pub layers: usize,
}

pub const WORKLOADS: [Workload; 4] = [
    Workload {
        name: "seed",
        input: 1,
        hidden: 32,
        seq: 10,
        batch: 32,
        layers: 1,
    },
    Workload {
        name: "medium",
        input: 16,
        hidden: 128,
        seq: 50,
        batch: 64,
        layers: 1,
    },
    Workload {
        name: "large",
        input: 32,
        hidden: 256,
        seq: 100,
        batch: 64,
        layers: 2,
    },
    // Throughput: many sequences at once, as batch scoring or a large-batch training run.
    Workload {
        name: "wide",
        input: 32,
        hidden: 256,
        seq: 50,
        batch: 256,
        layers: 1,
    },
];

pub const CELLS: [CellType; 3] = [CellType::Rnn, CellType::Lstm, CellType::Gru];

pub fn cell_name(cell: CellType) -> &'static str {
    match cell {
        CellType::Rnn => "rnn",
        CellType::Lstm => "lstm",
        CellType::Gru => "gru",
    }
}

pub fn workload(name: &str) -> Option<Workload> {
    WORKLOADS.iter().copied().find(|w| w.name == name)
}

pub fn cell(name: &str) -> Option<CellType> {
    CELLS.iter().copied().find(|c| cell_name(*c) == name)
}

/// The backends compiled in, by name.
pub fn backends() -> Vec<(&'static str, Device)> {
    recurrent::device::available()
        .into_iter()
        .map(|name| {
            let device = recurrent::device::from_name(name).expect("a compiled-in backend");
            (name, device)
        })
        .collect()
}

/// Which implementation of the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// This crate's `SequenceModel`.
    Recurrent,
    /// Burn's `burn::nn::{Rnn, Lstm, Gru}`, stacked by hand for two layers.
    BurnNn,
}

impl Implementation {
    pub const ALL: [Implementation; 2] = [Implementation::Recurrent, Implementation::BurnNn];

    pub fn name(self) -> &'static str {
        match self {
            Implementation::Recurrent => "recurrent",
            Implementation::BurnNn => "burn-nn",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The workload's model in this implementation.
    pub fn model(self, cell: CellType, w: Workload, device: &Device) -> BenchModel {
        match self {
            Implementation::Recurrent => BenchModel::Recurrent(
                SequenceModelConfig::new(cell, w.input, w.hidden, 1)
                    .with_num_layers(w.layers)
                    .with_seed(Some(0))
                    .init(device),
            ),
            Implementation::BurnNn => BenchModel::BurnNn(StockModel::new(cell, w, device)),
        }
    }
}

/// Either implementation's model, so that one timing loop serves both.
// Built once per benchmark: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum BenchModel {
    Recurrent(SequenceModel),
    BurnNn(StockModel),
}

impl Trainable for BenchModel {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        match self {
            BenchModel::Recurrent(model) => model.forward_sequences(inputs),
            BenchModel::BurnNn(model) => model.forward_sequences(inputs),
        }
    }

    fn input_size(&self) -> usize {
        match self {
            BenchModel::Recurrent(model) => model.input_size(),
            BenchModel::BurnNn(model) => model.input_size(),
        }
    }

    fn output_size(&self) -> usize {
        1
    }
}

/// A layer of Burn's stock modules.
// Built once per benchmark: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum StockLayer {
    Rnn(burn::nn::Rnn),
    Lstm(burn::nn::Lstm),
    Gru(burn::nn::Gru),
}

/// Burn's stock layers with the same head as `SequenceModel`.
#[derive(Module, Debug)]
pub struct StockModel {
    layers: Vec<StockLayer>,
    head: Linear,
    input_size: usize,
}

impl StockModel {
    pub fn new(cell: CellType, w: Workload, device: &Device) -> Self {
        let layers = (0..w.layers)
            .map(|k| {
                let input = if k == 0 { w.input } else { w.hidden };
                match cell {
                    CellType::Rnn => StockLayer::Rnn(
                        burn::nn::RnnConfig::new(input, w.hidden, true).init(device),
                    ),
                    CellType::Lstm => StockLayer::Lstm(
                        burn::nn::LstmConfig::new(input, w.hidden, true).init(device),
                    ),
                    CellType::Gru => StockLayer::Gru(
                        burn::nn::GruConfig::new(input, w.hidden, true).init(device),
                    ),
                }
            })
            .collect();
        Self {
            layers,
            head: LinearConfig::new(w.hidden, 1).init(device),
            input_size: w.input,
        }
    }
}

impl Trainable for StockModel {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        let mut x = inputs;
        for layer in &self.layers {
            x = match layer {
                StockLayer::Rnn(rnn) => rnn.forward(x, None).0,
                StockLayer::Lstm(lstm) => lstm.forward(x, None).0,
                StockLayer::Gru(gru) => gru.forward(x, None),
            };
        }
        let [batch, seq, hidden] = x.dims();
        let last = x.narrow(1, seq - 1, 1).reshape([batch, hidden]);
        ModelOutput::PerSequence(self.head.forward(last))
    }

    fn input_size(&self) -> usize {
        self.input_size
    }

    fn output_size(&self) -> usize {
        1
    }
}

/// The fixed batch of a workload.
pub fn batch(w: Workload, device: &Device) -> (Tensor<3>, Tensor<1, Int>) {
    device.seed(0);
    let x = Tensor::random(
        [w.batch, w.seq, w.input],
        Distribution::Normal(0.0, 1.0),
        device,
    );
    let y = Tensor::<1>::random([w.batch], Distribution::Uniform(0.0, 1.0), device)
        .greater_elem(0.5)
        .int();
    (x, y)
}

pub fn logits<M: Trainable>(model: &M, x: Tensor<3>) -> Tensor<1> {
    match model.forward_sequences(x) {
        ModelOutput::PerSequence(logits) => {
            let [batch, _] = logits.dims();
            logits.reshape([batch])
        }
        ModelOutput::PerStep(_) => unreachable!("the bench models predict per sequence"),
    }
}

pub fn adam() -> ModuleOptimizer {
    AdamConfig::new().with_epsilon(1e-8).init()
}

/// One training step: forward, BCE on the logits, backward, Adam.
pub fn train_step<M: Trainable>(
    model: M,
    optimizer: &mut ModuleOptimizer,
    x: &Tensor<3>,
    y: &Tensor<1, Int>,
) -> M {
    let logits = logits(&model, x.clone());
    let loss = BinaryCrossEntropyLossConfig::new()
        .with_logits(true)
        .init(&logits.device())
        .forward(logits, y.clone());
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    optimizer.step(1e-3, model, grads)
}

/// Batched inference: the model's logits for the batch, read back to the host.
pub fn infer<M: Trainable>(model: &M, x: &Tensor<3>) -> f32 {
    logits(model, x.clone()).sum().into_scalar()
}
