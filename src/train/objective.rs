//! What the model learns ([`Objective`]): the data it needs (checked before any work), and each
//! batch's loss and metric, from Burn's loss modules and activations.

use std::fmt;

use burn::nn::loss::{BinaryCrossEntropyLossConfig, CrossEntropyLossConfig, MseLoss, Reduction};
use burn::tensor::activation::softplus;
use burn::tensor::{Int, Tensor, TensorData};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::TrainError;
use crate::data::{BatchTargets, SequenceBatch, SequenceDataset, Targets};
use crate::model::{ModelOutput, Trainable};
use crate::plural::count;

/// What the model learns, which fixes the loss and the metric.
///
/// The value objectives ([`Regression`](Self::Regression), [`Gaussian`](Self::Gaussian),
/// [`Quantile`](Self::Quantile)) take the same targets, [`Targets::Real`] (a model predicting
/// each sequence) or [`Targets::PerStep`] (a model predicting every step), and differ in how
/// many outputs the model has per target value: 1, 2 or one per quantile level. All three
/// record the mean absolute error of their point prediction (the value, the mean, the median).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// One logit per sequence, sigmoid + binary cross-entropy; metric: accuracy.
    /// Targets: [`Targets::Binary`](crate::data::Targets::Binary).
    BinaryClassification,
    /// One logit per class, softmax + cross-entropy; metric: accuracy.
    /// Targets: [`Targets::Class`](crate::data::Targets::Class).
    MultiClass,
    /// Values, mean squared error; metric: mean absolute error.
    /// Targets: [`Targets::Real`](crate::data::Targets::Real) or
    /// [`Targets::PerStep`](crate::data::Targets::PerStep).
    Regression,
    /// A normal distribution per value, trained by its negative log-likelihood; metric: the
    /// mean absolute error of the mean. Targets as for [`Regression`](Self::Regression).
    ///
    /// The model has 2 outputs per target value, interleaved: for value `i`, output `2i` is
    /// the mean μ and output `2i + 1` a raw scale `s`, with σ = [`gaussian_scale`]`(s)` =
    /// softplus(s) + [`GAUSSIAN_MIN_SCALE`]. The loss is the mean over all target values `y`
    /// of
    ///
    /// `ln σ + ½ ((y − μ) / σ)² + ½ ln 2π`
    ///
    /// (the true negative log-likelihood, constant included).
    ///
    /// ```
    /// use recurrent::train::gaussian_scale;
    ///
    /// // One prediction, μ = 1 and raw scale 0, for the value y = 2.
    /// let (mean, sigma, y) = (1.0, gaussian_scale(0.0), 2.0);
    /// assert!((sigma - (2f64.ln() + 1e-3)).abs() < 1e-12);
    /// let nll = sigma.ln() + 0.5 * ((y - mean) / sigma).powi(2) + 0.5 * (2.0 * std::f64::consts::PI).ln();
    /// assert!((nll - 1.591_555).abs() < 1e-6);
    /// ```
    Gaussian,
    /// The given quantile levels per value, trained by the pinball loss; metric: the mean
    /// absolute error of the median. Targets as for [`Regression`](Self::Regression).
    ///
    /// The model has [`Quantiles::len`] outputs per target value, value-major: for value `i`,
    /// output `i * len + j` predicts level `q_j`. The loss is the mean over all target values
    /// `y` and levels of the pinball loss
    ///
    /// `ρ_q(y − ŷ_q) = max(q (y − ŷ_q), (q − 1)(y − ŷ_q))`.
    Quantile(Quantiles),
}

impl Objective {
    /// The objective's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Objective::BinaryClassification => "binary classification",
            Objective::MultiClass => "multi-class classification",
            Objective::Regression => "regression",
            Objective::Gaussian => "Gaussian likelihood",
            Objective::Quantile(_) => "quantile regression",
        }
    }

    /// The name of the metric [`History`](crate::train::History) records.
    pub fn metric_name(self) -> &'static str {
        if self.is_classification() {
            "accuracy"
        } else {
            "mae"
        }
    }

    /// Whether a larger metric is better (accuracy) or a smaller one (MAE).
    pub fn higher_is_better(self) -> bool {
        self.is_classification()
    }

    /// Whether the model predicts classes ([`BinaryClassification`](Self::BinaryClassification),
    /// [`MultiClass`](Self::MultiClass)) rather than values (every other objective).
    pub fn is_classification(self) -> bool {
        matches!(
            self,
            Objective::BinaryClassification | Objective::MultiClass
        )
    }

    /// How a value objective scores its outputs; `None` for classification.
    fn value_loss(self) -> Option<ValueLoss> {
        match self {
            Objective::BinaryClassification | Objective::MultiClass => None,
            Objective::Regression => Some(ValueLoss::Squared),
            Objective::Gaussian => Some(ValueLoss::Gaussian),
            Objective::Quantile(levels) => Some(ValueLoss::Pinball(levels)),
        }
    }
}

