//! What can go wrong building, reading or transforming sequence data.

use std::path::PathBuf;

use thiserror::Error;

use crate::plural::count;

/// A mistake in sequence data, a data file or a data option, one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DataError {
    /// Inputs whose length does not match their declared shape, or a zero-sized shape.
    #[error("data shape mismatch for {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being checked.
        what: &'static str,
        /// What the shape requires.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A dataset with no sequences where at least one is needed.
    #[error("empty dataset: expected at least one sequence, found none")]
    EmptyDataset,
    /// A sequence without any step.
    #[error("empty sequence {sequence}: expected at least one step, found none")]
    EmptySequence {
        /// The sequence (0-based).
        sequence: usize,
    },
    /// Steps of different widths where all must be equal.
    #[error(
        "ragged sequences: a step of sequence {sequence} has {}, expected {} like the first step of sequence 0",
        count(*.found, .what),
        count(*.expected, .what)
    )]
    RaggedSequences {
        /// The first sequence with a step that differs.
        sequence: usize,
        /// What is counted per step, in the singular: `"feature"`.
        what: &'static str,
        /// The count of the first sequence's first step.
        expected: usize,
        /// The count of this sequence's step.
        found: usize,
    },
    /// Targets whose count does not match the sequences.
    #[error("target count mismatch for {kind}: expected {expected}, found {found}")]
    TargetCountMismatch {
        /// The kind of targets.
        kind: &'static str,
        /// What the inputs require.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A binary label that is neither 0 nor 1.
    #[error("invalid binary label for sequence {sequence}: expected 0.0 or 1.0, found {value}")]
    InvalidBinaryLabel {
        /// The sequence.
        sequence: usize,
        /// The label.
        value: f32,
    },
    /// A class label outside `0..num_classes`.
    #[error(
        "class out of range for sequence {sequence}: expected a label below {num_classes}, found {label}"
    )]
    ClassOutOfRange {
        /// The sequence.
        sequence: usize,
        /// The label.
        label: usize,
        /// The number of classes.
        num_classes: usize,
    },
    /// NaN or infinity among the values given to
    /// [`Normalizer::transform_values`](crate::data::Normalizer::transform_values) (steps of
    /// the normaliser's features, one after another); nothing is changed.
    #[error(
        "non-finite value to normalise at index {index} (step {step}, feature {feature}): expected a finite number, found {value}"
    )]
    NonFiniteToNormalize {
        /// The value's index in the slice.
        index: usize,
        /// Its step (`index / num_features`).
        step: usize,
        /// Its feature (`index % num_features`).
        feature: usize,
        /// The value.
        value: f32,
    },
    /// A data loader asked for batches of zero sequences.
    #[error("invalid batch size: expected at least 1 sequence per batch, found 0")]
    ZeroBatchSize,
    /// NaN or infinity in the inputs or targets.
    #[error(
        "non-finite {what} value in sequence {sequence}: expected a finite number, found {value}"
    )]
    NonFiniteValue {
        /// `"input"` or `"target"`.
        what: &'static str,
        /// The sequence.
        sequence: usize,
        /// The value.
        value: f32,
    },
    /// A split fraction that leaves one side empty.
    #[error(
        "invalid split fraction: expected 0 < fraction < 1 leaving both parts of {} non-empty, found {fraction}",
        count(*.len, "sequence")
    )]
    InvalidSplitFraction {
        /// The fraction given.
        fraction: f64,
        /// The dataset's size.
        len: usize,
    },
    /// A validation fraction outside `(0, 1)`.
    #[error("invalid validation fraction: expected 0 < fraction < 1, found {fraction}")]
    InvalidValidationFraction {
        /// The fraction given.
        fraction: f64,
    },
    /// A validation fraction that leaves the validation part (or the training part) empty.
    #[error(
        "empty validation split: expected a validation fraction that puts at least one of the {} in each part, found {fraction}",
        count(*.len, "sequence")
    )]
    EmptyValidationPart {
        /// The fraction given.
        fraction: f64,
        /// The dataset's size.
        len: usize,
    },
    /// A validation fraction that would take every sequence of a class out of the training
    /// part.
    #[error(
        "validation fraction {fraction} leaves class {class} out of the training part: expected a fraction that keeps at least one of its {} for training",
        count(*.sequences, "sequence")
    )]
    ClassLeftOutOfTraining {
        /// The class.
        class: usize,
        /// How many sequences it has.
        sequences: usize,
        /// The fraction given.
        fraction: f64,
    },
    /// An index past the end of a dataset.
    #[error("index out of range: expected an index below {len}, found {index}")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// The dataset's size.
        len: usize,
    },
    /// A data generator's options that cannot produce data.
    #[error("invalid {generator} config: {reason}")]
    InvalidGeneratorConfig {
        /// The generator.
        generator: &'static str,
        /// What is wrong, with the expected and found values.
        reason: String,
    },
    /// A normaliser's statistics that cannot standardise data.
    #[error("invalid normaliser: expected {expected}, found {found}")]
    InvalidNormalizer {
        /// What a normaliser needs.
        expected: &'static str,
        /// What was given.
        found: String,
    },
    /// Data whose features differ from those a normaliser was fitted on.
    #[error(
        "feature mismatch: expected {} per step (the normaliser's), found {found}",
        count(*.expected, "feature")
    )]
    FeatureMismatch {
        /// The normaliser's features.
        expected: usize,
        /// The data's features.
        found: usize,
    },
    /// A `.ts` file that does not follow the format or contradicts its own header.
    #[error("{file}: line {line}: {problem}")]
    TsFormat {
        /// The file (or `"<text>"` for parsed text).
        file: String,
        /// The 1-based line.
        line: usize,
        /// What was wrong.
        problem: TsProblem,
    },
    /// A `.tsf` file that does not follow the format or contradicts its own header.
    #[error("{file}: line {line}: {problem}")]
    TsfFormat {
        /// The file (or `"<text>"` for parsed text).
        file: String,
        /// The 1-based line.
        line: usize,
        /// What was wrong.
        problem: crate::data::tsf::TsfProblem,
    },
    /// A series CSV file that does not follow its header or the options.
    #[error("{file}: line {line}: {problem}")]
    CsvFormat {
        /// The file (or `"<text>"` for parsed text).
        file: String,
        /// The 1-based line.
        line: usize,
        /// What was wrong.
        problem: crate::data::CsvProblem,
    },
    /// A data file (a `.ts` file, a saved normaliser) that could not be read or parsed.
    #[error("could not read {path:?}: {reason}")]
    FileUnreadable {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Writing a data file (a normaliser) failed; any earlier file at the path is left intact.
    #[error("could not write {path:?}: {reason}")]
    WriteFailed {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// What was wrong with a `.ts` file (inside [`DataError::TsFormat`], which adds the file
/// and line). Dimensions and positions are 1-based, like lines.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TsProblem {
    // ---- header ----
    /// An `@` tag that is not part of the format.
    #[error(
        "unknown header tag @{tag}: expected one of @problemName, @timeStamps, @missing, @univariate, @dimensions, @equalLength, @seriesLength, @classLabel, @targetLabel, @data"
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
        /// What kind of value it takes.
        expected: &'static str,
    },
    /// A boolean tag whose value is neither `true` nor `false`.
    #[error("expected @{tag} true or false, found {found:?}")]
    InvalidBool {
        /// The tag.
        tag: &'static str,
        /// The value as written.
        found: String,
    },
    /// A count tag whose value is not a positive integer.
    #[error("expected @{tag} followed by a positive integer, found {found:?}")]
    InvalidCount {
        /// The tag.
        tag: &'static str,
        /// The value as written.
        found: String,
    },
    /// Text after a tag that takes nothing more (`@data`, `@classLabel false`).
    #[error("expected nothing more after @{tag}, found {found:?}")]
    UnexpectedTagValue {
        /// The tag.
        tag: &'static str,
        /// The surplus text.
        found: String,
    },
    /// A tag given twice.
    #[error(
        "@{tag} repeated: expected each header tag once, found it already on line {first_line}"
    )]
    RepeatedTag {
        /// The tag.
        tag: &'static str,
        /// The line of its first occurrence.
        first_line: usize,
    },
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
    #[error(
        "no @data line: expected the header to end with @data followed by the series, found none"
    )]
    NoDataTag,
    /// `@data` with no series after it.
    #[error("no series after @data: expected at least one series line, found none")]
    NoSeries,
    /// `@timeStamps true`, which this reader does not support.
    #[error(
        "@timeStamps true is not supported: expected @timeStamps false (series of plain values, without time stamps)"
    )]
    TimestampsUnsupported,
    /// `@classLabel true` without any label after it.
    #[error("@classLabel true has no labels: expected the class labels after it, found none")]
    NoClassLabels,
    /// A class label listed twice in `@classLabel`.
    #[error("duplicate class label {label:?} in @classLabel: expected each label once")]
    DuplicateClassLabel {
        /// The repeated label.
        label: String,
    },
    /// Both `@classLabel true` and `@targetLabel true`.
    #[error(
        "both @classLabel true and @targetLabel true: expected either class labels or a regression target, found both"
    )]
    ClassAndTarget,
    /// Neither `@classLabel true` nor `@targetLabel true`.
    #[error(
        "the file has no class or target labels: expected @classLabel true <labels> or @targetLabel true before @data (unlabelled data is not supported)"
    )]
    NoLabels,
    /// `@univariate true` with `@dimensions` other than 1.
    #[error("@univariate true contradicts @dimensions {dimensions}: expected 1 dimension")]
    UnivariateDimensions {
        /// The `@dimensions` value.
        dimensions: usize,
    },

    // ---- series ----
    /// A series line without a `:` before its label.
    #[error(
        "no label: expected the series' dimensions followed by ':' and the label, found no ':'"
    )]
    MissingLabel,
    /// A series with another number of dimensions than the header (or the first series).
    #[error(
        "expected {} (from {expected_from}), found {found}",
        count(*.expected, "dimension")
    )]
    DimensionCount {
        /// The number of dimensions required.
        expected: usize,
        /// Where that number comes from: `"@dimensions"`, `"@univariate true"` or
        /// `"the first series"`.
        expected_from: &'static str,
        /// The number of dimensions of this series.
        found: usize,
    },
    /// A class label not listed in `@classLabel`.
    #[error("unknown class label {label:?}: expected one of {allowed:?} (from @classLabel)")]
    UnknownClass {
        /// The label as written.
        label: String,
        /// The labels `@classLabel` lists.
        allowed: Vec<String>,
    },
    /// A regression target that is not a finite number.
    #[error("invalid regression target: expected a finite number, found {found:?}")]
    InvalidTarget {
        /// The target as written.
        found: String,
    },
    /// A value that is not a number.
    #[error("expected a number at dimension {dimension}, position {position}, found {found:?}")]
    NotANumber {
        /// The dimension (1-based).
        dimension: usize,
        /// The position in the dimension (1-based).
        position: usize,
        /// The value as written.
        found: String,
    },
    /// A value that is infinite (or beyond `f32`'s range).
    #[error(
        "expected a finite number at dimension {dimension}, position {position}, found {found:?} (infinite as f32)"
    )]
    InfiniteValue {
        /// The dimension (1-based).
        dimension: usize,
        /// The position in the dimension (1-based).
        position: usize,
        /// The value as written.
        found: String,
    },
    /// A missing value (`?` or `NaN`) in a file whose header says `@missing false`.
    #[error(
        "missing value at dimension {dimension}, position {position}: the header says @missing false, so expected a number, found {found:?}"
    )]
    UndeclaredMissingValue {
        /// The dimension (1-based).
        dimension: usize,
        /// The position in the dimension (1-based).
        position: usize,
        /// The value as written.
        found: String,
    },
    /// A missing value read with [`MissingValues::Error`](crate::data::MissingValues::Error).
    #[error(
        "missing value at dimension {dimension}, position {position}: expected a number (MissingValues::Error), found {found:?}; read with MissingValues::Fill or MissingValues::Interpolate to accept missing values"
    )]
    MissingValueRejected {
        /// The dimension (1-based).
        dimension: usize,
        /// The position in the dimension (1-based).
        position: usize,
        /// The value as written.
        found: String,
    },
    /// A dimension whose values are all missing, read with [`MissingValues::Interpolate`](crate::data::MissingValues::Interpolate).
    #[error(
        "nothing to interpolate in dimension {dimension}: expected at least one present value, found only missing ones"
    )]
    NothingToInterpolate {
        /// The dimension (1-based).
        dimension: usize,
    },
    /// A dimension without any value.
    #[error("empty dimension {dimension}: expected at least one value, found none")]
    EmptyDimension {
        /// The dimension (1-based).
        dimension: usize,
    },
    /// Dimensions of one series with different lengths.
    #[error(
        "dimension {dimension} has {}, expected {expected} like dimension 1 (dimensions of different lengths within a series are not supported)",
        count(*.found, "value")
    )]
    RaggedDimensions {
        /// The first dimension (1-based) that differs.
        dimension: usize,
        /// The length of the series' first dimension.
        expected: usize,
        /// This dimension's length.
        found: usize,
    },
    /// Under `@equalLength true`, a series of another length than the first.
    #[error(
        "@equalLength true: expected {} per dimension like the first series, found {found}",
        count(*.expected, "value")
    )]
    UnequalLength {
        /// The first series' length.
        expected: usize,
        /// This series' length.
        found: usize,
    },
    /// Under `@equalLength true`, a series of another length than `@seriesLength`.
    #[error(
        "expected {} per dimension (from @seriesLength), found {found}",
        count(*.expected, "value")
    )]
    SeriesLength {
        /// The `@seriesLength` value.
        expected: usize,
        /// This series' length.
        found: usize,
    },
}
