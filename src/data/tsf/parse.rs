//! The line-by-line reader: comments and blank lines, the header up to `@data`, then one series
//! per line, each checked against the header.

use super::{
    AttributeKind, AttributeValue, TsfAttribute, TsfData, TsfDate, TsfHeader, TsfProblem, TsfSeries,
};
use crate::data::DataError;

/// Parses the text of a `.tsf` file, with `file` for the error messages.
pub(super) fn read(text: &str, file: &str) -> Result<TsfData, DataError> {
    // Editors on Windows may start a UTF-8 file with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::default();
    let mut last_line = 1;
    for (index, content) in text.lines().enumerate() {
        last_line = index + 1;
        // `trim` also drops the `\r` of a Windows line ending that `lines` leaves behind.
        reader
            .line(content.trim(), last_line)
            .map_err(|problem| format_error(file, last_line, problem))?;
    }
    reader
        .finish()
        .map_err(|problem| format_error(file, last_line, problem))
}

fn format_error(file: &str, line: usize, problem: TsfProblem) -> DataError {
    DataError::TsfFormat {
        file: file.to_string(),
        line,
        problem,
    }
}

/// The header so far, then the series read so far.
#[derive(Default)]
struct Reader {
    header: TsfHeader,
    /// Each tag met, with its line, to refuse a repeat.
    seen: Vec<(&'static str, usize)>,
    /// The line of `@data` once reached: from then on, lines are series.
    data_line: Option<usize>,
    series: Vec<TsfSeries>,
}

/// The tags of the format, lower-case (files write them so; any case is read).
const TAGS: [&str; 7] = [
    "relation",
    "attribute",
    "frequency",
    "horizon",
    "missing",
    "equallength",
    "data",
];

impl Reader {
    fn line(&mut self, line: &str, number: usize) -> Result<(), TsfProblem> {
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix('@') {
            let (tag, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if self.data_line.is_some() {
                return Err(TsfProblem::HeaderAfterData {
                    tag: tag.to_string(),
                });
            }
            return self.tag(tag, value.trim(), number);
        }
        if self.data_line.is_none() {
            return Err(TsfProblem::DataBeforeHeader);
        }
        let series = self.series_line(line)?;
        self.series.push(series);
        Ok(())
    }

    fn tag(&mut self, written: &str, value: &str, number: usize) -> Result<(), TsfProblem> {
        let lower = written.to_ascii_lowercase();
        let Some(&tag) = TAGS.iter().find(|&&known| known == lower) else {
            return Err(TsfProblem::UnknownTag {
                tag: written.to_string(),
            });
        };
        if tag != "attribute" {
            if let Some(&(_, first_line)) = self.seen.iter().find(|(seen, _)| *seen == tag) {
                return Err(TsfProblem::RepeatedTag { tag, first_line });
            }
            self.seen.push((tag, number));
        }
        let header = &mut self.header;
        match tag {
            "relation" => header.relation = Some(required(tag, value, "a name")?.to_string()),
            "attribute" => {
                let attribute = attribute(value)?;
                if header.attributes.iter().any(|a| a.name == attribute.name) {
                    return Err(TsfProblem::DuplicateAttribute {
                        name: attribute.name,
                    });
                }
                header.attributes.push(attribute);
            }
            "frequency" => header.frequency = Some(one_word(tag, value, "a frequency")?.parse()?),
            "horizon" => header.horizon = Some(horizon(one_word(tag, value, "a count")?)?),
            "missing" => header.missing = Some(boolean(tag, value)?),
            "equallength" => header.equal_length = Some(boolean(tag, value)?),
            _ => {
                if !value.is_empty() {
                    return Err(TsfProblem::UnexpectedTagValue {
                        tag: "data",
                        found: value.to_string(),
                    });
                }
                if header.attributes.is_empty() {
                    return Err(TsfProblem::NoAttributes);
                }
                self.data_line = Some(number);
            }
        }
        Ok(())
    }

    /// One series: its attribute values, then its values, checked against the header.
    fn series_line(&self, line: &str) -> Result<TsfSeries, TsfProblem> {
        let fields: Vec<&str> = line.split(':').collect();
        let attributes = &self.header.attributes;
        if fields.len() != attributes.len() + 1 {
            return Err(TsfProblem::FieldCount {
                expected: attributes.len() + 1,
                found: fields.len(),
            });
        }
        let values: Vec<AttributeValue> = attributes
            .iter()
            .zip(&fields)
            .enumerate()
            .map(|(index, (attribute, field))| attribute_value(attribute, index + 1, field))
            .collect::<Result<_, _>>()?;
        let series = series_values(fields[attributes.len()], self.header.missing)?;
        if let Some(first) = self.series.first()
            && self.header.equal_length == Some(true)
            && first.values.len() != series.len()
        {
            return Err(TsfProblem::UnequalLength {
                expected: first.values.len(),
                found: series.len(),
            });
        }
        let name = values
            .iter()
            .find_map(|value| match value {
                AttributeValue::String(name) => Some(name.clone()),
                _ => None,
            })
            .unwrap_or_else(|| format!("series {}", self.series.len() + 1));
        Ok(TsfSeries {
            name,
            attributes: values,
            values: series,
        })
    }

    fn finish(self) -> Result<TsfData, TsfProblem> {
        if self.data_line.is_none() {
            return Err(TsfProblem::NoDataTag);
        }
        if self.series.is_empty() {
            return Err(TsfProblem::NoSeries);
        }
        Ok(TsfData {
            header: self.header,
            series: self.series,
        })
    }
}

/// A tag's value, which must be there.
fn required<'a>(
    tag: &'static str,
    value: &'a str,
    expected: &'static str,
) -> Result<&'a str, TsfProblem> {
    if value.is_empty() {
        return Err(TsfProblem::MissingTagValue { tag, expected });
    }
    Ok(value)
}

