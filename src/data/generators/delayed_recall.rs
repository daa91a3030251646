//! Delayed recall: remember a symbol across a delay.

use burn::config::Config;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::at_least;
use crate::data::DataError;
use crate::data::{SequenceDataset, Targets};

/// The first step shows one of `num_symbols` symbols (one-hot); `delay` steps of distractors
/// follow (a random other symbol at half the steps, blank otherwise), then a recall cue (the
/// last feature). The target is the first symbol's class.
///
/// Multi-class classification with `num_symbols` classes over `delay + 2` steps of
/// `num_symbols + 1` features; guessing scores `1 / num_symbols` accuracy. A long delay tests
/// long memory: a plain RNN fails where an LSTM or a GRU succeeds.
///
/// ```
/// use recurrent::data::{DelayedRecallConfig, Targets};
///
/// let data = DelayedRecallConfig::new().with_num_symbols(3).with_delay(5).generate(50, 2).unwrap();
/// assert_eq!((data.seq_len(), data.num_features()), (7, 4));
/// let Targets::Class { labels, num_classes } = data.targets() else { unreachable!() };
/// assert_eq!(*num_classes, 3);
/// // The first step is the one-hot of the label.
/// let first_step = &data.get(0).unwrap().input[..4];
/// assert_eq!(first_step[labels[0]], 1.0);
/// ```
#[derive(Config, Debug)]
pub struct DelayedRecallConfig {
    /// Distinct symbols (classes), at least 2.
    #[config(default = 4)]
    pub num_symbols: usize,
    /// Steps between the symbol and the cue.
    #[config(default = 20)]
    pub delay: usize,
}

impl DelayedRecallConfig {
    /// The accuracy of guessing: `1 / num_symbols`.
    pub fn baseline_accuracy(&self) -> f32 {
        1.0 / self.num_symbols as f32
    }

    /// `n` sequences drawn from `seed`.
    ///
    /// # Errors
    /// [`InvalidGeneratorConfig`](DataError::InvalidGeneratorConfig) for fewer than two
    /// symbols, [`EmptyDataset`](DataError::EmptyDataset) for `n = 0`.
    pub fn generate(&self, n: usize, seed: u64) -> Result<SequenceDataset, DataError> {
        at_least("DelayedRecall", "num_symbols", self.num_symbols, 2)?;
        if n == 0 {
            return Err(DataError::EmptyDataset);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let features = self.num_symbols + 1;
        let seq_len = self.delay + 2;
        let mut inputs = vec![0.0f32; n * seq_len * features];
        let mut labels = Vec::with_capacity(n);
        for sequence in inputs.chunks_mut(seq_len * features) {
            let label = rng.random_range(0..self.num_symbols);
            sequence[label] = 1.0;
            for step in 1..=self.delay {
                if rng.random_bool(0.5) {
                    // A distractor: any symbol but the one to remember.
                    let mut other = rng.random_range(0..self.num_symbols - 1);
                    if other >= label {
                        other += 1;
                    }
                    sequence[step * features + other] = 1.0;
                }
            }
            sequence[(seq_len - 1) * features + self.num_symbols] = 1.0;
            labels.push(label);
        }
        SequenceDataset::new(
            inputs,
            [n, seq_len, features],
            Targets::Class {
                labels,
                num_classes: self.num_symbols,
            },
        )
    }
}
