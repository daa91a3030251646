//! `Normalizer`: per-feature standardisation fitted on training data, or per-series
//! z-normalisation (the UCR convention), saved beside a model.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SequenceDataset;
use super::error::DataError;
use crate::io::write_atomically;
use crate::plural::count;

/// Per-feature standardisation, `x' = (x - mean_f) / std_f`, with the mean and the (population)
/// standard deviation of each feature over every step of every training sequence.
///
/// Fit it on the training set only and apply the same one to validation, test and prediction
/// data; [`save`](Self::save) it next to the model's weights. A feature that is constant in the
/// training data gets `std_f = 1` (it is only centred).
///
/// ```
/// use recurrent::data::{Normalizer, SequenceDataset, Targets};
///
/// // One sequence of three steps, two features: (1, 10), (2, 10), (3, 10).
/// let train = SequenceDataset::new(vec![1.0, 10.0, 2.0, 10.0, 3.0, 10.0], [1, 3, 2], Targets::Binary(vec![1.0]))?;
/// let normalizer = Normalizer::fit(&train)?;
/// assert_eq!(normalizer.mean(), &[2.0, 10.0]);
/// assert_eq!(normalizer.std(), &[(2.0f32 / 3.0).sqrt(), 1.0]); // constant feature: std 1
/// let scaled = normalizer.transform(&train)?;
/// assert!((scaled.sequence(0)[4] - 1.2247449).abs() < 1e-6); // (3 - 2) / sqrt(2/3)
/// assert_eq!(scaled.sequence(0)[5], 0.0);
/// # Ok::<(), recurrent::data::DataError>(())
/// ```
///
/// [`per_series`](Self::per_series) instead standardises each sequence by its own statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    mean: Vec<f32>,
    std: Vec<f32>,
    /// Each sequence by its own statistics (`mean` and `std` are then 0 and 1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    per_series: bool,
}

impl Normalizer {
    /// Fits the mean and standard deviation of each feature of `data` (in f64, every step of
    /// every sequence weighted equally).
    ///
    /// # Errors
    /// [`EmptyDataset`](DataError::EmptyDataset).
    pub fn fit(data: &SequenceDataset) -> Result<Self, DataError> {
        if data.is_empty() {
            return Err(DataError::EmptyDataset);
        }
        let (mean, std) = series_statistics(data.inputs(), data.num_features());
        Ok(Self {
            mean,
            std,
            per_series: false,
        })
    }

    /// Per-series z-normalisation, the UCR archive's convention: each feature of each sequence
    /// becomes `x' = (x - mean) / std` with the mean and the (population) standard deviation of
    /// that feature over that sequence's steps; a feature constant within a sequence is only
    /// centred. Nothing is fitted, so training, validation and test data are treated alike and
    /// the scale of each series is lost (which is the point for shape-based classification).
    ///
    /// ```
    /// use recurrent::data::{Normalizer, SequenceDataset, Targets};
    ///
    /// // Two sequences of one feature: 1, 2, 3 and 10, 30 (lengths 3 and 2).
    /// let data = SequenceDataset::from_sequences(
    ///     vec![vec![1.0, 2.0, 3.0], vec![10.0, 30.0]],
    ///     1,
    ///     Targets::Binary(vec![0.0, 1.0]),
    /// )?;
    /// let scaled = Normalizer::per_series(1)?.transform(&data)?;
    /// let s = (2.0f32 / 3.0).sqrt(); // the population std of 1, 2, 3
    /// assert_eq!(scaled.sequence(0), &[-1.0 / s, 0.0, 1.0 / s]);
    /// assert_eq!(scaled.sequence(1), &[-1.0, 1.0]); // mean 20, std 10
    /// # Ok::<(), recurrent::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// [`InvalidNormalizer`](DataError::InvalidNormalizer) for 0 features.
    pub fn per_series(num_features: usize) -> Result<Self, DataError> {
        let normalizer = Self {
            mean: vec![0.0; num_features],
            std: vec![1.0; num_features],
            per_series: true,
        };
        normalizer.validate()?;
        Ok(normalizer)
    }

    /// Whether this is [`per_series`](Self::per_series) z-normalisation.
    pub fn is_per_series(&self) -> bool {
        self.per_series
    }

    /// A normaliser from given means and standard deviations, one per feature.
    ///
    /// # Errors
    /// [`InvalidNormalizer`](DataError::InvalidNormalizer) when the lengths differ or are 0, a
    /// mean is not finite, or a standard deviation is not finite and positive.
    pub fn from_parts(mean: Vec<f32>, std: Vec<f32>) -> Result<Self, DataError> {
        let normalizer = Self {
            mean,
            std,
            per_series: false,
        };
        normalizer.validate()?;
        Ok(normalizer)
    }

