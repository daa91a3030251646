//! The optimizers, from burn-optim.

use burn::grad_clipping::GradientClippingConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, SgdConfig};
use serde::{Deserialize, Serialize};

/// The optimizer, from burn-optim.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Adam with PyTorch's defaults (betas 0.9, 0.999; epsilon 1e-8); weight decay is L2.
    Adam,
    /// AdamW (decoupled weight decay).
    AdamW,
    /// Stochastic gradient descent with momentum (PyTorch's form, no dampening).
    Sgd {
        /// Momentum in `[0, 1)`; 0 is plain SGD.
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
    },
}

impl Optimizer {
    /// The optimizer as burn-optim builds it, with `weight_decay` (L2 for Adam and SGD,
    /// decoupled for AdamW) and the gradient's norm clipped to `grad_clip_norm`.
    pub(crate) fn build(self, weight_decay: f64, grad_clip_norm: Option<f64>) -> ModuleOptimizer {
        let clip = grad_clip_norm.map(|n| GradientClippingConfig::Norm(n as f32));
        let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32));
        match self {
            Optimizer::Adam => AdamConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(decay)
                .with_grad_clipping(clip)
                .init(),
            Optimizer::AdamW => AdamWConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(weight_decay as f32)
                .with_grad_clipping(clip)
                .init(),
            Optimizer::Sgd { momentum, nesterov } => SgdConfig::new()
                .with_momentum((momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                        .with_nesterov(nesterov)
                }))
                .with_weight_decay(decay)
                .with_gradient_clipping(clip)
                .init(),
        }
    }
}