/// The smallest scale σ a [`Gaussian`](Objective::Gaussian) model can predict: it keeps
/// `ln σ` and `1 / σ` finite however negative the raw scale.
pub const GAUSSIAN_MIN_SCALE: f64 = 1e-3;

/// The scale σ of a [`Gaussian`](Objective::Gaussian) model's raw scale output `raw`:
/// softplus(raw) + [`GAUSSIAN_MIN_SCALE`], where softplus(x) = ln(1 + eˣ), computed as
/// `max(x, 0) + ln(1 + e^−|x|)` so that it neither overflows nor loses precision. The loss
/// uses the same mapping on tensors.
///
/// ```
/// use recurrent::train::{GAUSSIAN_MIN_SCALE, gaussian_scale};
///
/// assert!((gaussian_scale(0.0) - (2f64.ln() + GAUSSIAN_MIN_SCALE)).abs() < 1e-12);
/// assert!((gaussian_scale(1000.0) - (1000.0 + GAUSSIAN_MIN_SCALE)).abs() < 1e-9);
/// assert!((gaussian_scale(-1000.0) - GAUSSIAN_MIN_SCALE).abs() < 1e-12);
/// ```
pub fn gaussian_scale(raw: f64) -> f64 {
    raw.max(0.0) + (-raw.abs()).exp().ln_1p() + GAUSSIAN_MIN_SCALE
}

/// The quantile levels of a [`Quantile`](Objective::Quantile) model: 1 to
/// [`MAX`](Self::MAX) levels, strictly increasing, strictly between 0 and 1, multiples of
/// 0.0001, and 0.5 among them (the median is the point forecast, as in Darts). Serialised as a
/// plain list of numbers, `[0.1, 0.5, 0.9]`, validated again when read.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantiles {
    /// The levels in units of [`Quantiles::STEP`], in the first `len` places; zeros after.
    units: [u16; Quantiles::MAX],
    len: u8,
}

impl Quantiles {
    /// The most levels a [`Quantiles`] holds.
    pub const MAX: usize = 32;
    /// The resolution of a level: each is a multiple of 0.0001.
    pub const STEP: f64 = 1e-4;
    /// Steps in 1: a level is its units divided by this (a division, not a product with
    /// [`STEP`](Self::STEP), so that 9500 units read back as exactly 0.95).
    const UNITS: f64 = 10_000.0;
    /// 0.5 in units of [`STEP`](Self::STEP).
    const MEDIAN: u16 = 5000;

    /// Checks `levels` and keeps them.
    ///
    /// # Errors
    /// [`NoQuantiles`](TrainError::NoQuantiles) for none,
    /// [`TooManyQuantiles`](TrainError::TooManyQuantiles) for more than [`MAX`](Self::MAX),
    /// [`QuantileOutOfRange`](TrainError::QuantileOutOfRange) for a level not strictly between 0
    /// and 1 (or not finite), [`QuantileTooFine`](TrainError::QuantileTooFine) for one that is
    /// not a multiple of 0.0001,
    /// [`QuantilesNotIncreasing`](TrainError::QuantilesNotIncreasing) for levels out of order
    /// or repeated, and [`MissingMedianQuantile`](TrainError::MissingMedianQuantile) when 0.5
    /// is not among them.
    ///
    /// ```
    /// use recurrent::train::{Quantiles, TrainError};
    ///
    /// let quantiles = Quantiles::new(&[0.05, 0.5, 0.95])?;
    /// assert_eq!(quantiles.levels(), vec![0.05, 0.5, 0.95]);
    /// assert_eq!((quantiles.len(), quantiles.median_index()), (3, 1));
    /// assert_eq!(Quantiles::default().levels(), vec![0.1, 0.5, 0.9]);
    /// assert_eq!(serde_json::to_string(&quantiles).unwrap(), "[0.05,0.5,0.95]");
    /// assert_eq!(
    ///     Quantiles::new(&[0.1, 0.9]),
    ///     Err(TrainError::MissingMedianQuantile { levels: vec![0.1, 0.9] })
    /// );
    /// # Ok::<(), TrainError>(())
    /// ```
    pub fn new(levels: &[f64]) -> Result<Self, TrainError> {
        if levels.is_empty() {
            return Err(TrainError::NoQuantiles);
        }
        if levels.len() > Self::MAX {
            return Err(TrainError::TooManyQuantiles {
                found: levels.len(),
            });
        }
        let mut units = [0u16; Self::MAX];
        for (index, &level) in levels.iter().enumerate() {
            if !(level.is_finite() && level > 0.0 && level < 1.0) {
                return Err(TrainError::QuantileOutOfRange { index, level });
            }
            let scaled = level * Self::UNITS;
            if (scaled - scaled.round()).abs() > 1e-6 {
                return Err(TrainError::QuantileTooFine { index, level });
            }
            units[index] = scaled.round() as u16;
            if index > 0 && units[index] <= units[index - 1] {
                return Err(TrainError::QuantilesNotIncreasing {
                    index,
                    previous: levels[index - 1],
                    level,
                });
            }
        }
        if !units[..levels.len()].contains(&Self::MEDIAN) {
            return Err(TrainError::MissingMedianQuantile {
                levels: levels.to_vec(),
            });
        }
        Ok(Self {
            units,
            len: levels.len() as u8,
        })
    }

