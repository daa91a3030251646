//! The fused recurrent kernel: one direction of one layer over a whole sequence as a single
//! operation, with a hand-written backward pass, on the CPU backends.
//!
//! Built from Burn's tensor ops, a step is some fifteen graph nodes, and on the small problems
//! recurrent networks usually are, their bookkeeping costs more than their arithmetic. Here a
//! whole direction is one node: the forward pass and backpropagation through time run on plain
//! f32 slices ([`cpu`]: [`cpu::host`] for one batch, [`cpu::parallel`] splitting large batches
//! across threads), and Burn's autodiff sees one operation whose backward is
//! [`cpu::host::backward`]. It is a Burn backend extension (`#[backend_extension]`)
//! implemented for Flex and NdArray, plus autodiff over either ([`autodiff`]). Other backends
//! (wgpu) and other float types keep the tensor-op path; [`applies`] says which is taken.
//! `docs/performance.md` has the measurements.
//!
//! This file is the Burn side: the extension trait, [`applies`], [`direction`], and the reads
//! and writes between tensors and host vectors. Of the rest of the crate the kernels use only
//! [`crate::cell`] (which recurrence, and its nonlinearity), never the layers.

// NdArray is deprecated upstream but still a supported backend here; the extension macro's
// expansion names it outside any item an attribute could be put on.
#![allow(deprecated)]

mod autodiff;
mod cpu;
#[cfg(feature = "wgpu")]
mod cube;
#[cfg(all(test, feature = "wgpu"))]
pub(crate) use cube::with_card_tile;

/// What the benches and tests reach inside the kernels (not part of the API): the matrix
/// products (`benches/products.rs`), the switch to the tensor-op path, and on wgpu a count of
/// kernel launches.
#[doc(hidden)]
pub mod bench {
    use std::sync::atomic::Ordering;

    use super::cpu::packed::PackedMatrix;

    /// Lets the layers take the fused kernel where it applies (the default), or with `false`
    /// pins them to the tensor-op path, process-wide: the "before" of the dispatch counts.
    pub fn set_fused(enabled: bool) {
        super::FUSED.store(enabled, Ordering::Relaxed);
    }

    #[cfg(feature = "wgpu")]
    pub use super::cube::Launches;

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
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

#[cfg(feature = "flex")]
use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, DispatchDevice, TensorMetadata, backend_extension};
use burn::tensor::{DType, Device, Shape, Tensor, TensorData};

use crate::cell::CellKind;
use cpu::host::{Dims, HostValues, Inputs};
use cpu::parallel;

/// The fused kernel as a Burn backend extension.
#[backend_extension(
    Cube: cfg(feature = "wgpu"),
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
        let inputs = [x, h0, c0, w_ih, w_hh, b_ih, b_hh];
        host_forward::<Self>(inputs, cell, reverse, lengths.as_deref(), false).0
    }
}

#[cfg(feature = "flex")]
impl RecurrentKernel for burn::backend::Flex {}
#[cfg(feature = "ndarray")]
impl RecurrentKernel for burn::backend::NdArray {}

// `burn::backend::Cube` is `CubeBackend`, with the CubeCL kernel, while Burn's `fusion` feature
// is off, and `Fusion<CubeBackend>` when it is on (see `applies`): either has a `FusedBackend`.
#[cfg(feature = "wgpu")]
impl RecurrentKernel for burn::backend::Cube {
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
        let inputs = [x, h0, c0, w_ih, w_hh, b_ih, b_hh];
        Self::fused_forward(inputs, cell, reverse, lengths.as_deref(), false).0
    }
}

/// A backend with a fused direction and its backward pass, which the autodiff node
/// ([`autodiff`]) calls: the host kernel on the CPU backends, the CubeCL one on wgpu.
pub(crate) trait FusedBackend: Backend {
    /// What the forward pass keeps for the backward pass.
    type Saved: Clone + Send + std::fmt::Debug + 'static;

    /// The direction's output `[seq + 2, batch, H]` (see [`direction`]), and with `save` what
    /// [`FusedBackend::fused_backward`] reads.
    fn fused_forward(
        inputs: [FloatTensor<Self>; 7],
        cell: CellKind,
        reverse: bool,
        lengths: Option<&[usize]>,
        save: bool,
    ) -> (FloatTensor<Self>, Option<Self::Saved>);

