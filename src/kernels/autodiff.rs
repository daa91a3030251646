//! The fused kernel under Burn's autodiff: the forward pass saves what backpropagation through
//! time reads, and the graph gets one node per direction, [`ThroughTime`], whose backward runs
//! [`parallel::backward`] and hands each tracked input its gradient.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, TensorMetadata};
use burn::tensor::{Shape, TensorData};

use super::cpu::parallel::{self, SavedChunks};
use super::{CellKind, RecurrentKernel, from_host, host_inputs, to_host};

/// The backward node: [`parallel::backward`] over what the forward pass saved.
#[derive(Debug)]
struct ThroughTime;

/// What the backward node keeps: the forward pass's saved values, and the shapes of the seven
/// inputs (their gradients have them).
#[derive(Debug, Clone)]
struct ThroughTimeState {
    saved: Arc<SavedChunks>,
    shapes: [Shape; 7],
}

impl<B: Backend> Backward<B, 7> for ThroughTime {
    type State = ThroughTimeState;

    fn backward(
        self,
        ops: Ops<Self::State, 7>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad_out = grads.consume::<B>(&ops.node);
        let device = grad_out.device();
        let grad_out = to_host::<B>(grad_out);
        let need_x = ops.parents[0].is_some();
        let g = parallel::backward(&ops.state.saved, &grad_out, need_x);
        let values = [g.x, g.h0, g.c0, g.w_ih, g.w_hh, g.b_ih, g.b_hh];
        for ((parent, value), shape) in ops.parents.into_iter().zip(values).zip(ops.state.shapes) {
            if let Some(node) = parent {
                let data = TensorData::new(value, shape);
                grads.register::<B>(node.id, B::float_from_data(data, &device));
            }
        }
    }
}

impl<B: Backend, C: CheckpointStrategy> RecurrentKernel for Autodiff<B, C> {
    fn recurrent_direction(
        x: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
        w_ih: FloatTensor<Self>,
        w_hh: FloatTensor<Self>,
        b_ih: FloatTensor<Self>,
        b_hh: FloatTensor<Self>,
        cell: CellKind,
        reverse: bool,
        lengths: Option<Arc<[usize]>>,
    ) -> FloatTensor<Self> {
        let nodes = [
            x.node(),
            h0.node(),
            c0.node(),
            w_ih.node(),
            w_hh.node(),
            b_ih.node(),
            b_hh.node(),
        ];
        let primitives = [x, h0, c0, w_ih, w_hh, b_ih, b_hh].map(|t| t.into_primitive());
        let shapes = primitives.each_ref().map(|t| t.shape());
        let device = primitives[0].device();
        let (dims, inputs) = host_inputs::<B>(primitives);
        let prep = ThroughTime.prepare::<C>(nodes).compute_bound().stateful();
        // Only a tracked operation keeps what its backward pass reads.
        let save = matches!(prep, OpsKind::Tracked(_));
        let (out, saved) = parallel::forward(cell, reverse, dims, inputs, lengths.as_deref(), save);
        let out = from_host::<B>(out, [dims.seq + 2, dims.batch, dims.hidden], &device);
        match prep {
            OpsKind::Tracked(prep) => {
                let saved = Arc::new(saved.expect("forward saves when asked to"));
                prep.finish(ThroughTimeState { saved, shapes }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}
