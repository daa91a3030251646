//! The line-by-line state machine: comments and blank lines, the header up to `@data`, then
//! one series per line, and the dataset once every line is read.

use super::header::{HeaderLines, Tag, TsHeader};
use super::series::{self, EqualLength, Label, MissingValues, SeriesRules};
use crate::data::error::{DataError, TsProblem};
use crate::data::{SequenceDataset, Targets};

/// Parses the text of a `.ts` file, with `file` for the error messages; returns the header
/// and the dataset.
pub(super) fn read(
    text: &str,
    file: &str,
    missing: MissingValues,
) -> Result<(TsHeader, SequenceDataset), DataError> {
    // Editors on Windows may start a UTF-8 file with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::new(missing);
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

/// The parser's state: the header so far, then the series read so far.
struct Reader {
    missing: MissingValues,
    header: HeaderLines,
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

impl Reader {
    fn new(missing: MissingValues) -> Self {
        Self {
            missing,
            header: HeaderLines::default(),
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

    /// A header line, without its `@`; `@data` ends the header.
    fn header_line(&mut self, tagged: &str, line: usize) -> Result<(), TsProblem> {
        if self.header.line(tagged, line)? == Tag::Data {
            self.dimensions = self.header.series_dimensions();
            self.data_line = Some(line);
        }
        Ok(())
    }

    /// A series line, checked against the header and the series before it.
    fn series_line(&mut self, content: &str) -> Result<(), TsProblem> {
        let header = &self.header.header;
        let equal_length = (header.equal_length == Some(true)).then_some(EqualLength {
            declared: header.series_length,
            first: self.first_length,
        });
        let rules = SeriesRules {
            missing: self.missing,
            missing_declared: header.missing,
            dimensions: self.dimensions,
            equal_length,
            class_labels: header.class_labels.as_deref(),
        };
        let series = series::parse(content, &rules)?;

        // The first series decides what the header left open.
        self.dimensions
            .get_or_insert((series.dimensions, "the first series"));
        if equal_length.is_some() {
            self.first_length.get_or_insert(series.length);
        }
        self.sequences.push(series.values);
        match series.label {
            Label::Class(index) => self.classes.push(index),
            Label::Target(value) => self.targets.push(value),
        }
        Ok(())
    }

    /// The header and the dataset, once every line is read; `last_line` is the file's last
    /// line.
    fn finish(
        self,
        file: &str,
        last_line: usize,
    ) -> Result<(TsHeader, SequenceDataset), DataError> {
        let Some(data_line) = self.data_line else {
            return Err(format_error(file, last_line, TsProblem::NoDataTag));
        };
        if self.sequences.is_empty() {
            return Err(format_error(file, data_line, TsProblem::NoSeries));
        }
        let header = self.header.header;
        let num_features = self.dimensions.map_or(1, |(dimensions, _)| dimensions);
        let targets = match &header.class_labels {
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
        Ok((header, dataset))
    }
}
