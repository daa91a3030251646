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

use std::path::Path;

use super::error::DataError;
pub use super::error::TsProblem;
use super::{SequenceDataset, Targets};

/// What to do with a missing value (`?` or `NaN`) in a series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum MissingValues {
    /// Reject it with [`TsProblem::MissingValueRejected`], naming its line and position.
    #[default]
    Error,
    /// Replace it by this value (which must be finite, as every dataset value).
    Fill(f32),
    /// Interpolate linearly between the nearest present values in the same dimension, holding
    /// the nearest present value at the start and end of the dimension. A dimension with no
    /// present value at all is [`TsProblem::NothingToInterpolate`].
    Interpolate,
}

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

/// The header of a `.ts` file: `None` (or `false`) for each tag the file does not have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TsHeader {
    /// `@problemName`.
    pub problem_name: Option<String>,
    /// `@timeStamps` (always `false` in a file that was read: time stamps are unsupported).
    pub timestamps: bool,
    /// `@missing`.
    pub missing: Option<bool>,
    /// `@univariate`.
    pub univariate: Option<bool>,
    /// `@dimensions`.
    pub dimensions: Option<usize>,
    /// `@equalLength`.
    pub equal_length: Option<bool>,
    /// `@seriesLength`.
    pub series_length: Option<usize>,
    /// The labels of `@classLabel true ...`, in order (a series' class index is its label's
    /// position here); `None` without `@classLabel` or with `@classLabel false`.
    pub class_labels: Option<Vec<String>>,
    /// `@targetLabel true`: each series' label is a real regression target.
    pub target_label: bool,
}

/// A `.ts` file read into a dataset, with its header.
#[derive(Debug, Clone, PartialEq)]
pub struct TsData {
    /// The series, step-major, with [`Targets::Class`] (class indices into
    /// [`class_names`](Self::class_names)) or, for `@targetLabel true`, [`Targets::Real`] with
    /// one output.
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
    let text = std::fs::read_to_string(path).map_err(|error| DataError::FileUnreadable {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })?;
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
    // Editors on Windows may start a UTF-8 file with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::new(options);
    let mut last_line = 1;
    for (index, content) in text.lines().enumerate() {
        let line = index + 1;
        last_line = line;
        // `trim` also drops the `\r` of a Windows line ending that `lines` leaves behind.
        reader
            .line(content.trim(), line)
            .map_err(|problem| format_error(file, line, problem))?;
    }
    reader.finish(file, last_line)
}

fn format_error(file: &str, line: usize, problem: TsProblem) -> DataError {
    DataError::TsFormat {
        file: file.to_string(),
        line,
        problem,
    }
}

/// The header tags, by their canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    ProblemName,
    TimeStamps,
    Missing,
    Univariate,
    Dimensions,
    EqualLength,
    SeriesLength,
    ClassLabel,
    TargetLabel,
    Data,
}

