//! The fused kernel on Burn's CubeCL backend (wgpu): one direction of one layer as one
//! input-projection product, one kernel launch per time step, and a hand-written backward
//! pass of one launch per step plus the weight and input gradients as products over the whole
//! sequence. Nothing is read back to the host: like any Burn op, the direction is queued and
//! returns at once.
//!
//! The kernels are in [`step`]; this file allocates their buffers and issues the launches, in
//! the same layout as the CPU kernel ([`super::direction`] has the shapes).

mod step;

use std::sync::{Arc, Mutex};

use burn::backend::TensorMetadata;
use burn::backend::ops::FloatTensorOps;
use burn::tensor::{DType, Shape};
use burn_cubecl::CubeBackend;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::{empty_device_contiguous_dtype, zeros_client};
use burn_cubecl::tensor::CubeTensor;
use cubecl::logging::{LaunchObservation, LaunchObserver};
use cubecl::prelude::*;

use crate::cell::{CellKind, Nonlinearity};
use step::CubeCell;

type Cube = CubeBackend;

/// Units per cube of the per-step kernels when the hidden size needs more than one tile of 32.
const UNITS_PER_CUBE: u32 = 64;

/// How many batch rows and adjacent hidden units each unit of the step kernels takes: every
/// weight it loads serves `rows` products, every state value `cols` (per gate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tile {
    rows: usize,
    cols: usize,
}

/// The tile on a GPU: small, since a step there is bound by latency, not loads, and a larger
/// one would leave most of the GPU idle at the batch sizes of recurrent training.
const CARD_TILE: Tile = Tile { rows: 4, cols: 4 };

/// The tile on a device that runs kernels on the CPU (lavapipe): there a unit is a SIMD lane
/// whose every load costs alike, so the fewer loads per product the better, and two cores
/// need few cubes. 16 rows of 4 columns measured fastest (of 4 to 32 rows; `docs/performance.md`).
const CPU_TILE: Tile = Tile { rows: 16, cols: 4 };

// `grid_fits` checks the card tile only: the CPU tile's grid is never the larger one.
const _: () = assert!(CPU_TILE.rows >= CARD_TILE.rows && CPU_TILE.cols >= CARD_TILE.cols);

/// The tile for the device `tensor` is on: CubeCL names no physical card for a CPU or a
/// software rasterizer.
fn tile_for(tensor: &CubeTensor) -> Tile {
    #[cfg(test)]
    if CARD_TILE_FORCED.get() {
        return CARD_TILE;
    }
    if tensor.client.properties().identity.physical.is_none() {
        CPU_TILE
    } else {
        CARD_TILE
    }
}

#[cfg(test)]
thread_local! {
    static CARD_TILE_FORCED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the GPU's tile on any device, so that lavapipe tests it too (on this thread:
/// the launches are issued where the op is called).
#[cfg(test)]
pub(crate) fn with_card_tile<R>(f: impl FnOnce() -> R) -> R {
    CARD_TILE_FORCED.set(true);
    let result = f();
    CARD_TILE_FORCED.set(false);
    result
}

/// Cubes per grid dimension that every wgpu device launches (WebGPU's minimum
/// `max_compute_workgroups_per_dimension`).
const MAX_CUBES_PER_DIMENSION: usize = 65_535;

/// Whether the step kernels' grid for `batch` rows and `hidden` units fits every device's
/// limits (a batch of at most 262,140 rows and a hidden size of at most 16,776,960); larger
/// problems take the tensor-op path. A grid past the limits would not fail at launch but only
/// at the next read, as a lost result.
pub(crate) fn grid_fits(batch: usize, hidden: usize) -> bool {
    let tiling = Tiling {
        batch,
        hidden,
        tile: CARD_TILE,
    };
    let (row_tiles, columns) = tiling.tiles();
    row_tiles <= MAX_CUBES_PER_DIMENSION && columns <= MAX_CUBES_PER_DIMENSION
}

/// How the step kernels divide a batch and the hidden units among cubes and units.
#[derive(Debug, Clone, Copy)]
struct Tiling {
    batch: usize,
    hidden: usize,
    tile: Tile,
}

impl Tiling {
    /// Batch rows per cube (fewer for a smaller batch).
    fn rows(&self) -> usize {
        self.tile.rows.min(self.batch).max(1)
    }

    /// Hidden units per unit (fewer for a smaller hidden size).
    fn cols(&self) -> usize {
        self.tile.cols.min(self.hidden).max(1)
    }

    /// Units per cube: 32 when the hidden size fits in one tile of 32 units, else
    /// [`UNITS_PER_CUBE`].
    fn units(&self) -> u32 {
        if self.hidden <= 32 * self.cols() {
            32
        } else {
            UNITS_PER_CUBE
        }
    }

    /// Cubes along the batch and along the hidden units.
    fn tiles(&self) -> (usize, usize) {
        let columns = self.units() as usize * self.cols();
        (
            self.batch.div_ceil(self.rows()),
            self.hidden.div_ceil(columns),
        )
    }

    /// The launch grid: cubes of [`Self::rows`] batch rows by [`Self::units`] units, each unit
    /// [`Self::cols`] adjacent hidden units.
    fn grid(&self) -> (CubeCount, CubeDim) {
        let (row_tiles, columns) = self.tiles();
        (
            CubeCount::Static(columns as u32, row_tiles as u32, 1),
            CubeDim::new_1d(self.units()),
        )
    }
}

/// What the backward pass reads, all on the device.
#[derive(Debug, Clone)]
pub(crate) struct CubeSaved {
    cell: CellKind,
    reverse: bool,
    x: CubeTensor,
    h0: CubeTensor,
    c0: CubeTensor,
    w_ih: CubeTensor,
    w_hh: CubeTensor,
    /// `h_t` of every step (held through padding), `[S, B, H]`.
    hist: CubeTensor,
    /// LSTM: `c_t`; GRU: `W_hn h_{t-1} + b_hn`; `[S, B, H]` (one value for the RNN).
    chist: CubeTensor,
    /// The gates after their activations, `[S, B, G*H]` (one value for the RNN).
    gates: CubeTensor,
    /// Steps of each batch row as u32, when rows are padded.
    lengths: Option<CubeTensor>,
}

/// The sizes of one direction.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    seq: usize,
    batch: usize,
    input: usize,
    hidden: usize,
    gates: usize,
}

