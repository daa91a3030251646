//! `Trainer::fit`, `evaluate` and prediction.

use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Device, Tensor, TensorData};

use super::config::{Objective, TrainerConfig};
use super::confusion::ConfusionMatrix;
use super::history::{EpochRecord, History};
use super::objective::{BatchScore, score};
use super::progress::Progress;
use crate::RecurrentError;
use crate::data::{SequenceBatch, SequenceDataset, Targets, data_loader};
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
}

/// A failed [`Trainer::fit`]: the error, and what training produced before it, if anything.
///
/// On [`Diverged`](RecurrentError::Diverged) `partial` holds the model from before the step
/// that diverged and the history of the finished epochs; on a validation error it is `None`.
/// `?` converts it into the plain [`RecurrentError`].
#[derive(Debug)]
pub struct FitError<M> {
    /// What went wrong.
    pub error: RecurrentError,
    /// The last good model and the history so far, when training had started.
    pub partial: Option<Box<Fitted<M>>>,
}

impl<M> std::fmt::Display for FitError<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl<M: std::fmt::Debug> std::error::Error for FitError<M> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<M> From<FitError<M>> for RecurrentError {
    fn from(e: FitError<M>) -> Self {
        e.error
    }
}

impl<M> From<RecurrentError> for FitError<M> {
    fn from(error: RecurrentError) -> Self {
        FitError {
            error,
            partial: None,
        }
    }
}

/// A callback called after every epoch with its record.
pub type EpochCallback = Box<dyn FnMut(&EpochRecord) + Send>;

/// Trains any [`Trainable`] model.
///
/// ```
/// use burn::tensor::Device;
/// use recurrent::data::SumSignConfig;
/// use recurrent::model::{CellType, SequenceModelConfig};
/// use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};
///
/// let device = Device::flex();
/// let train = SumSignConfig::new().generate(256, 1)?;
/// let test = SumSignConfig::new().generate(256, 2)?;
/// let model = SequenceModelConfig::new(CellType::Rnn, 1, 16, 1).with_seed(Some(3)).init(&device);
/// let config = TrainerConfig::new(Objective::BinaryClassification)
///     .with_epochs(5)
///     .with_progress(ProgressMode::Quiet);
/// let fitted = Trainer::new(config).fit(model, &train, Some(&test))?;
/// let last = fitted.history.last().unwrap();
/// assert!(last.train_loss < fitted.history.epochs[0].train_loss);
/// assert!(last.valid_metric.unwrap() > 0.7); // accuracy on unseen sequences
/// # Ok::<(), recurrent::RecurrentError>(())
/// ```
pub struct Trainer {
    config: TrainerConfig,
    callback: Option<EpochCallback>,
}

impl Trainer {
    /// A trainer with `config` (checked when [`fit`](Self::fit) starts).
    pub fn new(config: TrainerConfig) -> Self {
        Self {
            config,
            callback: None,
        }
    }

    /// Calls `callback` after every epoch, for custom logging.
    pub fn with_callback(mut self, callback: impl FnMut(&EpochRecord) + Send + 'static) -> Self {
        self.callback = Some(Box::new(callback));
        self
    }

