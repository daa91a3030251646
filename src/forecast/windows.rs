//! Training windows cut from scaled series: `input_len` past steps and `horizon` future ones,
//! with a stride, across every series at once, never crossing the end of what is given.

use super::ForecastError;
use super::model_kind::ModelKind;
use crate::data::{SequenceDataset, Targets};

/// One series in model units: values `[len, components]`, past covariates `[len, past]` and
/// future covariates `[future_len, future]`, time-major.
#[derive(Debug, Clone)]
pub(crate) struct ScaledSeries {
    pub values: Vec<f32>,
    pub past: Vec<f32>,
    pub future: Vec<f32>,
}

/// The widths every [`ScaledSeries`] of a set shares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Widths {
    pub components: usize,
    pub past: usize,
    pub future: usize,
}

impl ScaledSeries {
    pub fn len(&self, widths: Widths) -> usize {
        self.values.len() / widths.components
    }

    /// The model's input at step `s`: the direct model reads the values and past covariates
    /// at `s`; the autoregressive model the values at `s` and the future covariates at `s + 1`
    /// (known when predicting `s + 1`).
    /// Values are normalised by `norm`'s per-component `(mean, std)` (see
    /// [`window_norm`](Self::window_norm)), covariates are not.
    pub fn features(
        &self,
        kind: ModelKind,
        widths: Widths,
        s: usize,
        norm: &WindowNorm,
        out: &mut Vec<f32>,
    ) {
        let c = widths.components;
        let values = &self.values[s * c..(s + 1) * c];
        out.extend(values.iter().enumerate().map(|(j, &v)| norm.apply(j, v)));
        match kind {
            ModelKind::Direct => {
                out.extend_from_slice(&self.past[s * widths.past..(s + 1) * widths.past])
            }
            ModelKind::Autoregressive => out
                .extend_from_slice(&self.future[(s + 1) * widths.future..(s + 2) * widths.future]),
        }
    }
}

/// Per-component `(mean, std)` of a window's input steps, by which the window's values (inputs
/// and targets) are normalised, so that the model sees each window's shape apart from its
/// level and spread (RevIN, Kim et al. 2022, without the learnt affine part): a trending
/// series' later windows look like its earlier ones. Identity when off.
#[derive(Debug, Clone)]
pub(crate) struct WindowNorm(pub Vec<(f32, f32)>);

/// Keeps a flat window's spread above 0.
const NORM_EPS: f32 = 1e-4;

impl WindowNorm {
    pub fn identity(components: usize) -> Self {
        Self(vec![(0.0, 1.0); components])
    }

    pub fn apply(&self, c: usize, v: f32) -> f32 {
        (v - self.0[c].0) / self.0[c].1
    }

    pub fn invert(&self, c: usize, v: f64) -> f64 {
        v * self.0[c].1 as f64 + self.0[c].0 as f64
    }
}

impl ScaledSeries {
    /// The [`WindowNorm`] of steps `from..to` (identity when `on` is false).
    pub fn window_norm(&self, widths: Widths, from: usize, to: usize, on: bool) -> WindowNorm {
        let c = widths.components;
        if !on {
            return WindowNorm::identity(c);
        }
        WindowNorm(
            (0..c)
                .map(|j| {
                    let values = (from..to).map(|t| self.values[t * c + j]);
                    let n = (to - from) as f32;
                    let mean = values.clone().sum::<f32>() / n;
                    let var = values.map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
                    (mean, (var + NORM_EPS).sqrt())
                })
                .collect(),
        )
    }
}

/// How windows are cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WindowSpec {
    pub kind: ModelKind,
    pub input_len: usize,
    pub horizon: usize,
    pub stride: usize,
    /// Whether each window is normalised by its input's [`WindowNorm`].
    pub normalise: bool,
}

impl WindowSpec {
    /// The steps a window spans: `input_len` inputs and `horizon` targets.
    pub fn span(&self) -> usize {
        self.input_len + self.horizon
    }

    /// The first forecast step of every window of a series of `len` steps: the last window
    /// ends at the series' end, the others `stride` steps apart before it.
    pub fn origins(&self, len: usize) -> Vec<usize> {
        if len < self.span() {
            return Vec::new();
        }
        let last = len - self.horizon;
        (self.input_len..=last).rev().step_by(self.stride).collect()
    }

    /// Steps per window the model reads: `input_len` for the direct model; for the
    /// autoregressive one `input_len + horizon - 1`, each step's target the next value.
    pub fn steps(&self) -> usize {
        match self.kind {
            ModelKind::Direct => self.input_len,
            ModelKind::Autoregressive => self.span() - 1,
        }
    }

