//! Noisy sine waves, many-to-many: after every step, forecast the next clean value. The trivial
//! forecast "the next value is the last one" (persistence) is the baseline to beat.
//!
//! ```text
//! cargo run --example 05_sine_forecast                        # GRU with a prediction per step
//! cargo run --example 05_sine_forecast -- --plot sine.svg     # and plot the loss and MAE curves
//! ```
//!
//! What it adds: many-to-many (`Readout::All`, a target at every step) and a cosine
//! learning-rate schedule. `--plot` writes an SVG (`History::plot`, the default `plot`
//! feature); `--backend` picks the device.

mod common;

use recurrent::data::SineForecastConfig;
use recurrent::model::{CellType, Readout, SequenceModelConfig};
use recurrent::train::{LrSchedule, Objective, Trainer, TrainerConfig};

fn main() {
    common::main(run)
}

fn run() -> common::Outcome {
    let flags = common::Flags::parse(&["backend", "plot"], &[])?;
    let plot = flags.plot()?;
    let device = flags.device()?;
    let task = SineForecastConfig::new()
        .with_seq_len(40)
        .with_per_step(true);
    let train = task.generate(2000, 1)?;
    let test = task.generate(500, 2)?;
    let model = SequenceModelConfig::new(CellType::Gru, 1, 32, 1)
        .with_readout(Readout::All)
        .with_seed(Some(1))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::Regression)
        .with_epochs(15)
        .with_lr_schedule(LrSchedule::Cosine { min_lr: 1e-3 });
    let fitted = Trainer::new(config).fit(model, &train, Some(&test))?;
    let evaluation = fitted.evaluate(&test)?;
    println!(
        "GRU: test MSE {:.5}, MAE {:.4} (persistence MSE: {:.5})",
        evaluation.loss,
        evaluation.metric,
        SineForecastConfig::persistence_mse(&test)
    );
    common::write_plot(&fitted.history, plot.as_deref())?;
    Ok(())
}
