//! Reading the sktime/aeon `.ts` time-series format (the UCR/UEA archive's format) into a
//! [`SequenceDataset`].
//!
//! A `.ts` file holds `#` comment lines, a header of `@` tags (case-insensitive) ending with
//! `@data`, then one series per line: its dimensions separated by `:`, the values of a
//! dimension separated by `,`, and the class label (or regression target) as the last
//! `:`-field. `?` (or `NaN`) marks a missing value, handled as [`MissingValues`] says. Blank
//! lines are skipped and Windows line endings are accepted.
//!
//! ```text
//! @problemName Example
//! @univariate false
//! @dimensions 2
//! @equalLength false
//! @classLabel true up down
//! @data
//! 1,2,3:4,5,6:up
//! 6,5:3,2:down
//! ```
//!
//! The file is dimension-major; the dataset is step-major (`[steps, dimensions]`), so the
//! reader transposes each series. Series may differ in length (`@equalLength false`), but the
//! dimensions of one series may not. Not supported, and reported as such: time stamps
//! (`@timeStamps true`) and unlabelled files. Every mistake is a
//! [`DataError::TsFormat`] naming the file, the 1-based line and the [`TsProblem`].

// `reader` runs the lines through `header` (the tags) and `series` (one data line); neither
// of those two imports the other, nor anything of this file.
mod header;
mod reader;
mod series;

use std::path::Path;

use super::SequenceDataset;
use super::error::DataError;
pub use super::error::TsProblem;
pub use header::TsHeader;
pub use series::MissingValues;

/// How to read a `.ts` file.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TsOptions {
    /// What to do with missing values (default: [`MissingValues::Error`]).
    pub missing: MissingValues,
}

impl TsOptions {
    /// These options with the given missing-value policy.
    pub fn with_missing(self, missing: MissingValues) -> Self {
        Self { missing }
    }
}

/// A `.ts` file read into a dataset, with its header.
#[derive(Debug, Clone, PartialEq)]
pub struct TsData {
    /// The series, step-major, with [`Targets::Class`](super::Targets::Class) (class indices
    /// into [`class_names`](Self::class_names)) or, for `@targetLabel true`,
    /// [`Targets::Real`](super::Targets::Real) with one output.
    pub dataset: SequenceDataset,
    /// The file's header.
    pub header: TsHeader,
}

impl TsData {
    /// The class labels in class-index order; empty for regression.
    pub fn class_names(&self) -> &[String] {
        self.header.class_labels.as_deref().unwrap_or(&[])
    }

    /// How many classes there are; 0 for regression.
    pub fn num_classes(&self) -> usize {
        self.class_names().len()
    }
}

/// Reads a `.ts` file, rejecting missing values ([`TsOptions::default`]).
///
/// # Errors
/// [`FileUnreadable`](DataError::FileUnreadable) when the file cannot be read
/// (or is not UTF-8), [`TsFormat`](DataError::TsFormat) for a mistake in it, and the
/// errors of [`SequenceDataset::from_sequences`].
pub fn read_ts(path: impl AsRef<Path>) -> Result<TsData, DataError> {
    read_ts_with(path, &TsOptions::default())
}

/// Reads a `.ts` file with the given options.
///
/// # Errors
/// As [`read_ts`].
pub fn read_ts_with(path: impl AsRef<Path>, options: &TsOptions) -> Result<TsData, DataError> {
    let path = path.as_ref();
    let text = crate::data::read_data_file(path)?;
    parse_named(&text, &path.display().to_string(), options)
}

/// Parses the text of a `.ts` file; errors name the file `"<text>"`.
///
/// ```
/// use recurrent::data::ts::{TsOptions, parse_ts};
/// use recurrent::data::Targets;
///
/// let text = "@problemName Tiny\n@dimensions 2\n@classLabel true up down\n@data\n\
///             1,2,3:4,5,6:down\n0.5,-1:2,?:up\n";
/// let options = TsOptions::default().with_missing(recurrent::data::ts::MissingValues::Fill(0.0));
/// let data = parse_ts(text, &options).unwrap();
/// assert_eq!(data.class_names(), ["up", "down"]);
/// // Step-major: step 0 holds both dimensions' first values.
/// assert_eq!(data.dataset.sequence(0), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// assert_eq!(data.dataset.sequence(1), [0.5, 2.0, -1.0, 0.0]);
/// assert_eq!(data.dataset.lengths(), [3, 2]);
/// assert_eq!(
///     data.dataset.targets(),
///     &Targets::Class { labels: vec![1, 0], num_classes: 2 }
/// );
/// ```
///
/// # Errors
/// [`TsFormat`](DataError::TsFormat) for a mistake in the text, and the errors of
/// [`SequenceDataset::from_sequences`].
pub fn parse_ts(text: &str, options: &TsOptions) -> Result<TsData, DataError> {
    parse_named(text, "<text>", options)
}

/// The line-by-line parse, with `file` for the error messages.
fn parse_named(text: &str, file: &str, options: &TsOptions) -> Result<TsData, DataError> {
    let (header, dataset) = reader::read(text, file, options.missing)?;
    Ok(TsData { dataset, header })
}