    /// The gradients of the seven inputs, in [`direction`]'s order, for those `need` marks.
    fn fused_backward(
        saved: Self::Saved,
        grad_out: FloatTensor<Self>,
        need: [bool; 7],
    ) -> [Option<FloatTensor<Self>>; 7];
}

/// What the host kernel keeps: its saved activations, and the inputs' shapes (their
/// gradients have them).
#[derive(Debug, Clone)]
pub(crate) struct HostSaved {
    saved: Arc<parallel::SavedChunks>,
    shapes: [Shape; 7],
}

/// Implements [`FusedBackend`] with the host kernel.
macro_rules! host_fused_backend {
    ($backend:ty $(, $param:ident: $bound:path)?) => {
        impl$(<$param: $bound>)? FusedBackend for $backend {
            type Saved = HostSaved;

            fn fused_forward(
                inputs: [FloatTensor<Self>; 7],
                cell: CellKind,
                reverse: bool,
                lengths: Option<&[usize]>,
                save: bool,
            ) -> (FloatTensor<Self>, Option<HostSaved>) {
                host_forward::<Self>(inputs, cell, reverse, lengths, save)
            }

            fn fused_backward(
                saved: HostSaved,
                grad_out: FloatTensor<Self>,
                need: [bool; 7],
            ) -> [Option<FloatTensor<Self>>; 7] {
                host_backward::<Self>(&saved, grad_out, need)
            }
        }
    };
}
#[cfg(feature = "flex")]
host_fused_backend!(burn::backend::Flex);
#[cfg(feature = "ndarray")]
host_fused_backend!(burn::backend::NdArray);
// Under Burn's `fusion`, which has no CubeCL kernel of ours yet, `applies` sends wgpu to the
// tensor-op path; this impl only completes the types (it would be correct, reading to the host).
#[cfg(feature = "wgpu")]
host_fused_backend!(burn_fusion::Fusion<B>, B: burn_fusion::FusionBackend);

#[cfg(feature = "wgpu")]
impl FusedBackend for burn_cubecl::CubeBackend {
    type Saved = cube::CubeSaved;

    fn fused_forward(
        inputs: [FloatTensor<Self>; 7],
        cell: CellKind,
        reverse: bool,
        lengths: Option<&[usize]>,
        save: bool,
    ) -> (FloatTensor<Self>, Option<cube::CubeSaved>) {
        cube::forward(inputs, cell, reverse, lengths, save)
    }

    fn fused_backward(
        saved: cube::CubeSaved,
        grad_out: FloatTensor<Self>,
        need: [bool; 7],
    ) -> [Option<FloatTensor<Self>>; 7] {
        cube::backward(saved, grad_out, need)
    }
}

/// The host kernel's forward pass: reads the inputs, runs [`parallel::forward`], writes the
/// output back as a tensor.
fn host_forward<B: Backend>(
    inputs: [FloatTensor<B>; 7],
    cell: CellKind,
    reverse: bool,
    lengths: Option<&[usize]>,
    save: bool,
) -> (FloatTensor<B>, Option<HostSaved>) {
    let shapes = inputs.each_ref().map(|t| t.shape());
    let device = inputs[0].device();
    let (dims, inputs) = host_inputs::<B>(inputs);
    let (out, saved) = parallel::forward(cell, reverse, dims, inputs, lengths, save);
    let out = from_host::<B>(out, [dims.seq + 2, dims.batch, dims.hidden], &device);
    let saved = saved.map(|saved| HostSaved {
        saved: Arc::new(saved),
        shapes,
    });
    (out, saved)
}

/// The host kernel's backward pass ([`parallel::backward`]) from a gradient tensor.
fn host_backward<B: Backend>(
    saved: &HostSaved,
    grad_out: FloatTensor<B>,
    need: [bool; 7],
) -> [Option<FloatTensor<B>>; 7] {
    let device = grad_out.device();
    let grad_out = to_host::<B>(grad_out);
    let g = parallel::backward(&saved.saved, &grad_out, need[0]);
    let values = [g.x, g.h0, g.c0, g.w_ih, g.w_hh, g.b_ih, g.b_hh];
    let mut grads =
        values
            .into_iter()
            .zip(saved.shapes.clone())
            .zip(need)
            .map(|((value, shape), need)| {
                need.then(|| B::float_from_data(TensorData::new(value, shape), &device))
            });
    std::array::from_fn(|_| grads.next().flatten())
}