impl Sizes {
    fn of(x: &CubeTensor, h0: &CubeTensor, cell: CellKind) -> Self {
        let [seq, batch, input] = x.shape().dims::<3>();
        Self {
            seq,
            batch,
            input,
            hidden: h0.shape()[1],
            gates: cell.gates(),
        }
    }

    fn gates_hidden(&self) -> usize {
        self.gates * self.hidden
    }

    /// The time index of processing step `s` (the reverse direction starts at the end).
    fn time(&self, reverse: bool, s: usize) -> usize {
        if reverse { self.seq - 1 - s } else { s }
    }

    /// How the step kernels divide this direction's work on `tensor`'s device.
    fn tiling(&self, tensor: &CubeTensor) -> Tiling {
        Tiling {
            batch: self.batch,
            hidden: self.hidden,
            tile: tile_for(tensor),
        }
    }
}

fn cube_cell(cell: CellKind) -> CubeCell {
    match cell {
        CellKind::Rnn(Nonlinearity::Tanh) => CubeCell::RnnTanh,
        CellKind::Rnn(Nonlinearity::Relu) => CubeCell::RnnRelu,
        CellKind::Lstm => CubeCell::Lstm,
        CellKind::Gru => CubeCell::Gru,
    }
}

/// An uninitialised contiguous f32 buffer on `like`'s device.
fn empty(like: &CubeTensor, shape: &[usize]) -> CubeTensor {
    empty_device_contiguous_dtype(
        like.client.clone(),
        like.device.clone(),
        Shape::from(shape.to_vec()),
        DType::F32,
    )
}

/// [`empty`] where `keep`, else a one-value stand-in for a buffer the kernel does not touch
/// (each its own allocation: a buffer is never bound twice in one launch).
fn empty_if(like: &CubeTensor, keep: bool, shape: &[usize]) -> CubeTensor {
    empty(like, if keep { shape } else { &[1] })
}

fn zeros(like: &CubeTensor, shape: &[usize]) -> CubeTensor {
    zeros_client(
        like.client.clone(),
        like.device.clone(),
        Shape::from(shape.to_vec()),
        DType::F32,
    )
}

/// The row lengths as a u32 buffer (an upload, not a read), or a one-value stand-in.
fn lengths_buffer(like: &CubeTensor, lengths: Option<&[usize]>) -> (CubeTensor, bool) {
    let values: Vec<u32> = match lengths {
        Some(lengths) => lengths.iter().map(|&l| l as u32).collect(),
        None => vec![0],
    };
    let handle = like.client.create_from_slice(u32::as_bytes(&values));
    let tensor = CubeTensor::new_contiguous(
        like.client.clone(),
        like.device.clone(),
        Shape::new([values.len()]),
        handle,
        DType::U32,
    );
    (tensor, lengths.is_some())
}

