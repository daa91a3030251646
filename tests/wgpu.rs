//! The same models on wgpu: PyTorch parity, training, and moving a trained model to the CPU.
//!
//! CI runs these on Mesa's lavapipe (a Vulkan driver on the CPU, `apt-get install
//! mesa-vulkan-drivers`). Without an adapter they fail: `device::from_name("wgpu")` returns
//! `NoGpuAdapter` and the test panics with that message. GPUs reorder float sums, so the
//! tolerance here is 1e-4 (the CPU backends are held to 1e-5).
#![cfg(feature = "wgpu")]

mod common;

use burn::module::Module;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Device, Tensor, TensorData};
use common::parity::{check_forward, check_gradients, fixtures, packed_fixtures, proj_fixtures};
use common::{cpu_devices, scratch};
use recurrent::data::SumSignConfig;
use recurrent::model::{CellType, SequenceModel, SequenceModelConfig};
use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};

const TOLERANCE: f32 = 1e-4;

fn wgpu() -> Device {
    recurrent::device::from_name("wgpu").unwrap_or_else(|e| panic!("{e}"))
}

/// Every layer case, forward and gradients, through the fused GPU kernel (which
/// `wgpu_fused_path.rs` checks is the path taken).
#[test]
fn layers_match_pytorch_on_wgpu() {
    let device = wgpu();
    let cases = fixtures();
    assert_eq!(cases.len(), 100);
    for f in &cases {
        check_forward(f, "wgpu", &device, TOLERANCE);
    }
    let device = device.autodiff();
    for f in &cases {
        check_gradients(f, "wgpu", &device, TOLERANCE);
    }
}

/// Every packed-sequence case on wgpu, forward and gradients.
#[test]
fn packed_sequences_match_pytorch_on_wgpu() {
    check_on_wgpu(packed_fixtures(), 36);
}

/// LSTMs with a projection on wgpu (the tensor-op path: the kernels have no projection yet).
#[test]
fn projected_lstms_match_pytorch_on_wgpu() {
    check_on_wgpu(proj_fixtures(), 21);
}

/// Forward and gradients of each of the `count` fixtures on wgpu.
fn check_on_wgpu(cases: Vec<common::parity::Fixture>, count: usize) {
    let device = wgpu();
    assert_eq!(cases.len(), count);
    for f in &cases {
        check_forward(f, "wgpu", &device, TOLERANCE);
        check_gradients(f, "wgpu", &device.clone().autodiff(), TOLERANCE);
    }
}

#[test]
fn the_seed_model_trains_on_wgpu_and_predicts_the_same_on_the_cpu() {
    let device = wgpu();
    let train = SumSignConfig::new().generate(1000, 11).unwrap();
    let test = SumSignConfig::new().generate(2000, 12).unwrap();
    let model = SequenceModelConfig::new(CellType::Rnn, 1, 32, 1)
        .with_seed(Some(11))
        .init(&device);
    let config =
        TrainerConfig::new(Objective::BinaryClassification).with_progress(ProgressMode::Quiet);
    let fitted = Trainer::new(config).fit(model, &train, None).unwrap();
    let accuracy = fitted.evaluate(&test).unwrap().metric;
    assert!(accuracy >= 0.85, "accuracy on wgpu {accuracy}");

    // Save on wgpu, load on a CPU backend: the same predictions.
    let path = scratch("wgpu/seed_model").join("model.bpk");
    fitted
        .model
        .save_into(&mut BurnpackStore::from_file(&path))
        .unwrap();
    let inputs = TensorData::new(test.inputs()[..100 * 10].to_vec(), [100, 10, 1]);
    let on_gpu = fitted
        .predict_proba(Tensor::from_data(inputs.clone(), &device))
        .unwrap();
    let on_gpu: Vec<f32> = on_gpu.into_data().try_to_vec().unwrap();
    for (name, cpu) in cpu_devices() {
        let mut loaded: SequenceModel =
            SequenceModelConfig::new(CellType::Rnn, 1, 32, 1).init(&cpu);
        loaded
            .load_from(&mut BurnpackStore::from_file(&path))
            .unwrap();
        let mut on_cpu = fitted.clone();
        on_cpu.model = loaded;
        let p: Vec<f32> = on_cpu
            .predict_proba(Tensor::from_data(inputs.clone(), &cpu))
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(p.len(), on_gpu.len(), "{name}");
        for (a, b) in p.iter().zip(&on_gpu) {
            assert!((a - b).abs() < TOLERANCE, "{name}: {a} vs wgpu {b}");
        }
        // And the module itself moves between the devices.
        let moved = fitted.model.clone().to_device(&cpu);
        assert_eq!(moved.devices()[0], cpu);
    }
}
