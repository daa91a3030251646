//! What the forecasting examples (`10_forecast`, `11_forecast_tsf`) share: the model flags, the
//! trainer they configure, a timed fit, and the forecast files.

use std::path::Path;

use burn::tensor::Device;
use recurrent::forecast::{
    Forecast, Forecaster, ForecasterConfig, Likelihood, ModelKind, SeriesSet,
};
use recurrent::train::{EarlyStoppingConfig, ProgressMode, TrainerConfig};

use super::Flags;

/// The flags both examples read besides their own.
pub const FLAGS: [&str; 9] = [
    "backend",
    "patience",
    "model",
    "cell",
    "hidden",
    "input-len",
    "epochs",
    "lr",
    "seed",
];

/// `--model direct|autoregressive` (default direct).
pub fn model_kind(flags: &Flags) -> Result<ModelKind, String> {
    match flags.value("model", "direct".to_string())?.as_str() {
        "direct" => Ok(ModelKind::Direct),
        "autoregressive" => Ok(ModelKind::Autoregressive),
        other => Err(format!(
            "--model: expected direct or autoregressive, found {other:?}"
        )),
    }
}

/// The defaults of the flags that differ between the examples.
pub struct Defaults {
    /// `--input-len`.
    pub input_len: usize,
    /// `--hidden`.
    pub hidden: usize,
    /// `--epochs`.
    pub epochs: usize,
    /// `--lr`.
    pub lr: f64,
}

/// The forecaster from the flags: `--model`, `--cell` (LSTM), `--hidden`, `--input-len`,
/// `--patience` (validation on the last horizon of each series), `--seed` (1).
pub fn config(
    flags: &Flags,
    defaults: &Defaults,
    horizon: usize,
    likelihood: Likelihood,
) -> Result<ForecasterConfig, String> {
    Ok(ForecasterConfig::new(
        model_kind(flags)?,
        flags.value("input-len", defaults.input_len)?,
        horizon,
    )
    .with_cell(flags.value("cell", recurrent::model::CellType::Lstm)?)
    .with_hidden_size(flags.value("hidden", defaults.hidden)?)
    .with_likelihood(likelihood)
    .with_validation(flags.given("patience"))
    .with_seed(Some(flags.value("seed", 1)?)))
}

/// The trainer: `--epochs`, `--lr`, Adam, clip 1, batches of `batch`, early stopping
/// after `--patience` epochs without a better validation loss, quiet.
pub fn trainer(
    flags: &Flags,
    defaults: &Defaults,
    likelihood: Likelihood,
    batch: usize,
) -> Result<TrainerConfig, String> {
    Ok(TrainerConfig::new(likelihood.objective())
        .with_epochs(flags.value("epochs", defaults.epochs)?)
        .with_batch_size(batch)
        .with_learning_rate(flags.value("lr", defaults.lr)?)
        .with_grad_clip_norm(Some(1.0))
        .with_seed(flags.value("seed", 1)?)
        .with_early_stopping(
            flags
                .optional::<usize>("patience")?
                .map(EarlyStoppingConfig::new),
        )
        .with_progress(ProgressMode::Quiet))
}

/// Fits `config` on `train`, printing the epochs, time and final training loss.
pub fn fit(
    config: &ForecasterConfig,
    train: &SeriesSet,
    trainer: &TrainerConfig,
    device: &Device,
) -> Result<Forecaster, recurrent::forecast::ForecastError> {
    let started = std::time::Instant::now();
    let forecaster = config.fit(train, trainer, device)?;
    let epochs = &forecaster.history.epochs;
    println!(
        "trained {} epochs in {:.1} s, final training loss {:.4}",
        epochs.len(),
        started.elapsed().as_secs_f64(),
        epochs.last().map_or(f64::NAN, |e| e.train_loss)
    );
    Ok(forecaster)
}

/// Writes `<out>/forecasts.csv` and, with the `plot` feature, `<out>/<name>.svg` for each
/// `(series index, file name)` of `plots`: history, forecast, interval and held-out truth.
pub fn write(
    out: &Path,
    train: &SeriesSet,
    actual: &[Vec<f64>],
    forecast: &Forecast,
    plots: &[(usize, String)],
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    forecast.write_csv(out.join("forecasts.csv"))?;
    println!("forecasts: {}", out.join("forecasts.csv").display());
    #[cfg(feature = "plot")]
    for (i, name) in plots {
        use recurrent::forecast::{ForecastPlot, plot_forecast};
        let series = &train.series()[*i];
        let history = series.component(0);
        let (point, lower, upper) = forecast.component(*i, 0);
        let mut plot = ForecastPlot::new(series.name(), &history, &point).with_actual(&actual[*i]);
        if let Some(interval) = &forecast.interval {
            plot = plot.with_interval(&lower, &upper, interval.level);
        }
        let path = out.join(format!("{name}.svg"));
        plot_forecast(&path, &plot)?;
        println!("forecast plot: {}", path.display());
    }
    #[cfg(not(feature = "plot"))]
    let _ = (train, actual, plots);
    Ok(())
}
