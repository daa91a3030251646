//! Delayed recall: remember which of 4 symbols came first, across 20 steps of distractors.
//! Guessing scores 0.25; a plain RNN struggles where an LSTM or GRU remembers.
//!
//! ```text
//! cargo run --example 04_delayed_recall                        # LSTM
//! cargo run --example 04_delayed_recall -- --cell rnn          # (also: gru)
//! cargo run --example 04_delayed_recall -- --plot recall.svg   # the loss and accuracy curves there
//! ```
//!
//! What it adds: multi-class classification (`Objective::MultiClass`, cross-entropy over 4
//! logits, one-hot inputs). `--backend` picks the device; checkpoints (every 5 epochs), Ctrl-C,
//! `--resume`, `--out` and the curves (`<out>/history.svg`, `History::plot`) work as in
//! `01_seed`.

mod common;

use recurrent::data::DelayedRecallConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{CheckpointConfig, Objective, Trainer, TrainerConfig};

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let (flags, run) = common::Run::parse("04_delayed_recall", &["cell", "backend"], &[])?;
    let cell: CellType = flags.value("cell", CellType::Lstm)?;
    let device = flags.device()?;
    let task = DelayedRecallConfig::new()
        .with_num_symbols(4)
        .with_delay(20);
    let train = task.generate(2000, 1)?;
    let test = task.generate(1000, 2)?;
    let model = SequenceModelConfig::new(cell, 5, 32, 4)
        .with_seed(Some(1))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::MultiClass)
        .with_epochs(15)
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
    let accuracy = fitted.evaluate(&test)?.metric;
    println!(
        "{cell:?}: test accuracy {accuracy:.4} (guessing: {:.2})",
        task.baseline_accuracy()
    );
    run.plot(&fitted.history)?;
    Ok(())
}
