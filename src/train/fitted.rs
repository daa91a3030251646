//! A trained model ([`Fitted`]): scoring it ([`evaluate`]) and its predictions.

use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Tensor, TensorData};

use super::checkpoint::SkippedCheckpoint;
use super::confusion::ConfusionMatrix;
use super::error::TrainError;
use super::history::History;
use super::loader::{in_order, loaded, model_device};
use super::objective::{Objective, batch_output, check_data, score_batch};
use super::stop::StopReason;
use crate::data::{SequenceDataset, Targets};
use crate::model::{ModelOutput, Trainable};

/// A trained model, its history and its objective.
#[derive(Debug, Clone)]
pub struct Fitted<M> {
    /// The trained model, in inference mode (no autodiff, dropout off), on the training
    /// device's base backend.
    pub model: M,
    /// One record per finished epoch.
    pub history: History,
    /// What the model was trained for.
    pub objective: Objective,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// The best epoch by [`TrainerConfig::monitor`](crate::train::TrainerConfig::monitor), when there was validation data.
    pub best_epoch: Option<usize>,
    /// The damaged checkpoints a [`resume`](crate::train::Trainer::resume) passed over for an
    /// older intact one, newest first, each with its problem (empty after `fit`).
    pub skipped_checkpoints: Vec<SkippedCheckpoint>,
}

/// Loss and metric of a model on a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean loss: binary or categorical cross-entropy, MSE, the Gaussian negative
    /// log-likelihood or the pinball loss, by the [`Objective`] (averaged over sequences for
    /// classification, over target values otherwise).
    pub loss: f64,
    /// Accuracy for classification, otherwise the mean absolute error of the point
    /// prediction (the value, the Gaussian mean, the median quantile).
    pub metric: f64,
}

/// The sequences per batch when evaluating and predicting a dataset.
const BATCH: usize = 256;

/// Scores `model` on `data` for `objective`, in batches of 256, without autodiff.
///
/// # Errors
/// [`EmptyData`](TrainError::EmptyData),
/// [`FeatureMismatch`](TrainError::FeatureMismatch) or
/// [`ObjectiveMismatch`](TrainError::ObjectiveMismatch).
pub fn evaluate<M: Trainable>(
    model: &M,
    objective: Objective,
    data: &SequenceDataset,
) -> Result<Evaluation, TrainError> {
    check_data(model, objective, data, "evaluation")?;
    evaluate_checked(&model.valid(), objective, data, BATCH)
}

pub(crate) fn evaluate_checked<M: Trainable>(
    model: &M,
    objective: Objective,
    data: &SequenceDataset,
    batch_size: usize,
) -> Result<Evaluation, TrainError> {
    let device = model_device(model);
    let loader = in_order(data, batch_size, &device)?;
    let (mut loss_sum, mut metric_sum, mut count) = (0.0f64, 0.0f64, 0usize);
    for batch in loader.iter() {
        let scored = score_batch(model, objective, loaded(batch, "an evaluation")?)?;
        loss_sum += scored.loss.into_scalar::<f32>() as f64 * scored.count as f64;
        metric_sum += scored.metric_sum.into_scalar::<f32>() as f64;
        count += scored.count;
    }
    Ok(Evaluation {
        loss: loss_sum / count as f64,
        metric: metric_sum / count as f64,
    })
}

impl<M: Trainable> Fitted<M> {
    /// Wraps a model trained earlier, for example one read back with
    /// [`SequenceModel::load`](crate::model::SequenceModel::load), so that it predicts and
    /// scores like the result of [`Trainer::fit`](crate::train::Trainer::fit): the history is empty and `stop_reason` is
    /// `Completed`. `objective` says how to read its outputs (a sigmoid, a softmax or values).
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use recurrent::model::{CellType, SequenceModelConfig};
    /// use recurrent::train::{Fitted, Objective};
    ///
    /// let model = SequenceModelConfig::new(CellType::Gru, 2, 8, 3).with_seed(Some(1)).init(&Device::flex());
    /// let fitted = Fitted::from_model(model, Objective::MultiClass);
    /// let probabilities = fitted.predict_proba_one(&[vec![0.5, -1.0], vec![2.0, 0.0]])?;
    /// assert_eq!(probabilities.len(), 3);
    /// assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    /// assert!(fitted.history.epochs.is_empty());
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    pub fn from_model(model: M, objective: Objective) -> Self {
        Self {
            model,
            history: History::new(objective.metric_name()),
            objective,
            stop_reason: StopReason::Completed,
            best_epoch: None,
            skipped_checkpoints: Vec::new(),
        }
    }

