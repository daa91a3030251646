//! Noisy sine waves, many-to-many: after every step, forecast the next clean value. The trivial
//! forecast "the next value is the last one" (persistence) is the baseline to beat.
//!
//! ```text
//! cargo run --example 05_sine_forecast                        # GRU with a prediction per step
//! cargo run --example 05_sine_forecast -- --plot sine.svg     # the loss and MAE curves there
//! ```
//!
//! What it adds: many-to-many (`Readout::All`, a target at every step) and a cosine
//! learning-rate schedule. `--backend` picks the device; checkpoints (every 5 epochs), Ctrl-C,
//! `--resume`, `--out` and the curves (`<out>/history.svg`, `History::plot`) work as in
//! `01_seed`.

mod common;

use recurrent::data::SineForecastConfig;
use recurrent::model::{CellType, Readout, SequenceModelConfig};
use recurrent::train::{CheckpointConfig, LrSchedule, Objective, Trainer, TrainerConfig};

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let (flags, run) = common::Run::parse("05_sine_forecast", &["backend"], &[])?;
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
        .with_lr_schedule(LrSchedule::Cosine { min_lr: 1e-3 })
        .with_checkpoint(Some(CheckpointConfig::new(run.checkpoints()).with_every(5)));
    let mut trainer = Trainer::new(config);
    common::stop_on_ctrl_c(&trainer)?;
    let fitted = if run.resume {
        println!("resuming from {}", run.checkpoints().display());
        trainer.resume(run.checkpoints(), model, &train, Some(&test))?
    } else {
        trainer.fit(model, &train, Some(&test))?
    };
    run.report_interruption(&fitted);
    let evaluation = fitted.evaluate(&test)?;
    println!(
        "GRU: test MSE {:.5}, MAE {:.4} (persistence MSE: {:.5})",
        evaluation.loss,
        evaluation.metric,
        SineForecastConfig::persistence_mse(&test)
    );
    run.plot(&fitted.history)?;
    Ok(())
}
