//! The fused kernel's CPU implementation: one direction of one layer over a whole sequence on
//! plain row-major f32 slices, with no Burn types.
//!
//! - [`host`]: the forward pass and backpropagation through time of one batch (compiled for
//!   the baseline CPU and for AVX2, chosen at run time);
//! - [`parallel`]: the same over chunks of the batch on several threads, for large problems;
//! - [`packed`]: every matrix product of both passes, with the right operand packed once
//!   (AVX-512, AVX2 or portable microkernels, chosen at run time);
//! - `activation`: `exp`, `sigmoid` and `tanh` written to vectorise in the gate loops.
//!
//! The cell kind is the only type they share with the rest of the crate, and they read it
//! through [`crate::kernels`].

mod activation;
pub(super) mod host;
pub(super) mod packed;
pub(super) mod parallel;