    /// Scores the model on `data` (see [`evaluate`]).
    ///
    /// # Errors
    /// As [`evaluate`].
    pub fn evaluate(&self, data: &SequenceDataset) -> Result<Evaluation, TrainError> {
        evaluate(&self.model, self.objective, data)
    }

    /// The predicted class of every sequence of `data` (of equal or different lengths), in
    /// order: the argmax of the logits, or for binary classification 1 where the logit is > 0.
    ///
    /// # Errors
    /// As [`evaluate`], and [`ObjectiveMismatch`](TrainError::ObjectiveMismatch) for a
    /// model of values (regression, Gaussian, quantiles).
    pub fn predict_classes(&self, data: &SequenceDataset) -> Result<Vec<usize>, TrainError> {
        if !self.objective.is_classification() {
            return Err(self.not_classification());
        }
        let mut classes = Vec::with_capacity(data.len());
        self.for_each_batch(data, |output, _| {
            let ModelOutput::PerSequence(logits) = output else {
                return Err(self.not_classification());
            };
            let [rows, outputs] = logits.dims();
            let predicted = if outputs == 1 {
                logits.greater_elem(0.0).int()
            } else {
                logits.argmax(1)
            };
            let predicted = predicted
                .reshape([rows])
                .into_data()
                .convert::<i64>()
                .try_to_vec::<i64>()
                .expect("i64 data converts to a vector");
            classes.extend(predicted.into_iter().map(|c| c as usize));
            Ok(())
        })?;
        Ok(classes)
    }

    /// The predicted values of every sequence of `data` (of equal or different lengths), in
    /// order, for a model of values: one vector per sequence, the model's `outputs` raw
    /// outputs for a per-sequence model, and for a per-step model (`Readout::All`) `outputs`
    /// values for each of its own steps, `[len_i * outputs]` step-major, without the padding
    /// of its batch.
    ///
    /// The outputs are the model's own: for [`Objective::Regression`] one per target value;
    /// for [`Objective::Gaussian`] two per target value, interleaved, mean at `2i` and raw
    /// scale at `2i + 1` (σ = [`gaussian_scale`](crate::train::gaussian_scale) of it); for
    /// [`Objective::Quantile`] one per level per target value, value-major, level `j` of value
    /// `i` at `i * len + j`.
    ///
    /// `data`'s targets must fit the model as for [`evaluate`] (`Targets::Real` for a
    /// per-sequence model, `Targets::PerStep` for a per-step one); they are not read.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use recurrent::data::{SequenceDataset, Targets};
    /// use recurrent::model::{CellType, SequenceModelConfig};
    /// use recurrent::train::{Fitted, Objective};
    ///
    /// // Two sequences of 3 and 1 steps, one feature, two values to predict for each.
    /// let data = SequenceDataset::from_vecs(
    ///     vec![vec![vec![0.5], vec![-1.0], vec![2.0]], vec![vec![0.1]]],
    ///     Targets::Real { values: vec![0.0; 4], outputs: 2 },
    /// )?;
    /// let model = SequenceModelConfig::new(CellType::Lstm, 1, 8, 2).with_seed(Some(1)).init(&Device::flex());
    /// let fitted = Fitted::from_model(model, Objective::Regression);
    /// let values = fitted.predict_values(&data)?;
    /// assert_eq!(values.len(), 2);
    /// let (one, shape) = fitted.predict_one(&[vec![0.1]])?;
    /// assert_eq!((values[1].len(), shape), (2, vec![1, 2]));
    /// assert!(values[1].iter().zip(&one).all(|(a, b)| (a - b).abs() < 1e-6));
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// As [`evaluate`], and [`ObjectiveMismatch`](TrainError::ObjectiveMismatch) for a
    /// classification model (use [`predict_classes`](Self::predict_classes)).
    pub fn predict_values(&self, data: &SequenceDataset) -> Result<Vec<Vec<f32>>, TrainError> {
        if self.objective.is_classification() {
            return Err(self.not_regression());
        }
        let mut values = Vec::with_capacity(data.len());
        self.for_each_batch(data, |output, lengths| {
            match output {
                ModelOutput::PerSequence(output) => {
                    let [_, outputs] = output.dims();
                    let flat = host_values(output.into_data());
                    values.extend(flat.chunks(outputs.max(1)).map(<[f32]>::to_vec));
                }
                ModelOutput::PerStep(output) => {
                    let [_, seq, outputs] = output.dims();
                    let flat = host_values(output.into_data());
                    let rows = flat.chunks((seq * outputs).max(1)).zip(lengths);
                    values.extend(rows.map(|(row, &length)| row[..length * outputs].to_vec()));
                }
            }
            Ok(())
        })?;
        Ok(values)
    }