/// Whether the fused kernel may be used at all (see [`bench::set_fused`]).
static FUSED: AtomicBool = AtomicBool::new(true);

/// Whether [`direction`] runs on this device and float type for a batch and hidden size: the CPU
/// backends and wgpu, with or without autodiff, in f32 (on wgpu, for sizes whose launch grid
/// fits the device's limits).
// `batch` and `hidden` are read by wgpu's arm only.
#[cfg_attr(not(feature = "wgpu"), allow(unused_variables))]
pub(crate) fn applies(device: &Device, dtype: DType, batch: usize, hidden: usize) -> bool {
    if dtype != DType::F32 || !FUSED.load(Ordering::Relaxed) {
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
        #[cfg(feature = "wgpu")]
        DispatchDevice::Cube(device) => {
            device.runtime() == burn::backend::RuntimeId::Wgpu
                && cube_is_unfused()
                && cube::grid_fits(batch, hidden)
        }
        _ => false,
    }
}

/// Whether Burn's `Cube` backend is the plain `CubeBackend`, which has the CubeCL kernel: it is
/// `Fusion<CubeBackend>` when some crate in the build turns on Burn's `fusion` feature (as
/// `burn`'s default features do with `wgpu`).
#[cfg(feature = "wgpu")]
fn cube_is_unfused() -> bool {
    use std::any::TypeId;
    TypeId::of::<burn::backend::Cube>() == TypeId::of::<burn_cubecl::CubeBackend>()
}

/// One direction of one layer over a whole sequence, on a device where [`applies`] holds.
///
/// - `x`: `[seq, batch, input]` (time-major);
/// - `h0`, `c0`: `[batch, H]` (`c0` is read by the LSTM only);
/// - `w_ih` `[G*H, input]`, `w_hh` `[G*H, H]`, `b_ih`, `b_hh` `[G*H]`: PyTorch's layout
///   (zeros for a layer without bias).
///
/// - `lengths`: each batch row's steps when rows are padded (PyTorch's packed sequences, see
///   [`cpu::host::forward`]), `None` when every row has `seq`.
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
    let [x, h0, c0, w_ih, w_hh, b_ih, b_hh] = tensors.map(host_values::<B>);
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

/// A tensor's values for the host kernel: on Flex, the tensor's own buffer where it is
/// contiguous f32 (held, so nothing changes it: Flex writes in place only to a buffer nobody
/// else holds); otherwise a copy ([`to_host`]).
///
/// Flex's `into_data` of a shared tensor (a weight, which its `Param` holds too) copies it
/// twice, into bytes and then into aligned f32s: 45% of a streaming step of the hidden-256
/// LSTM, after the packing of the weights had gone (`benches/streaming.rs`).
fn host_values<B: Backend>(tensor: FloatTensor<B>) -> HostValues {
    #[cfg(feature = "flex")]
    if let Some(flex) = (&tensor as &dyn std::any::Any).downcast_ref::<FloatTensor<Flex>>()
        && flex.as_slice::<f32>().is_some()
    {
        return HostValues::Shared(Arc::new(FlexValues(flex.clone())));
    }
    to_host::<B>(tensor).into()
}

/// A contiguous f32 Flex tensor, read in place.
#[cfg(feature = "flex")]
struct FlexValues(FloatTensor<Flex>);

#[cfg(feature = "flex")]
impl AsRef<[f32]> for FlexValues {
    fn as_ref(&self) -> &[f32] {
        self.0
            .as_slice::<f32>()
            .expect("checked contiguous f32 when it was made")
    }
}

/// A tensor's values as f32, row-major.
fn to_host<B: Backend>(tensor: FloatTensor<B>) -> Vec<f32> {
    let data = block_on(B::float_into_data(tensor)).expect("reading a tensor back failed");
    data.try_into_vec::<f32>()
        .expect("the fused kernel runs on f32 tensors only")
}

/// Row-major f32 values as a tensor of `shape` on `device`.
fn from_host<B: Backend>(
    values: Vec<f32>,
    shape: [usize; 3],
    device: &B::Device,
) -> FloatTensor<B> {
    B::float_from_data(TensorData::new(values, shape), device)
}

/// The value of a future, waiting for it on this thread: at once on the CPU backends, whose
/// reads are ready when asked for; on a GPU backend until the device has finished.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(value) => return value,
            Poll::Pending => std::thread::park(),
        }
    }
}
