//! Forecasting: the metrics forecasters report and the baselines every report compares with.
//!
//! The metrics follow the Monash forecasting archive (Godahewa et al. 2021): each is computed per
//! series over its held-out `horizon` points, then averaged over series (mean and median, see
//! [`MetricsSummary`]). MASE scales by the in-sample error of the seasonal-naive forecast of the
//! training part, falling back to lag 1 when the training part is not longer than a season.
//! [`naive`] and [`seasonal_naive`] are the baselines, computed by the same code paths as any
//! model's forecast would be scored. [`SeriesScaler`] scales each series by statistics of its
//! own training part.

mod backtest;
mod baseline;
mod error;
mod forecaster;
mod likelihood;
mod metrics;
mod model_kind;
#[cfg(feature = "plot")]
mod plot;
mod prediction;
mod scaler;
mod series;
mod windows;

pub use backtest::{Backtest, BacktestConfig, OriginResult, backtest};
pub use baseline::{naive, seasonal_naive};
pub use error::ForecastError;
pub use forecaster::{Forecaster, ForecasterConfig, PredictOptions};
pub use likelihood::{Likelihood, normal_quantile};
pub use metrics::{
    ForecastMetrics, MetricsSummary, Summary, coverage, mae, mape, mase, quantile_loss, rmse, smape,
};
pub use model_kind::ModelKind;
#[cfg(feature = "plot")]
pub use plot::{ForecastPlot, plot_forecast};
pub use prediction::{Forecast, Interval, SamplePaths};
pub use scaler::{ScalerKind, SeriesScaler};
pub use series::{MissingPolicy, SeriesSet, TimeSeries, fill_missing};
