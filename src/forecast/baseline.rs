//! The naive and seasonal-naive forecasts: the baselines a forecast must beat.

use super::ForecastError;
use super::metrics::check_finite;

/// The last value of `history`, repeated `horizon` times.
///
/// # Errors
/// [`EmptyHorizon`](ForecastError::EmptyHorizon) for a horizon of 0,
/// [`HistoryTooShort`](ForecastError::HistoryTooShort) for an empty history,
/// [`NonFinite`](ForecastError::NonFinite) in it.
pub fn naive(history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError> {
    seasonal_naive(history, horizon, 1)
}

/// The value one season earlier: `f_{n+h} = y_{n+h-m·k}` with `k = ceil(h/m)`, so the last
/// season of `history` repeated for `horizon` steps.
///
/// ```
/// use recurrent::forecast::seasonal_naive;
///
/// // The last season [3, 4] repeated: 3, 4, 3.
/// assert_eq!(seasonal_naive(&[1.0, 2.0, 3.0, 4.0], 3, 2)?, vec![3.0, 4.0, 3.0]);
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
///
/// # Errors
/// As [`naive`]; [`ZeroSeason`](ForecastError::ZeroSeason), and
/// [`HistoryTooShort`](ForecastError::HistoryTooShort) for fewer than `season` points.
pub fn seasonal_naive(
    history: &[f64],
    horizon: usize,
    season: usize,
) -> Result<Vec<f64>, ForecastError> {
    if season == 0 {
        return Err(ForecastError::ZeroSeason);
    }
    if horizon == 0 {
        return Err(ForecastError::EmptyHorizon);
    }
    if history.len() < season {
        return Err(ForecastError::HistoryTooShort {
            what: if season == 1 {
                "the naive forecast"
            } else {
                "the seasonal-naive forecast"
            },
            expected: season,
            found: history.len(),
        });
    }
    check_finite("history", history)?;
    let last_season = &history[history.len() - season..];
    Ok((0..horizon).map(|h| last_season[h % season]).collect())
}
