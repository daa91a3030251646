//! The original PyTorch example, with `recurrent`: an RNN learns whether a sequence sums to
//! more than zero.
//!
//! ```text
//! cargo run --example 01_seed                      # nn.RNN(1, 32) + Linear(32, 1), as in PyTorch
//! cargo run --example 01_seed -- --cell lstm       # the LSTM variant (also: gru)
//! cargo run --example 01_seed -- --seed 3 --epochs 10 --backend flex   # (ndarray, wgpu with their features)
//! cargo run --example 01_seed -- --epochs 1000    # press Ctrl-C, then add --resume
//! ```
//!
//! The recipe is the PyTorch script's (docs/from-pytorch.md has it line by line): 1000
//! training sequences of 10 steps with one feature (standard normal), label 1 when the sum
//! is > 0; the last step's hidden state (hidden 32) through Linear(32 -> 1); BCE on the
//! sigmoid; Adam, lr 0.01, batch 32, reshuffled every epoch, 10 epochs. It prints the loss
//! per epoch, the probability for one fresh sequence, and the accuracy on 2000 fresh
//! sequences.
//!
//! It also shows what every training example does around `Trainer::fit` (the others share it
//! through `examples/common`; this one is a single file): it checkpoints to `<out>/checkpoints`
//! every epoch (`--out DIR`, [target/example-runs/01_seed]); Ctrl-C stops after the current
//! step with a checkpoint and goes on with the model so far (a second Ctrl-C quits at once);
//! `--resume` continues from the checkpoint; the loss and accuracy curves go to
//! `<out>/history.svg` (or `--plot PATH.svg`).

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use recurrent::data::SumSignConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{
    CheckpointConfig, Objective, ProgressMode, StopReason, Trainer, TrainerConfig,
};

fn main() {
    if let Err(e) = try_main() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn try_main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse()?;
    let seed = args.seed;
    let device = recurrent::device::from_name(&args.backend)?;

    // X = torch.randn(1000, 10, 1); y = (X.sum(dim=1) > 0): 10 steps, 1 feature. Distinct
    // streams for the training data, the fresh sequence and the test set.
    let task = SumSignConfig::new();
    let train = task.generate(1000, seed)?;
    let test = task.generate(2000, seed.wrapping_add(1_000_000))?;
    let fresh = task.generate(1, seed.wrapping_add(2_000_000))?;

    // nn.RNN(1, 32, batch_first=True), then nn.Linear(32, 1) on out[:, -1, :].
    let model = SequenceModelConfig::new(args.cell, 1, 32, 1)
        .with_seed(Some(seed))
        .try_init(&device)?;

    // BCEWithLogitsLoss, Adam(lr=0.01), DataLoader(batch_size=32, shuffle=True); a checkpoint
    // after every epoch.
    let epochs = args.epochs;
    let checkpoints = args.out.join("checkpoints");
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(epochs)
        .with_batch_size(32)
        .with_learning_rate(0.01)
        .with_seed(seed)
        .with_progress(ProgressMode::BarOnly)
        .with_checkpoint(Some(
            CheckpointConfig::new(checkpoints.clone()).with_every(1),
        ));
    // print(f"Epoch [{epoch + 1}/10], Loss: {loss.item():.4f}"), here the epoch's mean loss.
    let mut trainer = Trainer::new(config).with_callback(move |r| {
        println!("Epoch [{}/{epochs}], Loss: {:.4}", r.epoch, r.train_loss)
    });

    // Ctrl-C stops the training after the current step (the trainer saves a checkpoint and
    // returns the model so far); a second Ctrl-C quits at once.
    let stop = trainer.stop_handle();
    let presses = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("\nCtrl-C: stopping after this step (again to quit at once)");
            stop.stop();
        } else {
            std::process::exit(130);
        }
    })?;

    // The training loop: for every epoch and batch, zero_grad, forward, loss, backward, step.
    let fitted = if args.resume {
        println!("resuming from {}", checkpoints.display());
        trainer.resume(&checkpoints, model, &train, None)?
    } else {
        trainer.fit(model, &train, None)?
    };
    if let StopReason::Interrupted { epoch, step } = fitted.stop_reason {
        println!(
            "interrupted in epoch {epoch} after step {step}: checkpoint saved in {}; \
             the same command with --resume continues from there",
            checkpoints.display()
        );
    }

    let seconds: f64 = fitted.history.epochs.iter().map(|e| e.seconds).sum();
    // The epochs trained (fewer when stopped by Ctrl-C), counting those before a --resume.
    let steps = fitted.history.epochs.len().max(1) * train.len().div_ceil(32);
    println!(
        "Training took {seconds:.2} s on {} ({:.2} ms per step: forward, backward, Adam)",
        args.backend,
        1e3 * seconds / steps as f64
    );

    // print(torch.sigmoid(model(torch.randn(1, 10, 1)))): the model is in inference mode.
    let sequence: Vec<Vec<f32>> = fresh
        .get(0)
        .expect("one sequence")
        .input
        .iter()
        .map(|&v| vec![v])
        .collect();
    let sum: f32 = sequence.iter().map(|s| s[0]).sum();
    let probability = fitted.predict_proba_one(&sequence)?[0];
    println!("Prediction for a fresh sequence (sum {sum:+.3}): P(sum > 0) = {probability:.4}");
    let accuracy = fitted.evaluate(&test)?.metric;
    println!("Accuracy on 2000 fresh sequences: {accuracy:.4}");

    // The loss and accuracy curves (the `plot` feature, on by default).
    #[cfg(feature = "plot")]
    {
        if let Some(dir) = args.plot.parent() {
            std::fs::create_dir_all(dir)?;
        }
        fitted.history.plot(&args.plot)?;
        println!(
            "loss and {} curves: {}",
            fitted.history.metric,
            args.plot.display()
        );
    }
    Ok(())
}

