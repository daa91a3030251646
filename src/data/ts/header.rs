//! The header: the `@` tags, their values, and the checks between tags.

use crate::data::error::TsProblem;

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

/// The header tags, by their canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
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

/// The header read so far: the tags' values, and where each tag was seen.
#[derive(Debug, Default)]
pub(super) struct HeaderLines {
    pub(super) header: TsHeader,
    /// Each tag seen, with its line, to reject repeats.
    seen: Vec<(Tag, usize)>,
}

impl HeaderLines {
    /// A header line (line number `line`), without its `@`; returns its tag.
    pub(super) fn line(&mut self, tagged: &str, line: usize) -> Result<Tag, TsProblem> {
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
        apply(&mut self.header, tag, value)?;
        Ok(tag)
    }

    /// The dimensions every series must have once `@data` is reached, and where that number
    /// comes from; `None` when the first series decides.
    pub(super) fn series_dimensions(&self) -> Option<(usize, &'static str)> {
        match (self.header.dimensions, self.header.univariate) {
            (Some(dimensions), _) => Some((dimensions, "@dimensions")),
            (None, Some(true)) => Some((1, "@univariate true")),
            (None, _) => None,
        }
    }
}

/// Checks a tag's value against the header so far and records it there.
fn apply(header: &mut TsHeader, tag: Tag, value: &str) -> Result<(), TsProblem> {
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
        Tag::Univariate => header.univariate = Some(univariate(header, value)?),
        Tag::Dimensions => header.dimensions = Some(dimensions(header, value)?),
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
        Tag::Data => data(header, value)?,
    }
    Ok(())
}

/// `@univariate`'s value, checked against `@dimensions` when that came first.
fn univariate(header: &TsHeader, value: &str) -> Result<bool, TsProblem> {
    let univariate = bool_value(Tag::Univariate, value)?;
    if let (true, Some(dimensions)) = (univariate, header.dimensions)
        && dimensions != 1
    {
        return Err(TsProblem::UnivariateDimensions { dimensions });
    }
    Ok(univariate)
}

/// `@dimensions`' value, checked against `@univariate` when that came first.
fn dimensions(header: &TsHeader, value: &str) -> Result<usize, TsProblem> {
    let dimensions = count_value(Tag::Dimensions, value)?;
    if header.univariate == Some(true) && dimensions != 1 {
        return Err(TsProblem::UnivariateDimensions { dimensions });
    }
    Ok(dimensions)
}

/// `@data`: no value, and a header that says what the series' labels are.
fn data(header: &TsHeader, value: &str) -> Result<(), TsProblem> {
    if !value.is_empty() {
        return Err(TsProblem::UnexpectedTagValue {
            tag: Tag::Data.name(),
            found: value.to_string(),
        });
    }
    if header.class_labels.is_none() && !header.target_label {
        return Err(TsProblem::NoLabels);
    }
    Ok(())
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