    /// The levels, increasing.
    pub fn levels(&self) -> Vec<f64> {
        self.units()
            .iter()
            .map(|&u| f64::from(u) / Self::UNITS)
            .collect()
    }

    /// How many levels there are (the model's outputs per target value).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always `false`: there is at least one level.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of 0.5 among the [`levels`](Self::levels): which output per value is the
    /// median, the point prediction.
    pub fn median_index(&self) -> usize {
        self.units()
            .iter()
            .position(|&u| u == Self::MEDIAN)
            .expect("validated levels contain the median")
    }

    fn units(&self) -> &[u16] {
        &self.units[..self.len()]
    }
}

impl Default for Quantiles {
    /// The levels 0.1, 0.5 and 0.9 (an 80% interval around the median).
    fn default() -> Self {
        Self::new(&[0.1, 0.5, 0.9]).expect("the default levels are valid")
    }
}

impl fmt::Debug for Quantiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Quantiles").field(&self.levels()).finish()
    }
}

impl Serialize for Quantiles {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.levels().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Quantiles {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let levels = Vec::<f64>::deserialize(deserializer)?;
        Quantiles::new(&levels).map_err(D::Error::custom)
    }
}

/// How a value objective turns its outputs and targets into a loss.
#[derive(Debug, Clone, Copy)]
enum ValueLoss {
    /// Mean squared error of one output per value.
    Squared,
    /// Gaussian negative log-likelihood of a mean and a raw scale per value.
    Gaussian,
    /// Pinball loss of one output per level per value.
    Pinball(Quantiles),
}

impl ValueLoss {
    /// The model's outputs per target value.
    fn per_value(self) -> usize {
        match self {
            ValueLoss::Squared => 1,
            ValueLoss::Gaussian => 2,
            ValueLoss::Pinball(levels) => levels.len(),
        }
    }

    /// The model `n` target values need, in messages.
    fn model_for(self, n: usize) -> String {
        let outputs = n * self.per_value();
        match self {
            ValueLoss::Squared => format!("a model with {}", count(outputs, "output")),
            ValueLoss::Gaussian => {
                format!("a model with 2 outputs per value (mean and scale): {outputs}")
            }
            ValueLoss::Pinball(levels) => format!(
                "a model with {} per value (one per quantile level): {outputs}",
                count(levels.len(), "output")
            ),
        }
    }
}

/// A batch's loss (for backward), the sum of its metric (correct predictions, or absolute
/// errors) and how many items that sum covers (sequences for classification, target values
/// otherwise).
pub(crate) struct BatchScore {
    pub loss: Tensor<1>,
    pub metric_sum: Tensor<1>,
    pub count: usize,
}

fn mismatch(objective: Objective, expected: String, found: String) -> TrainError {
    TrainError::ObjectiveMismatch {
        which: "model output",
        objective: objective.name(),
        expected,
        found,
    }
}

