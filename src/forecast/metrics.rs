//! Point and interval metrics of a forecast against the held-out actual values, per series, and
//! their mean and median over series.

use super::ForecastError;

/// Checks that `values` are all finite, naming them `what` in the error.
pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<(), ForecastError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(step) => Err(ForecastError::NonFinite {
            what,
            step,
            value: values[step],
        }),
        None => Ok(()),
    }
}

/// Checks a forecast against its actual values: both non-empty, of one length, finite.
fn check_pair(what: &'static str, actual: &[f64], forecast: &[f64]) -> Result<(), ForecastError> {
    if actual.is_empty() {
        return Err(ForecastError::EmptyHorizon);
    }
    if forecast.len() != actual.len() {
        return Err(ForecastError::LengthMismatch {
            what,
            expected: actual.len(),
            found: forecast.len(),
        });
    }
    check_finite("actual values", actual)?;
    check_finite(what, forecast)
}

/// The mean of `per_step(actual, forecast)` over the steps, after [`check_pair`].
fn mean_over_steps(
    actual: &[f64],
    forecast: &[f64],
    per_step: impl Fn(f64, f64) -> f64,
) -> Result<f64, ForecastError> {
    check_pair("forecasts", actual, forecast)?;
    let total: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(&y, &f)| per_step(y, f))
        .sum();
    Ok(total / actual.len() as f64)
}

/// Mean absolute error, `1/h Σ |y_t - f_t|`.
///
/// ```
/// let mae = recurrent::forecast::mae(&[1.0, 2.0, 4.0], &[2.0, 2.0, 1.0])?;
/// assert_eq!(mae, (1.0 + 0.0 + 3.0) / 3.0);
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
///
/// # Errors
/// [`EmptyHorizon`](ForecastError::EmptyHorizon),
/// [`LengthMismatch`](ForecastError::LengthMismatch) or
/// [`NonFinite`](ForecastError::NonFinite).
pub fn mae(actual: &[f64], forecast: &[f64]) -> Result<f64, ForecastError> {
    mean_over_steps(actual, forecast, |y, f| (y - f).abs())
}

/// Root mean squared error, `sqrt(1/h Σ (y_t - f_t)²)`.
///
/// # Errors
/// As [`mae`].
pub fn rmse(actual: &[f64], forecast: &[f64]) -> Result<f64, ForecastError> {
    mean_over_steps(actual, forecast, |y, f| (y - f).powi(2)).map(f64::sqrt)
}

/// Mean absolute percentage error in percent, `100/h Σ |y_t - f_t| / |y_t|`; `None` when an
/// actual value is 0, where it is undefined.
///
/// # Errors
/// As [`mae`].
pub fn mape(actual: &[f64], forecast: &[f64]) -> Result<Option<f64>, ForecastError> {
    let mape = mean_over_steps(actual, forecast, |y, f| 100.0 * (y - f).abs() / y.abs())?;
    Ok(actual.iter().all(|&y| y != 0.0).then_some(mape))
}

/// Symmetric MAPE in percent, as the Monash archive computes it:
/// `200/h Σ |f_t - y_t| / (|f_t| + |y_t|)`, a step with `f_t = y_t = 0` counting 0 (an exact
/// forecast). It lies in `[0, 200]`.
///
/// ```
/// // |3 - 1| / (3 + 1) = 0.5 and an exact step: 200 / 2 * 0.5 = 50.
/// let smape = recurrent::forecast::smape(&[1.0, 0.0], &[3.0, 0.0])?;
/// assert_eq!(smape, 50.0);
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
///
/// # Errors
/// As [`mae`].
pub fn smape(actual: &[f64], forecast: &[f64]) -> Result<f64, ForecastError> {
    mean_over_steps(actual, forecast, |y, f| {
        let scale = y.abs() + f.abs();
        if scale == 0.0 {
            0.0
        } else {
            200.0 * (f - y).abs() / scale
        }
    })
}

