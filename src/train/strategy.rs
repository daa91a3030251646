//! How a batch becomes an optimizer step: the seam between the epoch loop and the devices.
//!
//! [`SingleDevice`] runs the whole batch on the model's device. A second strategy (data
//! parallel: the batch split across devices, the gradients summed, one update) implements
//! [`TrainingStrategy`] too, and the epoch loop (`epoch.rs`) does not change.

use burn::lr_scheduler::module_lr_scheduler::ModuleLearningRate;
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};
use burn::tensor::Tensor;

use super::config::TrainerConfig;
use super::error::TrainError;
use super::objective::{BatchScore, Objective, score, score_batch};
use crate::data::{BatchTargets, SequenceBatch};
use crate::model::{RecurrentState, Trainable};

/// One optimizer step's loss and metric, still on the device: the epoch loop reads them in
/// batches (`window.rs`), so that a step never waits for the device.
#[derive(Debug, Clone)]
pub(crate) struct StepScore {
    /// The step's mean loss, `[1]`.
    pub loss: Tensor<1>,
    /// The step's metric summed over its items, `[1]`.
    pub metric_sum: Tensor<1>,
    /// The items (sequences, or valid steps for per-step targets) scored.
    pub count: usize,
}

/// Turns a batch into optimizer steps. `Clone`, so that the epoch loop can keep the strategy
/// from before the steps whose losses it has not read yet, and go back to it.
pub(crate) trait TrainingStrategy<M: Trainable>: Clone {
    /// The optimizer steps on `batch` at learning rate `lr`: one, or with truncated BPTT one
    /// per scored chunk, at most `limit` of them (`None`: all). Returns the model after them
    /// and each one's score, unread: a step with a non-finite loss is taken like any other,
    /// and the epoch loop goes back to the model from before it.
    fn step(
        &mut self,
        model: M,
        batch: SequenceBatch,
        lr: ModuleLearningRate,
        limit: Option<usize>,
    ) -> Result<(M, Vec<StepScore>), TrainError>;

    /// The optimizer's state, for a checkpoint.
    fn optimizer_record(&self) -> OptimizerRecord;
}

/// Every step on the model's own device.
#[derive(Clone)]
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

    /// One optimizer step on a scored batch (or chunk), whatever its loss.
    fn descend<M: Trainable>(
        &mut self,
        model: M,
        lr: ModuleLearningRate,
        scored: BatchScore,
    ) -> (M, StepScore) {
        let score = StepScore {
            loss: scored.loss.clone().inner(),
            metric_sum: scored.metric_sum.inner(),
            count: scored.count,
        };
        let grads = GradientsParams::from_grads(scored.loss.backward(), &model);
        (self.optimizer.step(lr, model, grads), score)
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
        limit: usize,
    ) -> Result<(M, Vec<StepScore>), TrainError> {
        let seq = batch.inputs.dims()[1];
        let per_step = matches!(batch.targets, BatchTargets::PerStep(_));
        let mut state: Option<RecurrentState> = None;
        let mut scores = Vec::new();
        for start in (0..seq).step_by(k) {
            if scores.len() == limit {
                break;
            }
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
            let (stepped, step_score) = self.descend(model, lr.clone(), scored);
            model = stepped;
            scores.push(step_score);
        }
        Ok((model, scores))
    }
}

impl<M: Trainable> TrainingStrategy<M> for SingleDevice {
    fn step(
        &mut self,
        model: M,
        batch: SequenceBatch,
        lr: ModuleLearningRate,
        limit: Option<usize>,
    ) -> Result<(M, Vec<StepScore>), TrainError> {
        let limit = limit.unwrap_or(usize::MAX);
        match self.tbptt.filter(|&k| batch.inputs.dims()[1] > k) {
            _ if limit == 0 => Ok((model, Vec::new())),
            None => {
                let scored = score_batch(&model, self.objective, batch)?;
                let (model, score) = self.descend(model, lr, scored);
                Ok((model, vec![score]))
            }
            Some(k) => self.descend_in_chunks(model, batch, k, lr, limit),
        }
    }

    fn optimizer_record(&self) -> OptimizerRecord {
        self.optimizer.to_record()
    }
}
