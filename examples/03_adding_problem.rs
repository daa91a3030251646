//! The adding problem (Hochreiter & Schmidhuber, 1997): regress the sum of the two marked
//! values in a 50-step sequence. Predicting the mean scores an MSE of 1/6 ≈ 0.167.
//!
//! ```text
//! cargo run --example 03_adding_problem                       # LSTM
//! cargo run --example 03_adding_problem -- --cell rnn         # the plain RNN, for comparison (also: gru)
//! cargo run --example 03_adding_problem -- --plot adding.svg  # the loss and MAE curves there
//! ```
//!
//! What it adds to `01_seed`: regression (`Objective::Regression`, MSE loss, MAE metric), a
//! longer sequence where the plain RNN's gradient fades, and gradient clipping. `--backend` picks
//! the device; checkpoints (every 5 epochs), Ctrl-C, `--resume`, `--out` and the curves
//! (`<out>/history.svg`, `History::plot`) work as in `01_seed`.

mod common;

use recurrent::data::AddingProblemConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{CheckpointConfig, Objective, Trainer, TrainerConfig};

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let (flags, run) = common::Run::parse("03_adding_problem", &["cell", "backend"], &[])?;
    let cell: CellType = flags.value("cell", CellType::Lstm)?;
    let device = flags.device()?;
    let task = AddingProblemConfig::new().with_seq_len(50);
    let train = task.generate(4000, 1)?;
    let test = task.generate(1000, 2)?;
    let model = SequenceModelConfig::new(cell, 2, 32, 1)
        .with_seed(Some(1))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::Regression)
        .with_epochs(15)
        .with_batch_size(64)
        .with_learning_rate(0.005)
        .with_grad_clip_norm(Some(1.0))
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
    let mse = fitted.evaluate(&test)?.loss;
    println!(
        "{cell:?}: test MSE {mse:.4} (predicting the mean: {:.4})",
        AddingProblemConfig::BASELINE_MSE
    );
    run.plot(&fitted.history)?;
    Ok(())
}
