//! Sequence data: an in-memory dataset, batching through Burn's `DataLoader`, and generators.

mod batch;
mod dataset;
pub mod generators;
mod normalize;
pub mod ts;

pub use batch::{BatchTargets, SequenceBatch, SequenceBatcher, data_loader};
pub use dataset::{SequenceDataset, SequenceItem, Target, Targets};
pub use generators::{AddingProblemConfig, DelayedRecallConfig, SineForecastConfig, SumSignConfig};
pub use normalize::Normalizer;