/// Mean absolute scaled error: [`mae`] divided by the in-sample mean absolute error of the
/// seasonal-naive forecast of `history` (the training part),
///
/// ```text
/// MASE = MAE / (1/(n-m) Σ_{t=m+1..n} |y_t - y_{t-m}|),
/// ```
///
/// with `m = season`, or `m = 1` when `history` has `season` points or fewer (the Monash
/// fallback). `None` when that scale is 0 (a constant history), where MASE is undefined.
///
/// ```
/// use recurrent::forecast::mase;
///
/// // Lag-2 in-sample errors of [1, 2, 3, 5]: |3 - 1|, |5 - 2|: scale 2.5. MAE 1.
/// assert_eq!(mase(&[1.0, 2.0, 3.0, 5.0], &[6.0], &[5.0], 2)?, Some(1.0 / 2.5));
/// // Four points and a season of 12: lag 1, scale (1 + 1 + 2) / 3.
/// assert_eq!(mase(&[1.0, 2.0, 3.0, 5.0], &[6.0], &[5.0], 12)?, Some(0.75));
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
///
/// # Errors
/// As [`mae`]; [`ZeroSeason`](ForecastError::ZeroSeason),
/// [`HistoryTooShort`](ForecastError::HistoryTooShort) for fewer than 2 points of history, and
/// [`NonFinite`](ForecastError::NonFinite) in the history.
pub fn mase(
    history: &[f64],
    actual: &[f64],
    forecast: &[f64],
    season: usize,
) -> Result<Option<f64>, ForecastError> {
    let scale = naive_scale(history, season)?;
    Ok(scaled(mae(actual, forecast)?, scale))
}

/// `mae / scale`, or `None` for a scale of 0.
fn scaled(mae: f64, scale: f64) -> Option<f64> {
    (scale > 0.0).then(|| mae / scale)
}

/// MASE's denominator: the mean absolute lag-`m` difference of `history`.
fn naive_scale(history: &[f64], season: usize) -> Result<f64, ForecastError> {
    if season == 0 {
        return Err(ForecastError::ZeroSeason);
    }
    if history.len() < 2 {
        return Err(ForecastError::HistoryTooShort {
            what: "MASE's scale",
            expected: 2,
            found: history.len(),
        });
    }
    check_finite("history", history)?;
    let lag = if history.len() > season { season } else { 1 };
    let errors = history.len() - lag;
    let total: f64 = (lag..history.len())
        .map(|t| (history[t] - history[t - lag]).abs())
        .sum();
    Ok(total / errors as f64)
}

/// The fraction of actual values inside their interval `[lower_t, upper_t]` (bounds included).
///
/// # Errors
/// As [`mae`] for each bound, and
/// [`IntervalOutOfOrder`](ForecastError::IntervalOutOfOrder) where `lower_t > upper_t`.
pub fn coverage(actual: &[f64], lower: &[f64], upper: &[f64]) -> Result<f64, ForecastError> {
    check_pair("lower bounds", actual, lower)?;
    check_pair("upper bounds", actual, upper)?;
    if let Some(step) = (0..actual.len()).find(|&t| lower[t] > upper[t]) {
        return Err(ForecastError::IntervalOutOfOrder {
            step,
            lower: lower[step],
            upper: upper[step],
        });
    }
    let inside = (0..actual.len())
        .filter(|&t| lower[t] <= actual[t] && actual[t] <= upper[t])
        .count();
    Ok(inside as f64 / actual.len() as f64)
}

/// The mean quantile (pinball) loss of a forecast of the `quantile`-th quantile:
/// `1/h Σ max(q (y_t - f_t), (q - 1) (y_t - f_t))`. For `q = 0.5` it is half the [`mae`].
///
/// ```
/// // Under-forecasting the 0.9 quantile by 2 costs 0.9 * 2; over-forecasting by 1, 0.1 * 1.
/// let loss = recurrent::forecast::quantile_loss(&[5.0, 5.0], &[3.0, 6.0], 0.9)?;
/// assert!((loss - (1.8 + 0.1) / 2.0).abs() < 1e-12);
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
///
/// # Errors
/// As [`mae`]; [`InvalidQuantile`](ForecastError::InvalidQuantile) outside (0, 1).
pub fn quantile_loss(
    actual: &[f64],
    forecast: &[f64],
    quantile: f64,
) -> Result<f64, ForecastError> {
    if !(quantile > 0.0 && quantile < 1.0) {
        return Err(ForecastError::InvalidQuantile { found: quantile });
    }
    mean_over_steps(actual, forecast, |y, f| {
        let error = y - f;
        (quantile * error).max((quantile - 1.0) * error)
    })
}

