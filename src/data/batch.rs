//! Turning dataset items into tensors: a Burn `Batcher` and Burn `DataLoader`s over it.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::dataset::{SequenceDataset, SequenceItem, Target};

/// A batch's targets as tensors.
#[derive(Debug, Clone)]
pub enum BatchTargets {
    /// Binary labels, `[batch]`, 0 or 1.
    Binary(Tensor<1, Int>),
    /// Class indices, `[batch]`.
    Class(Tensor<1, Int>),
    /// Real values, `[batch, outputs]`.
    Real(Tensor<2>),
    /// Real values per step, `[batch, seq, outputs]`.
    PerStep(Tensor<3>),
}

/// A batch of sequences and their targets.
#[derive(Debug, Clone)]
pub struct SequenceBatch {
    /// `[batch, seq, features]`.
    pub inputs: Tensor<3>,
    /// The targets, shaped for the objective.
    pub targets: BatchTargets,
}

/// Stacks [`SequenceItem`]s of one dataset into a [`SequenceBatch`] (Burn's `Batcher`).
#[derive(Debug, Clone)]
pub struct SequenceBatcher {
    seq_len: usize,
    num_features: usize,
}

impl SequenceBatcher {
    /// A batcher for the items of `dataset`.
    pub fn new(dataset: &SequenceDataset) -> Self {
        Self {
            seq_len: dataset.seq_len(),
            num_features: dataset.num_features(),
        }
    }
}

impl Batcher<SequenceItem, SequenceBatch> for SequenceBatcher {
    fn batch(&self, items: Vec<SequenceItem>, device: &Device) -> SequenceBatch {
        let n = items.len();
        let mut inputs = Vec::with_capacity(n * self.seq_len * self.num_features);
        for item in &items {
            inputs.extend_from_slice(&item.input);
        }
        let inputs = Tensor::from_data(
            TensorData::new(inputs, [n, self.seq_len, self.num_features]),
            device,
        );
        let targets = match &items[0].target {
            Target::Binary(_) | Target::Class(_) => {
                let labels: Vec<i64> = items
                    .iter()
                    .map(|item| match item.target {
                        Target::Binary(v) => v as i64,
                        Target::Class(c) => c as i64,
                        _ => unreachable!("a dataset has one kind of target"),
                    })
                    .collect();
                let labels = Tensor::from_data(TensorData::new(labels, [n]), device);
                if matches!(items[0].target, Target::Binary(_)) {
                    BatchTargets::Binary(labels)
                } else {
                    BatchTargets::Class(labels)
                }
            }
            Target::Real(first) | Target::PerStep(first) => {
                let width = first.len();
                let values: Vec<f32> = items
                    .iter()
                    .flat_map(|item| match &item.target {
                        Target::Real(v) | Target::PerStep(v) => v.iter().copied(),
                        _ => unreachable!("a dataset has one kind of target"),
                    })
                    .collect();
                if matches!(items[0].target, Target::Real(_)) {
                    BatchTargets::Real(Tensor::from_data(
                        TensorData::new(values, [n, width]),
                        device,
                    ))
                } else {
                    let outputs = width / self.seq_len;
                    BatchTargets::PerStep(Tensor::from_data(
                        TensorData::new(values, [n, self.seq_len, outputs]),
                        device,
                    ))
                }
            }
        };
        SequenceBatch { inputs, targets }
    }
}

/// Burn `DataLoader` over `dataset` in batches of `batch_size` on `device`, reshuffled every
/// pass (one draw per `iter()`) from `shuffle_seed` when given.
pub fn data_loader(
    dataset: &SequenceDataset,
    batch_size: usize,
    shuffle_seed: Option<u64>,
    device: &Device,
) -> Arc<dyn DataLoader<SequenceBatch>> {
    let mut builder = DataLoaderBuilder::new(SequenceBatcher::new(dataset))
        .batch_size(batch_size)
        .set_device(device.clone());
    if let Some(seed) = shuffle_seed {
        builder = builder.shuffle(seed);
    }
    builder.build(dataset.clone())
}
