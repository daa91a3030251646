//! On wgpu in f32 the layers run the fused GPU kernel, not the tensor-op path: counted with
//! CubeCL's launch observer, one `StepForward` launch per step and direction, and one
//! `StepBackward` per step plus one per direction in the backward pass.
//!
//! And bad input gets the CPU's checked errors on wgpu, before anything is launched.
//!
//! In a test binary of their own, one test at a time: the launch observer is process-wide, so a
//! test running beside another would count its launches too.
#![cfg(feature = "wgpu")]

use std::sync::Mutex;

use burn::tensor::{Device, Distribution, Tensor};
use recurrent::__bench::Launches;
use recurrent::{GruConfig, LayerError, LstmConfig, Recurrent, RecurrentState, SimpleRnnConfig};

/// Held by each test while it counts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn wgpu() -> Device {
    recurrent::device::from_name("wgpu").unwrap_or_else(|e| panic!("{e}"))
}

/// A layer's forward pass over the test input.
type Forward<'a> = Box<dyn Fn() -> Tensor<3> + 'a>;

#[test]
fn wgpu_f32_layers_take_the_fused_kernel() {
    let _counting = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let device = wgpu().autodiff();
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

/// The same mistakes give the same errors on wgpu as on the CPU, and nothing reaches the GPU.
#[test]
fn bad_input_is_refused_on_wgpu_before_any_launch() {
    let _counting = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let errors = |device: &Device| -> Vec<LayerError> {
        let lstm = LstmConfig::new(3, 4).with_num_layers(2).init(device);
        let input = || Tensor::<3>::zeros([2, 5, 3], device);
        let state = |rows: usize, cell: bool| RecurrentState {
            hidden: Tensor::zeros([rows, 2, 4], device),
            cell: cell.then(|| Tensor::zeros([rows, 2, 4], device)),
        };
        vec![
            lstm.try_forward(Tensor::zeros([2, 5, 7], device), None),
            lstm.try_forward(Tensor::zeros([0, 5, 3], device), None),
            lstm.try_forward(Tensor::zeros([2, 0, 3], device), None),
            lstm.try_forward(input(), Some(state(1, true))),
            lstm.try_forward(input(), Some(state(2, false))),
            lstm.try_forward_with_lengths(input(), &[5], None),
            lstm.try_forward_with_lengths(input(), &[5, 6], None),
            lstm.try_forward_with_lengths(input(), &[0, 5], None),
        ]
        .into_iter()
        .map(|result| result.expect_err("a mistake"))
        .collect()
    };
    let on_cpu = errors(&Device::flex());
    let launches = Launches::record();
    let on_gpu = errors(&wgpu());
    assert_eq!(on_gpu, on_cpu);
    let kernels: Vec<_> = launches
        .names()
        .into_iter()
        .filter(|name| name.contains("StepForward") || name.contains("Matmul"))
        .collect();
    assert!(
        kernels.is_empty(),
        "launched before the checks failed: {kernels:?}"
    );
}
