//! What a forecaster's head predicts for each future value ([`Likelihood`]), and how those raw
//! outputs become a point forecast, interval bounds and samples.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::ForecastError;
use crate::train::{Objective, Quantiles, gaussian_scale};

/// The distribution a forecaster learns for each future value, which fixes its loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Likelihood {
    /// One value, trained by mean squared error: a point forecast, no interval.
    #[default]
    Point,
    /// A normal distribution, mean and scale, trained by its negative log-likelihood
    /// ([`Objective::Gaussian`]); the point forecast is the mean.
    Gaussian,
    /// The given quantiles, trained by the pinball loss ([`Objective::Quantile`]); the point
    /// forecast is the median.
    Quantile(Quantiles),
}

impl Likelihood {
    /// The trainer's objective for this likelihood.
    pub fn objective(self) -> Objective {
        match self {
            Likelihood::Point => Objective::Regression,
            Likelihood::Gaussian => Objective::Gaussian,
            Likelihood::Quantile(q) => Objective::Quantile(q),
        }
    }

    /// Raw outputs per forecast value.
    pub fn params(self) -> usize {
        match self {
            Likelihood::Point => 1,
            Likelihood::Gaussian => 2,
            Likelihood::Quantile(q) => q.len(),
        }
    }

    /// The point forecast from one value's raw outputs.
    pub(crate) fn point(self, raw: &[f32]) -> f64 {
        match self {
            Likelihood::Point | Likelihood::Gaussian => raw[0] as f64,
            Likelihood::Quantile(q) => sorted(raw)[q.median_index()],
        }
    }

    /// The bounds of the central interval of `level` from one value's raw outputs; `None`
    /// for a point forecast.
    pub(crate) fn interval(self, raw: &[f32], level: f64) -> Option<(f64, f64)> {
        let tail = (1.0 - level) / 2.0;
        match self {
            Likelihood::Point => None,
            Likelihood::Gaussian => {
                let half = normal_quantile(1.0 - tail) * gaussian_scale(raw[1] as f64);
                Some((raw[0] as f64 - half, raw[0] as f64 + half))
            }
            Likelihood::Quantile(q) => {
                let (levels, values) = (q.levels(), sorted(raw));
                Some((
                    interpolate(&levels, &values, tail),
                    interpolate(&levels, &values, 1.0 - tail),
                ))
            }
        }
    }

    /// One draw from the distribution of one value's raw outputs: a Gaussian draw, a draw
    /// from the piecewise-linear quantile function between the lowest and highest quantile,
    /// or the point forecast.
    pub(crate) fn sample(self, raw: &[f32], rng: &mut impl Rng) -> f64 {
        match self {
            Likelihood::Point => raw[0] as f64,
            Likelihood::Gaussian => {
                let u: f64 = rng.random_range(1e-12..1.0);
                raw[0] as f64 + normal_quantile(u) * gaussian_scale(raw[1] as f64)
            }
            Likelihood::Quantile(q) => {
                let levels = q.levels();
                let u = rng.random_range(levels[0]..=levels[levels.len() - 1]);
                interpolate(&levels, &sorted(raw), u)
            }
        }
    }

    /// Checks that an interval of `level` can be read from this likelihood.
    pub(crate) fn check_level(self, level: f64) -> Result<(), ForecastError> {
        let (lowest, highest) = match self {
            Likelihood::Quantile(q) => {
                let levels = q.levels();
                (levels[0], levels[levels.len() - 1])
            }
            _ => (0.0, 1.0),
        };
        let tail = (1.0 - level) / 2.0;
        let inside =
            level > 0.0 && level < 1.0 && tail >= lowest - 1e-12 && 1.0 - tail <= highest + 1e-12;
        if inside {
            Ok(())
        } else {
            Err(ForecastError::IntervalLevel {
                level,
                lowest,
                highest,
            })
        }
    }
}

/// The quantile outputs in increasing order, so that intervals never cross.
fn sorted(raw: &[f32]) -> Vec<f64> {
    let mut values: Vec<f64> = raw.iter().map(|&v| v as f64).collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The value at level `u` by linear interpolation between the quantiles at `levels`.
fn interpolate(levels: &[f64], values: &[f64], u: f64) -> f64 {
    let upper = levels
        .partition_point(|&l| l < u)
        .clamp(1, levels.len() - 1);
    if levels.len() == 1 {
        return values[0];
    }
    let (l0, l1) = (levels[upper - 1], levels[upper]);
    let w = ((u - l0) / (l1 - l0)).clamp(0.0, 1.0);
    values[upper - 1] * (1.0 - w) + values[upper] * w
}

/// The standard normal quantile `Φ⁻¹(p)` for `p` in (0, 1), by Acklam's rational
/// approximation (relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_known_values() {
        // scipy.stats.norm.ppf(0.975), ppf(0.9), ppf(0.001)
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((normal_quantile(0.9) - 1.2815515655446004).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090232306167813).abs() < 1e-8);
        assert_eq!(normal_quantile(0.5), 0.0);
    }

    #[test]
    fn quantile_intervals_interpolate_between_levels() {
        let q = Quantiles::new(&[0.1, 0.5, 0.9]).unwrap();
        let likelihood = Likelihood::Quantile(q);
        // Crossed outputs are sorted first.
        let raw = [3.0, 1.0, 5.0];
        assert_eq!(likelihood.point(&raw), 3.0);
        assert_eq!(likelihood.interval(&raw, 0.8), Some((1.0, 5.0)));
        let (lo, hi) = likelihood.interval(&raw, 0.4).unwrap();
        assert!((lo - 2.0).abs() < 1e-12 && (hi - 4.0).abs() < 1e-12);
        assert!(likelihood.check_level(0.9).is_err());
    }
}
