//! The fused kernel under Burn's autodiff: the forward pass saves what backpropagation through
//! time reads, and the graph gets one node per direction, [`ThroughTime`], whose backward runs
//! the backend's backward pass ([`FusedBackend`]) and hands each tracked input its gradient.

use std::sync::Arc;

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

use super::{CellKind, FusedBackend, RecurrentKernel};

/// The backward node: the backend's hand-written backward pass over what the forward pass
/// saved.
#[derive(Debug)]
struct ThroughTime;

impl<B: FusedBackend> Backward<B, 7> for ThroughTime {
    type State = B::Saved;

    fn backward(
        self,
        ops: Ops<Self::State, 7>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad_out = grads.consume::<B>(&ops.node);
        let need = ops.parents.each_ref().map(Option::is_some);
        let values = B::fused_backward(ops.state, grad_out, need);
        for (parent, value) in ops.parents.into_iter().zip(values) {
            if let (Some(node), Some(value)) = (parent, value) {
                grads.register::<B>(node.id, value);
            }
        }
    }
}

impl<B: FusedBackend, C: CheckpointStrategy> RecurrentKernel for Autodiff<B, C> {
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
        let prep = ThroughTime.prepare::<C>(nodes).compute_bound().stateful();
        // Only a tracked operation keeps what its backward pass reads.
        let save = matches!(prep, OpsKind::Tracked(_));
        let (out, saved) = B::fused_forward(primitives, cell, reverse, lengths.as_deref(), save);
        match prep {
            OpsKind::Tracked(prep) => prep.finish(saved.expect("forward saves when asked to"), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}
