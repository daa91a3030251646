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
//! The recipe is the PyTorch script's: 1000 training sequences of 10 steps with one feature
//! (standard normal), label 1 when the sum is > 0; the last step's hidden state (hidden 32)
//! through Linear(32 -> 1); BCE on the sigmoid; Adam, lr 0.01, batch 32, reshuffled every
//! epoch, 10 epochs. It prints the loss per epoch, the probability for one fresh sequence,
//! and the accuracy on 2000 fresh sequences.
//!
//! As every training example: it checkpoints to `<out>/checkpoints` every epoch (`--out DIR`,
//! [target/example-runs/01_seed]); Ctrl-C stops after the current step with a checkpoint and
//! goes on with the model so far; `--resume` continues from the checkpoint; the loss and
//! accuracy curves go to `<out>/history.svg` (or `--plot PATH.svg`).

mod common;

use recurrent::data::SumSignConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};

fn main() {
    common::main(run)
}

fn run() -> common::Outcome {
    let (flags, training) =
        common::Training::parse("01_seed", &["cell", "backend", "seed", "epochs"], &[])?;
    let cell: CellType = flags.value("cell", CellType::Rnn)?;
    let seed: u64 = flags.value("seed", 1)?;
    let epochs: usize = flags.value("epochs", 10)?;
    let device = flags.device()?;
    let task = SumSignConfig::new(); // 10 steps, 1 feature
    // Distinct streams for the training data, the fresh sequence and the test set.
    let train = task.generate(1000, seed)?;
    let test = task.generate(2000, seed.wrapping_add(1_000_000))?;
    let fresh = task.generate(1, seed.wrapping_add(2_000_000))?;

    let model = SequenceModelConfig::new(cell, 1, 32, 1)
        .with_seed(Some(seed))
        .try_init(&device)?;
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(epochs)
        .with_batch_size(32)
        .with_learning_rate(0.01)
        .with_seed(seed)
        .with_progress(ProgressMode::BarOnly);
    let trainer = Trainer::new(training.checkpointed(config, 1)).with_callback(move |r| {
        println!("Epoch [{}/{epochs}], Loss: {:.4}", r.epoch, r.train_loss)
    });
    let fitted = training.fit(trainer, model, &train, None)?;

    let seconds: f64 = fitted.history.epochs.iter().map(|e| e.seconds).sum();
    // The epochs trained (fewer when stopped by Ctrl-C), counting those before a --resume.
    let steps = fitted.history.epochs.len().max(1) * train.len().div_ceil(32);
    println!(
        "Training took {seconds:.2} s on {} ({:.2} ms per step: forward, backward, Adam)",
        flags.backend(),
        1e3 * seconds / steps as f64
    );
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
    training.plot(&fitted.history)?;
    Ok(())
}