    /// The config.
    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    /// Trains `model` on `train`, scoring `valid` after every epoch, on the device the model is
    /// on (with autodiff switched on for training).
    ///
    /// Every option and the data are checked before the first step. The model comes back in
    /// inference mode.
    ///
    /// # Errors
    /// The config's errors (see [`TrainerConfig::validate`]); for `train` and `valid`:
    /// [`EmptyDataset`](RecurrentError::EmptyDataset),
    /// [`FeatureMismatch`](RecurrentError::FeatureMismatch),
    /// [`ObjectiveMismatch`](RecurrentError::ObjectiveMismatch) (targets of the wrong kind or
    /// width for the objective and the model); during training
    /// [`Diverged`](RecurrentError::Diverged), with the last good model in
    /// [`FitError::partial`].
    pub fn fit<M: Trainable>(
        &mut self,
        model: M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, FitError<M>> {
        let config = &self.config;
        config.validate()?;
        let objective = config.objective;
        check_data(&model, objective, train, "training")?;
        if let Some(valid) = valid {
            check_data(&model, objective, valid, "validation")?;
        }

        let mut model = model.train();
        let device = training_device(&model);
        let loader = data_loader(
            train,
            config.batch_size,
            config.shuffle.then_some(config.seed),
            &device,
        );
        let batches = train.len().div_ceil(config.batch_size);
        let mut optimizer = config.build_optimizer();
        let mut scheduler = config.build_scheduler(batches);
        let mut history = History::new(objective.metric_name());
        let mut progress = Progress::new(config.progress, config.epochs, batches);

        for epoch in 1..=config.epochs {
            let started = Instant::now();
            progress.start_epoch(epoch);
            let (mut loss_sum, mut loss_count) = (0.0f64, 0usize);
            let (mut metric_sum, mut metric_count) = (0.0f64, 0usize);
            let mut sequences = 0usize;
            let mut learning_rate = config.learning_rate;
            for (step, batch) in loader.iter().enumerate() {
                let batch = loaded(batch, "a training batch")?;
                sequences += batch.inputs.dims()[0];
                let scored = score_batch(&model, objective, batch)?;
                let loss_value: f32 = scored.loss.clone().into_scalar();
                if !loss_value.is_finite() {
                    // The model as it was before this step's update is the last one known good
                    // enough to produce a loss; hand it back with the finished epochs.
                    return Err(FitError {
                        error: RecurrentError::Diverged {
                            epoch,
                            step: step + 1,
                            loss: loss_value,
                        },
                        partial: Some(Box::new(Fitted {
                            model: model.valid(),
                            history,
                            objective,
                        })),
                    });
                }
                let metric: f32 = scored.metric_sum.clone().into_scalar();
                loss_sum += loss_value as f64 * scored.count as f64;
                loss_count += scored.count;
                metric_sum += metric as f64;
                metric_count += scored.count;

                let grads = GradientsParams::from_grads(scored.loss.backward(), &model);
                let lr = scheduler.step();
                learning_rate = lr.base();
                model = optimizer.step(lr, model, grads);
                progress.step(loss_sum / loss_count as f64, sequences);
            }

            let (valid_loss, valid_metric) = match valid {
                Some(valid) => {
                    let evaluation =
                        evaluate_checked(&model.valid(), objective, valid, config.batch_size)?;
                    (Some(evaluation.loss), Some(evaluation.metric))
                }
                None => (None, None),
            };
            let seconds = started.elapsed().as_secs_f64();
            let record = EpochRecord {
                epoch,
                train_loss: loss_sum / loss_count as f64,
                train_metric: metric_sum / metric_count as f64,
                valid_loss,
                valid_metric,
                learning_rate,
                seconds,
                sequences_per_second: train.len() as f64 / seconds,
            };
            progress.finish_epoch(&record, objective.metric_name());
            if let Some(callback) = &mut self.callback {
                callback(&record);
            }
            history.epochs.push(record);
        }
        Ok(Fitted {
            model: model.valid(),
            history,
            objective,
        })
    }
}

/// The device a module's parameters are on (the default device for a module without any).
fn training_device<M: Module>(model: &M) -> Device {
    model.devices().into_iter().next().unwrap_or_default()
}

/// Runs `model` on `batch`'s inputs, with the lengths when the batch is padded.
fn batch_output<M: Trainable>(model: &M, batch: &SequenceBatch) -> ModelOutput {
    if batch.is_padded() {
        model.forward_with_lengths(batch.inputs.clone(), &batch.lengths)
    } else {
        model.forward_sequences(batch.inputs.clone())
    }
}

/// Runs `model` on `batch` and scores it.
fn score_batch<M: Trainable>(
    model: &M,
    objective: Objective,
    batch: SequenceBatch,
) -> Result<BatchScore, RecurrentError> {
    let lengths = batch.is_padded().then_some(batch.lengths.as_slice());
    score(
        objective,
        batch_output(model, &batch),
        &batch.targets,
        lengths,
    )
}

/// A batch from a data loader, or the loader's error as a data error.
fn loaded(
    batch: Result<SequenceBatch, impl std::fmt::Display>,
    what: &'static str,
) -> Result<SequenceBatch, RecurrentError> {
    batch.map_err(|e| RecurrentError::DataShapeMismatch {
        what,
        expected: "a batch from the data loader".into(),
        found: e.to_string(),
    })
}

/// Checks `data` against the model and the objective, before any work.
fn check_data<M: Trainable>(
    model: &M,
    objective: Objective,
    data: &SequenceDataset,
    which: &'static str,
) -> Result<(), RecurrentError> {
    if data.is_empty() {
        return Err(RecurrentError::EmptyDataset);
    }
    if data.num_features() != model.input_size() {
        return Err(RecurrentError::FeatureMismatch {
            which,
            expected: model.input_size(),
            found: data.num_features(),
        });
    }
    if !data.is_equal_length() && !model.supports_lengths() {
        return Err(RecurrentError::LengthsUnsupported { which });
    }
    let mismatch = |expected: String, found: String| RecurrentError::ObjectiveMismatch {
        which,
        objective: objective.name(),
        expected,
        found,
    };
    let targets = data.targets();
    let outputs = model.output_size();
    match (objective, targets) {
        (Objective::BinaryClassification, Targets::Binary(_)) => {
            if outputs != 1 {
                return Err(mismatch(
                    "a model with 1 output (one logit)".into(),
                    format!("{outputs} outputs"),
                ));
            }
        }
        (Objective::MultiClass, Targets::Class { num_classes, .. }) => {
            if outputs != *num_classes {
                return Err(mismatch(
                    format!("a model with one output per class ({num_classes})"),
                    format!("{outputs} outputs"),
                ));
            }
        }
        (
            Objective::Regression,
            Targets::Real { outputs: n, .. } | Targets::PerStep { outputs: n, .. },
        ) => {
            let per_step = matches!(targets, Targets::PerStep { .. });
            if per_step != model.per_step() {
                return Err(mismatch(
                    format!(
                        "a model predicting {} for {}",
                        if per_step {
                            "every step"
                        } else {
                            "each sequence"
                        },
                        targets.kind()
                    ),
                    format!(
                        "a model predicting {}",
                        if model.per_step() {
                            "every step"
                        } else {
                            "each sequence"
                        }
                    ),
                ));
            }
            if outputs != *n {
                return Err(mismatch(
                    format!("a model with {n} outputs"),
                    format!("{outputs} outputs"),
                ));
            }
        }
        (objective, targets) => {
            let expected = match objective {
                Objective::BinaryClassification => "binary labels",
                Objective::MultiClass => "class labels",
                Objective::Regression => "real values (per sequence or per step)",
            };
            return Err(mismatch(expected.into(), targets.kind().into()));
        }
    }
    Ok(())
}

/// Loss and metric of a model on a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean loss (binary or categorical cross-entropy, or MSE).
    pub loss: f64,
    /// Accuracy for classification, mean absolute error for regression.
    pub metric: f64,
}