/// Scores `output` against `targets` for `objective`; `lengths` (for a padded batch) keeps
/// per-step predictions past a sequence's length out of the loss and the metric.
pub(crate) fn score(
    objective: Objective,
    output: ModelOutput,
    targets: &BatchTargets,
    lengths: Option<&[usize]>,
) -> Result<BatchScore, TrainError> {
    match (objective, objective.value_loss(), output, targets) {
        (
            Objective::BinaryClassification,
            _,
            ModelOutput::PerSequence(logits),
            BatchTargets::Binary(labels),
        ) => binary_classification(objective, logits, labels.clone()),
        (Objective::MultiClass, _, ModelOutput::PerSequence(logits), BatchTargets::Class(labels)) => {
            Ok(multi_class(logits, labels.clone()))
        }
        (_, Some(loss), ModelOutput::PerSequence(values), BatchTargets::Real(targets)) => {
            check_dims(objective, loss, &values.dims(), &targets.dims())?;
            // One step per sequence: the per-step scoring covers both.
            let (values, targets) = (values.unsqueeze_dim(1), targets.clone().unsqueeze_dim(1));
            Ok(value_score(loss, values, targets, None))
        }
        (_, Some(loss), ModelOutput::PerStep(values), BatchTargets::PerStep(targets)) => {
            check_dims(objective, loss, &values.dims(), &targets.dims())?;
            Ok(value_score(loss, values, targets.clone(), lengths))
        }
        (objective, _, output, _) => Err(mismatch(
            objective,
            "one prediction per sequence for classification, per sequence or per step (matching the targets) for values".into(),
            match output {
                ModelOutput::PerSequence(t) => format!("per-sequence output {:?}", t.dims()),
                ModelOutput::PerStep(t) => format!("per-step output {:?}", t.dims()),
            },
        )),
    }
}

/// Whether `output` has the shape `targets` need: theirs, with
/// [`per_value`](ValueLoss::per_value) outputs for each value.
fn check_dims(
    objective: Objective,
    loss: ValueLoss,
    output: &[usize],
    targets: &[usize],
) -> Result<(), TrainError> {
    let mut expected = targets.to_vec();
    if let Some(last) = expected.last_mut() {
        *last *= loss.per_value();
    }
    if output != expected.as_slice() {
        let what = match loss {
            ValueLoss::Squared => format!("output shaped like the targets {targets:?}"),
            ValueLoss::Gaussian => format!(
                "output {expected:?} for targets {targets:?} (a mean and a scale per value)"
            ),
            ValueLoss::Pinball(levels) => format!(
                "output {expected:?} for targets {targets:?} ({} per value)",
                count(levels.len(), "quantile")
            ),
        };
        return Err(mismatch(objective, what, format!("{output:?}")));
    }
    Ok(())
}

/// Sigmoid + binary cross-entropy of one logit per sequence; correct predictions.
fn binary_classification(
    objective: Objective,
    logits: Tensor<2>,
    labels: Tensor<1, Int>,
) -> Result<BatchScore, TrainError> {
    let [batch, outputs] = logits.dims();
    if outputs != 1 {
        return Err(mismatch(
            objective,
            format!("logits [{batch}, 1]"),
            format!("[{batch}, {outputs}]"),
        ));
    }
    let logits: Tensor<1> = logits.reshape([batch]);
    let loss = BinaryCrossEntropyLossConfig::new()
        .with_logits(true)
        .init(&logits.device())
        .forward(logits.clone(), labels.clone());
    let predicted: Tensor<1, Int> = logits.greater_elem(0.0).int();
    let correct = predicted.equal(labels).int().sum().float();
    Ok(BatchScore {
        loss,
        metric_sum: correct,
        count: batch,
    })
}

/// Softmax + cross-entropy of one logit per class; correct predictions.
fn multi_class(logits: Tensor<2>, labels: Tensor<1, Int>) -> BatchScore {
    let [batch, _] = logits.dims();
    let loss = CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits.clone(), labels.clone());
    let predicted: Tensor<1, Int> = logits.argmax(1).reshape([batch]);
    let correct = predicted.equal(labels).int().sum().float();
    BatchScore {
        loss,
        metric_sum: correct,
        count: batch,
    }
}

