//! What can go wrong scoring a forecast or computing a baseline.

use std::path::PathBuf;

use thiserror::Error;

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
}
