//! Delayed recall: remember which of 4 symbols came first, across 20 steps of distractors.
//! Guessing scores 0.25; a plain RNN struggles where an LSTM or GRU remembers.
//!
//! ```text
//! cargo run --example delayed_recall                  # LSTM
//! cargo run --example delayed_recall -- rnn           # (also: gru)
//! cargo run --example delayed_recall -- --plot recall.svg  # and plot the loss and accuracy curves
//! ```
//!
//! `--plot` writes an SVG (`History::plot`, the default `plot` feature) after training.

use std::path::PathBuf;

use recurrent::data::DelayedRecallConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{Objective, Trainer, TrainerConfig};

fn main() -> Result<(), recurrent::RecurrentError> {
    let mut cell = CellType::Lstm;
    let mut plot: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--plot" => plot = Some(plot_path(args.next())),
            "rnn" => cell = CellType::Rnn,
            "gru" => cell = CellType::Gru,
            _ => {}
        }
    }
    let task = DelayedRecallConfig::new()
        .with_num_symbols(4)
        .with_delay(20);
    let train = task.generate(2000, 1)?;
    let test = task.generate(1000, 2)?;
    let device = burn::tensor::Device::default();
    let model = SequenceModelConfig::new(cell, 5, 32, 4)
        .with_seed(Some(1))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::MultiClass).with_epochs(15);
    let fitted = Trainer::new(config).fit(model, &train, Some(&test))?;
    let accuracy = fitted.evaluate(&test)?.metric;
    println!(
        "{cell:?}: test accuracy {accuracy:.4} (guessing: {:.2})",
        task.baseline_accuracy()
    );
    if let Some(path) = plot {
        fitted.history.plot(&path)?;
        println!(
            "loss and {} curves: {}",
            fitted.history.metric,
            path.display()
        );
    }
    Ok(())
}

/// The `--plot` argument's path; exits with a usage line before training when it is missing or
/// does not end in `.svg`.
fn plot_path(arg: Option<String>) -> PathBuf {
    match arg.map(PathBuf::from) {
        Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) => p,
        _ => {
            eprintln!("--plot needs a path ending in .svg, e.g. --plot history.svg");
            std::process::exit(2);
        }
    }
}