/// Scores `model` on `data` for `objective`, in batches of 256, without autodiff.
///
/// # Errors
/// [`EmptyDataset`](RecurrentError::EmptyDataset),
/// [`FeatureMismatch`](RecurrentError::FeatureMismatch) or
/// [`ObjectiveMismatch`](RecurrentError::ObjectiveMismatch).
pub fn evaluate<M: Trainable>(
    model: &M,
    objective: Objective,
    data: &SequenceDataset,
) -> Result<Evaluation, RecurrentError> {
    check_data(model, objective, data, "evaluation")?;
    evaluate_checked(&model.valid(), objective, data, 256)
}

fn evaluate_checked<M: Trainable>(
    model: &M,
    objective: Objective,
    data: &SequenceDataset,
    batch_size: usize,
) -> Result<Evaluation, RecurrentError> {
    let device = training_device(model);
    let loader = data_loader(data, batch_size, None, &device);
    let (mut loss_sum, mut metric_sum, mut count) = (0.0f64, 0.0f64, 0usize);
    for batch in loader.iter() {
        let scored = score_batch(model, objective, loaded(batch, "an evaluation batch")?)?;
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
    /// Scores the model on `data` (see [`evaluate`]).
    ///
    /// # Errors
    /// As [`evaluate`].
    pub fn evaluate(&self, data: &SequenceDataset) -> Result<Evaluation, RecurrentError> {
        evaluate(&self.model, self.objective, data)
    }

    /// The predicted class of every sequence of `data` (of equal or different lengths), in
    /// order: the argmax of the logits, or for binary classification 1 where the logit is > 0.
    ///
    /// # Errors
    /// As [`evaluate`], and [`ObjectiveMismatch`](RecurrentError::ObjectiveMismatch) for a
    /// regression model.
    pub fn predict_classes(&self, data: &SequenceDataset) -> Result<Vec<usize>, RecurrentError> {
        if self.objective == Objective::Regression {
            return Err(self.not_classification());
        }
        check_data(&self.model, self.objective, data, "prediction")?;
        let loader = data_loader(data, 256, None, &training_device(&self.model));
        let mut classes = Vec::with_capacity(data.len());
        for batch in loader.iter() {
            let batch = loaded(batch, "a prediction batch")?;
            let ModelOutput::PerSequence(logits) = batch_output(&self.model, &batch) else {
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
        }
        Ok(classes)
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
    pub fn confusion_matrix(
        &self,
        data: &SequenceDataset,
    ) -> Result<ConfusionMatrix, RecurrentError> {
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
    /// (softmax) for multi-class.
    ///
    /// # Errors
    /// [`FeatureMismatch`](RecurrentError::FeatureMismatch), or
    /// [`ObjectiveMismatch`](RecurrentError::ObjectiveMismatch) for a regression model.
    pub fn predict_proba(&self, inputs: Tensor<3>) -> Result<Tensor<2>, RecurrentError> {
        let logits = match self.outputs(inputs)? {
            ModelOutput::PerSequence(logits) => logits,
            ModelOutput::PerStep(_) => return Err(self.not_classification()),
        };
        match self.objective {
            Objective::BinaryClassification => Ok(sigmoid(logits)),
            Objective::MultiClass => Ok(softmax(logits, 1)),
            Objective::Regression => Err(self.not_classification()),
        }
    }

    /// Predictions for `inputs`: class indices for classification (`[batch]` values as
    /// `f32`), values for regression (`[batch, outputs]` or `[batch, seq, outputs]`),
    /// flattened, with their shape.
    ///
    /// # Errors
    /// [`FeatureMismatch`](RecurrentError::FeatureMismatch).
    pub fn predict(&self, inputs: Tensor<3>) -> Result<(Vec<f32>, Vec<usize>), RecurrentError> {
        let output = self.outputs(inputs)?;
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
        let values = values
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32 data converts to a vector");
        Ok((values, shape))
    }

    /// [`predict`](Self::predict) for one sequence, `sequence[t][f]`.
    ///
    /// # Errors
    /// [`RaggedSequences`](RecurrentError::RaggedSequences), [`EmptyDataset`](RecurrentError::EmptyDataset)
    /// for no steps, [`FeatureMismatch`](RecurrentError::FeatureMismatch).
    pub fn predict_one(
        &self,
        sequence: &[Vec<f32>],
    ) -> Result<(Vec<f32>, Vec<usize>), RecurrentError> {
        self.predict(self.one_sequence(sequence)?)
    }

    /// [`predict_proba`](Self::predict_proba) for one sequence, `sequence[t][f]`: one
    /// probability per class (one, of label 1, for binary classification).
    ///
    /// # Errors
    /// As [`predict_one`](Self::predict_one), and for a regression model.
    pub fn predict_proba_one(&self, sequence: &[Vec<f32>]) -> Result<Vec<f32>, RecurrentError> {
        let probabilities = self.predict_proba(self.one_sequence(sequence)?)?;
        Ok(probabilities
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32 data converts to a vector"))
    }

    fn one_sequence(&self, sequence: &[Vec<f32>]) -> Result<Tensor<3>, RecurrentError> {
        let features = self.model.input_size();
        let mut values = Vec::with_capacity(sequence.len() * features);
        for (t, step) in sequence.iter().enumerate() {
            if step.len() != features {
                return Err(RecurrentError::RaggedSequences {
                    sequence: 0,
                    what: if t == 0 {
                        "features in a step"
                    } else {
                        "features in a later step"
                    },
                    expected: features,
                    found: step.len(),
                });
            }
            values.extend_from_slice(step);
        }
        if sequence.is_empty() {
            return Err(RecurrentError::EmptyDataset);
        }
        Ok(Tensor::from_data(
            TensorData::new(values, [1, sequence.len(), features]),
            &training_device(&self.model),
        ))
    }

    fn outputs(&self, inputs: Tensor<3>) -> Result<ModelOutput, RecurrentError> {
        let [_, _, features] = inputs.dims();
        if features != self.model.input_size() {
            return Err(RecurrentError::FeatureMismatch {
                which: "prediction",
                expected: self.model.input_size(),
                found: features,
            });
        }
        Ok(self.model.forward_sequences(inputs))
    }

    fn not_classification(&self) -> RecurrentError {
        RecurrentError::ObjectiveMismatch {
            which: "prediction",
            objective: self.objective.name(),
            expected: "a classification model for probabilities".into(),
            found: "a regression model (use predict)".into(),
        }
    }
}
