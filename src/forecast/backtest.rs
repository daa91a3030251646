//! Rolling-origin backtests ([`backtest`]): forecasts from several origins before the end of
//! every series, each scored on the steps after it, retraining at each origin or not.

use burn::tensor::Device;

use super::forecaster::{ForecasterConfig, PredictOptions};
use super::{Forecast, ForecastError, ForecastMetrics, MetricsSummary, SeriesSet};
use crate::train::TrainerConfig;

/// Where a [`backtest`] forecasts from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestConfig {
    /// Forecast origins per series. The last one leaves exactly the model's `horizon` steps
    /// after it; each earlier one is `stride` steps before the next. 1 is the Monash
    /// archive's fixed origin.
    pub origins: usize,
    /// Steps between origins.
    pub stride: usize,
    /// Whether the model is trained again at every origin on everything before it; if not,
    /// it is trained once on what precedes the first origin.
    pub retrain: bool,
    /// The seasonal lag of MASE's scale.
    pub season: usize,
}

/// One origin of a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginResult {
    /// Steps between the origin and each series' end.
    pub offset: usize,
    /// The forecast of every series from it.
    pub forecast: Forecast,
    /// Its metrics, one per series and component (series-major), the history before the
    /// origin scaling MASE.
    pub metrics: Vec<ForecastMetrics>,
}

/// A backtest's origins and the summary of their metrics over every series and origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// The origins, earliest first.
    pub origins: Vec<OriginResult>,
    /// Every origin's metrics together.
    pub summary: MetricsSummary,
}

/// Backtests `config` on `series`: for each origin, a forecast of `config.horizon` steps
/// from the history before it, scored against the steps that follow; nothing after an
/// origin is ever seen by the model forecasting from it.
///
/// # Errors
/// [`ZeroSize`](ForecastError::ZeroSize) for 0 origins or stride,
/// [`ZeroSeason`](ForecastError::ZeroSeason); [`ForecasterConfig::fit`]'s errors;
/// [`HistoryTooShort`](ForecastError::HistoryTooShort) for a series with no step before the
/// first origin.
pub fn backtest(
    config: &ForecasterConfig,
    series: &SeriesSet,
    trainer: &TrainerConfig,
    options: &BacktestConfig,
    device: &Device,
) -> Result<Backtest, ForecastError> {
    if options.origins == 0 {
        return Err(ForecastError::ZeroSize { what: "origins" });
    }
    if options.stride == 0 {
        return Err(ForecastError::ZeroSize { what: "stride" });
    }
    if options.season == 0 {
        return Err(ForecastError::ZeroSeason);
    }
    let horizon = config.horizon;
    let offsets: Vec<usize> = (0..options.origins)
        .rev()
        .map(|k| horizon + k * options.stride)
        .collect();
    let mut once = None;
    let mut origins = Vec::with_capacity(offsets.len());
    for &offset in &offsets {
        let history = series.cut_before_end(offset)?;
        let forecaster = match (&once, options.retrain) {
            (Some(forecaster), false) => forecaster,
            _ => once.insert(config.fit(&history, trainer, device)?),
        };
        let forecast = forecaster.predict_with(&history, &PredictOptions::new(horizon))?;
        let metrics = score(series, &history, &forecast, offset, options.season)?;
        origins.push(OriginResult {
            offset,
            forecast,
            metrics,
        });
    }
    let all: Vec<ForecastMetrics> = origins.iter().flat_map(|o| o.metrics.clone()).collect();
    Ok(Backtest {
        summary: MetricsSummary::of(&all),
        origins,
    })
}

/// The metrics of `forecast` per series and component, against the `horizon` steps of
/// `series` after `history`.
fn score(
    series: &SeriesSet,
    history: &SeriesSet,
    forecast: &Forecast,
    offset: usize,
    season: usize,
) -> Result<Vec<ForecastMetrics>, ForecastError> {
    let horizon = forecast.steps();
    let mut metrics = Vec::new();
    for (i, (whole, before)) in series.series().iter().zip(history.series()).enumerate() {
        let start = whole.len() - offset;
        for c in 0..whole.components() {
            let actual = &whole.component(c)[start..start + horizon];
            let (point, _, _) = forecast.component(i, c);
            metrics.push(ForecastMetrics::compute(
                &before.component(c),
                actual,
                &point,
                season,
            )?);
        }
    }
    Ok(metrics)
}
