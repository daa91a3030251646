//! Parity with PyTorch on two small layers whose weights are closed formulas, with the PyTorch
//! snippet that produced each reference next to its test and its printed numbers inline (in
//! the style of candle-nn's `tests/rnn.rs`). Unlike `pytorch_parity.rs`, nothing here comes
//! from a fixture file: the test writes the weights into a PyTorch-style safetensors file
//! (keys `weight_ih_l0`, ...) itself, loads it with `load_pytorch`, and compares, to 1e-5,
//! on every CPU backend compiled in.
//!
//! The numbers come from torch 2.15.0 (CPU, float32), printed with
//! `", ".join(f"{v:.7f}" for v in t.flatten().tolist())`.
// The numbers stay as PyTorch printed them, even where f32 cannot hold the seventh decimal.
#![allow(clippy::excessive_precision)]

mod common;

use std::path::Path;

use burn::module::{Module, Param};
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::{Array, assert_close, cpu_devices};
use recurrent::{GruConfig, LstmConfig, Recurrent};

const TOLERANCE: f32 = 1e-5;

/// `torch.arange(0., n).reshape(rows, cols)` on `device`, as floats.
fn arange(n: i64, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::<1, Int>::arange(0..n, device)
        .float()
        .reshape([rows, cols])
}

fn vector(values: &[f32], device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
}

fn expected(values: &[f32], shape: &[usize]) -> Array {
    assert_eq!(values.len(), shape.iter().product::<usize>(), "{shape:?}");
    Array {
        values: values.to_vec(),
        shape: shape.to_vec(),
    }
}

/// A one-layer unidirectional state_dict, its fields named as PyTorch names its keys.
#[derive(Module, Debug)]
struct OneDirection {
    weight_ih_l0: Param<Tensor<2>>,
    weight_hh_l0: Param<Tensor<2>>,
    bias_ih_l0: Param<Tensor<1>>,
    bias_hh_l0: Param<Tensor<1>>,
}

/// A one-layer bidirectional state_dict.
#[derive(Module, Debug)]
struct TwoDirections {
    weight_ih_l0: Param<Tensor<2>>,
    weight_hh_l0: Param<Tensor<2>>,
    bias_ih_l0: Param<Tensor<1>>,
    bias_hh_l0: Param<Tensor<1>>,
    weight_ih_l0_reverse: Param<Tensor<2>>,
    weight_hh_l0_reverse: Param<Tensor<2>>,
    bias_ih_l0_reverse: Param<Tensor<1>>,
    bias_hh_l0_reverse: Param<Tensor<1>>,
}

/// Writes `module` as a safetensors file at `path`, its keys its field names.
fn save(module: &impl Module, path: &Path) {
    module
        .save_into(&mut SafetensorsStore::from_file(path))
        .unwrap_or_else(|e| panic!("writing {path:?}: {e}"));
    let keys: Vec<String> = common::read_safetensors(path).into_keys().collect();
    assert!(
        keys.iter().all(|k| k.contains("_l0")),
        "keys as PyTorch names them: {keys:?}"
    );
}

// ```python
// import torch
// from torch import nn
//
// lstm = nn.LSTM(2, 3, batch_first=True)
// with torch.no_grad():
//     lstm.weight_ih_l0.copy_(torch.arange(0., 24.).reshape(12, 2).cos())
//     lstm.weight_hh_l0.copy_(torch.arange(0., 36.).reshape(12, 3).sin())
//     lstm.bias_ih_l0.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 0.4, -0.3, 0.1, 0.0, -0.5]))
//     lstm.bias_hh_l0.copy_(torch.tensor([-0.1, 0.2, 0.0, 0.3, -0.4, 0.1, 0.0, 0.2, 0.1, -0.2, 0.3, 0.0]))
// x = torch.arange(0., 8.).reshape(1, 4, 2).mul(0.5).sin()
// out, (h_n, c_n) = lstm(x)    # out [1, 4, 3], h_n and c_n [1, 1, 3]
// ```
#[test]
fn lstm_matches_an_inline_pytorch_reference() {
    let path = common::scratch("pytorch_inline/lstm").join("lstm.safetensors");
    let cpu = common::default_cpu();
    let weights = OneDirection {
        weight_ih_l0: Param::from_tensor(arange(24, 12, 2, &cpu).cos()),
        weight_hh_l0: Param::from_tensor(arange(36, 12, 3, &cpu).sin()),
        bias_ih_l0: Param::from_tensor(vector(
            &[
                0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 0.4, -0.3, 0.1, 0.0, -0.5,
            ],
            &cpu,
        )),
        bias_hh_l0: Param::from_tensor(vector(
            &[
                -0.1, 0.2, 0.0, 0.3, -0.4, 0.1, 0.0, 0.2, 0.1, -0.2, 0.3, 0.0,
            ],
            &cpu,
        )),
    };
    save(&weights, &path);

    let output = expected(
        &[
            0.1817103, 0.0451066, -0.0613923, // step 0
            0.6461910, 0.0266325, -0.0766609, // step 1
            0.7666450, 0.0934446, -0.1431890, // step 2
            0.3560526, 0.2477100, -0.3784986, // step 3
        ],
        &[1, 4, 3],
    );
    let h_n = expected(&[0.3560526, 0.2477100, -0.3784986], &[1, 1, 3]);
    let c_n = expected(&[0.6505354, 0.6782231, -0.7354931], &[1, 1, 3]);

    for (backend, device) in cpu_devices() {
        let lstm = LstmConfig::new(2, 3)
            .init(&device)
            .load_pytorch(&path)
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let x = Tensor::<1, Int>::arange(0..8, &device)
            .float()
            .reshape([1, 4, 2])
            .mul_scalar(0.5)
            .sin();
        let (out, state) = lstm.forward(x, None);
        assert_close(&format!("{backend}: output"), out, &output, TOLERANCE);
        assert_close(&format!("{backend}: h_n"), state.hidden, &h_n, TOLERANCE);
        let cell = state.cell.expect("an LSTM returns its cell state");
        assert_close(&format!("{backend}: c_n"), cell, &c_n, TOLERANCE);
    }
}

