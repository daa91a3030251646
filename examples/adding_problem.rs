//! The adding problem (Hochreiter & Schmidhuber, 1997): regress the sum of the two marked
//! values in a 50-step sequence. Predicting the mean scores an MSE of 1/6 ≈ 0.167.
//!
//! ```text
//! cargo run --example adding_problem                  # LSTM
//! cargo run --example adding_problem -- rnn           # the plain RNN, for comparison (also: gru)
//! cargo run --example adding_problem -- gru --plot adding.svg   # and plot the loss and MAE curves
//! ```
//!
//! `--plot` writes an SVG (`History::plot`, the default `plot` feature) after training.

use std::path::PathBuf;

use recurrent::data::AddingProblemConfig;
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
    let task = AddingProblemConfig::new().with_seq_len(50);
    let train = task.generate(4000, 1)?;
    let test = task.generate(1000, 2)?;
    let device = burn::tensor::Device::default();
    let model = SequenceModelConfig::new(cell, 2, 32, 1)
        .with_seed(Some(1))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::Regression)
        .with_epochs(15)
        .with_batch_size(64)
        .with_learning_rate(0.005)
        .with_grad_clip_norm(Some(1.0));
    let fitted = Trainer::new(config).fit(model, &train, Some(&test))?;
    let mse = fitted.evaluate(&test)?.loss;
    println!(
        "{cell:?}: test MSE {mse:.4} (predicting the mean: {:.4})",
        AddingProblemConfig::BASELINE_MSE
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
