//! Turning dataset items into tensors: a Burn `Batcher` and Burn `DataLoader`s over it.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::dataset::{SequenceDataset, SequenceItem, Target};
use super::error::DataError;

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
    /// `[batch, seq, features]`, where `seq` is the longest sequence's length and shorter
    /// sequences are padded with zeros at the end.
    pub inputs: Tensor<3>,
    /// Steps of each sequence (all `seq` when none is padded).
    pub lengths: Vec<usize>,
    /// The targets, shaped for the objective (per-step targets padded with zeros like the
    /// inputs).
    pub targets: BatchTargets,
}

impl SequenceBatch {
    /// Whether some sequence is shorter than the batch's `seq`.
    pub fn is_padded(&self) -> bool {
        let seq = self.inputs.dims()[1];
        self.lengths.iter().any(|&l| l != seq)
    }
}

/// Stacks [`SequenceItem`]s of one dataset into a [`SequenceBatch`] (Burn's `Batcher`),
/// padding sequences shorter than the batch's longest with zeros at the end.
#[derive(Debug, Clone)]
pub struct SequenceBatcher {
    num_features: usize,
    /// Outputs per step of per-step targets.
    step_outputs: usize,
}

impl SequenceBatcher {
    /// A batcher for the items of `dataset`.
    pub fn new(dataset: &SequenceDataset) -> Self {
        Self {
            num_features: dataset.num_features(),
            step_outputs: dataset.targets().outputs(),
        }
    }
}

/// `rows`, each `length * width` values, padded with zeros to `seq * width` and concatenated.
fn padded<'a>(
    rows: impl Iterator<Item = &'a [f32]>,
    n: usize,
    seq: usize,
    width: usize,
) -> Vec<f32> {
    let mut values = Vec::with_capacity(n * seq * width);
    for row in rows {
        values.extend_from_slice(row);
        values.resize(values.len() + seq * width - row.len(), 0.0);
    }
    values
}

impl Batcher<SequenceItem, SequenceBatch> for SequenceBatcher {
    fn batch(&self, items: Vec<SequenceItem>, device: &Device) -> SequenceBatch {
        let n = items.len();
        let f = self.num_features;
        let lengths: Vec<usize> = items.iter().map(|item| item.input.len() / f).collect();
        let seq = lengths.iter().copied().max().unwrap_or(0);
        let inputs = padded(items.iter().map(|item| item.input.as_slice()), n, seq, f);
        let inputs = Tensor::from_data(TensorData::new(inputs, [n, seq, f]), device);
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
            Target::Real(first) => {
                let width = first.len();
                let values: Vec<f32> = items
                    .iter()
                    .flat_map(|item| match &item.target {
                        Target::Real(v) => v.iter().copied(),
                        _ => unreachable!("a dataset has one kind of target"),
                    })
                    .collect();
                BatchTargets::Real(Tensor::from_data(
                    TensorData::new(values, [n, width]),
                    device,
                ))
            }
            Target::PerStep(_) => {
                let width = self.step_outputs;
                let rows = items.iter().map(|item| match &item.target {
                    Target::PerStep(v) => v.as_slice(),
                    _ => unreachable!("a dataset has one kind of target"),
                });
                let values = padded(rows, n, seq, width);
                BatchTargets::PerStep(Tensor::from_data(
                    TensorData::new(values, [n, seq, width]),
                    device,
                ))
            }
        };
        SequenceBatch {
            inputs,
            lengths,
            targets,
        }
    }
}

/// Burn `DataLoader` over `dataset` in batches of `batch_size` on `device`, reshuffled every
/// pass (one draw per `iter()`) from `shuffle_seed` when given.
///
/// ```
/// use burn::tensor::Device;
/// use recurrent::data::{DataError, SumSignConfig, data_loader};
///
/// let data = SumSignConfig::new().generate(10, 1)?;
/// let loader = data_loader(&data, 4, Some(7), &Device::flex())?;
/// let sizes: Vec<usize> = loader.iter().map(|batch| batch.unwrap().inputs.dims()[0]).collect();
/// assert_eq!(sizes, [4, 4, 2]);
/// assert_eq!(data_loader(&data, 0, None, &Device::flex()).err(), Some(DataError::ZeroBatchSize));
/// # Ok::<(), DataError>(())
/// ```
///
/// # Errors
/// [`ZeroBatchSize`](DataError::ZeroBatchSize) for `batch_size = 0` (Burn's loader would
/// never finish a batch of none).
pub fn data_loader(
    dataset: &SequenceDataset,
    batch_size: usize,
    shuffle_seed: Option<u64>,
    device: &Device,
) -> Result<Arc<dyn DataLoader<SequenceBatch>>, DataError> {
    if batch_size == 0 {
        return Err(DataError::ZeroBatchSize);
    }
    let mut builder = DataLoaderBuilder::new(SequenceBatcher::new(dataset))
        .batch_size(batch_size)
        .set_device(device.clone());
    if let Some(seed) = shuffle_seed {
        builder = builder.shuffle(seed);
    }
    Ok(builder.build(dataset.clone()))
}
