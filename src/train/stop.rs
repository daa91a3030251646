//! Why training ended ([`StopReason`]) and how to end it from outside ([`StopHandle`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

/// Why [`Trainer::fit`](crate::train::Trainer::fit) returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// Every epoch ran.
    Completed,
    /// Early stopping: the monitored score did not improve for `patience` epochs; `epoch` is
    /// the last one trained.
    EarlyStopped {
        /// The last epoch trained.
        epoch: usize,
    },
    /// A [`StopHandle`] stopped it after step `step` of epoch `epoch`.
    Interrupted {
        /// The epoch (1-based).
        epoch: usize,
        /// The last step trained in it (1-based).
        step: usize,
    },
}

/// Stops a running [`Trainer::fit`](crate::train::Trainer::fit) after its current step
/// ([`Trainer::stop_handle`](crate::train::Trainer::stop_handle)).
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Asks the trainer to stop after its current step.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for (and not yet answered by a new `fit`).
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Forgets an earlier stop: a new `fit` starts.
    pub(crate) fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}
