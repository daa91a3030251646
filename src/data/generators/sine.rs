//! Noisy sine waves: forecast the next value.

use burn::config::Config;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{at_least, standard_normal};
use crate::data::DataError;
use crate::data::{SequenceDataset, Targets};

/// Sines with a random frequency in `[0.5, 1.5)` cycles per 10 steps, a random phase and
/// amplitude in `[0.5, 1.5)`, plus Gaussian noise of standard deviation `noise`.
///
/// Regression on one feature. By default the target is the next clean value after the last
/// step; `with_per_step(true)` gives many-to-many targets, the next clean value after every
/// step (`[n, seq_len, 1]`). [`persistence_mse`](Self::persistence_mse) scores the trivial
/// forecast "the next value equals the last one".
///
/// ```
/// use recurrent::data::{SineForecastConfig, Targets};
///
/// let data = SineForecastConfig::new().with_per_step(true).generate(10, 3).unwrap();
/// let Targets::PerStep { values, outputs } = data.targets() else { unreachable!() };
/// assert_eq!((values.len(), *outputs), (10 * 20, 1));
/// ```
#[derive(Config, Debug)]
pub struct SineForecastConfig {
    /// Steps per sequence.
    #[config(default = 20)]
    pub seq_len: usize,
    /// Standard deviation of the noise added to the inputs (not to the targets).
    #[config(default = 0.05)]
    pub noise: f32,
    /// A target after every step instead of after the last one.
    #[config(default = false)]
    pub per_step: bool,
}

impl SineForecastConfig {
    /// `n` sequences drawn from `seed`.
    ///
    /// # Errors
    /// [`InvalidGeneratorConfig`](DataError::InvalidGeneratorConfig) for `seq_len = 0` or
    /// a negative or non-finite `noise`, [`EmptyDataset`](DataError::EmptyDataset) for
    /// `n = 0`.
    pub fn generate(&self, n: usize, seed: u64) -> Result<SequenceDataset, DataError> {
        at_least("SineForecast", "seq_len", self.seq_len, 1)?;
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(DataError::InvalidGeneratorConfig {
                generator: "SineForecast",
                reason: format!("noise must be finite and >= 0, found {}", self.noise),
            });
        }
        if n == 0 {
            return Err(DataError::EmptyDataset);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let t = self.seq_len;
        let mut inputs = Vec::with_capacity(n * t);
        let mut targets = Vec::with_capacity(if self.per_step { n * t } else { n });
        for _ in 0..n {
            let frequency = rng.random_range(0.5f32..1.5) * std::f32::consts::TAU / 10.0;
            let phase = rng.random_range(0.0..std::f32::consts::TAU);
            let amplitude = rng.random_range(0.5f32..1.5);
            let clean = |step: usize| amplitude * (frequency * step as f32 + phase).sin();
            for step in 0..t {
                inputs.push(clean(step) + self.noise * standard_normal(&mut rng));
                if self.per_step {
                    targets.push(clean(step + 1));
                }
            }
            if !self.per_step {
                targets.push(clean(t));
            }
        }
        let targets = if self.per_step {
            Targets::PerStep {
                values: targets,
                outputs: 1,
            }
        } else {
            Targets::Real {
                values: targets,
                outputs: 1,
            }
        };
        SequenceDataset::new(inputs, [n, t, 1], targets)
    }

    /// The MSE of forecasting each target as the last observed input ("persistence").
    pub fn persistence_mse(data: &SequenceDataset) -> f32 {
        let inputs = data.inputs();
        let t = data.seq_len();
        let (values, per_step) = match data.targets() {
            Targets::PerStep { values, .. } => (values, true),
            Targets::Real { values, .. } => (values, false),
            _ => return f32::NAN,
        };
        let mut total = 0.0;
        for (i, target) in values.iter().enumerate() {
            let last = if per_step {
                inputs[i]
            } else {
                inputs[i * t + t - 1]
            };
            total += (target - last).powi(2);
        }
        total / values.len() as f32
    }
}
