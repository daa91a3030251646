//! [`ModelKind`]: direct or autoregressive, which fixes the windows and the model's head.

use serde::{Deserialize, Serialize};

/// How a [`Forecaster`](super::Forecaster) produces its `horizon` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// The encoder's final state to all `horizon` values at once (Darts' `BlockRNNModel`).
    /// Reads the values and past covariates; refuses future covariates.
    Direct,
    /// One step at a time: each step reads the previous value (the prediction, once past the
    /// history) and the step's future covariates, and predicts the next value (Darts'
    /// `RNNModel`), carrying the hidden state. Refuses past covariates, which would be needed
    /// beyond the series' end.
    Autoregressive,
}

impl ModelKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ModelKind::Direct => "direct",
            ModelKind::Autoregressive => "autoregressive",
        }
    }
}
