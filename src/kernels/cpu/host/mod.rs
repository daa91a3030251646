//! One direction of one recurrent layer over a whole sequence, on f32 slices: the forward pass,
//! and its backward pass through time written out by hand.
//!
//! Layout: `x` `[seq, batch, input]`, states `[batch, H]`, weights in PyTorch's layout
//! (`w_ih` `[G*H, input]`, `w_hh` `[G*H, H]`, gates in PyTorch's order). The step equations
//! are those of [`CellKind::step`](crate::cell::CellKind::step); the backward pass of each is
//! written next to its forward pass in [`cells`].
//!
//! This file has the types and the two entry points, each compiled for the baseline CPU and
//! for AVX2 ([`forward`], [`backward`]); their bodies are [`forward_pass`] (the input
//! projection, then the time loop) and [`backward_pass`] (the time loop backwards, then the
//! products over the whole sequence). Everything those bodies call in their loops is
//! `#[inline(always)]`, so that it is compiled with the caller's target features.

mod backward_pass;
mod cells;
mod forward_pass;

use std::sync::Arc;

use crate::cell::CellKind;

/// The sizes of one direction's problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dims {
    pub seq: usize,
    pub batch: usize,
    pub input: usize,
    pub hidden: usize,
}

/// Row-major f32 values the kernel reads: its own, or a tensor's buffer, shared with the
/// tensor instead of copied (a weight read at every streaming step).
#[derive(Clone)]
pub(crate) enum HostValues {
    /// The kernel's own copy.
    Owned(Vec<f32>),
    /// A buffer that stays unchanged while it is held.
    Shared(Arc<dyn AsRef<[f32]> + Send + Sync>),
}

impl std::ops::Deref for HostValues {
    type Target = [f32];

    fn deref(&self) -> &[f32] {
        match self {
            HostValues::Owned(values) => values,
            HostValues::Shared(values) => (**values).as_ref(),
        }
    }
}

impl From<Vec<f32>> for HostValues {
    fn from(values: Vec<f32>) -> Self {
        HostValues::Owned(values)
    }
}

impl std::fmt::Debug for HostValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            HostValues::Owned(_) => "Owned",
            HostValues::Shared(_) => "Shared",
        };
        write!(f, "{kind}({} values)", self.len())
    }
}

/// The inputs of one direction, all row-major f32 (and, as [`Grads`], their gradients).
#[derive(Debug, Clone)]
pub(crate) struct Inputs<V = HostValues> {
    /// `[seq, batch, input]`.
    pub x: V,
    /// `[batch, H]`.
    pub h0: V,
    /// `[batch, H]`, read by the LSTM only.
    pub c0: V,
    /// `[G*H, input]`.
    pub w_ih: V,
    /// `[G*H, H]`.
    pub w_hh: V,
    /// `[G*H]`.
    pub b_ih: V,
    /// `[G*H]`.
    pub b_hh: V,
}

/// What the backward pass reads: the inputs and the activations of every step.
#[derive(Debug, Clone)]
pub(crate) struct Saved {
    cell: CellKind,
    reverse: bool,
    dims: Dims,
    inputs: Inputs,
    /// `h_t` of every step, `[seq, batch, H]` in time order.
    hidden: Vec<f32>,
    /// LSTM: `i, f, g, o` after their activations; GRU: `r, z, n`; `[seq, batch, G*H]`.
    gates: Vec<f32>,
    /// LSTM: `c_t`; GRU: `W_hn h_{t-1} + b_hn`; `[seq, batch, H]`.
    extra: Vec<f32>,
    /// Steps of each batch row, when rows are padded (see [`forward`]).
    lengths: Option<Vec<usize>>,
}

/// The gradients of one direction's inputs, in the layouts of [`Inputs`]; `x` is empty when it
/// was not asked for.
pub(crate) type Grads = Inputs<Vec<f32>>;

/// The time index of processing step `s`: the reverse direction starts at the last step.
#[inline(always)]
fn time_index(reverse: bool, seq: usize, s: usize) -> usize {
    if reverse { seq - 1 - s } else { s }
}

/// Whether batch row `b` has a step `t` (padding past a row's length does not count).
#[inline(always)]
fn is_valid(lengths: Option<&[usize]>, b: usize, t: usize) -> bool {
    lengths.is_none_or(|l| t < l[b])
}

/// Defines `$name` as `$body` compiled twice, for the baseline CPU and for AVX2, and picks one
/// at run time: the gate loops are the kernel's hot spot, and AVX2 doubles their width.
/// (An AVX-512 version measured 25% slower on the seed workload, so there is none.)
macro_rules! multiversioned {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $body:path) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { avx2($($arg),*) };
            }
            $body($($arg),*)
        }
    };
}

multiversioned! {
    /// Runs the direction over the sequence.
    ///
    /// Returns `[seq + 2, batch, H]`: `h_t` for every step in time order, then the final hidden
    /// state, then the final cell state (zeros for the RNN and GRU), and, with `save`, what
    /// [`backward`] needs.
    ///
    /// With `lengths` (one per batch row, each in `1..=seq`), PyTorch's packed-sequence
    /// semantics: a row's steps from its length on are padding, where its state holds still
    /// and its output is zero. The final state is thus the state at the row's last valid step,
    /// and the reverse direction, which meets the padding first, starts from `h0` at that step.
    pub(crate) fn forward(
        cell: CellKind,
        reverse: bool,
        dims: Dims,
        inputs: Inputs,
        lengths: Option<&[usize]>,
        save: bool
    ) -> (Vec<f32>, Option<Saved>) = forward_pass::forward_impl
}

multiversioned! {
    /// The gradients of [`forward`]'s inputs, given the gradient of its output `[seq + 2, batch, H]`.
    /// `x`'s gradient (the costliest product) is computed only with `need_x`.
    pub(crate) fn backward(saved: &Saved, grad_out: &[f32], need_x: bool) -> Grads = backward_pass::backward_impl
}