/// The command line.
struct Args {
    /// `--cell rnn|lstm|gru` [rnn].
    cell: CellType,
    /// `--seed N` [1]: the data, the initial weights and the shuffles.
    seed: u64,
    /// `--epochs N` [10].
    epochs: usize,
    /// `--backend NAME` [the first compiled in: flex by default].
    backend: String,
    /// `--out DIR` [target/example-runs/01_seed]: the checkpoints and the curves.
    out: PathBuf,
    /// `--plot PATH.svg` [<out>/history.svg].
    plot: PathBuf,
    /// `--resume`: continue from the checkpoint in `<out>/checkpoints`.
    resume: bool,
}

const FLAGS: &str = "--cell rnn|lstm|gru, --seed N, --epochs N, --backend NAME, --out DIR, \
                     --plot PATH.svg, --resume";

impl Args {
    /// Reads the command line; an unknown flag is an error naming the known ones.
    fn parse() -> Result<Self, String> {
        let mut args = Self {
            cell: CellType::Rnn,
            seed: 1,
            epochs: 10,
            backend: recurrent::device::available()[0].to_string(),
            out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/example-runs/01_seed"),
            plot: PathBuf::new(),
            resume: false,
        };
        let mut plot: Option<PathBuf> = None;
        let mut words = std::env::args().skip(1);
        while let Some(flag) = words.next() {
            match flag.as_str() {
                "--cell" => args.cell = value(&flag, words.next())?,
                "--seed" => args.seed = value(&flag, words.next())?,
                "--epochs" => args.epochs = value(&flag, words.next())?,
                "--backend" => args.backend = value(&flag, words.next())?,
                "--out" => args.out = value(&flag, words.next())?,
                "--plot" => plot = Some(value(&flag, words.next())?),
                "--resume" => args.resume = true,
                _ if flag.starts_with("--") => {
                    return Err(format!("unknown flag {flag:?}; this example takes {FLAGS}"));
                }
                _ => {
                    return Err(format!(
                        "unexpected argument {flag:?}: this example reads no files"
                    ));
                }
            }
        }
        args.plot = match plot {
            None => args.out.join("history.svg"),
            Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) => p,
            Some(p) => {
                return Err(format!(
                    "--plot needs a path ending in .svg, found {p:?} (e.g. --plot history.svg)"
                ));
            }
        };
        Ok(args)
    }
}

/// `flag`'s value, parsed.
fn value<T: FromStr>(flag: &str, value: Option<String>) -> Result<T, String>
where
    T::Err: Display,
{
    let value = value.ok_or(format!("{flag} needs a value"))?;
    value.parse().map_err(|e| format!("{flag} {value:?}: {e}"))
}