impl Tag {
    /// The tag a name (without `@`, any case) stands for.
    fn parse(name: &str) -> Option<Tag> {
        Some(match name.to_ascii_lowercase().as_str() {
            "problemname" => Tag::ProblemName,
            "timestamps" => Tag::TimeStamps,
            "missing" => Tag::Missing,
            "univariate" => Tag::Univariate,
            // Some writers spell it in the singular.
            "dimensions" | "dimension" => Tag::Dimensions,
            "equallength" => Tag::EqualLength,
            "serieslength" => Tag::SeriesLength,
            "classlabel" => Tag::ClassLabel,
            "targetlabel" => Tag::TargetLabel,
            "data" => Tag::Data,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Tag::ProblemName => "problemName",
            Tag::TimeStamps => "timeStamps",
            Tag::Missing => "missing",
            Tag::Univariate => "univariate",
            Tag::Dimensions => "dimensions",
            Tag::EqualLength => "equalLength",
            Tag::SeriesLength => "seriesLength",
            Tag::ClassLabel => "classLabel",
            Tag::TargetLabel => "targetLabel",
            Tag::Data => "data",
        }
    }
}

/// A series' label once resolved against the header.
enum Label {
    Class(usize),
    Target(f32),
}

/// The parser's state: the header so far, then the series read so far.
struct Reader<'a> {
    options: &'a TsOptions,
    header: TsHeader,
    /// Each tag seen, with its line, to reject repeats.
    seen: Vec<(Tag, usize)>,
    /// The line of `@data` once reached: from then on, lines are series.
    data_line: Option<usize>,
    /// The dimensions every series must have, and where that number comes from.
    dimensions: Option<(usize, &'static str)>,
    /// The first series' length, which every series must share under `@equalLength true`.
    first_length: Option<usize>,
    sequences: Vec<Vec<f32>>,
    classes: Vec<usize>,
    targets: Vec<f32>,
}

impl<'a> Reader<'a> {
    fn new(options: &'a TsOptions) -> Self {
        Self {
            options,
            header: TsHeader::default(),
            seen: Vec::new(),
            data_line: None,
            dimensions: None,
            first_length: None,
            sequences: Vec::new(),
            classes: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// One trimmed line.
    fn line(&mut self, content: &str, line: usize) -> Result<(), TsProblem> {
        if content.is_empty() || content.starts_with('#') {
            return Ok(());
        }
        if let Some(tagged) = content.strip_prefix('@') {
            if self.data_line.is_some() {
                let tag = tagged.split_whitespace().next().unwrap_or_default();
                return Err(TsProblem::HeaderAfterData {
                    tag: tag.to_string(),
                });
            }
            return self.header_line(tagged, line);
        }
        if self.data_line.is_none() {
            return Err(TsProblem::DataBeforeHeader);
        }
        self.series_line(content)
    }

    /// A header line, without its `@`.
    fn header_line(&mut self, tagged: &str, line: usize) -> Result<(), TsProblem> {
        let (name, value) = match tagged.split_once(char::is_whitespace) {
            Some((name, value)) => (name, value.trim()),
            None => (tagged, ""),
        };
        let tag = Tag::parse(name).ok_or_else(|| TsProblem::UnknownTag {
            tag: name.to_string(),
        })?;
        if let Some(&(_, first_line)) = self.seen.iter().find(|(seen, _)| *seen == tag) {
            return Err(TsProblem::RepeatedTag {
                tag: tag.name(),
                first_line,
            });
        }
        self.seen.push((tag, line));

        let header = &mut self.header;
        match tag {
            Tag::ProblemName => {
                if value.is_empty() {
                    return Err(TsProblem::MissingTagValue {
                        tag: tag.name(),
                        expected: "the problem's name",
                    });
                }
                header.problem_name = Some(value.to_string());
            }
            Tag::TimeStamps => {
                if bool_value(tag, value)? {
                    return Err(TsProblem::TimestampsUnsupported);
                }
                header.timestamps = false;
            }
            Tag::Missing => header.missing = Some(bool_value(tag, value)?),
            Tag::Univariate => {
                let univariate = bool_value(tag, value)?;
                if let (true, Some(dimensions)) = (univariate, header.dimensions)
                    && dimensions != 1
                {
                    return Err(TsProblem::UnivariateDimensions { dimensions });
                }
                header.univariate = Some(univariate);
            }
            Tag::Dimensions => {
                let dimensions = count_value(tag, value)?;
                if header.univariate == Some(true) && dimensions != 1 {
                    return Err(TsProblem::UnivariateDimensions { dimensions });
                }
                header.dimensions = Some(dimensions);
            }
            Tag::EqualLength => header.equal_length = Some(bool_value(tag, value)?),
            Tag::SeriesLength => header.series_length = Some(count_value(tag, value)?),
            Tag::ClassLabel => header.class_labels = class_labels(value, header.target_label)?,
            Tag::TargetLabel => {
                let target_label = bool_value(tag, value)?;
                if target_label && header.class_labels.is_some() {
                    return Err(TsProblem::ClassAndTarget);
                }
                header.target_label = target_label;
            }
            Tag::Data => {
                if !value.is_empty() {
                    return Err(TsProblem::UnexpectedTagValue {
                        tag: tag.name(),
                        found: value.to_string(),
                    });
                }
                if header.class_labels.is_none() && !header.target_label {
                    return Err(TsProblem::NoLabels);
                }
                self.dimensions = match (header.dimensions, header.univariate) {
                    (Some(dimensions), _) => Some((dimensions, "@dimensions")),
                    (None, Some(true)) => Some((1, "@univariate true")),
                    // Otherwise the first series decides.
                    (None, _) => None,
                };
                self.data_line = Some(line);
            }
        }
        Ok(())
    }

    /// A series line: `values:values:...:label`.
    fn series_line(&mut self, content: &str) -> Result<(), TsProblem> {
        let (dimension_texts, label) = content.rsplit_once(':').ok_or(TsProblem::MissingLabel)?;
        let dimension_texts: Vec<&str> = dimension_texts.split(':').collect();
        match self.dimensions {
            Some((expected, expected_from)) if expected != dimension_texts.len() => {
                return Err(TsProblem::DimensionCount {
                    expected,
                    expected_from,
                    found: dimension_texts.len(),
                });
            }
            Some(_) => {}
            None => self.dimensions = Some((dimension_texts.len(), "the first series")),
        }

        let dimensions = dimension_texts
            .iter()
            .enumerate()
            .map(|(index, text)| self.dimension_values(index + 1, text))
            .collect::<Result<Vec<_>, _>>()?;
        let length = self.series_length(&dimensions)?;
        let label = self.label(label.trim())?;

        // The file is dimension-major; the dataset wants step-major.
        let sequence = (0..length)
            .flat_map(|step| dimensions.iter().map(move |values| values[step]))
            .collect();
        self.sequences.push(sequence);
        match label {
            Label::Class(index) => self.classes.push(index),
            Label::Target(value) => self.targets.push(value),
        }
        Ok(())
    }

    /// The values of one dimension (1-based), missing ones handled as the options say.
    fn dimension_values(&self, dimension: usize, text: &str) -> Result<Vec<f32>, TsProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TsProblem::EmptyDimension { dimension });
        }
        let mut values = Vec::new();
        for (index, raw) in text.split(',').enumerate() {
            let position = index + 1;
            let raw = raw.trim();
            let parsed = if raw == "?" {
                None
            } else {
                match raw.parse::<f32>() {
                    // Some files write missing values as NaN.
                    Ok(value) if value.is_nan() => None,
                    Ok(value) if value.is_infinite() => {
                        return Err(TsProblem::InfiniteValue {
                            dimension,
                            position,
                            found: raw.to_string(),
                        });
                    }
                    Ok(value) => Some(value),
                    Err(_) => {
                        return Err(TsProblem::NotANumber {
                            dimension,
                            position,
                            found: raw.to_string(),
                        });
                    }
                }
            };
            if parsed.is_none() {
                if self.header.missing == Some(false) {
                    return Err(TsProblem::UndeclaredMissingValue {
                        dimension,
                        position,
                        found: raw.to_string(),
                    });
                }
                if self.options.missing == MissingValues::Error {
                    return Err(TsProblem::MissingValueRejected {
                        dimension,
                        position,
                        found: raw.to_string(),
                    });
                }
            }
            values.push(parsed);
        }
        match self.options.missing {
            MissingValues::Fill(fill) => Ok(values.iter().map(|v| v.unwrap_or(fill)).collect()),
            MissingValues::Interpolate => {
                interpolate(&values).ok_or(TsProblem::NothingToInterpolate { dimension })
            }
            // Every value is present: a missing one was rejected above.
            MissingValues::Error => Ok(values.into_iter().flatten().collect()),
        }
    }

