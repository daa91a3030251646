//! Per-series scaling, fitted on each series' training part only and inverted on forecasts.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ForecastError;
use super::metrics::check_finite;
use crate::io::write_atomically;

/// How a [`SeriesScaler`] maps each series: `x' = (x - shift) / scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScalerKind {
    /// `shift` the mean, `scale` the population standard deviation (1 when it is 0).
    Standard,
    /// `shift` the minimum, `scale` the range (1 when it is 0): the training part in `[0, 1]`.
    MinMax,
    /// `shift` 0, `scale` the mean absolute value (1 when it is 0), as GluonTS's `MeanScaler`
    /// for DeepAR: the sign and zeros of the series are kept.
    MeanAbs,
}

/// One `(shift, scale)` per series, fitted on the training parts only, so that nothing of the
/// held-out part leaks into the inputs; [`inverse`](Self::inverse) maps forecasts back.
///
/// ```
/// use recurrent::forecast::{ScalerKind, SeriesScaler};
///
/// let train = [vec![1.0, 2.0, 3.0], vec![10.0, 10.0, 40.0]];
/// let scaler = SeriesScaler::fit(ScalerKind::MinMax, &train)?;
/// assert_eq!(scaler.transform(1, &[10.0, 25.0, 55.0])?, vec![0.0, 0.5, 1.5]);
/// assert_eq!(scaler.inverse(1, &[0.5])?, vec![25.0]);
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesScaler {
    kind: ScalerKind,
    shift: Vec<f64>,
    scale: Vec<f64>,
}

impl SeriesScaler {
    /// Fits one `(shift, scale)` per series of `series` (each its training part).
    ///
    /// # Errors
    /// [`NoSeries`](ForecastError::NoSeries) for no series,
    /// [`EmptySeries`](ForecastError::EmptySeries) and
    /// [`NonFiniteInSeries`](ForecastError::NonFiniteInSeries) naming the series.
    pub fn fit(kind: ScalerKind, series: &[Vec<f64>]) -> Result<Self, ForecastError> {
        if series.is_empty() {
            return Err(ForecastError::NoSeries);
        }
        let mut scaler = SeriesScaler {
            kind,
            shift: Vec::with_capacity(series.len()),
            scale: Vec::with_capacity(series.len()),
        };
        for (index, values) in series.iter().enumerate() {
            check_series(index, values)?;
            let (shift, scale) = statistics(kind, values);
            scaler.shift.push(shift);
            scaler.scale.push(if scale > 1e-12 { scale } else { 1.0 });
        }
        Ok(scaler)
    }

    /// The kind it was fitted as.
    pub fn kind(&self) -> ScalerKind {
        self.kind
    }

    /// The number of series it was fitted on.
    pub fn num_series(&self) -> usize {
        self.shift.len()
    }

    /// Series `index`'s `(shift, scale)`.
    ///
    /// # Errors
    /// [`SeriesOutOfRange`](ForecastError::SeriesOutOfRange).
    pub fn parameters(&self, index: usize) -> Result<(f64, f64), ForecastError> {
        self.check_index(index)?;
        Ok((self.shift[index], self.scale[index]))
    }

    /// `values` of series `index`, scaled: `(x - shift) / scale`.
    ///
    /// # Errors
    /// [`SeriesOutOfRange`](ForecastError::SeriesOutOfRange),
    /// [`NonFiniteInSeries`](ForecastError::NonFiniteInSeries).
    pub fn transform(&self, index: usize, values: &[f64]) -> Result<Vec<f64>, ForecastError> {
        let (shift, scale) = self.parameters(index)?;
        check_finite_in(index, values)?;
        Ok(values.iter().map(|x| (x - shift) / scale).collect())
    }

