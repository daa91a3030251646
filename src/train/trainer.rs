//! `Trainer::fit`, `evaluate` and prediction.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::lr_scheduler::module_lr_scheduler::ModuleLearningRate;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Device, Tensor, TensorData};

use serde::{Deserialize, Serialize};

use super::checkpoint::{self, Best, BestCheckpoint, EpochProgress, TrainingState};
use super::config::{Objective, TrainerConfig};
use super::confusion::ConfusionMatrix;
use super::history::{EpochRecord, History};
use super::objective::{BatchScore, score};
use super::progress::Progress;
use crate::RecurrentError;
use crate::data::{BatchTargets, SequenceBatch, SequenceDataset, Targets, data_loader};
use crate::model::{ModelOutput, RecurrentState, Trainable};

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
    /// The best epoch by [`TrainerConfig::monitor`], when there was validation data.
    pub best_epoch: Option<usize>,
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
    stop: StopHandle,
}

impl Trainer {
    /// A trainer with `config` (checked when [`fit`](Self::fit) starts).
    pub fn new(config: TrainerConfig) -> Self {
        Self {
            config,
            callback: None,
            stop: StopHandle::default(),
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

    /// A handle that stops [`fit`](Self::fit) after its current step, from another thread or
    /// a Ctrl-C handler: the model trained so far comes back (with
    /// [`StopReason::Interrupted`]), after a checkpoint when checkpointing is on.
    ///
    /// ```
    /// use recurrent::train::{Objective, Trainer, TrainerConfig};
    ///
    /// let trainer = Trainer::new(TrainerConfig::new(Objective::Regression));
    /// let stop = trainer.stop_handle();
    /// // In a real program: ctrlc::set_handler(move || stop.stop());
    /// stop.stop();
    /// assert!(stop.is_stopped());
    /// ```
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Trains `model` on `train`, scoring `valid` after every epoch, on the device the model is
    /// on (with autodiff switched on for training).
    ///
    /// Every option and the data are checked before the first step. The model comes back in
    /// inference mode. With [`TrainerConfig::checkpoint`] it saves checkpoints that
    /// [`resume`](Self::resume) continues from; with [`TrainerConfig::early_stopping`] it stops
    /// when the validation score stops improving; a [`stop_handle`](Self::stop_handle) stops it
    /// after the current step.
    ///
    /// The device's random generator is seeded before every step from
    /// [`TrainerConfig::seed`], the epoch and the step, so that dropout is reproducible and a
    /// resumed run draws the masks the uninterrupted run would have drawn.
    ///
    /// # Errors
    /// The config's errors (see [`TrainerConfig::validate`]); for `train` and `valid`:
    /// [`EmptyDataset`](RecurrentError::EmptyDataset),
    /// [`FeatureMismatch`](RecurrentError::FeatureMismatch),
    /// [`ObjectiveMismatch`](RecurrentError::ObjectiveMismatch) (targets of the wrong kind or
    /// width for the objective and the model),
    /// [`LengthsUnsupported`](RecurrentError::LengthsUnsupported),
    /// [`MissingValidation`](RecurrentError::MissingValidation) (early stopping or the best
    /// checkpoint without `valid`); during training
    /// [`Diverged`](RecurrentError::Diverged), with the last good model in
    /// [`FitError::partial`] (any checkpoint on disk is the last one saved before it), and
    /// [`WriteFailed`](RecurrentError::WriteFailed) when a checkpoint cannot be written.
    pub fn fit<M: Trainable>(
        &mut self,
        model: M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, FitError<M>> {
        self.check(&model, train, valid)?;
        let start = Start::fresh(model, self.config.objective);
        self.run(start, train, valid)
    }

    /// Continues the training saved in the checkpoint directory `dir` by an earlier
    /// [`fit`](Self::fit) (or `resume`) with checkpointing on.
    ///
    /// `model` is a model of the same architecture (its parameters are replaced by the
    /// checkpoint's; build it as for `fit`). The trainer's options must be those of the run
    /// that saved the checkpoint, except `epochs` (which may grow, with a constant learning
    /// rate), `progress`, `checkpoint` and `early_stopping`. On a CPU backend, a run resumed
    /// from epoch `k` gives the loss history of the uninterrupted run.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use recurrent::data::SumSignConfig;
    /// use recurrent::model::{CellType, SequenceModelConfig};
    /// use recurrent::train::{CheckpointConfig, Objective, ProgressMode, Trainer, TrainerConfig};
    ///
    /// let dir = std::env::temp_dir().join(format!("recurrent-resume-doc-{}", std::process::id()));
    /// let train = SumSignConfig::new().generate(128, 1)?;
    /// let build = || SequenceModelConfig::new(CellType::Gru, 1, 8, 1).with_seed(Some(1)).init(&Device::flex());
    /// let config = |epochs| {
    ///     TrainerConfig::new(Objective::BinaryClassification)
    ///         .with_epochs(epochs)
    ///         .with_progress(ProgressMode::Quiet)
    ///         .with_checkpoint(Some(CheckpointConfig::new(dir.clone())))
    /// };
    /// let whole = Trainer::new(config(4)).fit(build(), &train, None)?;
    /// let _ = std::fs::remove_dir_all(&dir);
    /// Trainer::new(config(2)).fit(build(), &train, None)?; // stops after 2 epochs
    /// let resumed = Trainer::new(config(4)).resume(&dir, build(), &train, None)?;
    /// assert_eq!(resumed.history.train_losses(), whole.history.train_losses());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and [`NoCheckpoint`](RecurrentError::NoCheckpoint),
    /// [`CheckpointUnreadable`](RecurrentError::CheckpointUnreadable) (a missing, truncated or
    /// corrupt file), [`CheckpointMismatch`](RecurrentError::CheckpointMismatch) (another
    /// architecture, or other trainer options).
    pub fn resume<M: Trainable>(
        &mut self,
        dir: impl AsRef<Path>,
        model: M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, FitError<M>> {
        self.check(&model, train, valid)?;
        let loaded = checkpoint::load(dir.as_ref(), model, &self.config)?;
        let start = Start {
            model: loaded.model,
            epoch: loaded.state.epoch,
            step: loaded.state.step,
            partial: loaded.state.partial,
            history: loaded.state.history,
            best: loaded.state.best,
            optimizer: Some(loaded.optimizer),
            best_model: loaded.best_model.map(|model| model.valid()),
        };
        self.run(start, train, valid)
    }

    /// The checks both `fit` and `resume` make before any work.
    fn check<M: Trainable>(
        &self,
        model: &M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<(), RecurrentError> {
        let config = &self.config;
        config.validate()?;
        if config.tbptt.is_some() {
            if !model.supports_tbptt() {
                return Err(RecurrentError::TbpttUnsupported {
                    reason: "the model does not carry its state across chunks (Trainable::supports_tbptt is false; a SequenceModel needs Readout::Last or Readout::All)".into(),
                });
            }
            if !train.is_equal_length() {
                return Err(RecurrentError::TbpttUnsupported {
                    reason: "the training sequences differ in length".into(),
                });
            }
        }
        let objective = config.objective;
        check_data(model, objective, train, "training")?;
        match valid {
            Some(valid) => check_data(model, objective, valid, "validation")?,
            None if config.early_stopping.is_some() => {
                return Err(RecurrentError::MissingValidation {
                    what: "early stopping",
                });
            }
            None if config.checkpoint.as_ref().is_some_and(|c| c.keep_best) => {
                return Err(RecurrentError::MissingValidation {
                    what: "keeping the best checkpoint (CheckpointConfig::keep_best)",
                });
            }
            None => {}
        }
        Ok(())
    }

    /// The training loop, from `start` (a fresh model, or a checkpoint).
    fn run<M: Trainable>(
        &mut self,
        start: Start<M>,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, FitError<M>> {
        let config = self.config.clone();
        let objective = config.objective;
        self.stop.0.store(false, Ordering::SeqCst);
        let mut model = start.model.train();
        let device = training_device(&model);
        let loader = data_loader(
            train,
            config.batch_size,
            config.shuffle.then_some(config.seed),
            &device,
        );
        let batches = train.len().div_ceil(config.batch_size);
        // A resumed run's index names its own best; a fresh run's first save must not keep
        // the best of a run that used the folder before.
        let mut earlier_best = if start.optimizer.is_some() {
            BestCheckpoint::Earlier
        } else {
            BestCheckpoint::None
        };
        let mut optimizer = config.build_optimizer();
        if let Some(record) = start.optimizer {
            optimizer = optimizer.load_record(record);
        }
        // Where the uninterrupted run would be: the schedule's steps taken, and the data
        // loader's shuffles drawn (one per epoch).
        let mut scheduler = config.build_scheduler(batches);
        for _ in 0..start.epoch * batches + start.step {
            scheduler.step();
        }
        for _ in 0..start.epoch {
            drop(loader.iter());
        }
        let mut history = start.history;
        let mut best = start.best;
        let mut best_model = start.best_model;
        let restore_best = config
            .early_stopping
            .as_ref()
            .is_some_and(|e| e.restore_best);
        let min_delta = config.early_stopping.as_ref().map_or(0.0, |e| e.min_delta);
        let mut progress = Progress::new(config.progress, config.epochs, batches);
        let mut stop_reason = StopReason::Completed;
        let stale = |best: &Best| {
            config
                .early_stopping
                .as_ref()
                .is_some_and(|e| best.stale_epochs >= e.patience)
        };
        if stale(&best) {
            stop_reason = StopReason::EarlyStopped { epoch: start.epoch };
        }

        let first = start.epoch + 1;
        // A run that had already stopped early trains no further.
        let last = if stop_reason == StopReason::Completed {
            config.epochs
        } else {
            start.epoch
        };
        'epochs: for epoch in first..=last {
            let started = Instant::now();
            progress.start_epoch(epoch);
            let (skip, mut sums) = if epoch == first && start.step > 0 {
                (start.step, start.partial)
            } else {
                (0, EpochProgress::default())
            };
            let mut learning_rate = config.learning_rate;
            for (index, batch) in loader.iter().enumerate() {
                if index < skip {
                    // Trained on before the interruption the checkpoint was saved at.
                    continue;
                }
                let step = index + 1;
                device.seed(step_seed(config.seed, epoch, step));
                let batch = loaded(batch, "a training batch")?;
                sums.sequences += batch.inputs.dims()[0];
                let lr = scheduler.step();
                learning_rate = lr.base();
                let chunk = config.tbptt.filter(|&k| batch.inputs.dims()[1] > k);
                let descended = match chunk {
                    None => {
                        let scored = score_batch(&model, objective, batch)?;
                        descend(model, &mut optimizer, lr, scored, &mut sums)
                    }
                    Some(k) => descend_in_chunks(
                        model,
                        &mut optimizer,
                        lr,
                        batch,
                        k,
                        objective,
                        &mut sums,
                    )?,
                };
                model = match descended {
                    Ok(model) => model,
                    Err((model, loss)) => {
                        // The model as it was before this step's update is the last one known
                        // good enough to produce a loss; hand it back with the finished epochs.
                        // No checkpoint is written: the last one on disk stays the last good one.
                        return Err(FitError {
                            error: RecurrentError::Diverged { epoch, step, loss },
                            partial: Some(Box::new(Fitted {
                                model: model.valid(),
                                history,
                                objective,
                                stop_reason: StopReason::Completed,
                                best_epoch: best.value.map(|(_, epoch)| epoch),
                            })),
                        });
                    }
                };
                progress.step(sums.loss_sum / sums.loss_count as f64, sums.sequences);

                if self.stop.is_stopped() && step < batches {
                    if let Some(checkpoint) = &config.checkpoint {
                        sums.seconds += started.elapsed().as_secs_f64();
                        let state = TrainingState::new(
                            epoch - 1,
                            step,
                            sums,
                            history.clone(),
                            best,
                            &config,
                        );
                        save_checkpoint(&checkpoint.dir, &model, &optimizer, &state, earlier_best)?;
                    }
                    stop_reason = StopReason::Interrupted { epoch, step };
                    break 'epochs;
                }
            }

            let (valid_loss, valid_metric) = match valid {
                Some(valid) => {
                    let evaluation =
                        evaluate_checked(&model.valid(), objective, valid, config.batch_size)?;
                    (Some(evaluation.loss), Some(evaluation.metric))
                }
                None => (None, None),
            };
            let seconds = sums.seconds + started.elapsed().as_secs_f64();
            let record = EpochRecord {
                epoch,
                train_loss: sums.loss_sum / sums.loss_count as f64,
                train_metric: sums.metric_sum / sums.metric_count as f64,
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
            let score = config.monitor.score(objective, &record);
            history.epochs.push(record);

            let improved = match (score, best.value) {
                (Some(score), Some((value, _))) => score < value - min_delta,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if improved {
                best.value = score.map(|score| (score, epoch));
                best.stale_epochs = 0;
                if restore_best {
                    best_model = Some(model.valid());
                }
            } else if score.is_some() {
                best.stale_epochs += 1;
            }
            if stale(&best) {
                stop_reason = StopReason::EarlyStopped { epoch };
            }
            if let Some(checkpoint) = &config.checkpoint {
                let keep_best = checkpoint.keep_best && improved;
                let due = epoch % checkpoint.every == 0
                    || epoch == config.epochs
                    || stop_reason != StopReason::Completed
                    || self.stop.is_stopped();
                if due || keep_best {
                    let state = TrainingState::new(
                        epoch,
                        0,
                        EpochProgress::default(),
                        history.clone(),
                        best,
                        &config,
                    );
                    let best = if keep_best {
                        BestCheckpoint::This
                    } else {
                        earlier_best
                    };
                    save_checkpoint(&checkpoint.dir, &model, &optimizer, &state, best)?;
                    earlier_best = BestCheckpoint::Earlier;
                }
            }
            if stop_reason != StopReason::Completed {
                break;
            }
            if self.stop.is_stopped() {
                stop_reason = StopReason::Interrupted {
                    epoch,
                    step: batches,
                };
                break;
            }
        }
        let best_epoch = best.value.map(|(_, epoch)| epoch);
        let model = match best_model {
            Some(best) if restore_best => best,
            _ => model.valid(),
        };
        Ok(Fitted {
            model,
            history,
            objective,
            stop_reason,
            best_epoch,
        })
    }
}

/// Saves the model (in inference mode), the optimizer's state and `state` as the latest
/// checkpoint in `dir`, and as the best as `best` says.
fn save_checkpoint<M: Trainable>(
    dir: &Path,
    model: &M,
    optimizer: &ModuleOptimizer,
    state: &TrainingState,
    best: BestCheckpoint,
) -> Result<(), RecurrentError> {
    checkpoint::save(dir, &model.valid(), optimizer.to_record(), state, best)
}

/// One optimizer step on a scored batch (or chunk), adding its loss and metric to `sums`; the
/// model back unchanged with the loss when the loss is not finite.
fn descend<M: Trainable>(
    model: M,
    optimizer: &mut ModuleOptimizer,
    lr: ModuleLearningRate,
    scored: BatchScore,
    sums: &mut EpochProgress,
) -> Result<M, (M, f32)> {
    let loss: f32 = scored.loss.clone().into_scalar();
    if !loss.is_finite() {
        return Err((model, loss));
    }
    let metric: f32 = scored.metric_sum.clone().into_scalar();
    sums.loss_sum += loss as f64 * scored.count as f64;
    sums.loss_count += scored.count;
    sums.metric_sum += metric as f64;
    sums.metric_count += scored.count;
    let grads = GradientsParams::from_grads(scored.loss.backward(), &model);
    Ok(optimizer.step(lr, model, grads))
}

/// Truncated backpropagation through time over one batch: its sequences in chunks of `k` steps,
/// the state carried from chunk to chunk and detached in between. Per-step targets give every
/// chunk its loss and optimizer step; a per-sequence target scores the last chunk only (the
/// earlier ones advance the state).
#[allow(clippy::too_many_arguments)]
fn descend_in_chunks<M: Trainable>(
    mut model: M,
    optimizer: &mut ModuleOptimizer,
    lr: ModuleLearningRate,
    batch: SequenceBatch,
    k: usize,
    objective: Objective,
    sums: &mut EpochProgress,
) -> Result<Result<M, (M, f32)>, RecurrentError> {
    let seq = batch.inputs.dims()[1];
    let per_step = matches!(batch.targets, BatchTargets::PerStep(_));
    let mut state: Option<RecurrentState> = None;
    for start in (0..seq).step_by(k) {
        let len = k.min(seq - start);
        let inputs = batch.inputs.clone().narrow(1, start, len);
        let (output, next) =
            model
                .forward_chunk(inputs, state.take())
                .ok_or(RecurrentError::TbpttUnsupported {
                    reason: "the model's forward_chunk returned None".into(),
                })?;
        state = Some(next.detach());
        if !per_step && start + len < seq {
            continue;
        }
        let targets = match &batch.targets {
            BatchTargets::PerStep(t) => BatchTargets::PerStep(t.clone().narrow(1, start, len)),
            other => other.clone(),
        };
        let scored = score(objective, output, &targets, None)?;
        model = match descend(model, optimizer, lr.clone(), scored, sums) {
            Ok(model) => model,
            diverged => return Ok(diverged),
        };
    }
    Ok(Ok(model))
}

/// Where a run starts: a fresh model, or a checkpoint's state.
struct Start<M> {
    model: M,
    /// Epochs finished.
    epoch: usize,
    /// Steps finished in the next epoch.
    step: usize,
    partial: EpochProgress,
    history: History,
    best: Best,
    optimizer: Option<burn::optim::OptimizerRecord>,
    best_model: Option<M>,
}

impl<M> Start<M> {
    fn fresh(model: M, objective: Objective) -> Self {
        Self {
            model,
            epoch: 0,
            step: 0,
            partial: EpochProgress::default(),
            history: History::new(objective.metric_name()),
            best: Best::default(),
            optimizer: None,
            best_model: None,
        }
    }
}

/// The seed of the device's generator for a step: a mix of the trainer's seed, the epoch and
/// the step (SplitMix64's finaliser), so that no two steps share a stream.
fn step_seed(seed: u64, epoch: usize, step: usize) -> u64 {
    let mut z = seed ^ ((epoch as u64) << 32 | step as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Why [`Trainer::fit`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// Every epoch ran.
    Completed,
    /// Early stopping: the monitored score did not improve for `patience` epochs; `epoch` is
    /// the last one trained.
    EarlyStopped {
        /// The last epoch trained.
        epoch: usize,
    },
    /// A [`StopHandle`] stopped it after step `step` of epoch `epoch`.
    Interrupted {
        /// The epoch (1-based).
        epoch: usize,
        /// The last step trained in it (1-based).
        step: usize,
    },
}

/// Stops a running [`Trainer::fit`] after its current step ([`Trainer::stop_handle`]).
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Asks the trainer to stop after its current step.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for (and not yet answered by a new `fit`).
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
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
    /// Wraps a model trained earlier, for example one read back with
    /// [`SequenceModel::load`](crate::model::SequenceModel::load), so that it predicts and
    /// scores like the result of [`Trainer::fit`]: the history is empty and `stop_reason` is
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
        }
    }

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
