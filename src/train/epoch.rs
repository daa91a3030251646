//! One epoch of training: the batches in order, a seeded step each through the
//! [`TrainingStrategy`], and what happened.

use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::lr_scheduler::module_lr_scheduler::{ModuleLearningRate, ModuleLrScheduler};
use burn::tensor::Device;

use super::config::TrainerConfig;
use super::early_stopping::Monitor;
use super::error::TrainError;
use super::history::{EpochRecord, History};
use super::loader::loaded;
use super::objective::Objective;
use super::progress::Progress;
use super::schedule::Plateau;
use super::stop::StopHandle;
use super::strategy::TrainingStrategy;
use super::sums::EpochSums;
use super::window::{PendingStep, Window};
use crate::data::{SequenceBatch, SequenceDataset, data_loader};
use crate::model::Trainable;

/// Where an epoch starts: after the steps a checkpoint taken mid-epoch had trained, with their
/// sums (none for a whole epoch).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EpochStart {
    pub skip: usize,
    pub sums: EpochSums,
}

/// How an epoch ended.
pub(crate) enum EpochEnd<M> {
    /// Every batch trained: the model, the sums, and the learning rate of the last step.
    Finished {
        model: M,
        sums: EpochSums,
        learning_rate: f64,
    },
    /// A [`StopHandle`] stopped it after `step`, before its last batch.
    Interrupted {
        model: M,
        sums: EpochSums,
        step: usize,
    },
    /// Step `step`'s loss was `loss`, not finite: the model from before that step.
    Diverged { model: M, step: usize, loss: f32 },
}

/// What every epoch of a run shares: the loader, the schedule, the seeds, the progress report
/// and the stop handle.
pub(crate) struct Epochs<'a> {
    loader: Arc<dyn DataLoader<SequenceBatch>>,
    device: Device,
    scheduler: ModuleLrScheduler,
    /// Reduce-on-plateau's state, which sets the rate instead of `scheduler`.
    plateau: Option<Plateau>,
    /// What the plateau watches.
    monitor: (Monitor, Objective),
    warmup_steps: usize,
    progress: Progress,
    stop: &'a StopHandle,
    seed: u64,
    learning_rate: f64,
    /// Training steps between two reads of their losses.
    sync_every: usize,
    /// Batches per epoch.
    pub batches: usize,
}

