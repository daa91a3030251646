//! Synthetic sequence tasks, each a small config with `generate(n, seed)`.
//!
//! Every generator is deterministic for a seed (it draws from `rand`'s `StdRng`), and each comes
//! with the score of a trivial baseline so examples can show a model beats it.

mod adding;
mod delayed_recall;
mod sine;
mod sum_sign;

pub use adding::AddingProblemConfig;
pub use delayed_recall::DelayedRecallConfig;
pub use sine::SineForecastConfig;
pub use sum_sign::SumSignConfig;

use rand::Rng;

use crate::data::DataError;

/// A standard normal draw (Box-Muller), so the generators need nothing beyond `rand`.
pub(crate) fn standard_normal(rng: &mut impl Rng) -> f32 {
    // 1 - u is in (0, 1], so the logarithm is finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// Checks that a size option is at least `min`.
pub(crate) fn at_least(
    generator: &'static str,
    name: &str,
    value: usize,
    min: usize,
) -> Result<(), DataError> {
    if value < min {
        return Err(DataError::InvalidGeneratorConfig {
            generator,
            reason: format!("{name} must be at least {min}, found {value}"),
        });
    }
    Ok(())
}