    /// The series' length, checked across its dimensions and against the header.
    fn series_length(&mut self, dimensions: &[Vec<f32>]) -> Result<usize, TsProblem> {
        let length = dimensions.first().map_or(0, Vec::len);
        for (index, values) in dimensions.iter().enumerate().skip(1) {
            if values.len() != length {
                return Err(TsProblem::RaggedDimensions {
                    dimension: index + 1,
                    expected: length,
                    found: values.len(),
                });
            }
        }
        if self.header.equal_length == Some(true) {
            if let Some(expected) = self.header.series_length
                && expected != length
            {
                return Err(TsProblem::SeriesLength {
                    expected,
                    found: length,
                });
            }
            match self.first_length {
                Some(expected) if expected != length => {
                    return Err(TsProblem::UnequalLength {
                        expected,
                        found: length,
                    });
                }
                Some(_) => {}
                None => self.first_length = Some(length),
            }
        }
        Ok(length)
    }

    /// A series' label: a class index under `@classLabel true`, else a regression target.
    fn label(&self, label: &str) -> Result<Label, TsProblem> {
        match &self.header.class_labels {
            Some(allowed) => allowed
                .iter()
                .position(|class| class == label)
                .map(Label::Class)
                .ok_or_else(|| TsProblem::UnknownClass {
                    label: label.to_string(),
                    allowed: allowed.clone(),
                }),
            None => match label.parse::<f32>() {
                Ok(value) if value.is_finite() => Ok(Label::Target(value)),
                _ => Err(TsProblem::InvalidTarget {
                    found: label.to_string(),
                }),
            },
        }
    }