impl<'a> Epochs<'a> {
    /// The epochs of `config` over `train` on `device`, positioned where the uninterrupted run
    /// would be after `epochs` epochs and `steps` more steps: the schedule's steps taken, the
    /// plateau's epochs replayed from `history`, and the loader's shuffles drawn (one per
    /// epoch).
    pub(crate) fn new(
        config: &TrainerConfig,
        train: &SequenceDataset,
        device: Device,
        (stop, history): (&'a StopHandle, &History),
        (epochs, steps): (usize, usize),
    ) -> Self {
        let shuffle = config.shuffle.then_some(config.seed);
        let loader = data_loader(train, config.batch_size, shuffle, &device)
            .expect("fit and resume validate the config first, which refuses a batch size of 0");
        let batches = config.batches_per_epoch(train.len());
        let mut scheduler = config.build_scheduler(batches);
        for _ in 0..epochs * batches + steps {
            scheduler.step();
        }
        for _ in 0..epochs {
            drop(loader.iter());
        }
        let mut plateau = Plateau::of(config.lr_schedule, config.learning_rate);
        let monitor = (config.monitor, config.objective);
        if let Some(plateau) = &mut plateau {
            for record in &history.epochs {
                plateau.end_epoch(plateau_score(monitor, record));
            }
        }
        Self {
            loader,
            device,
            scheduler,
            plateau,
            monitor,
            warmup_steps: config.warmup_steps,
            progress: Progress::new(config.progress, config.epochs, batches),
            stop,
            seed: config.seed,
            learning_rate: config.learning_rate,
            sync_every: config.sync_every,
            batches,
        }
    }

    /// Trains `model` for epoch `epoch` (1-based) from `start` through `strategy`.
    ///
    /// The device's random generator is seeded before every step from the trainer's seed, the
    /// epoch and the step, so that dropout is reproducible and a resumed run draws the masks the
    /// uninterrupted run would have drawn.
    pub(crate) fn train<M: Trainable, S: TrainingStrategy<M>>(
        &mut self,
        strategy: &mut S,
        mut model: M,
        epoch: usize,
        start: EpochStart,
    ) -> Result<EpochEnd<M>, TrainError> {
        let started = Instant::now();
        self.progress.start_epoch(epoch);
        let mut sums = start.sums;
        let mut learning_rate = self.learning_rate;
        let mut window = Window::new(&model, strategy);
        let loader = Arc::clone(&self.loader);
        // The steps before `start.skip` were trained before the checkpoint was saved.
        let batches = loader.iter().enumerate().take(self.batches);
        for (index, batch) in batches.skip(start.skip) {
            let step = index + 1;
            let seed = step_seed(self.seed, epoch, step);
            self.device.seed(seed);
            let batch = loaded(batch, "a training")?;
            sums.sequences += batch.inputs.dims()[0];
            let lr = self.rate((epoch - 1) * self.batches + step);
            learning_rate = lr.base();
            let (stepped, scores) = strategy.step(model, batch.clone(), lr.clone(), None)?;
            model = stepped;
            window.push(PendingStep {
                step,
                seed,
                batch,
                lr,
                scores,
            });
            let stopping = self.stop.is_stopped() && step < self.batches;
            if (window.len() == self.sync_every || stopping)
                && let Some(diverged) = self.settle(&mut window, &mut sums, &model, strategy)?
            {
                return Ok(diverged);
            }
            if stopping {
                sums.seconds += started.elapsed().as_secs_f64();
                return Ok(EpochEnd::Interrupted { model, sums, step });
            }
        }
        if let Some(diverged) = self.settle(&mut window, &mut sums, &model, strategy)? {
            return Ok(diverged);
        }
        sums.seconds += started.elapsed().as_secs_f64();
        Ok(EpochEnd::Finished {
            model,
            sums,
            learning_rate,
        })
    }

    /// The learning rate of optimizer step `step` (from 1, over all epochs): the schedule's,
    /// or the plateau's, times the warm-up's factor.
    fn rate(&mut self, step: usize) -> ModuleLearningRate {
        let scheduled = self.scheduler.step();
        let warm_up = if step < self.warmup_steps {
            step as f64 / self.warmup_steps as f64
        } else {
            1.0
        };
        match &self.plateau {
            None if warm_up == 1.0 => scheduled,
            None => ModuleLearningRate::from(scheduled.base() * warm_up),
            Some(plateau) => ModuleLearningRate::from(plateau.lr() * warm_up),
        }
    }

    /// After a finished epoch: the plateau takes its score.
    pub(crate) fn end_epoch(&mut self, record: &EpochRecord) {
        let monitor = self.monitor;
        if let Some(plateau) = &mut self.plateau {
            plateau.end_epoch(plateau_score(monitor, record));
        }
    }

    /// Reads the losses of the steps in `window`: `None` when they are all finite (their sums
    /// added, the progress reported), or the epoch's end at the first diverged step, with the
    /// model from before it.
    fn settle<M: Trainable, S: TrainingStrategy<M>>(
        &mut self,
        window: &mut Window<M, S>,
        sums: &mut EpochSums,
        model: &M,
        strategy: &mut S,
    ) -> Result<Option<EpochEnd<M>>, TrainError> {
        match window.settle(sums, model, strategy) {
            Ok(()) => {
                self.progress.step(sums.mean_loss(), sums.sequences);
                Ok(None)
            }
            Err(divergence) => Ok(Some(EpochEnd::Diverged {
                model: window.replay(divergence, strategy, &self.device)?,
                step: divergence.step,
                loss: divergence.loss,
            })),
        }
    }

    /// Reports a finished epoch's record: the progress bar closes, a line is printed.
    pub(crate) fn report(&mut self, record: &EpochRecord, metric: &str) {
        self.progress.finish_epoch(record, metric);
    }
}

/// What reduce-on-plateau watches in an epoch's record (lower is better): the trainer's
/// monitored validation score, or the training loss without validation data.
fn plateau_score((monitor, objective): (Monitor, Objective), record: &EpochRecord) -> f64 {
    monitor
        .score(objective, record)
        .unwrap_or(record.train_loss)
}

/// The seed of the device's generator for a step: a mix of the trainer's seed, the epoch and
/// the step (SplitMix64's finaliser), so that no two steps share a stream.
fn step_seed(seed: u64, epoch: usize, step: usize) -> u64 {
    let mut z = seed ^ ((epoch as u64) << 32 | step as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
