//! The seed task: is the sum of a random sequence positive?

use burn::config::Config;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{at_least, standard_normal};
use crate::data::DataError;
use crate::data::{SequenceDataset, Targets};

/// Sequences of standard normal values; the label is 1 when their sum is positive.
///
/// The task of the original PyTorch example (`torch.randn(n, 10, 1)`, label `x.sum(1) > 0`):
/// binary classification, balanced, with a trivial baseline of 0.5 accuracy.
///
/// ```
/// use recurrent::data::{SumSignConfig, Targets};
///
/// let data = SumSignConfig::new().generate(1000, 7).unwrap();
/// assert_eq!((data.len(), data.seq_len(), data.num_features()), (1000, 10, 1));
/// let Targets::Binary(labels) = data.targets() else { unreachable!() };
/// let positive = labels.iter().sum::<f32>() / 1000.0;
/// assert!((positive - 0.5).abs() < 0.05);
/// ```
#[derive(Config, Debug)]
pub struct SumSignConfig {
    /// Steps per sequence.
    #[config(default = 10)]
    pub seq_len: usize,
    /// Features per step (the label is the sign of the sum over all of them).
    #[config(default = 1)]
    pub num_features: usize,
}

impl SumSignConfig {
    /// `n` sequences drawn from `seed`.
    ///
    /// # Errors
    /// [`InvalidGeneratorConfig`](DataError::InvalidGeneratorConfig) for a zero size,
    /// [`EmptyDataset`](DataError::EmptyDataset) for `n = 0`.
    pub fn generate(&self, n: usize, seed: u64) -> Result<SequenceDataset, DataError> {
        at_least("SumSign", "seq_len", self.seq_len, 1)?;
        at_least("SumSign", "num_features", self.num_features, 1)?;
        if n == 0 {
            return Err(DataError::EmptyDataset);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let width = self.seq_len * self.num_features;
        let inputs: Vec<f32> = (0..n * width).map(|_| standard_normal(&mut rng)).collect();
        let labels = inputs
            .chunks(width)
            .map(|s| {
                if s.iter().sum::<f32>() > 0.0 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        SequenceDataset::new(
            inputs,
            [n, self.seq_len, self.num_features],
            Targets::Binary(labels),
        )
    }
}