/// Scores a value objective's outputs `[batch, seq, n * per_value]` against targets
/// `[batch, seq, n]` (`seq` is 1 for per-sequence predictions), over the valid steps when
/// `lengths` is given.
fn value_score(
    loss: ValueLoss,
    values: Tensor<3>,
    targets: Tensor<3>,
    lengths: Option<&[usize]>,
) -> BatchScore {
    let (losses, point) = match loss {
        ValueLoss::Squared => {
            return match lengths {
                Some(lengths) => masked_regression(values, targets, lengths),
                None => regression(values, targets),
            };
        }
        ValueLoss::Gaussian => gaussian_nll(values, targets.clone()),
        ValueLoss::Pinball(levels) => pinball(levels, values, targets.clone()),
    };
    let error = (point - targets).abs();
    match lengths {
        None => BatchScore {
            count: losses.shape().num_elements(),
            loss: losses.mean(),
            metric_sum: error.sum(),
        },
        Some(lengths) => {
            let mask = step_mask(lengths, &losses);
            let count = lengths.iter().sum::<usize>() * losses.dims()[2];
            BatchScore {
                loss: (losses * mask.clone()).sum() / count as f32,
                metric_sum: (error * mask).sum(),
                count,
            }
        }
    }
}

fn regression<const D: usize>(values: Tensor<D>, targets: Tensor<D>) -> BatchScore {
    let count = values.shape().num_elements();
    let abs_error = (values.clone() - targets.clone()).abs().sum();
    BatchScore {
        loss: MseLoss::new().forward(values, targets, Reduction::Mean),
        metric_sum: abs_error,
        count,
    }
}

/// [`regression`] over the valid steps of a padded batch of per-step predictions.
fn masked_regression(values: Tensor<3>, targets: Tensor<3>, lengths: &[usize]) -> BatchScore {
    let [_, _, outputs] = values.dims();
    let mask = step_mask(lengths, &values);
    let count = lengths.iter().sum::<usize>() * outputs;
    let error = (values - targets) * mask;
    BatchScore {
        loss: error.clone().square().sum() / count as f32,
        metric_sum: error.abs().sum(),
        count,
    }
}

/// `[batch, seq, 1]`: 1 at the steps within each sequence's length, 0 past it, on `like`'s
/// device and in its dtype.
fn step_mask(lengths: &[usize], like: &Tensor<3>) -> Tensor<3> {
    let [batch, seq, _] = like.dims();
    let mask: Vec<f32> = lengths
        .iter()
        .flat_map(|&l| (0..seq).map(move |t| if t < l { 1.0 } else { 0.0 }))
        .collect();
    Tensor::<3>::from_data(TensorData::new(mask, [batch, seq, 1]), &like.device())
        .cast(like.dtype())
}

/// The Gaussian negative log-likelihood of each target value and the predicted means, both
/// `[batch, seq, n]`, from interleaved means and raw scales `[batch, seq, 2n]`.
fn gaussian_nll(values: Tensor<3>, targets: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
    let [batch, seq, n] = targets.dims();
    let pairs: Tensor<4> = values.reshape([batch, seq, n, 2]);
    let mean: Tensor<3> = pairs.clone().narrow(3, 0, 1).reshape([batch, seq, n]);
    let raw: Tensor<3> = pairs.narrow(3, 1, 1).reshape([batch, seq, n]);
    let sigma = softplus(raw, 1.0).add_scalar(GAUSSIAN_MIN_SCALE);
    let z = (targets - mean.clone()) / sigma.clone();
    let half_ln_two_pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let nll = sigma.log() + z.square().mul_scalar(0.5).add_scalar(half_ln_two_pi);
    (nll, mean)
}

/// The pinball loss of each target value, averaged over the levels, and the predicted
/// medians, both `[batch, seq, n]`, from value-major quantile predictions
/// `[batch, seq, n * levels]`.
fn pinball(levels: Quantiles, values: Tensor<3>, targets: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
    let [batch, seq, n] = targets.dims();
    let k = levels.len();
    let predicted: Tensor<4> = values.reshape([batch, seq, n, k]);
    let q: Vec<f32> = levels.levels().iter().map(|&q| q as f32).collect();
    let q = Tensor::<1>::from_data(TensorData::new(q, [k]), &predicted.device())
        .cast(predicted.dtype())
        .reshape([1, 1, 1, k]);
    let error = targets.unsqueeze_dim::<4>(3) - predicted.clone();
    let below = error.clone() * q.clone();
    let above = error * q.sub_scalar(1.0);
    let losses: Tensor<3> = below.max_pair(above).mean_dim(3).reshape([batch, seq, n]);
    let median = predicted
        .narrow(3, levels.median_index(), 1)
        .reshape([batch, seq, n]);
    (losses, median)
}

