//! One global forecaster for every series of a Monash `.tsf` file: the last `@horizon` points
//! of each series are held out (the archive's fixed-origin protocol), and the model's MASE,
//! sMAPE and MAE per series, their mean and median, are printed beside the naive and
//! seasonal-naive forecasts'.
//!
//! ```text
//! cargo run --release --example 11_forecast_tsf -- tests/data/tsf/airline.tsf
//! cargo run --release --example 11_forecast_tsf -- FILE.tsf --horizon 8 --season 4 --model autoregressive
//! ```
//!
//! The header's `@horizon` and `@frequency` give the horizon and the seasonal lag (monthly
//! 12, quarterly 4, ...); `--horizon` and `--season` override them (and are needed when the
//! header has none). Other flags: `--model direct|autoregressive`, `--cell`, `--hidden` (8),
//! `--input-len` (default: 1.25 times the larger of season and horizon, as the Monash
//! archive's lag), `--steps` (2000 optimizer steps in batches of 32, whatever the number of
//! series; `--epochs` instead sets epochs), `--lr` (3e-3), `--patience N` (early stopping on
//! the last horizon of each training series), `--seed`,
//! `--missing error|interpolate|forward-fill`, `--backend`, `--out`. Series too short for a
//! training window are left out of training and still forecast. Writes `<out>/forecasts.csv`
//! (series, step, forecast, 80% interval)
//! and `<out>/forecast-N.svg` for the first four series.

mod common;

use common::forecasting;
use recurrent::data::tsf::read_tsf;
use recurrent::forecast::{
    ForecastMetrics, Likelihood, MetricsSummary, MissingPolicy, SeriesSet, naive, seasonal_naive,
};

/// Windows per batch.
const BATCH: usize = 32;

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let valued = [
        &forecasting::FLAGS[..],
        &["horizon", "season", "missing", "steps"],
    ]
    .concat();
    let (flags, run) = common::Run::parse_with_files("11_forecast_tsf", &valued, &[])?;
    let [file] = flags.positional.as_slice() else {
        return Err(
            "expected one argument, the .tsf file (e.g. tests/data/tsf/airline.tsf)".into(),
        );
    };
    let device = flags.device()?;
    let data = read_tsf(file)?;
    let horizon = match (flags.optional::<usize>("horizon")?, data.header.horizon) {
        (Some(h), _) | (None, Some(h)) => h,
        (None, None) => return Err(format!("{file} has no @horizon: give --horizon N").into()),
    };
    let season = match (flags.optional::<usize>("season")?, data.header.frequency) {
        (Some(m), _) => m,
        (None, Some(frequency)) => frequency.season(),
        (None, None) => return Err(format!("{file} has no @frequency: give --season N").into()),
    };
    let missing = match flags.value("missing", "interpolate".to_string())?.as_str() {
        "error" => MissingPolicy::Error,
        "interpolate" => MissingPolicy::Interpolate,
        "forward-fill" => MissingPolicy::ForwardFill,
        other => {
            return Err(format!(
                "--missing: expected error, interpolate or forward-fill, found {other:?}"
            )
            .into());
        }
    };
    let series = SeriesSet::from_tsf(&data, missing)?;
    let (train, actual) = series.split_last(horizon)?;
    println!(
        "{}: {} series, horizon {horizon}, seasonal lag {season}",
        file,
        series.len()
    );

    let mut defaults = forecasting::Defaults {
        input_len: (1.25f64 * season.max(horizon) as f64).ceil() as usize,
        hidden: 8,
        epochs: 1,
        lr: 3e-3,
    };
    let config = forecasting::config(&flags, &defaults, horizon, Likelihood::Gaussian)?
        .with_skip_short_series(true);
    let short = train
        .series()
        .iter()
        .filter(|s| s.len() < config.min_series_len())
        .count();
    if short > 0 {
        println!(
            "{short} series shorter than {} steps: no training windows, forecast from their history",
            config.min_series_len()
        );
    }
    // A budget of optimizer steps rather than epochs: one file has a series, another
    // thousands, and the same number of epochs would under- or over-train one of them.
    let steps: usize = flags.value("steps", 2000)?;
    let batches = config.training_windows(&train).div_ceil(BATCH).max(1);
    defaults.epochs = steps.div_ceil(batches);
    let trainer = forecasting::trainer(&flags, &defaults, Likelihood::Gaussian, BATCH)?;
    let forecaster = forecasting::fit(&config, &train, &trainer, &device)?;
    let forecast = forecaster.predict(&train, horizon)?;

    let mut scores: [Vec<ForecastMetrics>; 3] = Default::default();
    println!(
        "{:<24} {:>10} {:>10} {:>10}",
        "series", "MASE", "naive", "s. naive"
    );
    for (i, s) in train.series().iter().enumerate() {
        let history = s.component(0);
        let forecasts = [
            forecast.component(i, 0).0,
            naive(&history, horizon)?,
            seasonal_naive(&history, horizon, season.min(history.len()))?,
        ];
        for (k, f) in forecasts.iter().enumerate() {
            scores[k].push(ForecastMetrics::compute(&history, &actual[i], f, season)?);
        }
        let mase = |k: usize| scores[k][i].mase.map_or("-".into(), |m| format!("{m:.3}"));
        println!(
            "{:<24} {:>10} {:>10} {:>10}",
            s.name(),
            mase(0),
            mase(1),
            mase(2)
        );
    }
    for (name, metrics) in ["model", "naive", "seasonal naive"].iter().zip(&scores) {
        let summary = MetricsSummary::of(metrics);
        let show = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.3}"));
        println!(
            "{name:<15} mean MASE {}, median MASE {}, mean sMAPE {}, mean MAE {}",
            show(summary.mase.mean),
            show(summary.mase.median),
            show(summary.smape.mean),
            show(summary.mae.mean)
        );
    }

    let plots: Vec<(usize, String)> = (0..train.len().min(4))
        .map(|i| (i, format!("forecast-{}", i + 1)))
        .collect();
    forecasting::write(&run.out, &train, &actual, &forecast, &plots)?;
    run.plot(&forecaster.history)?;
    Ok(())
}