    /// The dataset, once every line is read; `last_line` is the file's last line.
    fn finish(self, file: &str, last_line: usize) -> Result<TsData, DataError> {
        let Some(data_line) = self.data_line else {
            return Err(format_error(file, last_line, TsProblem::NoDataTag));
        };
        if self.sequences.is_empty() {
            return Err(format_error(file, data_line, TsProblem::NoSeries));
        }
        let num_features = self.dimensions.map_or(1, |(dimensions, _)| dimensions);
        let targets = match &self.header.class_labels {
            Some(labels) => Targets::Class {
                labels: self.classes,
                num_classes: labels.len(),
            },
            None => Targets::Real {
                values: self.targets,
                outputs: 1,
            },
        };
        let dataset = SequenceDataset::from_sequences(self.sequences, num_features, targets)?;
        Ok(TsData {
            dataset,
            header: self.header,
        })
    }
}

/// A boolean tag's value, `true` or `false` in any case.
fn bool_value(tag: Tag, value: &str) -> Result<bool, TsProblem> {
    if value.is_empty() {
        Err(TsProblem::MissingTagValue {
            tag: tag.name(),
            expected: "true or false",
        })
    } else if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(TsProblem::InvalidBool {
            tag: tag.name(),
            found: value.to_string(),
        })
    }
}

/// A count tag's value, a positive integer.
fn count_value(tag: Tag, value: &str) -> Result<usize, TsProblem> {
    if value.is_empty() {
        return Err(TsProblem::MissingTagValue {
            tag: tag.name(),
            expected: "a positive integer",
        });
    }
    match value.parse::<usize>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err(TsProblem::InvalidCount {
            tag: tag.name(),
            found: value.to_string(),
        }),
    }
}

/// `@classLabel`'s value: `true` and the labels, or `false` alone.
fn class_labels(value: &str, target_label: bool) -> Result<Option<Vec<String>>, TsProblem> {
    let tag = Tag::ClassLabel;
    let (flag, rest) = match value.split_once(char::is_whitespace) {
        Some((flag, rest)) => (flag, rest.trim()),
        None => (value, ""),
    };
    if !bool_value(tag, flag)? {
        if !rest.is_empty() {
            return Err(TsProblem::UnexpectedTagValue {
                tag: tag.name(),
                found: rest.to_string(),
            });
        }
        return Ok(None);
    }
    let mut labels: Vec<String> = Vec::new();
    for label in rest.split_whitespace() {
        if labels.iter().any(|known| known == label) {
            return Err(TsProblem::DuplicateClassLabel {
                label: label.to_string(),
            });
        }
        labels.push(label.to_string());
    }
    if labels.is_empty() {
        return Err(TsProblem::NoClassLabels);
    }
    if target_label {
        return Err(TsProblem::ClassAndTarget);
    }
    Ok(Some(labels))
}

/// Fills the gaps of one dimension linearly between the nearest present values, holding the
/// nearest present value at the edges; `None` when no value is present.
fn interpolate(values: &[Option<f32>]) -> Option<Vec<f32>> {
    // The next present value (index and value) after each position, found in one backward pass.
    let mut next_present = vec![None; values.len()];
    let mut upcoming: Option<(usize, f32)> = None;
    for (index, value) in values.iter().enumerate().rev() {
        next_present[index] = upcoming;
        if let Some(value) = value {
            upcoming = Some((index, *value));
        }
    }
    let mut previous: Option<(usize, f32)> = None;
    let mut filled = Vec::with_capacity(values.len());
    for (index, (value, next)) in values.iter().zip(next_present).enumerate() {
        let value = match (*value, previous, next) {
            (Some(value), _, _) => {
                previous = Some((index, value));
                value
            }
            // Weighted in f64 so that evenly spaced gaps come out exact.
            (None, Some((before, low)), Some((after, high))) => {
                let span = (after - before) as f64;
                (((after - index) as f64 * low as f64 + (index - before) as f64 * high as f64)
                    / span) as f32
            }
            (None, Some((_, held)), None) | (None, None, Some((_, held))) => held,
            (None, None, None) => return None,
        };
        filled.push(value);
    }
    Some(filled)
}
