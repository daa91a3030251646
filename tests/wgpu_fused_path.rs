//! On wgpu in f32 the layers run the fused GPU kernel, not the tensor-op path: counted with
//! CubeCL's launch observer, one `StepForward` launch per step and direction, and one
//! `StepBackward` per step plus one per direction in the backward pass.
//!
//! Alone in its test binary: the launch observer is process-wide, so a test running beside it
//! would add its launches to the count.
#![cfg(feature = "wgpu")]

use burn::tensor::{Distribution, Tensor};
use recurrent::__bench::Launches;
use recurrent::{GruConfig, LstmConfig, Recurrent, SimpleRnnConfig};

/// A layer's forward pass over the test input.
type Forward<'a> = Box<dyn Fn() -> Tensor<3> + 'a>;

#[test]
fn wgpu_f32_layers_take_the_fused_kernel() {
    let device = recurrent::device::from_name("wgpu")
        .unwrap_or_else(|e| panic!("{e}"))
        .autodiff();
    let (seq, layers, directions) = (7, 2, 2);
    let rnn = SimpleRnnConfig::new(3, 5)
        .with_num_layers(layers)
        .with_bidirectional(true)
        .init(&device);
    let lstm = LstmConfig::new(3, 5)
        .with_num_layers(layers)
        .with_bidirectional(true)
        .init(&device);
    let gru = GruConfig::new(3, 5)
        .with_num_layers(layers)
        .with_bidirectional(true)
        .init(&device);
    let x =
        Tensor::<3>::random([4, seq, 3], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let runs: [(&str, Forward); 3] = [
        ("rnn", Box::new(|| rnn.forward(x.clone(), None).0)),
        ("lstm", Box::new(|| lstm.forward(x.clone(), None).0)),
        ("gru", Box::new(|| gru.forward(x.clone(), None).0)),
    ];
    for (name, forward) in runs {
        let launches = Launches::record();
        let out = forward();
        assert_eq!(
            launches.of("StepForward"),
            seq * layers * directions,
            "{name}: forward launches {:?}",
            launches.names()
        );
        let grads = out.sum().backward();
        assert_eq!(
            launches.of("StepBackward"),
            (seq + 1) * layers * directions,
            "{name}: backward launches {:?}",
            launches.names()
        );
        assert!(x.grad(&grads).is_some(), "{name}: the input has a gradient");
    }
}
