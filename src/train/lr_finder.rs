//! The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
//! Networks"; fastai's `lr_find`, Lightning's `Tuner.lr_find`): a short run on a copy of the
//! model whose learning rate grows geometrically from step to step, the loss of each step, and
//! the rate where the loss falls fastest.

use burn::config::Config;
use burn::lr_scheduler::module_lr_scheduler::ModuleLearningRate;

use super::error::TrainError;
use super::loader::{loaded, model_device};
use super::objective::check_data;
use super::strategy::{SingleDevice, TrainingStrategy};
use super::trainer::Trainer;
use crate::data::{SequenceDataset, data_loader};
use crate::model::Trainable;

/// The range test's options: the bounds, the number of steps, and when to stop early.
///
/// The defaults are Lightning's: 100 steps from 1e-7 to 10 (fastai's are the same bounds),
/// losses smoothed with 0.98, and a stop once the smoothed loss is 4 times its lowest.
#[derive(Config, Debug, PartialEq)]
pub struct LrFinderConfig {
    /// The first step's learning rate (> 0).
    #[config(default = 1e-7)]
    pub start_lr: f64,
    /// The last step's learning rate (> `start_lr`).
    #[config(default = 10.0)]
    pub end_lr: f64,
    /// Steps from `start_lr` to `end_lr` (at least 2); the training data is gone through again
    /// when it has fewer batches.
    #[config(default = 100)]
    pub steps: usize,
    /// Exponential smoothing of the losses, in `[0, 1)` (0: none).
    #[config(default = 0.98)]
    pub smoothing: f64,
    /// Stop once the smoothed loss exceeds this many times its lowest (> 1; infinity: never).
    #[config(default = 4.0)]
    pub divergence_factor: f64,
}

impl LrFinderConfig {
    /// Checks every option.
    ///
    /// # Errors
    /// One variant each: [`InvalidLrRange`](TrainError::InvalidLrRange) (bounds not positive
    /// or not increasing), [`TooFewLrSteps`](TrainError::TooFewLrSteps),
    /// [`InvalidLrSmoothing`](TrainError::InvalidLrSmoothing),
    /// [`InvalidDivergenceFactor`](TrainError::InvalidDivergenceFactor).
    pub fn validate(&self) -> Result<(), TrainError> {
        let (start, end) = (self.start_lr, self.end_lr);
        if !(start > 0.0 && start.is_finite() && end.is_finite() && end > start) {
            return Err(TrainError::InvalidLrRange { start, end });
        }
        if self.steps < 2 {
            return Err(TrainError::TooFewLrSteps { steps: self.steps });
        }
        if !(0.0..1.0).contains(&self.smoothing) {
            return Err(TrainError::InvalidLrSmoothing {
                smoothing: self.smoothing,
            });
        }
        if self.divergence_factor.is_nan() || self.divergence_factor <= 1.0 {
            return Err(TrainError::InvalidDivergenceFactor {
                factor: self.divergence_factor,
            });
        }
        Ok(())
    }

    /// The learning rate of step `i` of the test: `start_lr * (end_lr / start_lr)^(i / (steps
    /// - 1))`.
    fn rate(&self, i: usize) -> f64 {
        let fraction = i as f64 / (self.steps - 1) as f64;
        self.start_lr * (self.end_lr / self.start_lr).powf(fraction)
    }
}

/// What the range test found: per step, the learning rate and the loss (as measured and
/// smoothed), and a suggested learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct LrFinding {
    /// Each step's learning rate, growing geometrically.
    pub learning_rates: Vec<f64>,
    /// Each step's training loss.
    pub losses: Vec<f64>,
    /// The losses smoothed (an exponential moving average, corrected for its start).
    pub smoothed: Vec<f64>,
    /// The learning rate where the smoothed loss falls fastest (Lightning's suggestion: the
    /// steepest descent, leaving out the first 10 steps and the last); `None` when the test
    /// stopped too early to say.
    pub suggestion: Option<f64>,
}

/// Steps left out at the start and the end when suggesting a rate (Lightning's `skip_begin`
/// and `skip_end`): the first losses are noise, the last may be the divergence.
const SKIP: (usize, usize) = (10, 1);

impl LrFinding {
    /// The suggestion from the smoothed losses: the rate at the most negative gradient
    /// (central differences, one-sided at the ends, as `numpy.gradient`).
    fn suggest(learning_rates: &[f64], smoothed: &[f64]) -> Option<f64> {
        let (begin, end) = SKIP;
        if smoothed.len() < begin + end + 2 {
            return None;
        }
        let losses = &smoothed[begin..smoothed.len() - end];
        let n = losses.len();
        let gradient = |i: usize| match i {
            0 => losses[1] - losses[0],
            i if i == n - 1 => losses[n - 1] - losses[n - 2],
            i => (losses[i + 1] - losses[i - 1]) / 2.0,
        };
        let steepest = (0..n).min_by(|&a, &b| gradient(a).total_cmp(&gradient(b)))?;
        Some(learning_rates[begin + steepest])
    }
}