/// A tag's value of one word.
fn one_word<'a>(
    tag: &'static str,
    value: &'a str,
    expected: &'static str,
) -> Result<&'a str, TsfProblem> {
    let value = required(tag, value, expected)?;
    match value.split_once(char::is_whitespace) {
        Some((_, rest)) => Err(TsfProblem::UnexpectedTagValue {
            tag,
            found: rest.trim().to_string(),
        }),
        None => Ok(value),
    }
}

fn boolean(tag: &'static str, value: &str) -> Result<bool, TsfProblem> {
    match one_word(tag, value, "true or false")? {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(TsfProblem::InvalidBool {
            tag,
            found: other.to_string(),
        }),
    }
}

fn horizon(value: &str) -> Result<usize, TsfProblem> {
    match value.parse::<usize>() {
        Ok(horizon) if horizon > 0 => Ok(horizon),
        _ => Err(TsfProblem::InvalidHorizon {
            found: value.to_string(),
        }),
    }
}

/// `@attribute NAME numeric|string|date`.
fn attribute(value: &str) -> Result<TsfAttribute, TsfProblem> {
    let mut words = value.split_whitespace();
    let (Some(name), Some(kind)) = (words.next(), words.next()) else {
        return Err(TsfProblem::MissingTagValue {
            tag: "attribute",
            expected: "a name and a kind (numeric, string or date)",
        });
    };
    let rest: Vec<&str> = words.collect();
    if !rest.is_empty() {
        return Err(TsfProblem::UnexpectedTagValue {
            tag: "attribute",
            found: rest.join(" "),
        });
    }
    let kind = match kind {
        "numeric" => AttributeKind::Numeric,
        "string" => AttributeKind::String,
        "date" => AttributeKind::Date,
        other => {
            return Err(TsfProblem::UnknownAttributeKind {
                name: name.to_string(),
                found: other.to_string(),
            });
        }
    };
    Ok(TsfAttribute {
        name: name.to_string(),
        kind,
    })
}

/// One attribute's value in field `field` (1-based) of a series line.
fn attribute_value(
    attribute: &TsfAttribute,
    field: usize,
    text: &str,
) -> Result<AttributeValue, TsfProblem> {
    let text = text.trim();
    match attribute.kind {
        AttributeKind::String => Ok(AttributeValue::String(text.to_string())),
        AttributeKind::Numeric => match text.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(AttributeValue::Numeric(number)),
            _ => Err(TsfProblem::InvalidNumber {
                name: attribute.name.clone(),
                field,
                found: text.to_string(),
            }),
        },
        AttributeKind::Date => {
            date(text)
                .map(AttributeValue::Date)
                .ok_or_else(|| TsfProblem::InvalidDate {
                    name: attribute.name.clone(),
                    field,
                    found: text.to_string(),
                })
        }
    }
}

/// `YYYY-MM-DD HH-MM-SS`, a real calendar day and time of day.
fn date(text: &str) -> Option<TsfDate> {
    let (day_part, time_part) = text.split_once(' ')?;
    let numbers = |part: &str| -> Option<Vec<u32>> {
        let numbers: Vec<u32> = part
            .split('-')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        (numbers.len() == 3).then_some(numbers)
    };
    let (ymd, hms) = (numbers(day_part)?, numbers(time_part.trim())?);
    let (year, month, day) = (i32::try_from(ymd[0]).ok()?, ymd[1], ymd[2]);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    let valid = (1..=days).contains(&day) && hms[0] < 24 && hms[1] < 60 && hms[2] < 60;
    valid.then(|| TsfDate {
        year,
        month: month as u8,
        day: day as u8,
        hour: hms[0] as u8,
        minute: hms[1] as u8,
        second: hms[2] as u8,
    })
}

/// The `,`-separated values, `?` missing (refused under `@missing false`).
fn series_values(text: &str, missing: Option<bool>) -> Result<Vec<Option<f64>>, TsfProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TsfProblem::NoValues { found: "nothing" });
    }
    let values: Vec<Option<f64>> = text
        .split(',')
        .enumerate()
        .map(|(index, value)| match value.trim() {
            "?" if missing == Some(false) => Err(TsfProblem::UndeclaredMissingValue {
                position: index + 1,
            }),
            "?" => Ok(None),
            number => match number.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(TsfProblem::InvalidValue {
                    position: index + 1,
                    found: number.to_string(),
                }),
            },
        })
        .collect::<Result<_, _>>()?;
    if values.iter().all(Option::is_none) {
        return Err(TsfProblem::NoValues { found: "only ?" });
    }
    Ok(values)
}
