//! What can be wrong in a `.tsf` file, one variant per mistake.

/// What was wrong with a `.tsf` file (inside [`DataError::TsfFormat`](crate::data::DataError::TsfFormat),
/// which adds the file and line). Fields and positions are 1-based, like lines.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TsfProblem {
    // ---- header ----
    /// An `@` tag that is not part of the format.
    #[error(
        "unknown header tag @{tag}: expected one of @relation, @attribute, @frequency, @horizon, @missing, @equallength, @data"
    )]
    UnknownTag {
        /// The tag as written, without the `@`.
        tag: String,
    },
    /// A tag without the value it needs.
    #[error("@{tag} needs a value: expected {expected} after it, found nothing")]
    MissingTagValue {
        /// The tag.
        tag: &'static str,
        /// What it takes.
        expected: &'static str,
    },
    /// Text after a tag that takes nothing more, or more words than it takes.
    #[error("expected nothing more after @{tag}, found {found:?}")]
    UnexpectedTagValue {
        /// The tag.
        tag: &'static str,
        /// The surplus text.
        found: String,
    },
    /// A tag given twice (every tag but `@attribute`).
    #[error("@{tag} repeated: expected it once, found it already on line {first_line}")]
    RepeatedTag {
        /// The tag.
        tag: &'static str,
        /// The line of its first occurrence.
        first_line: usize,
    },
    /// A boolean tag whose value is neither `true` nor `false`.
    #[error("expected @{tag} true or false, found {found:?}")]
    InvalidBool {
        /// The tag.
        tag: &'static str,
        /// The value as written.
        found: String,
    },
    /// `@horizon` with a value that is not a positive integer.
    #[error("expected @horizon followed by a positive integer, found {found:?}")]
    InvalidHorizon {
        /// The value as written.
        found: String,
    },
    /// A `@frequency` the archive does not use.
    #[error(
        "unknown frequency {found:?}: expected one of 4_seconds, minutely, 10_minutes, half_hourly, hourly, daily, weekly, monthly, quarterly, yearly"
    )]
    UnknownFrequency {
        /// The frequency as written.
        found: String,
    },
    /// An `@attribute` of a kind other than `numeric`, `string` or `date`.
    #[error("attribute {name:?} has kind {found:?}: expected numeric, string or date")]
    UnknownAttributeKind {
        /// The attribute.
        name: String,
        /// The kind as written.
        found: String,
    },
    /// Two `@attribute` lines of one name.
    #[error("attribute {name:?} declared twice: expected each attribute name once")]
    DuplicateAttribute {
        /// The name.
        name: String,
    },
    /// `@data` without any `@attribute` before it.
    #[error("no @attribute before @data: expected at least one attribute (such as series_name)")]
    NoAttributes,
    /// An `@` line among the series.
    #[error("header tag @{tag} after @data: expected every header tag before @data")]
    HeaderAfterData {
        /// The tag as written, without the `@`.
        tag: String,
    },
    /// A series line before `@data`.
    #[error("series before @data: expected header tags (or comments) until @data, found data")]
    DataBeforeHeader,
    /// No `@data` line at all.
    #[error("no @data line: expected the header to end with @data followed by the series")]
    NoDataTag,
    /// `@data` with no series after it.
    #[error("no series after @data: expected at least one series line, found none")]
    NoSeries,

    // ---- series ----
    /// A series line with another number of `:`-separated fields than the header implies.
    #[error(
        "expected {expected} ':'-separated fields (one per @attribute, then the values), found {found}"
    )]
    FieldCount {
        /// The header's attributes plus one.
        expected: usize,
        /// The fields on the line.
        found: usize,
    },
    /// A `numeric` attribute's value that is not a finite number.
    #[error(
        "attribute {name:?} (field {field}) is numeric: expected a finite number, found {found:?}"
    )]
    InvalidNumber {
        /// The attribute.
        name: String,
        /// The field (1-based).
        field: usize,
        /// The value as written.
        found: String,
    },
    /// A `date` attribute's value not written `YYYY-MM-DD HH-MM-SS`, or not a real time.
    #[error(
        "attribute {name:?} (field {field}) is a date: expected YYYY-MM-DD HH-MM-SS, found {found:?}"
    )]
    InvalidDate {
        /// The attribute.
        name: String,
        /// The field (1-based).
        field: usize,
        /// The value as written.
        found: String,
    },
    /// A series value that is neither a finite number nor `?`.
    #[error("expected a finite number or ? at position {position} of the series, found {found:?}")]
    InvalidValue {
        /// The position (1-based).
        position: usize,
        /// The value as written.
        found: String,
    },
    /// A `?` in a file whose header says `@missing false`.
    #[error(
        "missing value at position {position}: the header says @missing false, so expected a number, found ?"
    )]
    UndeclaredMissingValue {
        /// The position (1-based).
        position: usize,
    },
    /// A series whose values are all missing (or that has none).
    #[error("series without values: expected at least one number, found {found}")]
    NoValues {
        /// What the line held instead: "nothing" or "only ?".
        found: &'static str,
    },
    /// A series of another length than the first, under `@equallength true`.
    #[error(
        "series of {found} values: the header says @equallength true, so expected {expected} like the first series"
    )]
    UnequalLength {
        /// The first series' length.
        expected: usize,
        /// This series' length.
        found: usize,
    },
}