    /// Every window of every series as a dataset: inputs `[windows, steps, features]`;
    /// targets the `horizon` values after the input (direct, `Targets::Real`) or each
    /// step's next value (autoregressive, `Targets::PerStep`).
    pub fn dataset(
        &self,
        series: &[ScaledSeries],
        widths: Widths,
    ) -> Result<SequenceDataset, ForecastError> {
        let features = widths.components
            + match self.kind {
                ModelKind::Direct => widths.past,
                ModelKind::Autoregressive => widths.future,
            };
        let (mut inputs, mut targets, mut count) = (Vec::new(), Vec::new(), 0);
        let c = widths.components;
        for s in series {
            for t in self.origins(s.len(widths)) {
                let first = t - self.input_len;
                let norm = s.window_norm(widths, first, t, self.normalise);
                for step in first..first + self.steps() {
                    s.features(self.kind, widths, step, &norm, &mut inputs);
                }
                let targets_from = match self.kind {
                    ModelKind::Direct => t,
                    ModelKind::Autoregressive => first + 1,
                };
                let window_targets = &s.values[targets_from * c..(t + self.horizon) * c];
                targets.extend(
                    window_targets
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| norm.apply(i % c, v)),
                );
                count += 1;
            }
        }
        if count == 0 {
            let longest = series.iter().map(|s| s.len(widths)).max().unwrap_or(0);
            return Err(ForecastError::NoTrainingWindow {
                expected: self.span(),
                found: longest,
            });
        }
        let targets = match self.kind {
            ModelKind::Direct => Targets::Real {
                values: targets,
                outputs: self.horizon * c,
            },
            ModelKind::Autoregressive => Targets::PerStep {
                values: targets,
                outputs: c,
            },
        };
        Ok(SequenceDataset::new(
            inputs,
            [count, self.steps(), features],
            targets,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: ModelKind) -> WindowSpec {
        WindowSpec {
            kind,
            input_len: 3,
            horizon: 2,
            stride: 2,
            normalise: false,
        }
    }

    #[test]
    fn origins_end_at_the_series_end_and_never_cross_it() {
        let spec = spec(ModelKind::Direct);
        assert_eq!(spec.origins(9), vec![7, 5, 3]);
        assert_eq!(spec.origins(5), vec![3]);
        assert!(spec.origins(4).is_empty());
    }

    #[test]
    fn normalised_windows_have_inputs_of_mean_zero() {
        let widths = Widths {
            components: 1,
            past: 0,
            future: 0,
        };
        let series = ScaledSeries {
            values: vec![10.0, 12.0, 14.0, 16.0, 18.0],
            past: Vec::new(),
            future: Vec::new(),
        };
        let spec = WindowSpec {
            normalise: true,
            ..spec(ModelKind::Direct)
        };
        let data = spec.dataset(&[series], widths).unwrap();
        let std = (8.0f32 / 3.0 + NORM_EPS).sqrt();
        let expected = [-2.0 / std, 0.0, 2.0 / std];
        for (found, expected) in data.inputs().iter().zip(expected) {
            assert!((found - expected).abs() < 1e-6);
        }
        let Targets::Real { values, .. } = data.targets() else {
            panic!("direct targets are per sequence")
        };
        assert!((values[0] - 4.0 / std).abs() < 1e-6 && (values[1] - 6.0 / std).abs() < 1e-6);
    }

    #[test]
    fn windows_hold_the_right_steps() {
        let widths = Widths {
            components: 1,
            past: 0,
            future: 0,
        };
        let series = ScaledSeries {
            values: (0..6).map(|v| v as f32).collect(),
            past: Vec::new(),
            future: Vec::new(),
        };
        let direct = spec(ModelKind::Direct)
            .dataset(std::slice::from_ref(&series), widths)
            .unwrap();
        // Origins 4 (inputs 1,2,3 -> 4,5) and 2 would need input from step -1: only 4.
        assert_eq!(direct.len(), 1);
        assert_eq!(direct.inputs(), &[1.0, 2.0, 3.0]);
        assert_eq!(
            direct.targets(),
            &Targets::Real {
                values: vec![4.0, 5.0],
                outputs: 2
            }
        );
        let ar = spec(ModelKind::Autoregressive)
            .dataset(&[series], widths)
            .unwrap();
        assert_eq!(ar.inputs(), &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            ar.targets(),
            &Targets::PerStep {
                values: vec![2.0, 3.0, 4.0, 5.0],
                outputs: 1
            }
        );
    }
}
