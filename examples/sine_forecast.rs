//! Noisy sine waves, many-to-many: after every step, forecast the next clean value. The trivial
//! forecast "the next value is the last one" (persistence) is the baseline to beat.
//!
//! ```text
//! cargo run --example sine_forecast                   # GRU with a prediction per step
//! ```

use recurrent::data::SineForecastConfig;
use recurrent::model::{CellType, Readout, SequenceModelConfig};
use recurrent::train::{LrSchedule, Objective, Trainer, TrainerConfig};

fn main() -> Result<(), recurrent::RecurrentError> {
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
    Ok(())
}
