//! Noisy sine waves, many-to-many: after every step, forecast the next clean value. The trivial
//! forecast "the next value is the last one" (persistence) is the baseline to beat.
//!
//! ```text
//! cargo run --example sine_forecast                   # GRU with a prediction per step
//! cargo run --example sine_forecast -- --plot sine.svg    # and plot the loss and MAE curves
//! ```
//!
//! `--plot` writes an SVG (`History::plot`, the default `plot` feature) after training.

use std::path::PathBuf;

use recurrent::data::SineForecastConfig;
use recurrent::model::{CellType, Readout, SequenceModelConfig};
use recurrent::train::{LrSchedule, Objective, Trainer, TrainerConfig};

fn main() -> Result<(), recurrent::RecurrentError> {
    let mut plot: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--plot" {
            plot = Some(plot_path(args.next()));
        }
    }
    let task = SineForecastConfig::new()
        .with_seq_len(40)
        .with_per_step(true);
    let train = task.generate(2000, 1)?;
    let test = task.generate(500, 2)?;
    let device = burn::tensor::Device::default();
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