fn arg(tensor: &CubeTensor) -> BufferArg {
    tensor.clone().into_buffer_arg()
}

fn reshape(tensor: CubeTensor, shape: &[usize]) -> CubeTensor {
    Cube::float_reshape(tensor, Shape::from(shape.to_vec()))
}

fn transpose(tensor: CubeTensor) -> CubeTensor {
    Cube::float_swap_dims(tensor, 0, 1)
}

/// The direction's forward pass: `[S + 2, B, H]` (outputs, `h_n`, `c_n`), and with `save` what
/// [`backward`] reads.
pub(crate) fn forward(
    inputs: [CubeTensor; 7],
    cell: CellKind,
    reverse: bool,
    lengths: Option<&[usize]>,
    save: bool,
) -> (CubeTensor, Option<CubeSaved>) {
    let [x, h0, c0, w_ih, w_hh, b_ih, b_hh] = inputs.map(into_contiguous);
    let n = Sizes::of(&x, &h0, cell);
    let (seq, batch, hidden, gh) = (n.seq, n.batch, n.hidden, n.gates_hidden());
    // Every step's input projection at once; the biases are added in the step kernel.
    let xp = into_contiguous(Cube::float_matmul(
        reshape(x.clone(), &[seq * batch, n.input]),
        transpose(w_ih.clone()),
    ));
    let w_t = into_contiguous(transpose(w_hh.clone()));
    let out = empty(&x, &[seq + 2, batch, hidden]);
    let hist = empty(&x, &[seq, batch, hidden]);
    let keeps_extra = cell == CellKind::Lstm || (cell == CellKind::Gru && save);
    let chist = empty_if(&x, keeps_extra, &[seq, batch, hidden]);
    let keeps_gates = save && !matches!(cell, CellKind::Rnn(_));
    let gates = empty_if(&x, keeps_gates, &[seq, batch, gh]);
    let (lengths, padded) = lengths_buffer(&x, lengths);
    let tiling = n.tiling(&x);
    let (count, dim) = tiling.grid();
    for s in 0..seq {
        let t = n.time(reverse, s);
        let prev = if s == 0 { t } else { n.time(reverse, s - 1) };
        // SAFETY: every buffer has the size its index arithmetic assumes (the shapes were checked
        // before the op was built, the stand-ins are read only under the comptime flags that
        // exclude them), and the units past the batch or the hidden size clamp their loads and
        // store nothing.
        unsafe {
            step::step_forward::launch_unchecked(
                &x.client,
                count.clone(),
                dim,
                arg(&xp),
                arg(&w_t),
                arg(&b_ih),
                arg(&b_hh),
                arg(&h0),
                arg(&c0),
                arg(&lengths),
                arg(&hist),
                arg(&chist),
                arg(&gates),
                arg(&out),
                batch as u32,
                hidden as u32,
                gh as u32,
                seq as u32,
                t as u32,
                prev as u32,
                u32::from(s == 0),
                u32::from(s + 1 == seq),
                cube_cell(cell),
                keeps_gates,
                padded,
                tiling.rows(),
                tiling.cols(),
            );
        }
    }
    let saved = save.then(|| CubeSaved {
        cell,
        reverse,
        x,
        h0,
        c0,
        w_ih,
        w_hh,
        hist,
        chist,
        gates,
        lengths: padded.then_some(lengths),
    });
    (out, saved)
}