    /// The confusion matrix of the model's predictions on `data` against its labels.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use recurrent::data::DelayedRecallConfig;
    /// use recurrent::model::{CellType, SequenceModelConfig};
    /// use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};
    ///
    /// let data = DelayedRecallConfig::new().with_num_symbols(3).with_delay(2).generate(64, 1)?;
    /// let model = SequenceModelConfig::new(CellType::Gru, 4, 8, 3).with_seed(Some(1)).init(&Device::flex());
    /// let config = TrainerConfig::new(Objective::MultiClass).with_epochs(1).with_progress(ProgressMode::Quiet);
    /// let fitted = Trainer::new(config).fit(model, &data, None)?;
    /// let matrix = fitted.confusion_matrix(&data)?;
    /// assert_eq!((matrix.num_classes(), matrix.total()), (3, 64));
    /// assert_eq!(matrix.accuracy(), fitted.evaluate(&data)?.metric);
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// As [`predict_classes`](Self::predict_classes).
    pub fn confusion_matrix(&self, data: &SequenceDataset) -> Result<ConfusionMatrix, TrainError> {
        let predicted = self.predict_classes(data)?;
        let (truth, num_classes): (Vec<usize>, usize) = match data.targets() {
            Targets::Binary(labels) => (labels.iter().map(|&l| l as usize).collect(), 2),
            Targets::Class {
                labels,
                num_classes,
            } => (labels.clone(), *num_classes),
            _ => return Err(self.not_classification()),
        };
        ConfusionMatrix::from_predictions(&truth, &predicted, num_classes)
    }

    /// Class probabilities for `inputs` `[batch, seq, input_size]` on the model's device:
    /// `[batch, 1]` (the probability of label 1) for binary classification, `[batch, classes]`
    /// (softmax) for multi-class. The inputs are read to the host once, to check that every
    /// value is finite, before the model runs.
    ///
    /// # Errors
    /// [`FeatureMismatch`](TrainError::FeatureMismatch),
    /// [`NonFiniteInput`](TrainError::NonFiniteInput) naming the first NaN or infinite input,
    /// or [`ObjectiveMismatch`](TrainError::ObjectiveMismatch) for a model of values.
    pub fn predict_proba(&self, inputs: Tensor<3>) -> Result<Tensor<2>, TrainError> {
        let output = self.outputs(inputs)?;
        self.probabilities(output)
    }

    fn probabilities(&self, output: ModelOutput) -> Result<Tensor<2>, TrainError> {
        let logits = match output {
            ModelOutput::PerSequence(logits) => logits,
            ModelOutput::PerStep(_) => return Err(self.not_classification()),
        };
        match self.objective {
            Objective::BinaryClassification => Ok(sigmoid(logits)),
            Objective::MultiClass => Ok(softmax(logits, 1)),
            Objective::Regression | Objective::Gaussian | Objective::Quantile(_) => {
                Err(self.not_classification())
            }
        }
    }

    /// Predictions for `inputs`: class indices for classification (`[batch]` values as
    /// `f32`), otherwise the model's raw outputs (`[batch, outputs]` or
    /// `[batch, seq, outputs]`, laid out as for [`predict_values`](Self::predict_values)),
    /// flattened, with their shape. The inputs are read to the host once, to check that every
    /// value is finite, before the model runs.
    ///
    /// # Errors
    /// [`FeatureMismatch`](TrainError::FeatureMismatch), or
    /// [`NonFiniteInput`](TrainError::NonFiniteInput) naming the first NaN or infinite input
    /// (its sequence, step and feature) and its value.
    pub fn predict(&self, inputs: Tensor<3>) -> Result<(Vec<f32>, Vec<usize>), TrainError> {
        let output = self.outputs(inputs)?;
        Ok(self.predictions(output))
    }

    fn predictions(&self, output: ModelOutput) -> (Vec<f32>, Vec<usize>) {
        let (values, shape) = match (self.objective, output) {
            (Objective::BinaryClassification, ModelOutput::PerSequence(logits)) => {
                let [batch, _] = logits.dims();
                (
                    logits
                        .greater_elem(0.0)
                        .float()
                        .reshape([batch])
                        .into_data(),
                    vec![batch],
                )
            }
            (Objective::MultiClass, ModelOutput::PerSequence(logits)) => {
                let [batch, _] = logits.dims();
                (
                    logits.argmax(1).float().reshape([batch]).into_data(),
                    vec![batch],
                )
            }
            (_, ModelOutput::PerSequence(values)) => {
                let shape = values.dims().to_vec();
                (values.into_data(), shape)
            }
            (_, ModelOutput::PerStep(values)) => {
                let shape = values.dims().to_vec();
                (values.into_data(), shape)
            }
        };
        (host_values(values), shape)
    }

