//! The training steps whose losses have not been read yet.
//!
//! Reading a loss back makes the host wait for the device, which on a GPU costs more than a
//! small step itself. So the epoch loop reads the losses and metrics of several steps at once
//! ([`TrainerConfig::sync_every`](super::TrainerConfig::sync_every)), with one read. A step
//! whose loss is NaN or infinite has then already updated the model, and later steps have run
//! on it; to still hand back the model from before that step, the window keeps the model and
//! the strategy from before its first step, and every step's batch, learning rate and seed, and
//! replays the steps up to the diverged one. Replaying is deterministic, so the model is the
//! one the step-by-step loop would have stopped with.

use burn::lr_scheduler::module_lr_scheduler::ModuleLearningRate;
use burn::tensor::{Device, Tensor};

use super::error::TrainError;
use super::strategy::{StepScore, TrainingStrategy};
use super::sums::EpochSums;
use crate::data::SequenceBatch;
use crate::model::Trainable;

/// A training step whose scores are still on the device, and what replaying it takes.
pub(crate) struct PendingStep {
    /// The step (1-based, within the epoch).
    pub step: usize,
    /// The seed of the device's generator for the step.
    pub seed: u64,
    /// The batch.
    pub batch: SequenceBatch,
    /// The learning rate.
    pub lr: ModuleLearningRate,
    /// The score of each optimizer step it took (several with truncated BPTT).
    pub scores: Vec<StepScore>,
}

/// Where the first non-finite loss of a window is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Divergence {
    /// Its training step (1-based, within the epoch).
    pub step: usize,
    /// The loss.
    pub loss: f32,
    /// Its step's position in the window.
    position: usize,
    /// The optimizer steps of its training step before it (truncated BPTT's chunks).
    taken: usize,
}

/// The steps since the losses were last read, and the model and strategy from before them.
pub(crate) struct Window<M, S> {
    model: M,
    strategy: S,
    steps: Vec<PendingStep>,
}

impl<M: Trainable, S: TrainingStrategy<M>> Window<M, S> {
    /// An empty window starting at `model` and `strategy`.
    pub(crate) fn new(model: &M, strategy: &S) -> Self {
        Self {
            model: model.clone(),
            strategy: strategy.clone(),
            steps: Vec::new(),
        }
    }

    /// The steps in the window.
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    /// Adds a step that has been taken.
    pub(crate) fn push(&mut self, step: PendingStep) {
        self.steps.push(step);
    }

    /// Reads every score of the window at once. When every loss is finite, adds the scores to
    /// `sums` in order (as the step-by-step loop would have) and starts the next window at
    /// `model` and `strategy`; otherwise returns the first non-finite loss and changes nothing.
    pub(crate) fn settle(
        &mut self,
        sums: &mut EpochSums,
        model: &M,
        strategy: &S,
    ) -> Result<(), Divergence> {
        let scores: Vec<&StepScore> = self.steps.iter().flat_map(|s| &s.scores).collect();
        let values = read_back(&scores);
        let (losses, metrics) = values.split_at(scores.len());
        if let Some(divergence) = self.first_non_finite(losses) {
            return Err(divergence);
        }
        for ((score, &loss), &metric) in scores.iter().zip(losses).zip(metrics) {
            sums.add(loss, metric, score.count);
        }
        *self = Self::new(model, strategy);
        Ok(())
    }

    /// The model from before the diverged step: the window's first model, with the steps
    /// before it replayed (and, with truncated BPTT, its own chunks before it). `strategy`
    /// is left where the step-by-step loop would have left it.
    pub(crate) fn replay(
        &self,
        divergence: Divergence,
        strategy: &mut S,
        device: &Device,
    ) -> Result<M, TrainError> {
        let mut model = self.model.clone();
        *strategy = self.strategy.clone();
        for (position, pending) in self.steps.iter().enumerate() {
            let limit = match position.cmp(&divergence.position) {
                std::cmp::Ordering::Less => None,
                std::cmp::Ordering::Equal => Some(divergence.taken),
                std::cmp::Ordering::Greater => break,
            };
            device.seed(pending.seed);
            let lr = pending.lr.clone();
            (model, _) = strategy.step(model, pending.batch.clone(), lr, limit)?;
        }
        Ok(model)
    }

    /// The first non-finite value of `losses` (the window's scores in order), placed.
    fn first_non_finite(&self, losses: &[f32]) -> Option<Divergence> {
        let mut index = 0;
        for (position, pending) in self.steps.iter().enumerate() {
            for taken in 0..pending.scores.len() {
                let loss = losses[index];
                if !loss.is_finite() {
                    return Some(Divergence {
                        step: pending.step,
                        loss,
                        position,
                        taken,
                    });
                }
                index += 1;
            }
        }
        None
    }
}

/// The losses, then the metric sums, of `scores`, read from the device at once.
fn read_back(scores: &[&StepScore]) -> Vec<f32> {
    if scores.is_empty() {
        return Vec::new();
    }
    let losses = scores.iter().map(|s| s.loss.clone());
    let metrics = scores.iter().map(|s| s.metric_sum.clone());
    Tensor::cat(losses.chain(metrics).collect(), 0)
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 data converts to a vector")
}
