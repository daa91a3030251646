//! PyTorch's default initialisation, U(-1/sqrt(fan), 1/sqrt(fan)), seeded or from the device:
//! what the layers and the model's linear head both draw their first weights from.

use burn::tensor::{Device, Distribution, Tensor, TensorData};
use rand::SeedableRng;
use rand::distr::{Distribution as _, Uniform};
use rand::rngs::StdRng;

/// Draws initial weights from U(-1/sqrt(fan), 1/sqrt(fan)).
///
/// With a seed the values come from `rand`'s `StdRng`, so they are the same on every backend;
/// without one they come from the device's generator (see `Device::seed`).
pub(crate) struct UniformInit {
    bound: f64,
    rng: Option<StdRng>,
}

impl UniformInit {
    /// Draws from U(-1/sqrt(fan), 1/sqrt(fan)): `fan` is the hidden size for a recurrent layer,
    /// the input size for a linear layer (PyTorch's defaults for both).
    pub(crate) fn new(fan: usize, seed: Option<u64>) -> Self {
        Self {
            bound: 1.0 / (fan as f64).sqrt(),
            rng: seed.map(StdRng::seed_from_u64),
        }
    }

    /// The next `shape` values of the stream, as a tensor on `device`.
    pub(crate) fn tensor<const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &Device,
    ) -> Tensor<D> {
        match &mut self.rng {
            Some(rng) => {
                let bound = self.bound as f32;
                let uniform = Uniform::new(-bound, bound).expect("a positive bound");
                let count = shape.iter().product();
                let values: Vec<f32> = uniform.sample_iter(rng).take(count).collect();
                Tensor::from_data(TensorData::new(values, shape), device)
            }
            None => Tensor::random(
                shape,
                Distribution::Uniform(-self.bound, self.bound),
                device,
            ),
        }
    }
}
