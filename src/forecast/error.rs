//! What can go wrong scoring a forecast or computing a baseline.

use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;
use crate::model::ModelError;
use crate::train::TrainError;

/// A mistake in the series, forecasts or options given to a forecasting metric or baseline,
/// one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ForecastError {
    /// A forecast (or interval bound) of another length than the actual values it is scored on.
    #[error(
        "forecast length mismatch: expected {expected} {what} (one per actual value), found {found}"
    )]
    LengthMismatch {
        /// What was counted: "forecasts", "lower bounds" or "upper bounds".
        what: &'static str,
        /// The number of actual values.
        expected: usize,
        /// The number given.
        found: usize,
    },
    /// No actual values to score, or a horizon of 0.
    #[error("empty forecast: expected a horizon of at least 1 step, found 0")]
    EmptyHorizon,
    /// A NaN or infinite value.
    #[error(
        "non-finite value in the {what} at step {step}: expected a finite number, found {value}"
    )]
    NonFinite {
        /// Which series: "actual values", "forecasts", "history", ...
        what: &'static str,
        /// The step (0-based).
        step: usize,
        /// The value found.
        value: f64,
    },
    /// A seasonal lag of 0.
    #[error("invalid seasonal lag: expected at least 1, found 0")]
    ZeroSeason,
    /// A history too short for the baseline or the scale asked for.
    #[error("history too short for {what}: expected at least {expected} points, found {found}")]
    HistoryTooShort {
        /// What needs the history: "the naive forecast", "MASE's scale", ...
        what: &'static str,
        /// The points needed.
        expected: usize,
        /// The points given.
        found: usize,
    },
    /// A quantile outside (0, 1).
    #[error("invalid quantile: expected a value in (0, 1), found {found}")]
    InvalidQuantile {
        /// The quantile given.
        found: f64,
    },
    /// No series where at least one is needed.
    #[error("no series: expected at least one series, found none")]
    NoSeries,
    /// A series without any value.
    #[error("empty series {series}: expected at least one value, found none")]
    EmptySeries {
        /// The series (0-based).
        series: usize,
    },
    /// A NaN or infinite value in a series.
    #[error(
        "non-finite value in series {series} at step {step}: expected a finite number, found {value}"
    )]
    NonFiniteInSeries {
        /// The series (0-based).
        series: usize,
        /// The step (0-based).
        step: usize,
        /// The value found.
        value: f64,
    },
    /// A missing value where [`MissingPolicy::Error`](super::MissingPolicy::Error) refuses
    /// them, or a series with no known value at all.
    #[error(
        "missing value in series {series} at step {step}: expected a number (or a MissingPolicy that fills gaps)"
    )]
    MissingValue {
        /// The series (0-based).
        series: usize,
        /// The step (0-based).
        step: usize,
    },
    /// A step (or a series) with another number of values than the others.
    #[error(
        "{what} of series {series} at step {step}: expected {expected} per step, found {found}"
    )]
    WidthMismatch {
        /// What was counted: "values", "past covariates" or "future covariates".
        what: &'static str,
        /// The series (0-based).
        series: usize,
        /// The step (0-based).
        step: usize,
        /// The width of the first step (or series).
        expected: usize,
        /// The width found.
        found: usize,
    },
    /// Covariates of a length that does not fit their series.
    #[error("{kind} covariates of series {series:?}: expected {} {expected} steps (the series' length), found {found}", if *kind == "past" { "exactly" } else { "at least" })]
    CovariateLength {
        /// "past" or "future".
        kind: &'static str,
        /// The series' name.
        series: String,
        /// The series' length.
        expected: usize,
        /// The rows given.
        found: usize,
    },
    /// Covariates a model cannot use: future ones for the direct model, past ones for the
    /// autoregressive model (it would need them beyond the series' end).
    #[error(
        "{kind} covariates with the {model} model: expected {expected}, found {kind} covariates"
    )]
    CovariatesUnsupported {
        /// The model: "direct" or "autoregressive".
        model: &'static str,
        /// "past" or "future".
        kind: &'static str,
        /// What the model reads.
        expected: &'static str,
    },
    /// Future covariates that end before the forecast does.
    #[error(
        "future covariates of series {series:?} end too soon: expected {expected} steps (history and forecast), found {found}"
    )]
    CovariatesTooShort {
        /// The series' name.
        series: String,
        /// The steps needed.
        expected: usize,
        /// The steps given.
        found: usize,
    },
    /// A size option of 0.
    #[error("invalid {what}: expected at least 1, found 0")]
    ZeroSize {
        /// The option: "input_len", "horizon", "stride", "hidden_size", "samples", ...
        what: &'static str,
    },
    /// A rate outside `[0, 1)`.
    #[error("invalid {what}: expected a value in [0, 1), found {found}")]
    RateOutOfRange {
        /// The option.
        what: &'static str,
        /// The value given.
        found: f64,
    },
    /// An interval level outside (0, 1), or one the quantiles learnt do not reach.
    #[error(
        "invalid interval level {level}: expected a level in (0, 1) whose bounds lie within the learnt quantiles [{lowest}, {highest}]"
    )]
    IntervalLevel {
        /// The level given.
        level: f64,
        /// The lowest quantile the bounds may use.
        lowest: f64,
        /// The highest.
        highest: f64,
    },
    /// A trainer config whose objective is not the forecaster's likelihood's.
    #[error(
        "trainer objective mismatch: expected {expected} (the forecaster's likelihood), found {found}"
    )]
    ObjectiveMismatch {
        /// The objective the likelihood trains with.
        expected: String,
        /// The trainer's.
        found: String,
    },
    /// A random validation split, which would put windows from after the training windows'
    /// targets into training.
    #[error(
        "random validation split in a forecast: expected validation_fraction None (use ForecasterConfig::with_validation for the last horizon of each series), found Some({found})"
    )]
    RandomValidationSplit {
        /// The fraction given.
        found: f64,
    },
    /// No series long enough for one training window.
    #[error(
        "no training window: expected a series of at least {expected} steps (input_len + horizon), found at most {found}"
    )]
    NoTrainingWindow {
        /// input_len + horizon (and the validation horizon).
        expected: usize,
        /// The longest series.
        found: usize,
    },
    /// A training series shorter than one window, without
    /// [`skip_short_series`](crate::forecast::ForecasterConfig::skip_short_series).
    #[error(
        "series {series} ({name:?}) too short to train on: expected at least {expected} steps (input_len + horizon{validation}), found {found}; hold it out or set skip_short_series"
    )]
    SeriesTooShort {
        /// The series (0-based).
        series: usize,
        /// Its name.
        name: String,
        /// The steps one window needs.
        expected: usize,
        /// Its steps.
        found: usize,
        /// ", + horizon for validation" when the validation horizon counts.
        validation: &'static str,
    },
    /// Series other than those the forecaster was fitted on.
    #[error(
        "forecaster applied to other series: expected {expected} series with {components} values per step, found {found} with {found_components}"
    )]
    OtherSeries {
        /// The series it was fitted on.
        expected: usize,
        /// Their components.
        components: usize,
        /// The series given.
        found: usize,
        /// Their components.
        found_components: usize,
    },
    /// A forecast file that could not be written.
    #[error("could not write {path:?}: {reason}")]
    WriteFailed {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The forecaster's model could not be built or run.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Training failed (a divergence, a checkpoint that could not be written, ...).
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The training windows did not make a dataset.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A scaler applied to another number of series than it was fitted on.
    #[error(
        "scaler applied to other series: expected the {expected} series it was fitted on, found {found}"
    )]
    SeriesCountMismatch {
        /// The series it was fitted on.
        expected: usize,
        /// The series given.
        found: usize,
    },
    /// A series index beyond those a scaler was fitted on.
    #[error("series {index} out of range: the scaler was fitted on {series} series")]
    SeriesOutOfRange {
        /// The index given (0-based).
        index: usize,
        /// The series it was fitted on.
        series: usize,
    },
    /// A scaler file that could not be written, read or trusted.
    #[error("scaler file {path:?}: {reason}")]
    ScalerFile {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// An interval whose lower bound is above its upper bound.
    #[error(
        "interval out of order at step {step}: expected lower <= upper, found {lower} > {upper}"
    )]
    IntervalOutOfOrder {
        /// The step (0-based).
        step: usize,
        /// The lower bound given.
        lower: f64,
        /// The upper bound given.
        upper: f64,
    },
    /// A forecast plot that could not be drawn or written (or a path not ending in `.svg`);
    /// any earlier file at the path is left intact.
    #[error("could not plot the forecast to {path:?}: {problem}")]
    PlotFailed {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
}

impl ForecastError {
    /// The error with its series index set to `series` (errors raised while checking one
    /// series, before it knew its place in a set).
    pub(crate) fn in_series(self, series: usize) -> Self {
        match self {
            Self::EmptySeries { .. } => Self::EmptySeries { series },
            Self::NonFiniteInSeries { step, value, .. } => Self::NonFiniteInSeries {
                series,
                step,
                value,
            },
            Self::WidthMismatch {
                what,
                step,
                expected,
                found,
                ..
            } => Self::WidthMismatch {
                what,
                series,
                step,
                expected,
                found,
            },
            Self::MissingValue { step, .. } => Self::MissingValue { series, step },
            other => other,
        }
    }
}