/// The gradients of the seven inputs of [`forward`] from the gradient of its output
/// `[S + 2, B, H]`; only those with `need` set are computed.
pub(crate) fn backward(
    saved: CubeSaved,
    grad_out: CubeTensor,
    need: [bool; 7],
) -> [Option<CubeTensor>; 7] {
    let CubeSaved {
        cell,
        reverse,
        x,
        h0,
        c0,
        w_ih,
        w_hh,
        hist,
        chist,
        gates,
        lengths,
    } = saved;
    let grad_out = into_contiguous(grad_out);
    let n = Sizes::of(&x, &h0, cell);
    let (seq, batch, hidden, gh) = (n.seq, n.batch, n.hidden, n.gates_hidden());
    let is_gru = cell == CellKind::Gru;
    let dgx = empty(&x, &[seq, batch, gh]);
    let dgh = empty_if(&x, is_gru, &[seq, batch, gh]);
    let prevh = empty(&x, &[seq, batch, hidden]);
    let carry = empty(&x, &[batch, hidden]);
    let dc = empty_if(&x, cell == CellKind::Lstm, &[batch, hidden]);
    let padded = lengths.is_some();
    let lengths = lengths.unwrap_or_else(|| lengths_buffer(&x, None).0);
    let tiling = n.tiling(&x);
    let (count, dim) = tiling.grid();
    // Steps from the last processed to the first, then one launch more for dh0.
    for launch in 0..=seq {
        // launch 0 is processing step seq-1, …, launch seq-1 is step 0; launch seq finishes.
        let finish = launch == seq;
        let s = if finish { 0 } else { seq - 1 - launch };
        let t = n.time(reverse, s);
        let prev = if s == 0 { t } else { n.time(reverse, s - 1) };
        let next = if finish {
            n.time(reverse, 0)
        } else if s + 1 < seq {
            n.time(reverse, s + 1)
        } else {
            t
        };
        // SAFETY: as for `step_forward`.
        unsafe {
            step::step_backward::launch_unchecked(
                &x.client,
                count.clone(),
                dim,
                arg(&grad_out),
                arg(&w_hh),
                arg(&h0),
                arg(&c0),
                arg(&lengths),
                arg(&hist),
                arg(&chist),
                arg(&gates),
                arg(&dgx),
                arg(&dgh),
                arg(&prevh),
                arg(&carry),
                arg(&dc),
                batch as u32,
                hidden as u32,
                gh as u32,
                seq as u32,
                t as u32,
                prev as u32,
                next as u32,
                u32::from(s == 0),
                u32::from(launch == 0),
                u32::from(finish),
                cube_cell(cell),
                padded,
                tiling.rows(),
                tiling.cols(),
            );
        }
    }
    let rows = seq * batch;
    let dgx = reshape(dgx, &[rows, gh]);
    let dgh = if is_gru {
        reshape(dgh, &[rows, gh])
    } else {
        dgx.clone()
    };
    let column_sums = |d: &CubeTensor| reshape(Cube::float_sum_dim(d.clone(), 0), &[gh]);
    let [
        need_x,
        need_h0,
        need_c0,
        need_w_ih,
        need_w_hh,
        need_b_ih,
        need_b_hh,
    ] = need;
    let dx = need_x.then(|| {
        let dx = Cube::float_matmul(dgx.clone(), w_ih);
        reshape(dx, &[seq, batch, n.input])
    });
    let dw_ih =
        need_w_ih.then(|| Cube::float_matmul(transpose(dgx.clone()), reshape(x, &[rows, n.input])));
    let dw_hh = need_w_hh
        .then(|| Cube::float_matmul(transpose(dgh.clone()), reshape(prevh, &[rows, hidden])));
    let dc0 = need_c0.then(|| {
        if cell == CellKind::Lstm {
            dc
        } else {
            zeros(&carry, &[batch, hidden])
        }
    });
    [
        dx,
        need_h0.then_some(carry),
        dc0,
        dw_ih,
        dw_hh,
        need_b_ih.then(|| column_sums(&dgx)),
        need_b_hh.then(|| column_sums(&dgh)),
    ]
}

/// The kernel launches issued while it lives, as CubeCL's launch observer reports them (every
/// launch of every kernel, ours and Burn's, on any thread; the observer is process-wide).
pub struct Launches {
    names: Arc<LaunchNames>,
    _observation: LaunchObservation,
}

#[derive(Default)]
struct LaunchNames(Mutex<Vec<&'static str>>);

impl LaunchObserver for LaunchNames {
    fn launched(&self, kernel: &'static str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(kernel);
    }
}

impl Launches {
    /// Starts recording (one recorder at a time per process).
    pub fn record() -> Self {
        let names = Arc::new(LaunchNames::default());
        let observation = LaunchObservation::new(names.clone());
        Self {
            names,
            _observation: observation,
        }
    }

    /// The kernels launched so far, in order, by their type names.
    pub fn names(&self) -> Vec<&'static str> {
        self.names
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many launches so far.
    pub fn total(&self) -> usize {
        self.names().len()
    }

    /// How many launches of kernels whose name contains `part` (e.g. `"StepForward"`).
    pub fn of(&self, part: &str) -> usize {
        self.names().iter().filter(|n| n.contains(part)).count()
    }

    /// Forgets the launches so far.
    pub fn clear(&self) {
        self.names
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::grid_fits;

    #[test]
    fn the_grid_fits_up_to_the_devices_limits_and_not_past_them() {
        assert!(grid_fits(1, 1));
        assert!(grid_fits(4 * 65_535, 256 * 65_535));
        assert!(!grid_fits(4 * 65_535 + 1, 32));
        assert!(!grid_fits(64, 256 * 65_535 + 1));
    }
}