/// The point metrics of one series' forecast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastMetrics {
    /// [`mae`].
    pub mae: f64,
    /// [`rmse`].
    pub rmse: f64,
    /// [`mape`], in percent; `None` where an actual value is 0.
    pub mape: Option<f64>,
    /// [`smape`], in percent.
    pub smape: f64,
    /// [`mase`]; `None` for a constant history.
    pub mase: Option<f64>,
}

impl ForecastMetrics {
    /// Every point metric of `forecast` against `actual`, MASE scaled on `history` with the
    /// seasonal lag `season`.
    ///
    /// # Errors
    /// As [`mase`].
    pub fn compute(
        history: &[f64],
        actual: &[f64],
        forecast: &[f64],
        season: usize,
    ) -> Result<Self, ForecastError> {
        let scale = naive_scale(history, season)?;
        let mae = mae(actual, forecast)?;
        Ok(ForecastMetrics {
            mase: scaled(mae, scale),
            mae,
            rmse: rmse(actual, forecast)?,
            mape: mape(actual, forecast)?,
            smape: smape(actual, forecast)?,
        })
    }
}

/// The mean and median of one metric over series, over the series where it is defined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The mean; `None` when no series has the metric.
    pub mean: Option<f64>,
    /// The median (the mean of the two middle values for an even count); `None` likewise.
    pub median: Option<f64>,
    /// The series the metric is defined for.
    pub count: usize,
}

impl Summary {
    /// The mean and median of `values`.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Summary {
        let mut values: Vec<f64> = values.into_iter().collect();
        values.sort_by(f64::total_cmp);
        let count = values.len();
        let median = match count {
            0 => None,
            n if n % 2 == 1 => Some(values[n / 2]),
            n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
        };
        Summary {
            mean: (count > 0).then(|| values.iter().sum::<f64>() / count as f64),
            median,
            count,
        }
    }
}

/// Every point metric summarised over series, as the Monash archive reports them.
///
/// ```
/// use recurrent::forecast::{ForecastMetrics, MetricsSummary};
///
/// let a = ForecastMetrics::compute(&[1.0, 2.0, 3.0], &[4.0], &[5.0], 1)?; // MASE 1 / 1
/// let b = ForecastMetrics::compute(&[1.0, 3.0, 5.0], &[7.0], &[4.0], 1)?; // MASE 3 / 2
/// let c = ForecastMetrics::compute(&[2.0, 2.0, 2.0], &[2.0], &[3.0], 1)?; // constant: none
/// let summary = MetricsSummary::of(&[a, b, c]);
/// assert_eq!(summary.series, 3);
/// assert_eq!((summary.mase.mean, summary.mase.count), (Some(1.25), 2));
/// assert_eq!(summary.mae.median, Some(1.0));
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricsSummary {
    /// The series summarised.
    pub series: usize,
    /// [`mae`] over series.
    pub mae: Summary,
    /// [`rmse`] over series.
    pub rmse: Summary,
    /// [`mape`] over the series where it is defined.
    pub mape: Summary,
    /// [`smape`] over series.
    pub smape: Summary,
    /// [`mase`] over the series where it is defined.
    pub mase: Summary,
}

impl MetricsSummary {
    /// The summary of `metrics`, one per series.
    pub fn of(metrics: &[ForecastMetrics]) -> MetricsSummary {
        MetricsSummary {
            series: metrics.len(),
            mae: Summary::of(metrics.iter().map(|m| m.mae)),
            rmse: Summary::of(metrics.iter().map(|m| m.rmse)),
            mape: Summary::of(metrics.iter().filter_map(|m| m.mape)),
            smape: Summary::of(metrics.iter().map(|m| m.smape)),
            mase: Summary::of(metrics.iter().filter_map(|m| m.mase)),
        }
    }
}
