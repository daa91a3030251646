//! What the model learns ([`Objective`]): the data it needs (checked before any work), and each
//! batch's loss and metric, from Burn's loss modules.

use burn::nn::loss::{BinaryCrossEntropyLossConfig, CrossEntropyLossConfig, MseLoss, Reduction};
use burn::tensor::{Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::error::TrainError;
use crate::data::{BatchTargets, SequenceBatch, SequenceDataset, Targets};
use crate::model::{ModelOutput, Trainable};
use crate::plural::count;

/// What the model learns, which fixes the loss and the metric.
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
}

impl Objective {
    /// The objective's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Objective::BinaryClassification => "binary classification",
            Objective::MultiClass => "multi-class classification",
            Objective::Regression => "regression",
        }
    }

    /// The name of the metric [`History`](crate::train::History) records.
    pub fn metric_name(self) -> &'static str {
        match self {
            Objective::Regression => "mae",
            _ => "accuracy",
        }
    }

    /// Whether a larger metric is better (accuracy) or a smaller one (MAE).
    pub fn higher_is_better(self) -> bool {
        self != Objective::Regression
    }
}

/// A batch's loss (for backward), the sum of its metric (correct predictions, or absolute
/// errors) and how many items that sum covers.
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
    match (objective, output, targets) {
        (Objective::BinaryClassification, ModelOutput::PerSequence(logits), BatchTargets::Binary(labels)) => {
            let [batch, outputs] = logits.dims();
            if outputs != 1 {
                return Err(mismatch(objective, format!("logits [{batch}, 1]"), format!("[{batch}, {outputs}]")));
            }
            let logits: Tensor<1> = logits.reshape([batch]);
            let loss = BinaryCrossEntropyLossConfig::new()
                .with_logits(true)
                .init(&logits.device())
                .forward(logits.clone(), labels.clone());
            let predicted: Tensor<1, Int> = logits.greater_elem(0.0).int();
            let correct = predicted.equal(labels.clone()).int().sum().float();
            Ok(BatchScore { loss, metric_sum: correct, count: batch })
        }
        (Objective::MultiClass, ModelOutput::PerSequence(logits), BatchTargets::Class(labels)) => {
            let [batch, _] = logits.dims();
            let loss = CrossEntropyLossConfig::new()
                .init(&logits.device())
                .forward(logits.clone(), labels.clone());
            let predicted: Tensor<1, Int> = logits.argmax(1).reshape([batch]);
            let correct = predicted.equal(labels.clone()).int().sum().float();
            Ok(BatchScore { loss, metric_sum: correct, count: batch })
        }
        (Objective::Regression, ModelOutput::PerSequence(values), BatchTargets::Real(targets)) => {
            check_dims(objective, &values.dims(), &targets.dims())?;
            Ok(regression(values, targets.clone()))
        }
        (Objective::Regression, ModelOutput::PerStep(values), BatchTargets::PerStep(targets)) => {
            check_dims(objective, &values.dims(), &targets.dims())?;
            Ok(match lengths {
                Some(lengths) => masked_regression(values, targets.clone(), lengths),
                None => regression(values, targets.clone()),
            })
        }
        (objective, output, _) => Err(mismatch(
            objective,
            "one prediction per sequence for classification, per sequence or per step (matching the targets) for regression".into(),
            match output {
                ModelOutput::PerSequence(t) => format!("per-sequence output {:?}", t.dims()),
                ModelOutput::PerStep(t) => format!("per-step output {:?}", t.dims()),
            },
        )),
    }
}

fn check_dims(objective: Objective, output: &[usize], targets: &[usize]) -> Result<(), TrainError> {
    if output != targets {
        return Err(mismatch(
            objective,
            format!("output shaped like the targets {targets:?}"),
            format!("{output:?}"),
        ));
    }
    Ok(())
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
    let [batch, seq, outputs] = values.dims();
    let mask: Vec<f32> = lengths
        .iter()
        .flat_map(|&l| (0..seq).map(move |t| if t < l { 1.0 } else { 0.0 }))
        .collect();
    let mask = Tensor::<3>::from_data(TensorData::new(mask, [batch, seq, 1]), &values.device())
        .cast(values.dtype());
    let count = lengths.iter().sum::<usize>() * outputs;
    let error = (values - targets) * mask;
    BatchScore {
        loss: error.clone().square().sum() / count as f32,
        metric_sum: error.abs().sum(),
        count,
    }
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
    match (objective, targets) {
        (Objective::BinaryClassification, Targets::Binary(_)) => {
            fits(1, "a model with 1 output (one logit)".into())
        }
        (Objective::MultiClass, Targets::Class { num_classes, .. }) => fits(
            *num_classes,
            format!("a model with one output per class ({num_classes})"),
        ),
        (
            Objective::Regression,
            Targets::Real { outputs: n, .. } | Targets::PerStep { outputs: n, .. },
        ) => {
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
            fits(*n, format!("a model with {}", count(*n, "output")))
        }
        (objective, targets) => {
            let expected = match objective {
                Objective::BinaryClassification => "binary labels",
                Objective::MultiClass => "class labels",
                Objective::Regression => "real values (per sequence or per step)",
            };
            Err((expected.into(), targets.kind().into()))
        }
    }
}