/// Runs `model` on `batch`'s inputs, with the lengths when the batch is padded.
pub(crate) fn batch_output<M: Trainable>(model: &M, batch: &SequenceBatch) -> ModelOutput {
    if batch.is_padded() {
        model.forward_with_lengths(batch.inputs.clone(), &batch.lengths)
    } else {
        model.forward_sequences(batch.inputs.clone())
    }
}

/// Runs `model` on `batch` and scores it.
pub(crate) fn score_batch<M: Trainable>(
    model: &M,
    objective: Objective,
    batch: SequenceBatch,
) -> Result<BatchScore, TrainError> {
    let lengths = batch.is_padded().then_some(batch.lengths.as_slice());
    score(
        objective,
        batch_output(model, &batch),
        &batch.targets,
        lengths,
    )
}

/// Checks `data` against the model and the objective, before any work; `which` names the data
/// in messages (`"training"`, `"validation"`, ...).
pub(crate) fn check_data<M: Trainable>(
    model: &M,
    objective: Objective,
    data: &SequenceDataset,
    which: &'static str,
) -> Result<(), TrainError> {
    if data.is_empty() {
        return Err(TrainError::EmptyData { which });
    }
    if data.num_features() != model.input_size() {
        return Err(TrainError::FeatureMismatch {
            which,
            expected: model.input_size(),
            found: data.num_features(),
        });
    }
    if !data.is_equal_length() && !model.supports_lengths() {
        return Err(TrainError::LengthsUnsupported { which });
    }
    check_lengths(model, data, which)?;
    check_targets(model, objective, data.targets()).map_err(|(expected, found)| {
        TrainError::ObjectiveMismatch {
            which,
            objective: objective.name(),
            expected,
            found,
        }
    })
}

/// Whether `data`'s sequences are as long as the model needs: its
/// [`min_sequence_length`](Trainable::min_sequence_length) at least, and its
/// [`sequence_length`](Trainable::sequence_length) if it reads only one.
fn check_lengths<M: Trainable>(
    model: &M,
    data: &SequenceDataset,
    which: &'static str,
) -> Result<(), TrainError> {
    let lengths = data.lengths();
    let (shortest, longest) = (
        lengths.iter().copied().min().unwrap_or(0),
        lengths.iter().copied().max().unwrap_or(0),
    );
    if let Some(expected) = model.sequence_length() {
        let found = if shortest == expected {
            longest
        } else {
            shortest
        };
        if found != expected {
            return Err(TrainError::SequenceLengthMismatch {
                which,
                expected,
                found,
            });
        }
    }
    let min_length = model.min_sequence_length();
    if shortest < min_length {
        return Err(TrainError::SequenceTooShort {
            which,
            min_length,
            found: shortest,
        });
    }
    Ok(())
}

/// Whether `targets` and the model's outputs fit `objective`; if not, what it needs and what
/// it found.
fn check_targets<M: Trainable>(
    model: &M,
    objective: Objective,
    targets: &Targets,
) -> Result<(), (String, String)> {
    let outputs = model.output_size();
    let fits = |needed: usize, what: String| {
        if outputs == needed {
            Ok(())
        } else {
            Err((what, count(outputs, "output")))
        }
    };
    match (objective, objective.value_loss(), targets) {
        (Objective::BinaryClassification, _, Targets::Binary(_)) => {
            fits(1, "a model with 1 output (one logit)".into())
        }
        (Objective::MultiClass, _, Targets::Class { num_classes, .. }) => fits(
            *num_classes,
            format!("a model with one output per class ({num_classes})"),
        ),
        (_, Some(loss), Targets::Real { outputs: n, .. } | Targets::PerStep { outputs: n, .. }) => {
            let per_step = matches!(targets, Targets::PerStep { .. });
            let predicting = |per_step: bool| {
                if per_step {
                    "every step"
                } else {
                    "each sequence"
                }
            };
            if per_step != model.per_step() {
                return Err((
                    format!(
                        "a model predicting {} for {}",
                        predicting(per_step),
                        targets.kind()
                    ),
                    format!("a model predicting {}", predicting(model.per_step())),
                ));
            }
            fits(n * loss.per_value(), loss.model_for(*n))
        }
        (objective, _, targets) => {
            let expected = match objective {
                Objective::BinaryClassification => "binary labels",
                Objective::MultiClass => "class labels",
                Objective::Regression | Objective::Gaussian | Objective::Quantile(_) => {
                    "real values (per sequence or per step)"
                }
            };
            Err((expected.into(), targets.kind().into()))
        }
    }
}
