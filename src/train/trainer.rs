//! [`Trainer`]: `fit` and `resume`, the loop over epochs that reads as the algorithm.
//!
//! Each part is its own piece: an epoch (`epoch.rs`) trains the batches through a training
//! strategy (`strategy.rs`, one device today), the early-stopping tracker
//! (`early_stopping.rs`) follows the monitored score, the checkpoint policy
//! (`checkpoint/policy.rs`) says when a save is due, and the checkpoint files
//! (`checkpoint/files.rs`) are written and read whole.

use std::borrow::Cow;
use std::path::Path;
use std::time::Instant;

use super::checkpoint::{self, BestCheckpoint, CheckpointPolicy, Placement, TrainingState};
use super::config::TrainerConfig;
use super::early_stopping::{Best, EarlyStopping};
use super::epoch::{EpochEnd, EpochStart, Epochs};
use super::error::{CheckpointError, TrainError};
use super::fitted::{Fitted, evaluate_checked};
use super::history::{EpochRecord, History};
use super::loader::model_device;
use super::objective::{Objective, check_data};
use super::stop::{StopHandle, StopReason};
use super::strategy::{SingleDevice, TrainingStrategy};
use super::sums::EpochSums;
use crate::data::SequenceDataset;
use crate::model::Trainable;

/// A failed [`Trainer::fit`]: the error, and what training produced before it, if anything.
///
/// On [`Diverged`](TrainError::Diverged) `partial` holds the model from before the step that
/// diverged and the history of the finished epochs; on a validation error it is `None`. `?`
/// converts it into [`TrainError`] or [`RecurrentError`](crate::RecurrentError).
#[derive(Debug)]
pub struct FitError<M> {
    /// What went wrong.
    pub error: TrainError,
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

impl<M> From<TrainError> for FitError<M> {
    fn from(error: TrainError) -> Self {
        FitError {
            error,
            partial: None,
        }
    }
}

impl<M> From<CheckpointError> for FitError<M> {
    fn from(error: CheckpointError) -> Self {
        TrainError::from(error).into()
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
    pub(super) config: TrainerConfig,
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
    /// [`EmptyData`](TrainError::EmptyData), [`FeatureMismatch`](TrainError::FeatureMismatch),
    /// [`ObjectiveMismatch`](TrainError::ObjectiveMismatch) (targets of the wrong kind or width
    /// for the objective and the model), [`LengthsUnsupported`](TrainError::LengthsUnsupported),
    /// [`TbpttUnsupported`](TrainError::TbpttUnsupported),
    /// [`NoFullBatch`](TrainError::NoFullBatch) (fewer sequences than a batch with
    /// [`drop_last`](TrainerConfig::drop_last)),
    /// [`MissingValidation`](TrainError::MissingValidation) (early stopping or the best
    /// checkpoint without `valid` or a [`TrainerConfig::validation_fraction`]),
    /// [`ValidationGivenTwice`](TrainError::ValidationGivenTwice) (both), and the split's
    /// [`DataError`](crate::data::DataError)s as [`TrainError::Data`]; during training [`Diverged`](TrainError::Diverged), with the
    /// last good model in [`FitError::partial`] (any checkpoint on disk is the last one saved
    /// before it), and [`CheckpointError::WriteFailed`] when a checkpoint cannot be written.
    pub fn fit<M: Trainable>(
        &mut self,
        model: M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, FitError<M>> {
        let (train, valid) = self.checked_data(&model, train, valid)?;
        let start = Start::fresh(model, self.config.objective);
        self.run(start, &train, valid.as_deref())
    }

    /// The training and validation data: as given, or with
    /// [`TrainerConfig::validation_fraction`] a stratified part of `train` split off (from the
    /// trainer's seed, so a resumed run gets the same split).
    fn validation_data<'a>(
        &self,
        train: &'a SequenceDataset,
        valid: Option<&'a SequenceDataset>,
    ) -> Result<(Cow<'a, SequenceDataset>, Option<Cow<'a, SequenceDataset>>), TrainError> {
        match (self.config.validation_fraction, valid) {
            (None, valid) => Ok((Cow::Borrowed(train), valid.map(Cow::Borrowed))),
            (Some(_), Some(_)) => Err(TrainError::ValidationGivenTwice),
            (Some(fraction), None) => {
                let (train, valid) = train.split_validation(fraction, self.config.seed)?;
                Ok((Cow::Owned(train), Some(Cow::Owned(valid))))
            }
        }
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
    /// As [`fit`](Self::fit), and as [`TrainError::Checkpoint`]:
    /// [`NotFound`](CheckpointError::NotFound), [`Unreadable`](CheckpointError::Unreadable) (a
    /// missing, truncated or corrupt file), [`Mismatch`](CheckpointError::Mismatch) (another
    /// architecture, or other trainer options), [`ChecksumMismatch`](CheckpointError::ChecksumMismatch)
    /// (a file's bytes changed since it was written) when no checkpoint kept is intact; a
    /// damaged newer one is passed over for the newest intact one, and
    /// [`Fitted::skipped_checkpoints`] names it.
    pub fn resume<M: Trainable>(
        &mut self,
        dir: impl AsRef<Path>,
        model: M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<Fitted<M>, FitError<M>> {
        let (train, valid) = self.checked_data(&model, train, valid)?;
        let (train, valid) = (train.as_ref(), valid.as_deref());
        let found = checkpoint::open(dir.as_ref())?;
        // The options are compared before any tensor is read.
        self.config
            .check_resumable(&found.latest, &found.state.config)?;
        let loaded = found.load(model)?;
        let skipped = found.skipped;
        let state = found.state;
        let start = Start {
            model: loaded.model,
            epoch: state.epoch,
            step: state.step,
            partial: state.partial,
            history: state.history,
            best: state.best,
            optimizer: Some(loaded.optimizer),
            best_model: loaded.best_model.map(|model| model.valid()),
        };
        let mut result = self.run(start, train, valid);
        match &mut result {
            Ok(fitted) => fitted.skipped_checkpoints = skipped,
            Err(FitError {
                partial: Some(fitted),
                ..
            }) => fitted.skipped_checkpoints = skipped,
            Err(_) => {}
        }
        result
    }

    /// The checks both `fit` and `resume` make before any work: the options, then the data
    /// they train and validate on (with the validation part split off when the config asks).
    fn checked_data<'a, M: Trainable>(
        &self,
        model: &M,
        train: &'a SequenceDataset,
        valid: Option<&'a SequenceDataset>,
    ) -> Result<(Cow<'a, SequenceDataset>, Option<Cow<'a, SequenceDataset>>), TrainError> {
        self.config.validate()?;
        let (train, valid) = self.validation_data(train, valid)?;
        self.check_inputs(model, &train, valid.as_deref())?;
        Ok((train, valid))
    }

    /// The data checks of [`checked_data`](Self::checked_data), on a validated config.
    fn check_inputs<M: Trainable>(
        &self,
        model: &M,
        train: &SequenceDataset,
        valid: Option<&SequenceDataset>,
    ) -> Result<(), TrainError> {
        let config = &self.config;
        if config.tbptt.is_some() {
            if !model.supports_tbptt() {
                return Err(TrainError::TbpttUnsupported {
                    reason: "the model does not carry its state across chunks (Trainable::supports_tbptt is false; a SequenceModel needs Readout::Last or Readout::All)".into(),
                });
            }
            if !train.is_equal_length() {
                return Err(TrainError::TbpttUnsupported {
                    reason: "the training sequences differ in length".into(),
                });
            }
        }
        let objective = config.objective;
        check_data(model, objective, train, "training")?;
        if config.batches_per_epoch(train.len()) == 0 {
            return Err(TrainError::NoFullBatch {
                batch_size: config.batch_size,
                found: train.len(),
            });
        }
        match valid {
            Some(valid) => check_data(model, objective, valid, "validation")?,
            None if config.early_stopping.is_some() => {
                return Err(TrainError::MissingValidation {
                    what: "early stopping",
                });
            }
            None if config.checkpoint.as_ref().is_some_and(|c| c.keep_best) => {
                return Err(TrainError::MissingValidation {
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
        self.stop.reset();
        let config = self.config.clone();
        let done = start.epoch;
        // A checkpoint saved in the middle of an epoch resumes after the steps it had trained.
        let resume = EpochStart {
            skip: start.step,
            sums: start.partial,
        };
        let mut model = start.model.train();
        let device = model_device(&model);
        let mut epochs = Epochs::new(
            &config,
            train,
            device,
            (&self.stop, &start.history),
            (done, start.step),
        );
        let resumed = start.optimizer.is_some();
        let mut strategy = SingleDevice::new(&config, start.optimizer);
        let mut run = Run::new(
            &config,
            start.history,
            start.best,
            start.best_model,
            resumed,
            self.stop.clone(),
        );
        for epoch in run.epochs_left(done) {
            let from = if epoch == done + 1 {
                resume
            } else {
                EpochStart::default()
            };
            let (trained, sums, learning_rate) =
                match epochs.train(&mut strategy, model, epoch, from)? {
                    EpochEnd::Finished {
                        model,
                        sums,
                        learning_rate,
                    } => (model, sums, learning_rate),
                    EpochEnd::Interrupted { model, sums, step } => {
                        return Ok(run.interrupted(model, &strategy, (epoch, step), sums)?);
                    }
                    EpochEnd::Diverged { model, step, loss } => {
                        return Err(run.diverged(model, epoch, step, loss));
                    }
                };
            model = trained;
            let record = self.record(epoch, sums, learning_rate, &model, valid, train.len())?;
            epochs.report(&record, config.objective.metric_name());
            epochs.end_epoch(&record);
            if let Some(callback) = &mut self.callback {
                callback(&record);
            }
            if run.end_epoch(record, &model, &strategy, epochs.batches)? {
                break;
            }
        }
        Ok(run.finish(model))
    }

    /// The record of a finished epoch: its training sums, then the validation score (whose time
    /// counts towards the epoch's).
    fn record<M: Trainable>(
        &self,
        epoch: usize,
        mut sums: EpochSums,
        learning_rate: f64,
        model: &M,
        valid: Option<&SequenceDataset>,
        sequences: usize,
    ) -> Result<EpochRecord, TrainError> {
        let started = Instant::now();
        let config = &self.config;
        let validation = valid
            .map(|valid| {
                evaluate_checked(&model.valid(), config.objective, valid, config.batch_size)
            })
            .transpose()?
            .map(|evaluation| (evaluation.loss, evaluation.metric));
        sums.seconds += started.elapsed().as_secs_f64();
        Ok(sums.record(epoch, learning_rate, validation, sequences))
    }
}

/// What the loop carries from epoch to epoch: the history, the early-stopping tracker and the
/// best model, the checkpoint policy, and why training ends.
struct Run<M> {
    config: TrainerConfig,
    history: History,
    stopping: EarlyStopping,
    best_model: Option<M>,
    restore_best: bool,
    checkpoints: Option<CheckpointPolicy>,
    /// Whether the next save continues the checkpoints in the index (resumed, or saved before).
    continues_index: std::cell::Cell<bool>,
    stop: StopHandle,
    stop_reason: StopReason,
}

impl<M: Trainable> Run<M> {
    /// A run of `config` that continues `history`, with the early-stopping state `best` and
    /// the best model so far; `resumed` when it continues a checkpoint.
    fn new(
        config: &TrainerConfig,
        history: History,
        best: Best,
        best_model: Option<M>,
        resumed: bool,
        stop: StopHandle,
    ) -> Self {
        let stopping = EarlyStopping::new(config.early_stopping.as_ref(), best);
        // A run that had already stopped early trains no further.
        let stop_reason = if stopping.should_stop() {
            StopReason::EarlyStopped {
                epoch: history.epochs.len(),
            }
        } else {
            StopReason::Completed
        };
        Self {
            history,
            stopping,
            best_model,
            restore_best: config
                .early_stopping
                .as_ref()
                .is_some_and(|e| e.restore_best),
            checkpoints: config
                .checkpoint
                .as_ref()
                .map(|c| CheckpointPolicy::new(c, config.epochs, resumed)),
            continues_index: std::cell::Cell::new(resumed),
            config: config.clone(),
            stop,
            stop_reason,
        }
    }

    /// The epochs still to train after `done`: none when the run had already stopped early.
    fn epochs_left(&self, done: usize) -> std::ops::RangeInclusive<usize> {
        let last = match self.stop_reason {
            StopReason::Completed => self.config.epochs,
            _ => done,
        };
        done + 1..=last
    }

    /// After a finished epoch: records it, updates the best model and the early-stopping
    /// tracker, saves a checkpoint when one is due. Whether training ends here.
    fn end_epoch(
        &mut self,
        record: EpochRecord,
        model: &M,
        strategy: &impl TrainingStrategy<M>,
        batches: usize,
    ) -> Result<bool, TrainError> {
        let epoch = record.epoch;
        let score = self.config.monitor.score(self.config.objective, &record);
        self.history.epochs.push(record);
        let improved = self.stopping.update(epoch, score);
        if improved && self.restore_best {
            self.best_model = Some(model.valid());
        }
        if self.stopping.should_stop() {
            self.stop_reason = StopReason::EarlyStopped { epoch };
        }
        let ending = self.stop_reason != StopReason::Completed || self.stop.is_stopped();
        let due = self
            .checkpoints
            .as_mut()
            .and_then(|policy| policy.after_epoch(epoch, improved, ending));
        if let Some(best) = due {
            let state = self.state(epoch, 0, EpochSums::default());
            self.save(model, strategy, state, best)?;
        }
        if self.stop_reason == StopReason::Completed && self.stop.is_stopped() {
            self.stop_reason = StopReason::Interrupted {
                epoch,
                step: batches,
            };
        }
        Ok(self.stop_reason != StopReason::Completed)
    }

    /// What a checkpoint saves besides the tensors, after `epoch` epochs and `step` steps.
    fn state(&self, epoch: usize, step: usize, partial: EpochSums) -> TrainingState {
        let config =
            serde_json::to_value(&self.config).expect("a trainer config always serialises");
        TrainingState::new(
            epoch,
            step,
            partial,
            self.history.clone(),
            self.stopping.best(),
            config,
        )
    }

    /// Epoch `epoch` stopped by the stop handle after `step`, with its sums so far: a checkpoint
    /// of where it stands (when checkpointing is on), and the model trained so far.
    fn interrupted(
        mut self,
        model: M,
        strategy: &impl TrainingStrategy<M>,
        (epoch, step): (usize, usize),
        partial: EpochSums,
    ) -> Result<Fitted<M>, CheckpointError> {
        if let Some(policy) = &self.checkpoints {
            let state = self.state(epoch - 1, step, partial);
            self.save(&model, strategy, state, policy.mid_epoch())?;
        }
        self.stop_reason = StopReason::Interrupted { epoch, step };
        Ok(self.finish(model))
    }

    /// Saves the model (in inference mode), the optimizer's state and `state` as the latest
    /// checkpoint, when checkpointing is on.
    fn save(
        &self,
        model: &M,
        strategy: &impl TrainingStrategy<M>,
        state: TrainingState,
        best: BestCheckpoint,
    ) -> Result<(), CheckpointError> {
        let Some(config) = &self.config.checkpoint else {
            return Ok(());
        };
        let placement = Placement {
            best,
            keep: config.keep,
            continues: self.continues_index.get(),
        };
        checkpoint::save(
            &config.dir,
            &model.valid(),
            strategy.optimizer_record(),
            &state,
            placement,
        )?;
        self.continues_index.set(true);
        Ok(())
    }

    /// The error of a step whose loss was `loss`, with the model from before it and the
    /// finished epochs. No checkpoint is written: the last one on disk stays the last good one.
    fn diverged(self, model: M, epoch: usize, step: usize, loss: f32) -> FitError<M> {
        let best_epoch = self.stopping.best_epoch();
        FitError {
            error: TrainError::Diverged { epoch, step, loss },
            partial: Some(Box::new(Fitted {
                model: model.valid(),
                history: self.history,
                objective: self.config.objective,
                stop_reason: StopReason::Completed,
                best_epoch,
                skipped_checkpoints: Vec::new(),
            })),
        }
    }

    /// The trained model (the best epoch's, with early stopping's `restore_best`) and its
    /// history.
    fn finish(self, model: M) -> Fitted<M> {
        let model = match self.best_model {
            Some(best) if self.restore_best => best,
            _ => model.valid(),
        };
        Fitted {
            model,
            history: self.history,
            objective: self.config.objective,
            stop_reason: self.stop_reason,
            best_epoch: self.stopping.best_epoch(),
            skipped_checkpoints: Vec::new(),
        }
    }
}

/// Where a run starts: a fresh model, or a checkpoint's state.
struct Start<M> {
    model: M,
    /// Epochs finished.
    epoch: usize,
    /// Steps finished in the next epoch.
    step: usize,
    partial: EpochSums,
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
            partial: EpochSums::default(),
            history: History::new(objective.metric_name()),
            best: Best::default(),
            optimizer: None,
            best_model: None,
        }
    }
}
