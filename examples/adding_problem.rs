//! The adding problem (Hochreiter & Schmidhuber, 1997): regress the sum of the two marked
//! values in a 50-step sequence. Predicting the mean scores an MSE of 1/6 ≈ 0.167.
//!
//! ```text
//! cargo run --example adding_problem                  # LSTM
//! cargo run --example adding_problem -- rnn           # the plain RNN, for comparison (also: gru)
//! ```

use recurrent::data::AddingProblemConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{Objective, Trainer, TrainerConfig};

fn main() -> Result<(), recurrent::RecurrentError> {
    let cell = match std::env::args().nth(1).as_deref() {
        Some("rnn") => CellType::Rnn,
        Some("gru") => CellType::Gru,
        _ => CellType::Lstm,
    };
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
    Ok(())
}
