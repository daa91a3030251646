//! One series line: its dimensions, their values (missing ones handled as the options say),
//! its length and its label.

use crate::data::error::TsProblem;

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

/// What a series line is checked against: the options, the header and the series before it.
pub(super) struct SeriesRules<'a> {
    /// The options' missing-value policy.
    pub(super) missing: MissingValues,
    /// `@missing`: `Some(false)` rejects every missing value.
    pub(super) missing_declared: Option<bool>,
    /// The dimensions every series must have, and where that number comes from; `None` for
    /// the first series when the header does not say.
    pub(super) dimensions: Option<(usize, &'static str)>,
    /// The lengths every series must have under `@equalLength true` (`None` otherwise).
    pub(super) equal_length: Option<EqualLength>,
    /// `@classLabel true ...`'s labels; `None` for regression targets.
    pub(super) class_labels: Option<&'a [String]>,
}

/// The lengths every series must have under `@equalLength true`.
#[derive(Debug, Clone, Copy)]
pub(super) struct EqualLength {
    /// `@seriesLength`.
    pub(super) declared: Option<usize>,
    /// The first series' length, once there is one.
    pub(super) first: Option<usize>,
}

/// A series' label once resolved against the header.
pub(super) enum Label {
    Class(usize),
    Target(f32),
}

/// One series, read.
pub(super) struct Series {
    /// The values, step-major (`[length, dimensions]`).
    pub(super) values: Vec<f32>,
    pub(super) dimensions: usize,
    pub(super) length: usize,
    pub(super) label: Label,
}

/// A series line: `values:values:...:label`.
pub(super) fn parse(content: &str, rules: &SeriesRules) -> Result<Series, TsProblem> {
    let (dimension_texts, label) = content.rsplit_once(':').ok_or(TsProblem::MissingLabel)?;
    let dimension_texts: Vec<&str> = dimension_texts.split(':').collect();
    if let Some((expected, expected_from)) = rules.dimensions
        && expected != dimension_texts.len()
    {
        return Err(TsProblem::DimensionCount {
            expected,
            expected_from,
            found: dimension_texts.len(),
        });
    }

    let dimensions = dimension_texts
        .iter()
        .enumerate()
        .map(|(index, text)| dimension_values(index + 1, text, rules))
        .collect::<Result<Vec<_>, _>>()?;
    let length = series_length(&dimensions, rules.equal_length)?;
    let label = resolve_label(label.trim(), rules.class_labels)?;

    // The file is dimension-major; the dataset wants step-major.
    let values = (0..length)
        .flat_map(|step| dimensions.iter().map(move |values| values[step]))
        .collect();
    Ok(Series {
        values,
        dimensions: dimensions.len(),
        length,
        label,
    })
}

/// The values of one dimension (1-based), missing ones handled as the rules say.
fn dimension_values(
    dimension: usize,
    text: &str,
    rules: &SeriesRules,
) -> Result<Vec<f32>, TsProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TsProblem::EmptyDimension { dimension });
    }
    let mut values = Vec::new();
    for (index, raw) in text.split(',').enumerate() {
        let position = index + 1;
        let raw = raw.trim();
        let parsed = value(dimension, position, raw)?;
        if parsed.is_none() {
            check_missing_allowed(dimension, position, raw, rules)?;
        }
        values.push(parsed);
    }
    match rules.missing {
        MissingValues::Fill(fill) => Ok(values.iter().map(|v| v.unwrap_or(fill)).collect()),
        MissingValues::Interpolate => {
            interpolate(&values).ok_or(TsProblem::NothingToInterpolate { dimension })
        }
        // Every value is present: a missing one was rejected above.
        MissingValues::Error => Ok(values.into_iter().flatten().collect()),
    }
}

/// One value, at `position` (1-based) of `dimension`: `None` when it is missing.
fn value(dimension: usize, position: usize, raw: &str) -> Result<Option<f32>, TsProblem> {
    if raw == "?" {
        return Ok(None);
    }
    match raw.parse::<f32>() {
        // Some files write missing values as NaN.
        Ok(value) if value.is_nan() => Ok(None),
        Ok(value) if value.is_infinite() => Err(TsProblem::InfiniteValue {
            dimension,
            position,
            found: raw.to_string(),
        }),
        Ok(value) => Ok(Some(value)),
        Err(_) => Err(TsProblem::NotANumber {
            dimension,
            position,
            found: raw.to_string(),
        }),
    }
}

/// A missing value is an error under `@missing false` and under [`MissingValues::Error`].
fn check_missing_allowed(
    dimension: usize,
    position: usize,
    raw: &str,
    rules: &SeriesRules,
) -> Result<(), TsProblem> {
    if rules.missing_declared == Some(false) {
        return Err(TsProblem::UndeclaredMissingValue {
            dimension,
            position,
            found: raw.to_string(),
        });
    }
    if rules.missing == MissingValues::Error {
        return Err(TsProblem::MissingValueRejected {
            dimension,
            position,
            found: raw.to_string(),
        });
    }
    Ok(())
}

/// The series' length, checked across its dimensions and, under `@equalLength true`, against
/// the header and the first series.
fn series_length(
    dimensions: &[Vec<f32>],
    equal_length: Option<EqualLength>,
) -> Result<usize, TsProblem> {
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
    let Some(EqualLength { declared, first }) = equal_length else {
        return Ok(length);
    };
    if let Some(expected) = declared
        && expected != length
    {
        return Err(TsProblem::SeriesLength {
            expected,
            found: length,
        });
    }
    if let Some(expected) = first
        && expected != length
    {
        return Err(TsProblem::UnequalLength {
            expected,
            found: length,
        });
    }
    Ok(length)
}

/// A series' label: a class index under `@classLabel true`, else a regression target.
fn resolve_label(label: &str, class_labels: Option<&[String]>) -> Result<Label, TsProblem> {
    match class_labels {
        Some(allowed) => allowed
            .iter()
            .position(|class| class == label)
            .map(Label::Class)
            .ok_or_else(|| TsProblem::UnknownClass {
                label: label.to_string(),
                allowed: allowed.to_vec(),
            }),
        None => match label.parse::<f32>() {
            Ok(value) if value.is_finite() => Ok(Label::Target(value)),
            _ => Err(TsProblem::InvalidTarget {
                found: label.to_string(),
            }),
        },
    }
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