    /// Scaled values of series `index` mapped back: `x * scale + shift`.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn inverse(&self, index: usize, values: &[f64]) -> Result<Vec<f64>, ForecastError> {
        let (shift, scale) = self.parameters(index)?;
        check_finite_in(index, values)?;
        Ok(values.iter().map(|x| x * scale + shift).collect())
    }

    /// Every series scaled by its own parameters; `series` must be the series it was fitted
    /// on, in the same order (their training parts, or whole).
    ///
    /// # Errors
    /// [`SeriesCountMismatch`](ForecastError::SeriesCountMismatch) for another number of
    /// series; as [`transform`](Self::transform).
    pub fn transform_all(&self, series: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, ForecastError> {
        if series.len() != self.num_series() {
            return Err(ForecastError::SeriesCountMismatch {
                expected: self.num_series(),
                found: series.len(),
            });
        }
        series
            .iter()
            .enumerate()
            .map(|(index, values)| self.transform(index, values))
            .collect()
    }

    /// Writes the scaler as JSON, atomically: a failure leaves any earlier file intact.
    ///
    /// # Errors
    /// [`ScalerFile`](ForecastError::ScalerFile) naming the path.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ForecastError> {
        let path = path.as_ref();
        let json = serde_json::to_string_pretty(self).expect("a scaler always serialises");
        write_atomically(path, json.as_bytes()).map_err(|e| file_error(path, e.to_string()))
    }

    /// Reads what [`save`](Self::save) wrote, checked: one shift per scale, all finite, every
    /// scale positive.
    ///
    /// # Errors
    /// [`ScalerFile`](ForecastError::ScalerFile) naming the path and what was wrong.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ForecastError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e.to_string()))?;
        let scaler: SeriesScaler = serde_json::from_str(&text).map_err(|e| {
            file_error(
                path,
                format!(
                    "expected a scaler's JSON ({{\"kind\", \"shift\", \"scale\"}}), found: {e}"
                ),
            )
        })?;
        scaler
            .validate()
            .map_err(|reason| file_error(path, reason))?;
        Ok(scaler)
    }

    fn validate(&self) -> Result<(), String> {
        if self.shift.len() != self.scale.len() || self.shift.is_empty() {
            return Err(format!(
                "expected one shift per scale for at least one series, found {} shifts and {} scales",
                self.shift.len(),
                self.scale.len()
            ));
        }
        let bad = (0..self.shift.len()).find(|&i| {
            !(self.shift[i].is_finite() && self.scale[i].is_finite() && self.scale[i] > 0.0)
        });
        match bad {
            Some(i) => Err(format!(
                "expected a finite shift and a positive finite scale for series {i}, found {} and {}",
                self.shift[i], self.scale[i]
            )),
            None => Ok(()),
        }
    }

    fn check_index(&self, index: usize) -> Result<(), ForecastError> {
        if index >= self.num_series() {
            return Err(ForecastError::SeriesOutOfRange {
                index,
                series: self.num_series(),
            });
        }
        Ok(())
    }
}

fn file_error(path: &Path, reason: String) -> ForecastError {
    ForecastError::ScalerFile {
        path: PathBuf::from(path),
        reason,
    }
}

fn check_series(index: usize, values: &[f64]) -> Result<(), ForecastError> {
    if values.is_empty() {
        return Err(ForecastError::EmptySeries { series: index });
    }
    check_finite_in(index, values)
}

/// [`check_finite`], naming the series.
fn check_finite_in(index: usize, values: &[f64]) -> Result<(), ForecastError> {
    check_finite("series", values).map_err(|e| match e {
        ForecastError::NonFinite { step, value, .. } => ForecastError::NonFiniteInSeries {
            series: index,
            step,
            value,
        },
        other => other,
    })
}

/// `(shift, scale)` of `kind` for `values`, before a zero scale becomes 1.
fn statistics(kind: ScalerKind, values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    match kind {
        ScalerKind::Standard => {
            let mean = values.iter().sum::<f64>() / n;
            let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            (mean, variance.sqrt())
        }
        ScalerKind::MinMax => {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (min, max - min)
        }
        ScalerKind::MeanAbs => (0.0, values.iter().map(|x| x.abs()).sum::<f64>() / n),
    }
}