impl Trainer {
    /// Runs the learning-rate range test on a copy of `model` (which is left as it was) with
    /// this trainer's objective, optimizer, batch size and seed: `finder.steps` optimizer
    /// steps on `train`, the learning rate growing geometrically from `finder.start_lr` to
    /// `finder.end_lr`, stopped early when the loss is not finite or the smoothed loss exceeds
    /// `divergence_factor` times its lowest. Each loss is read back as it is taken.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use recurrent::data::SumSignConfig;
    /// use recurrent::model::{CellType, SequenceModelConfig};
    /// use recurrent::train::{LrFinderConfig, Objective, ProgressMode, Trainer, TrainerConfig};
    ///
    /// let train = SumSignConfig::new().generate(256, 1)?;
    /// let model = SequenceModelConfig::new(CellType::Gru, 1, 8, 1).with_seed(Some(1)).init(&Device::flex());
    /// let trainer = Trainer::new(TrainerConfig::new(Objective::BinaryClassification));
    /// let finder = LrFinderConfig::new().with_start_lr(1e-4).with_end_lr(1.0).with_steps(30);
    /// let found = trainer.find_learning_rate(&model, &train, &finder)?;
    /// assert_eq!(found.learning_rates[0], 1e-4);
    /// assert_eq!(found.losses.len(), found.learning_rates.len());
    /// if let Some(rate) = found.suggestion {
    ///     assert!((1e-4..=1.0).contains(&rate));
    /// }
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// The trainer config's errors ([`TrainerConfig::validate`](super::TrainerConfig::validate))
    /// and the finder's ([`LrFinderConfig::validate`]), the data's as in
    /// [`fit`](Self::fit) ([`EmptyData`](TrainError::EmptyData),
    /// [`FeatureMismatch`](TrainError::FeatureMismatch),
    /// [`ObjectiveMismatch`](TrainError::ObjectiveMismatch)), and a batch that fails to load.
    pub fn find_learning_rate<M: Trainable>(
        &self,
        model: &M,
        train: &SequenceDataset,
        finder: &LrFinderConfig,
    ) -> Result<LrFinding, TrainError> {
        let config = &self.config;
        config.validate()?;
        finder.validate()?;
        check_data(model, config.objective, train, "training")?;
        let device = model_device(model);
        let loader = data_loader(train, config.batch_size, Some(config.seed), &device)?;
        let mut strategy = SingleDevice::new(config, None);
        let mut model = model.clone().train();
        let mut found = Curve::default();
        let mut batches = loader.iter();
        for i in 0..finder.steps {
            let batch = match batches.next() {
                Some(batch) => batch,
                None => {
                    batches = loader.iter();
                    batches.next().expect("the data has at least one batch")
                }
            };
            device.seed(config.seed.wrapping_add(i as u64));
            let lr = finder.rate(i);
            let batch = loaded(batch, "a training")?;
            let (stepped, scores) =
                strategy.step(model, batch, ModuleLearningRate::from(lr), None)?;
            model = stepped;
            let losses: Vec<f64> = scores
                .iter()
                .map(|s| f64::from(s.loss.clone().into_scalar::<f32>()))
                .collect();
            let loss = losses.iter().sum::<f64>() / losses.len().max(1) as f64;
            if !found.push(lr, loss, finder) {
                break;
            }
        }
        let suggestion = LrFinding::suggest(&found.learning_rates, &found.smoothed);
        Ok(LrFinding {
            learning_rates: found.learning_rates,
            losses: found.losses,
            smoothed: found.smoothed,
            suggestion,
        })
    }
}

/// The curve so far and the moving average behind the smoothed losses.
#[derive(Default)]
struct Curve {
    learning_rates: Vec<f64>,
    losses: Vec<f64>,
    smoothed: Vec<f64>,
    average: f64,
    lowest: f64,
}

impl Curve {
    /// Records a step; whether to go on (`false` once the loss is not finite or diverges).
    fn push(&mut self, lr: f64, loss: f64, finder: &LrFinderConfig) -> bool {
        if !loss.is_finite() {
            return false;
        }
        let beta = finder.smoothing;
        self.average = beta * self.average + (1.0 - beta) * loss;
        let smoothed = self.average / (1.0 - beta.powi(self.losses.len() as i32 + 1));
        self.learning_rates.push(lr);
        self.losses.push(loss);
        self.smoothed.push(smoothed);
        if self.smoothed.len() == 1 || smoothed < self.lowest {
            self.lowest = smoothed;
        }
        smoothed <= finder.divergence_factor * self.lowest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `numpy.gradient` of `[5, 4, 3, 1, 0.5, 0.4]` is `[-1, -1, -1.5, -1.25, -0.3, -0.1]`:
    /// the steepest point is the third of the kept losses.
    #[test]
    fn the_suggestion_is_the_steepest_descent_of_the_kept_losses() {
        let (begin, end) = SKIP;
        let kept = [5.0, 4.0, 3.0, 1.0, 0.5, 0.4];
        let smoothed: Vec<f64> = std::iter::repeat_n(9.0, begin)
            .chain(kept)
            .chain(std::iter::repeat_n(100.0, end))
            .collect();
        let rates: Vec<f64> = (0..smoothed.len()).map(|i| i as f64).collect();
        assert_eq!(
            LrFinding::suggest(&rates, &smoothed),
            Some((begin + 2) as f64)
        );
        assert_eq!(LrFinding::suggest(&rates[..12], &smoothed[..12]), None);
    }
}