// ```python
// gru = nn.GRU(2, 3, batch_first=True, bidirectional=True)
// with torch.no_grad():
//     gru.weight_ih_l0.copy_(torch.arange(0., 18.).reshape(9, 2).cos())
//     gru.weight_hh_l0.copy_(torch.arange(0., 27.).reshape(9, 3).sin())
//     gru.bias_ih_l0.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 0.4, -0.3]))
//     gru.bias_hh_l0.copy_(torch.tensor([-0.1, 0.2, 0.0, 0.3, -0.4, 0.1, 0.0, 0.2, 0.1]))
//     gru.weight_ih_l0_reverse.copy_(torch.arange(0., 18.).reshape(9, 2).sin())
//     gru.weight_hh_l0_reverse.copy_(torch.arange(0., 27.).reshape(9, 3).cos())
//     gru.bias_ih_l0_reverse.copy_(torch.tensor([0.2, 0.1, -0.1, 0.3, 0.0, -0.2, 0.1, 0.0, 0.4]))
//     gru.bias_hh_l0_reverse.copy_(torch.tensor([0.0, -0.3, 0.2, 0.1, 0.1, 0.0, -0.1, 0.3, 0.2]))
// x = torch.arange(0., 12.).reshape(2, 3, 2).mul(0.4).cos()
// out, h_n = gru(x)    # out [2, 3, 6] (forward then reverse), h_n [2, 2, 3]
// ```
#[test]
fn bidirectional_gru_matches_an_inline_pytorch_reference() {
    let path = common::scratch("pytorch_inline/gru").join("gru.safetensors");
    let cpu = common::default_cpu();
    let weights = TwoDirections {
        weight_ih_l0: Param::from_tensor(arange(18, 9, 2, &cpu).cos()),
        weight_hh_l0: Param::from_tensor(arange(27, 9, 3, &cpu).sin()),
        bias_ih_l0: Param::from_tensor(vector(
            &[0.1, -0.2, 0.3, 0.0, 0.5, -0.1, 0.2, 0.4, -0.3],
            &cpu,
        )),
        bias_hh_l0: Param::from_tensor(vector(
            &[-0.1, 0.2, 0.0, 0.3, -0.4, 0.1, 0.0, 0.2, 0.1],
            &cpu,
        )),
        weight_ih_l0_reverse: Param::from_tensor(arange(18, 9, 2, &cpu).sin()),
        weight_hh_l0_reverse: Param::from_tensor(arange(27, 9, 3, &cpu).cos()),
        bias_ih_l0_reverse: Param::from_tensor(vector(
            &[0.2, 0.1, -0.1, 0.3, 0.0, -0.2, 0.1, 0.0, 0.4],
            &cpu,
        )),
        bias_hh_l0_reverse: Param::from_tensor(vector(
            &[0.0, -0.3, 0.2, 0.1, 0.1, 0.0, -0.1, 0.3, 0.2],
            &cpu,
        )),
    };
    save(&weights, &path);

    #[rustfmt::skip]
    let output = expected(
        &[
            // sequence 0: forward (3 values), reverse (3 values), per step
            0.1184077, -0.0852859, -0.6264924, -0.0707345, 0.3067005, -0.5138043,
            0.1810959, 0.3974963, -0.7263188, -0.0928271, 0.1740586, 0.0473757,
            -0.0458176, 0.6599446, -0.6247055, -0.0489900, -0.0888172, 0.3239233,
            // sequence 1
            -0.6449708, 0.2111896, 0.2182848, 0.0576588, -0.7802271, 0.4822806,
            -0.8293914, 0.2584138, 0.5403179, 0.1282377, -0.8075780, 0.4127474,
            -0.2117810, 0.2356732, 0.7659013, 0.1081745, -0.4232859, 0.2982406,
        ],
        &[2, 3, 6],
    );
    #[rustfmt::skip]
    let h_n = expected(
        &[
            // forward: sequence 0, sequence 1
            -0.0458176, 0.6599446, -0.6247055, -0.2117810, 0.2356732, 0.7659013,
            // reverse: sequence 0, sequence 1
            -0.0707345, 0.3067005, -0.5138043, 0.0576588, -0.7802271, 0.4822806,
        ],
        &[2, 2, 3],
    );

    for (backend, device) in cpu_devices() {
        let gru = GruConfig::new(2, 3)
            .with_bidirectional(true)
            .init(&device)
            .load_pytorch(&path)
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let x = Tensor::<1, Int>::arange(0..12, &device)
            .float()
            .reshape([2, 3, 2])
            .mul_scalar(0.4)
            .cos();
        let (out, state) = gru.forward(x, None);
        assert_close(&format!("{backend}: output"), out, &output, TOLERANCE);
        assert_close(&format!("{backend}: h_n"), state.hidden, &h_n, TOLERANCE);
        assert!(state.cell.is_none(), "{backend}: a GRU has no cell state");
    }
}
