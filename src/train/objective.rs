//! Losses and metrics per batch, from Burn's loss modules.

use burn::nn::loss::{BinaryCrossEntropyLossConfig, CrossEntropyLossConfig, MseLoss, Reduction};
use burn::tensor::{Int, Tensor, TensorData};

use super::config::Objective;
use crate::RecurrentError;
use crate::data::BatchTargets;
use crate::model::ModelOutput;

/// A batch's loss (for backward), the sum of its metric (correct predictions, or absolute
/// errors) and how many items that sum covers.
pub(crate) struct BatchScore {
    pub loss: Tensor<1>,
    pub metric_sum: Tensor<1>,
    pub count: usize,
}

fn mismatch(objective: Objective, expected: String, found: String) -> RecurrentError {
    RecurrentError::ObjectiveMismatch {
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
) -> Result<BatchScore, RecurrentError> {
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

fn check_dims(
    objective: Objective,
    output: &[usize],
    targets: &[usize],
) -> Result<(), RecurrentError> {
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
