//! Sequence data: an in-memory dataset of sequences (of equal or different lengths), batching
//! through Burn's `DataLoader`, generators, the `.ts` reader and a `Normalizer`.

mod batch;
mod dataset;
mod error;
pub mod generators;
mod normalize;
mod series_csv;
pub mod ts;
pub mod tsf;

pub use batch::{BatchTargets, SequenceBatch, SequenceBatcher, data_loader};
pub use dataset::{SequenceDataset, SequenceItem, Target, Targets};
pub use error::{DataError, TsProblem};
pub use generators::{AddingProblemConfig, DelayedRecallConfig, SineForecastConfig, SumSignConfig};
pub use normalize::Normalizer;
pub use series_csv::{CsvProblem, SeriesCsv, SeriesCsvOptions, parse_series_csv, read_series_csv};
pub use ts::{MissingValues, TsData, TsOptions, parse_ts, read_ts, read_ts_with};
