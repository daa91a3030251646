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

/// The text of the data file at `path`: the one read of every file reader here (`.ts`,
/// `.tsf`, CSV series, a saved normaliser).
///
/// # Errors
/// [`FileUnreadable`](DataError::FileUnreadable), naming the path.
pub(crate) fn read_data_file(path: &std::path::Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|error| DataError::FileUnreadable {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}