    fn validate(&self) -> Result<(), DataError> {
        let bad = |expected: &'static str, found: String| DataError::InvalidNormalizer {
            expected,
            found,
        };
        if self.mean.is_empty() || self.mean.len() != self.std.len() {
            return Err(bad(
                "one mean and one standard deviation per feature, at least one feature",
                format!(
                    "{} and {}",
                    count(self.mean.len(), "mean"),
                    count(self.std.len(), "deviation")
                ),
            ));
        }
        if let Some(m) = self.mean.iter().find(|m| !m.is_finite()) {
            return Err(bad("finite means", format!("mean {m}")));
        }
        if let Some(s) = self.std.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(bad(
                "finite, positive standard deviations",
                format!("standard deviation {s}"),
            ));
        }
        Ok(())
    }

    /// The mean of each feature (zeros for [`per_series`](Self::per_series)).
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The standard deviation of each feature (1 for a constant one; ones for
    /// [`per_series`](Self::per_series)).
    pub fn std(&self) -> &[f32] {
        &self.std
    }

    /// Features per step.
    pub fn num_features(&self) -> usize {
        self.mean.len()
    }

    /// `data` standardised; shapes, lengths and targets unchanged.
    ///
    /// # Errors
    /// [`FeatureMismatch`](DataError::FeatureMismatch) when `data` has another number of
    /// features than the data the normaliser was fitted on.
    pub fn transform(&self, data: &SequenceDataset) -> Result<SequenceDataset, DataError> {
        self.check_features(data.num_features())?;
        let steps: Vec<usize> = data.lengths().to_vec();
        let mut data = data.clone();
        let f = self.num_features();
        let mut rest = data.inputs_mut();
        for length in steps {
            let (sequence, tail) = rest.split_at_mut(length * f);
            self.apply(sequence);
            rest = tail;
        }
        Ok(data)
    }

    /// Standardises `values`, steps of `num_features` values one after another (one sequence
    /// for [`Fitted::predict_one`](crate::train::Fitted::predict_one), or with per-feature
    /// statistics a padded batch; [`per_series`](Self::per_series) takes the values as one
    /// sequence).
    /// Every value is checked before any is changed: on an error `values` is left as it was.
    ///
    /// ```
    /// use recurrent::data::{DataError, Normalizer};
    ///
    /// let normalizer = Normalizer::from_parts(vec![1.0, 10.0], vec![2.0, 5.0])?;
    /// let mut steps = vec![3.0, 20.0, 1.0, 10.0]; // two steps of two features
    /// normalizer.transform_values(&mut steps)?;
    /// assert_eq!(steps, [1.0, 2.0, 0.0, 0.0]);
    /// let mut bad = vec![3.0, 20.0, f32::NAN, 10.0];
    /// let err = normalizer.transform_values(&mut bad).unwrap_err();
    /// assert!(matches!(err, DataError::NonFiniteToNormalize { index: 2, step: 1, feature: 0, .. }));
    /// assert_eq!(bad[0], 3.0); // untouched
    /// # Ok::<(), DataError>(())
    /// ```
    ///
    /// # Errors
    /// [`ShapeMismatch`](DataError::ShapeMismatch) when `values.len()` is not a
    /// multiple of the number of features,
    /// [`NonFiniteToNormalize`](DataError::NonFiniteToNormalize) naming the first NaN or
    /// infinite value (its index, step and feature).
    pub fn transform_values(&self, values: &mut [f32]) -> Result<(), DataError> {
        let f = self.num_features();
        if !values.len().is_multiple_of(f) {
            return Err(DataError::ShapeMismatch {
                what: "values to normalise",
                expected: format!("a multiple of {} (the features per step)", f),
                found: count(values.len(), "value"),
            });
        }
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NonFiniteToNormalize {
                index,
                step: index / f,
                feature: index % f,
                value: values[index],
            });
        }
        self.apply(values);
        Ok(())
    }

    fn check_features(&self, found: usize) -> Result<(), DataError> {
        if found != self.num_features() {
            return Err(DataError::FeatureMismatch {
                expected: self.num_features(),
                found,
            });
        }
        Ok(())
    }

    /// Standardises `values`, whole steps; with `per_series`, one sequence.
    fn apply(&self, values: &mut [f32]) {
        let f = self.num_features();
        let (mean, std) = if self.per_series {
            series_statistics(values, f)
        } else {
            (self.mean.clone(), self.std.clone())
        };
        for step in values.chunks_exact_mut(f) {
            for ((v, m), s) in step.iter_mut().zip(&mean).zip(&std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Writes the normaliser as JSON (`{"mean": [...], "std": [...]}`, with `"per_series":
    /// true` for [`per_series`](Self::per_series)), atomically: a failure
    /// leaves any earlier file at `path` intact.
    ///
    /// # Errors
    /// [`WriteFailed`](DataError::WriteFailed).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        let json = serde_json::to_string_pretty(self).expect("a normaliser always serialises");
        write_atomically(path, json.as_bytes()).map_err(|e| DataError::WriteFailed {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// Reads what [`save`](Self::save) wrote.
    ///
    /// # Errors
    /// [`FileUnreadable`](DataError::FileUnreadable) when the file cannot be read
    /// or is not a normaliser, [`InvalidNormalizer`](DataError::InvalidNormalizer)
    /// when its values are invalid (see [`from_parts`](Self::from_parts)).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        let text = crate::data::read_data_file(path)?;
        let normalizer: Self =
            serde_json::from_str(&text).map_err(|e| DataError::FileUnreadable {
                path: path.to_path_buf(),
                reason: format!(
                    "expected a normaliser's JSON ({{\"mean\": [..], \"std\": [..]}}), found: {e}"
                ),
            })?;
        normalizer.validate()?;
        Ok(normalizer)
    }
}

/// The mean and the population standard deviation (1 where it is 0) of each of the `f`
/// features of `values` (steps one after another), accumulated in f64.
fn series_statistics(values: &[f32], f: usize) -> (Vec<f32>, Vec<f32>) {
    let steps = (values.len() / f).max(1) as f64;
    let mut sum = vec![0.0f64; f];
    for step in values.chunks_exact(f) {
        for (s, v) in sum.iter_mut().zip(step) {
            *s += *v as f64;
        }
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / steps).collect();
    let mut squares = vec![0.0f64; f];
    for step in values.chunks_exact(f) {
        for ((s, v), m) in squares.iter_mut().zip(step).zip(&mean) {
            *s += (*v as f64 - m).powi(2);
        }
    }
    let std = squares
        .iter()
        .map(|s| {
            let std = (s / steps).sqrt();
            if std > 1e-12 { std as f32 } else { 1.0 }
        })
        .collect();
    (mean.iter().map(|m| *m as f32).collect(), std)
}
