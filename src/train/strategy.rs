//! How a batch becomes an optimizer step: the seam between the epoch loop and the devices.
//!
//! [`SingleDevice`] runs the whole batch on the model's device. A second strategy (data
//! parallel: the batch split across devices, the gradients summed, one update) implements
//! [`TrainingStrategy`] too, and the epoch loop (`epoch.rs`) does not change.

use burn::lr_scheduler::module_lr_scheduler::ModuleLearningRate;
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};

use super::config::TrainerConfig;
use super::error::TrainError;
use super::objective::{BatchScore, Objective, score, score_batch};
use super::sums::EpochSums;
use crate::data::{BatchTargets, SequenceBatch};
use crate::model::{RecurrentState, Trainable};

/// What a training step did.
pub(crate) enum Step<M> {
    /// The model after the update.
    Taken(M),
    /// The loss was not finite: the model before the update, and the loss.
    Diverged {
        /// The model before the step.
        model: M,
        /// The NaN or infinite loss.
        loss: f32,
    },
}

/// Turns a batch into an optimizer step.
pub(crate) trait TrainingStrategy<M: Trainable> {
    /// One optimizer step on `batch` at learning rate `lr` (with truncated BPTT, one per
    /// chunk), adding its loss and metric to `sums`.
    fn step(
        &mut self,
        model: M,
        batch: SequenceBatch,
        lr: ModuleLearningRate,
        sums: &mut EpochSums,
    ) -> Result<Step<M>, TrainError>;

    /// The optimizer's state, for a checkpoint.
    fn optimizer_record(&self) -> OptimizerRecord;
}

/// Every step on the model's own device.
pub(crate) struct SingleDevice {
    optimizer: ModuleOptimizer,
    objective: Objective,
    tbptt: Option<usize>,
}

impl SingleDevice {
    /// The strategy of `config`, with the optimizer's state from a checkpoint when resuming.
    pub(crate) fn new(config: &TrainerConfig, record: Option<OptimizerRecord>) -> Self {
        let mut optimizer = config.build_optimizer();
        if let Some(record) = record {
            optimizer = optimizer.load_record(record);
        }
        Self {
            optimizer,
            objective: config.objective,
            tbptt: config.tbptt,
        }
    }

    /// One optimizer step on a scored batch (or chunk), adding its loss and metric to `sums`;
    /// the model back unchanged with the loss when the loss is not finite.
    fn descend<M: Trainable>(
        &mut self,
        model: M,
        lr: ModuleLearningRate,
        scored: BatchScore,
        sums: &mut EpochSums,
    ) -> Step<M> {
        let loss: f32 = scored.loss.clone().into_scalar();
        if !loss.is_finite() {
            return Step::Diverged { model, loss };
        }
        let metric: f32 = scored.metric_sum.clone().into_scalar();
        sums.add(loss, metric, scored.count);
        let grads = GradientsParams::from_grads(scored.loss.backward(), &model);
        Step::Taken(self.optimizer.step(lr, model, grads))
    }

    /// Truncated backpropagation through time over one batch: its sequences in chunks of `k`
    /// steps, the state carried from chunk to chunk and detached in between. Per-step targets
    /// give every chunk its loss and optimizer step; a per-sequence target scores the last
    /// chunk only (the earlier ones advance the state).
    fn descend_in_chunks<M: Trainable>(
        &mut self,
        mut model: M,
        batch: SequenceBatch,
        k: usize,
        lr: ModuleLearningRate,
        sums: &mut EpochSums,
    ) -> Result<Step<M>, TrainError> {
        let seq = batch.inputs.dims()[1];
        let per_step = matches!(batch.targets, BatchTargets::PerStep(_));
        let mut state: Option<RecurrentState> = None;
        for start in (0..seq).step_by(k) {
            let len = k.min(seq - start);
            let inputs = batch.inputs.clone().narrow(1, start, len);
            let (output, next) =
                model
                    .forward_chunk(inputs, state.take())
                    .ok_or(TrainError::TbpttUnsupported {
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
            let scored = score(self.objective, output, &targets, None)?;
            model = match self.descend(model, lr.clone(), scored, sums) {
                Step::Taken(model) => model,
                diverged => return Ok(diverged),
            };
        }
        Ok(Step::Taken(model))
    }
}

impl<M: Trainable> TrainingStrategy<M> for SingleDevice {
    fn step(
        &mut self,
        model: M,
        batch: SequenceBatch,
        lr: ModuleLearningRate,
        sums: &mut EpochSums,
    ) -> Result<Step<M>, TrainError> {
        match self.tbptt.filter(|&k| batch.inputs.dims()[1] > k) {
            None => {
                let scored = score_batch(&model, self.objective, batch)?;
                Ok(self.descend(model, lr, scored, sums))
            }
            Some(k) => self.descend_in_chunks(model, batch, k, lr, sums),
        }
    }

    fn optimizer_record(&self) -> OptimizerRecord {
        self.optimizer.to_record()
    }
}
