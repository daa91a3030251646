//! The adding problem (Hochreiter & Schmidhuber, 1997).

use burn::config::Config;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::at_least;
use crate::data::DataError;
use crate::data::{SequenceDataset, Targets};

/// Two features per step: a value from U(0, 1) and a marker, 1 at exactly two steps (one in
/// each half of the sequence) and 0 elsewhere. The target is the sum of the two marked values.
///
/// Regression. Predicting the mean, 1.0, scores an MSE of 1/6 ≈ 0.167; solving the task needs
/// memory across the whole sequence.
///
/// ```
/// use recurrent::data::{AddingProblemConfig, Targets};
///
/// let data = AddingProblemConfig::new().with_seq_len(30).generate(200, 1).unwrap();
/// let item = data.get(0).unwrap();
/// let markers: f32 = item.input.iter().skip(1).step_by(2).sum();
/// assert_eq!(markers, 2.0);
/// let Targets::Real { values, .. } = data.targets() else { unreachable!() };
/// assert!(values.iter().all(|&y| (0.0..2.0).contains(&y)));
/// ```
#[derive(Config, Debug)]
pub struct AddingProblemConfig {
    /// Steps per sequence (at least 2).
    #[config(default = 50)]
    pub seq_len: usize,
}

impl AddingProblemConfig {
    /// The MSE of always predicting the expected sum, 1.0: `2 * Var(U(0,1)) = 1/6`.
    pub const BASELINE_MSE: f32 = 1.0 / 6.0;

    /// `n` sequences drawn from `seed`.
    ///
    /// # Errors
    /// [`InvalidGeneratorConfig`](DataError::InvalidGeneratorConfig) for `seq_len < 2`,
    /// [`EmptyDataset`](DataError::EmptyDataset) for `n = 0`.
    pub fn generate(&self, n: usize, seed: u64) -> Result<SequenceDataset, DataError> {
        at_least("AddingProblem", "seq_len", self.seq_len, 2)?;
        if n == 0 {
            return Err(DataError::EmptyDataset);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let t = self.seq_len;
        let half = t / 2;
        let mut inputs = Vec::with_capacity(n * t * 2);
        let mut targets = Vec::with_capacity(n);
        for _ in 0..n {
            let first = rng.random_range(0..half);
            let second = rng.random_range(half..t);
            let mut sum = 0.0;
            for step in 0..t {
                let value: f32 = rng.random();
                let marked = step == first || step == second;
                if marked {
                    sum += value;
                }
                inputs.extend([value, if marked { 1.0 } else { 0.0 }]);
            }
            targets.push(sum);
        }
        SequenceDataset::new(
            inputs,
            [n, t, 2],
            Targets::Real {
                values: targets,
                outputs: 1,
            },
        )
    }
}