    /// [`predict`](Self::predict) for one sequence, `sequence[t][f]`, checked on the host.
    ///
    /// # Errors
    /// [`FeatureMismatch`](TrainError::FeatureMismatch) for a step with another number of
    /// features than the model reads, [`EmptySequence`](TrainError::EmptySequence) for no steps,
    /// [`NonFiniteInput`](TrainError::NonFiniteInput) (sequence 0) for a NaN or infinite value.
    pub fn predict_one(&self, sequence: &[Vec<f32>]) -> Result<(Vec<f32>, Vec<usize>), TrainError> {
        let inputs = self.one_sequence(sequence)?;
        Ok(self.predictions(self.model.forward_sequences(inputs)))
    }

    /// [`predict_proba`](Self::predict_proba) for one sequence, `sequence[t][f]`: one
    /// probability per class (one, of label 1, for binary classification).
    ///
    /// # Errors
    /// As [`predict_one`](Self::predict_one), and
    /// [`ObjectiveMismatch`](TrainError::ObjectiveMismatch) for a model of values.
    pub fn predict_proba_one(&self, sequence: &[Vec<f32>]) -> Result<Vec<f32>, TrainError> {
        let inputs = self.one_sequence(sequence)?;
        let probabilities = self.probabilities(self.model.forward_sequences(inputs))?;
        Ok(host_values(probabilities.into_data()))
    }

    /// `sequence` as a `[1, steps, features]` tensor on the model's device, after checking its
    /// steps, their widths and their values.
    fn one_sequence(&self, sequence: &[Vec<f32>]) -> Result<Tensor<3>, TrainError> {
        let features = self.model.input_size();
        let mut values = Vec::with_capacity(sequence.len() * features);
        if sequence.is_empty() {
            return Err(TrainError::EmptySequence {
                which: "prediction",
            });
        }
        for step in sequence {
            if step.len() != features {
                return Err(TrainError::FeatureMismatch {
                    which: "prediction",
                    expected: features,
                    found: step.len(),
                });
            }
            values.extend_from_slice(step);
        }
        check_finite(&values, [1, sequence.len(), features])?;
        Ok(Tensor::from_data(
            TensorData::new(values, [1, sequence.len(), features]),
            &model_device(&self.model),
        ))
    }

    fn outputs(&self, inputs: Tensor<3>) -> Result<ModelOutput, TrainError> {
        let [_, _, features] = inputs.dims();
        if features != self.model.input_size() {
            return Err(TrainError::FeatureMismatch {
                which: "prediction",
                expected: self.model.input_size(),
                found: features,
            });
        }
        check_finite(&host_values(inputs.to_data()), inputs.dims())?;
        Ok(self.model.forward_sequences(inputs))
    }

    /// Checks `data` as [`evaluate`] does, then runs the model over it in order, in padded
    /// batches of `BATCH`, handing `take` each batch's output and its sequences' lengths.
    fn for_each_batch(
        &self,
        data: &SequenceDataset,
        mut take: impl FnMut(ModelOutput, &[usize]) -> Result<(), TrainError>,
    ) -> Result<(), TrainError> {
        check_data(&self.model, self.objective, data, "prediction")?;
        let loader = in_order(data, BATCH, &model_device(&self.model))?;
        for batch in loader.iter() {
            let batch = loaded(batch, "a prediction")?;
            take(batch_output(&self.model, &batch), &batch.lengths)?;
        }
        Ok(())
    }

    fn not_classification(&self) -> TrainError {
        TrainError::ObjectiveMismatch {
            which: "prediction",
            objective: self.objective.name(),
            expected: "a classification model for probabilities".into(),
            found: format!(
                "a {} model (use predict or predict_values)",
                self.objective.name()
            ),
        }
    }

    fn not_regression(&self) -> TrainError {
        TrainError::ObjectiveMismatch {
            which: "prediction",
            objective: self.objective.name(),
            expected: "a regression model for values".into(),
            found: "a classification model (use predict_classes)".into(),
        }
    }
}

/// A tensor's values on the host, as `f32`.
fn host_values(data: TensorData) -> Vec<f32> {
    data.convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 data converts to a vector")
}

/// [`NonFiniteInput`](TrainError::NonFiniteInput) for the first NaN or infinite value of
/// prediction inputs `values`, `[batch, seq, features]` row-major.
fn check_finite(values: &[f32], [_, seq, features]: [usize; 3]) -> Result<(), TrainError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(TrainError::NonFiniteInput {
            which: "prediction",
            sequence: i / (seq * features),
            step: i / features % seq,
            feature: i % features,
            value: values[i],
        }),
    }
}
