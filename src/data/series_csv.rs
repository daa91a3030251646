//! Series in a CSV file: a header row of column names, then one row per time step, with a time
//! column (kept as text) and one column per series or variable.

use std::path::Path;

use crate::data::DataError;

/// What was wrong with a series CSV file (inside [`DataError::CsvFormat`], which adds the file
/// and line). Columns are 1-based, like lines.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvProblem {
    /// A file without even a header row.
    #[error("empty file: expected a header row of column names, found nothing")]
    Empty,
    /// A header without data rows.
    #[error("no rows: expected at least one row of values after the header, found none")]
    NoRows,
    /// A row with another number of fields than the header.
    #[error("expected {expected} comma-separated fields like the header, found {found}")]
    FieldCount {
        /// The header's fields.
        expected: usize,
        /// This row's.
        found: usize,
    },
    /// A quoted field without its closing quote.
    #[error("unterminated quote: expected a closing \" in the row")]
    UnterminatedQuote,
    /// A value that is neither a finite number nor missing (empty, `NA`, `NaN` or `?`).
    #[error(
        "column {column} ({name:?}): expected a finite number or a missing value (empty, NA, NaN, ?), found {found:?}"
    )]
    NotANumber {
        /// The column (1-based).
        column: usize,
        /// Its name.
        name: String,
        /// The value as written.
        found: String,
    },
    /// A time column beyond the header's columns.
    #[error("time column {column} does not exist: expected 1 to {columns}")]
    NoSuchTimeColumn {
        /// The time column asked for (1-based).
        column: usize,
        /// The header's columns.
        columns: usize,
    },
    /// A value column asked for by a name the header does not have.
    #[error("no column named {name:?}: expected one of {available:?}")]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The header's names.
        available: Vec<String>,
    },
    /// No column left to read as a series.
    #[error("no value column: expected at least one column besides the time column")]
    NoValueColumns,
}

/// Which columns of a series CSV file to read.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesCsvOptions {
    /// The time column (0-based), kept as text; `None`: no time column. Default 0.
    pub time_column: Option<usize>,
    /// The value columns by name, in this order; `None`: every column but the time column.
    pub columns: Option<Vec<String>>,
}

impl Default for SeriesCsvOptions {
    fn default() -> Self {
        SeriesCsvOptions {
            time_column: Some(0),
            columns: None,
        }
    }
}

/// Series read from a CSV file: one per value column, all of the file's length.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesCsv {
    /// The time column's text, one per row (empty without a time column).
    pub time: Vec<String>,
    /// The value columns' names.
    pub names: Vec<String>,
    /// One series per value column, in time order; `None` where a value is missing.
    pub series: Vec<Vec<Option<f64>>>,
}

/// Reads series from the CSV file at `path` (see [`parse_series_csv`]).
///
/// # Errors
/// [`FileUnreadable`](DataError::FileUnreadable), or as [`parse_series_csv`] naming the file.
pub fn read_series_csv(
    path: impl AsRef<Path>,
    options: &SeriesCsvOptions,
) -> Result<SeriesCsv, DataError> {
    let path = path.as_ref();
    let text = crate::data::read_data_file(path)?;
    parse(&text, &path.display().to_string(), options)
}

/// Parses series from CSV text: a header row, then one row per time step; fields may be quoted
/// (`"a, b"`, with `""` for a quote); missing values are empty, `NA`, `NaN` or `?`.
///
/// ```
/// use recurrent::data::{SeriesCsvOptions, parse_series_csv};
///
/// let text = "Month,Sales,Returns\n2020-01,10,1\n2020-02,12,\n\"2020-03\",15,2\n";
/// let csv = parse_series_csv(text, &SeriesCsvOptions::default())?;
/// assert_eq!(csv.time, ["2020-01", "2020-02", "2020-03"]);
/// assert_eq!(csv.names, ["Sales", "Returns"]);
/// assert_eq!(csv.series[1], [Some(1.0), None, Some(2.0)]);
/// # Ok::<(), recurrent::DataError>(())
/// ```
///
/// # Errors
/// [`CsvFormat`](DataError::CsvFormat) naming `"<text>"`, the line and the [`CsvProblem`].
pub fn parse_series_csv(text: &str, options: &SeriesCsvOptions) -> Result<SeriesCsv, DataError> {
    parse(text, "<text>", options)
}

fn parse(text: &str, file: &str, options: &SeriesCsvOptions) -> Result<SeriesCsv, DataError> {
    let error = |line: usize, problem: CsvProblem| DataError::CsvFormat {
        file: file.to_string(),
        line,
        problem,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    let (header_index, header) = rows.next().ok_or_else(|| error(1, CsvProblem::Empty))?;
    let names = fields(header).map_err(|p| error(header_index + 1, p))?;
    let (time, columns) = select(&names, options).map_err(|p| error(header_index + 1, p))?;
    let mut table = SeriesCsv {
        time: Vec::new(),
        names: columns.iter().map(|&c| names[c].clone()).collect(),
        series: vec![Vec::new(); columns.len()],
    };
    for (index, row) in rows {
        let line = index + 1;
        let values = fields(row).map_err(|p| error(line, p))?;
        if values.len() != names.len() {
            let found = values.len();
            return Err(error(
                line,
                CsvProblem::FieldCount {
                    expected: names.len(),
                    found,
                },
            ));
        }
        if let Some(t) = time {
            table.time.push(values[t].clone());
        }
        for (series, &column) in table.series.iter_mut().zip(&columns) {
            let value = number(&values[column]).ok_or_else(|| {
                error(
                    line,
                    CsvProblem::NotANumber {
                        column: column + 1,
                        name: names[column].clone(),
                        found: values[column].clone(),
                    },
                )
            })?;
            series.push(value);
        }
    }
    if table.series[0].is_empty() {
        return Err(error(header_index + 1, CsvProblem::NoRows));
    }
    Ok(table)
}

/// The time column and the value columns (0-based) that `options` pick from `names`.
fn select(
    names: &[String],
    options: &SeriesCsvOptions,
) -> Result<(Option<usize>, Vec<usize>), CsvProblem> {
    if let Some(t) = options.time_column
        && t >= names.len()
    {
        return Err(CsvProblem::NoSuchTimeColumn {
            column: t + 1,
            columns: names.len(),
        });
    }
    let columns: Vec<usize> = match &options.columns {
        Some(wanted) => wanted
            .iter()
            .map(|name| {
                names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(|| CsvProblem::UnknownColumn {
                        name: name.clone(),
                        available: names.to_vec(),
                    })
            })
            .collect::<Result<_, _>>()?,
        None => (0..names.len())
            .filter(|&c| Some(c) != options.time_column)
            .collect(),
    };
    if columns.is_empty() {
        return Err(CsvProblem::NoValueColumns);
    }
    Ok((options.time_column, columns))
}

/// A row's fields: split at commas outside quotes, quotes removed, `""` read as `"`.
fn fields(row: &str) -> Result<Vec<String>, CsvProblem> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = row.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_string()),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err(CsvProblem::UnterminatedQuote);
    }
    fields.push(field.trim().to_string());
    Ok(fields)
}

/// A value: `Some(None)` when missing, `None` when not a finite number.
fn number(text: &str) -> Option<Option<f64>> {
    match text {
        "" | "NA" | "NaN" | "nan" | "?" => Some(None),
        _ => text.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some),
    }
}
