//! Delayed recall: remember which of 4 symbols came first, across 20 steps of distractors.
//! Guessing scores 0.25; a plain RNN struggles where an LSTM or GRU remembers.
//!
//! ```text
//! cargo run --example delayed_recall                  # LSTM
//! cargo run --example delayed_recall -- rnn           # (also: gru)
//! ```

use recurrent::data::DelayedRecallConfig;
use recurrent::model::{CellType, SequenceModelConfig};
use recurrent::train::{Objective, Trainer, TrainerConfig};

fn main() -> Result<(), recurrent::RecurrentError> {
    let cell = match std::env::args().nth(1).as_deref() {
        Some("rnn") => CellType::Rnn,
        Some("gru") => CellType::Gru,
        _ => CellType::Lstm,
    };
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
    Ok(())
}
