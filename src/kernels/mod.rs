//! The fused recurrent kernel: one direction of one layer over a whole sequence as a single
//! operation, with a hand-written backward pass, on the CPU backends.
//!
//! Built from Burn's tensor ops, a step is some fifteen graph nodes, and on the small problems
//! recurrent networks usually are, their bookkeeping costs more than their arithmetic. Here a
//! whole direction is one node: the forward pass and backpropagation through time run on plain
//! f32 slices ([`host`]; [`parallel`] splits large batches across threads), and Burn's autodiff
//! sees one operation whose backward is [`host::backward`]. It is a Burn backend extension
//! (`#[backend_extension]`) implemented for Flex and NdArray, plus autodiff over either. Other
//! backends (wgpu) and other float types keep the tensor-op path; [`applies`] says which is
//! taken. `docs/performance.md` has the measurements.

// NdArray is deprecated upstream but still a supported backend here; the extension macro's
// expansion names it outside any item an attribute could be put on.
#![allow(deprecated)]

mod activation;
mod host;
mod packed;
mod parallel;

/// The kernel's matrix products, public only for `benches/products.rs` (not part of the API).
#[doc(hidden)]
pub mod bench {
    use super::packed::PackedMatrix;

    /// A right operand packed once, as the recurrence packs `W_hh` once per call.
    pub struct PackedProduct(PackedMatrix);

    impl PackedProduct {
        /// Packs the row-major `[k x n]` matrix `b`.
        pub fn new(b: &[f32], k: usize, n: usize) -> Self {
            Self(PackedMatrix::new(b, k, n))
        }

        /// `out = a b` for a row-major `a` `[m x k]`.
        pub fn product(&self, out: &mut [f32], a: &[f32], m: usize) {
            self.0.matmul(out, a, m, false);
        }

        /// `out = at^T b` for a row-major `at` `[k x m]` (a weight gradient).
        pub fn product_transposed(&self, out: &mut [f32], at: &[f32], m: usize) {
            self.0.matmul_transposed(out, at, m, false);
        }
    }
}

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, Backend, Dispatch, DispatchDevice, TensorMetadata, backend_extension,
};
use burn::tensor::{DType, Device, Shape, Tensor, TensorData};

use crate::cell::CellKind;
use host::{Dims, Inputs};
use parallel::SavedChunks;

/// The fused kernel as a Burn backend extension.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff
)]
pub(crate) trait RecurrentKernel: Backend {
    /// One direction over a whole sequence (see [`direction`] for the shapes).
    #[allow(clippy::too_many_arguments)]
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
        let device = x.device();
        let (dims, inputs) = host_inputs::<Self>([x, h0, c0, w_ih, w_hh, b_ih, b_hh]);
        let (out, _) = parallel::forward(cell, reverse, dims, inputs, lengths.as_deref(), false);
        from_host::<Self>(out, [dims.seq + 2, dims.batch, dims.hidden], &device)
    }
}

#[cfg(feature = "flex")]
impl RecurrentKernel for burn::backend::Flex {}
#[cfg(feature = "ndarray")]
impl RecurrentKernel for burn::backend::NdArray {}

/// Whether [`direction`] runs on this device and float type: the CPU backends, with or without
/// autodiff, in f32.
pub(crate) fn applies(device: &Device, dtype: DType) -> bool {
    if dtype != DType::F32 {
        return false;
    }
    let mut dispatch = device.as_dispatch().clone();
    if let DispatchDevice::Autodiff(inner) = dispatch {
        dispatch = inner.inner();
    }
    match dispatch {
        #[cfg(feature = "flex")]
        DispatchDevice::Flex(_) => true,
        #[cfg(feature = "ndarray")]
        DispatchDevice::NdArray(_) => true,
        _ => false,
    }
}

/// One direction of one layer over a whole sequence, on a device where [`applies`] holds.
///
/// - `x`: `[seq, batch, input]` (time-major);
/// - `h0`, `c0`: `[batch, H]` (`c0` is read by the LSTM only);
/// - `w_ih` `[G*H, input]`, `w_hh` `[G*H, H]`, `b_ih`, `b_hh` `[G*H]`: PyTorch's layout
///   (zeros for a layer without bias).
///
/// - `lengths`: each batch row's steps when rows are padded (PyTorch's packed sequences, see
///   [`host::forward`]), `None` when every row has `seq`.
///
/// Returns `[seq + 2, batch, H]`: the output of every step in time order, then `h_n`, then
/// `c_n` (zeros for the RNN and GRU). The reverse direction starts at the last (valid) step.
#[allow(clippy::too_many_arguments)]
pub(crate) fn direction(
    x: Tensor<3>,
    h0: Tensor<2>,
    c0: Tensor<2>,
    w_ih: Tensor<2>,
    w_hh: Tensor<2>,
    b_ih: Tensor<1>,
    b_hh: Tensor<1>,
    cell: CellKind,
    reverse: bool,
    lengths: Option<Arc<[usize]>>,
) -> Tensor<3> {
    Tensor::from_dispatch(<Dispatch as RecurrentKernel>::recurrent_direction(
        x.into_dispatch(),
        h0.into_dispatch(),
        c0.into_dispatch(),
        w_ih.into_dispatch(),
        w_hh.into_dispatch(),
        b_ih.into_dispatch(),
        b_hh.into_dispatch(),
        cell,
        reverse,
        lengths,
    ))
}

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

/// Reads the seven inputs to host vectors and their sizes.
fn host_inputs<B: Backend>(tensors: [FloatTensor<B>; 7]) -> (Dims, Inputs) {
    let x_shape = tensors[0].shape();
    let hidden = tensors[1].shape()[1];
    let dims = Dims {
        seq: x_shape[0],
        batch: x_shape[1],
        input: x_shape[2],
        hidden,
    };
    let [x, h0, c0, w_ih, w_hh, b_ih, b_hh] = tensors.map(to_host::<B>);
    let inputs = Inputs {
        x,
        h0,
        c0,
        w_ih,
        w_hh,
        b_ih,
        b_hh,
    };
    (dims, inputs)
}

/// A tensor's values as f32, row-major.
fn to_host<B: Backend>(tensor: FloatTensor<B>) -> Vec<f32> {
    let data = ready(B::float_into_data(tensor)).expect("reading a CPU tensor cannot fail");
    data.try_into_vec::<f32>()
        .expect("the fused kernel runs on f32 tensors only")
}

fn from_host<B: Backend>(
    values: Vec<f32>,
    shape: [usize; 3],
    device: &B::Device,
) -> FloatTensor<B> {
    B::float_from_data(TensorData::new(values, shape), device)
}

/// The value of a future that is ready at once, as the CPU backends' reads are.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a CPU backend's tensor read was not ready"),
    }
}
