//! Monash forecasting archive `.tsf` files (Godahewa et al. 2021): a header of `@relation`,
//! `@attribute NAME numeric|string|date`, `@frequency`, `@horizon`, `@missing` and
//! `@equallength`, then after `@data` one series a line: its attribute values and its values,
//! `:`-separated, the values `,`-separated with `?` for a missing one.
//!
//! ```
//! use recurrent::data::tsf::{AttributeValue, Frequency, parse_tsf};
//!
//! let text = "\
//! @relation sales
//! @attribute series_name string
//! @attribute start_timestamp date
//! @frequency monthly
//! @horizon 2
//! @missing true
//! @equallength false
//! @data
//! T1:2020-01-01 00-00-00:1,2,3,4.5
//! T2:2021-06-01 00-00-00:10,?,12
//! ";
//! let data = parse_tsf(text)?;
//! assert_eq!(data.header.frequency, Some(Frequency::Monthly));
//! assert_eq!((data.header.horizon, Frequency::Monthly.season()), (Some(2), 12));
//! assert_eq!(data.series[1].name, "T2");
//! assert_eq!(data.series[1].values, vec![Some(10.0), None, Some(12.0)]);
//! let AttributeValue::Date(start) = &data.series[0].attributes[1] else { panic!() };
//! assert_eq!((start.year, start.month, start.day), (2020, 1, 1));
//! # Ok::<(), recurrent::DataError>(())
//! ```

mod parse;
mod problem;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::data::DataError;

pub use problem::TsfProblem;

/// A whole `.tsf` file: its header and its series, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct TsfData {
    /// The header.
    pub header: TsfHeader,
    /// The series, one per `@data` line.
    pub series: Vec<TsfSeries>,
}

/// A `.tsf` header. Tags the file leaves out are `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TsfHeader {
    /// `@relation`: the dataset's name.
    pub relation: Option<String>,
    /// `@attribute` lines, in order: the fields each series line starts with.
    pub attributes: Vec<TsfAttribute>,
    /// `@frequency`.
    pub frequency: Option<Frequency>,
    /// `@horizon`: the steps to forecast.
    pub horizon: Option<usize>,
    /// `@missing`: whether values may be missing (`?`).
    pub missing: Option<bool>,
    /// `@equallength`: whether every series has the same length.
    pub equal_length: Option<bool>,
}

/// One `@attribute NAME KIND` line.
#[derive(Debug, Clone, PartialEq)]
pub struct TsfAttribute {
    /// The attribute's name.
    pub name: String,
    /// Its kind.
    pub kind: AttributeKind,
}

/// What an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    /// A number.
    Numeric,
    /// Text.
    String,
    /// A time stamp, written `YYYY-MM-DD HH-MM-SS`.
    Date,
}

/// One series' value of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A `numeric` attribute's value.
    Numeric(f64),
    /// A `string` attribute's value.
    String(String),
    /// A `date` attribute's value.
    Date(TsfDate),
}

/// A time stamp as `.tsf` files write it, `YYYY-MM-DD HH-MM-SS` (hyphens in the time, since `:`
/// separates fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TsfDate {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 59.
    pub second: u8,
}

/// One series of a `.tsf` file.
#[derive(Debug, Clone, PartialEq)]
pub struct TsfSeries {
    /// The value of its first `string` attribute (the archive's `series_name`), or
    /// `"series N"` (1-based) when the header has none.
    pub name: String,
    /// Its attribute values, one per header attribute, in order.
    pub attributes: Vec<AttributeValue>,
    /// Its values in time order; `None` where the file has `?`.
    pub values: Vec<Option<f64>>,
}

/// The `@frequency` values of the Monash archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// `4_seconds`.
    FourSeconds,
    /// `minutely`.
    Minutely,
    /// `10_minutes`.
    TenMinutes,
    /// `half_hourly`.
    HalfHourly,
    /// `hourly`.
    Hourly,
    /// `daily`.
    Daily,
    /// `weekly`.
    Weekly,
    /// `monthly`.
    Monthly,
    /// `quarterly`.
    Quarterly,
    /// `yearly`.
    Yearly,
}

impl Frequency {
    /// Every frequency, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [Frequency; 10] = [
        Frequency::FourSeconds,
        Frequency::Minutely,
        Frequency::TenMinutes,
        Frequency::HalfHourly,
        Frequency::Hourly,
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Yearly,
    ];
    /// The names `.tsf` files write.
    pub const NAMES: [&'static str; 10] = [
        "4_seconds",
        "minutely",
        "10_minutes",
        "half_hourly",
        "hourly",
        "daily",
        "weekly",
        "monthly",
        "quarterly",
        "yearly",
    ];

    /// The seasonal lag the Monash archive scales MASE with: a day of minutes (1440), of
    /// 10 minutes (144), of half hours (48) and of hours (24), a week of days (7), a year of
    /// weeks (52, for their 365.25 / 7), of months (12) and of quarters (4); 1 for yearly and
    /// 4-second series (the archive gives them no season).
    pub fn season(self) -> usize {
        match self {
            Frequency::FourSeconds | Frequency::Yearly => 1,
            Frequency::Minutely => 1440,
            Frequency::TenMinutes => 144,
            Frequency::HalfHourly => 48,
            Frequency::Hourly => 24,
            Frequency::Daily => 7,
            Frequency::Weekly => 52,
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
        }
    }

    /// The name `.tsf` files write.
    pub fn name(self) -> &'static str {
        let index = Self::ALL.iter().position(|&f| f == self).unwrap_or(0);
        Self::NAMES[index]
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Frequency {
    type Err = TsfProblem;

    /// A frequency by its `.tsf` name.
    fn from_str(name: &str) -> Result<Self, TsfProblem> {
        Self::NAMES
            .iter()
            .position(|&known| known == name)
            .map(|index| Self::ALL[index])
            .ok_or_else(|| TsfProblem::UnknownFrequency {
                found: name.to_string(),
            })
    }
}

/// Reads a `.tsf` file.
///
/// # Errors
/// [`FileUnreadable`](DataError::FileUnreadable) when the file cannot be read;
/// [`TsfFormat`](DataError::TsfFormat), naming the file, the line and the
/// [`TsfProblem`], for anything that does not follow the format or contradicts the header.
pub fn read_tsf(path: impl AsRef<Path>) -> Result<TsfData, DataError> {
    let path = path.as_ref();
    let text = crate::data::read_data_file(path)?;
    parse::read(&text, &path.display().to_string())
}

/// Parses the text of a `.tsf` file (errors name the file `"<text>"`).
///
/// # Errors
/// As [`read_tsf`], without the unreadable file.
pub fn parse_tsf(text: &str) -> Result<TsfData, DataError> {
    parse::read(text, "<text>")
}
