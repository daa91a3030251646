//! The PyTorch fixtures and the checks against them, shared by the CPU and wgpu parity tests.
//!
//! The fixtures in `tests/fixtures/pytorch/` come from `scripts/pytorch_reference.py generate`
//! (torch 2.15, CPU). For each case it ran, in essence:
//!
//! ```python
//! torch.manual_seed(seed)
//! layer = nn.LSTM(3, 4, num_layers=L, bias=bias, batch_first=True, bidirectional=bi)  # or nn.RNN / nn.GRU
//! x = torch.randn(2, seq, 3, requires_grad=True)
//! out, (h_n, c_n) = layer(x, (h0, c0)) if given_state else layer(x)
//! loss = (out * proj_output).sum() + (h_n * proj_hidden).sum() + (c_n * proj_cell).sum()
//! loss.backward()   # grad_input = x.grad, grad.<name> = p.grad for every named parameter
//! torch.save(layer.state_dict(), "weights.pt"); save_file(layer.state_dict(), "weights.safetensors")
//! ```
//!
//! The packed-sequence fixtures in `tests/fixtures/pytorch_packed/`
//! (`scripts/pytorch_reference.py generate-packed`) run a padded batch of 4 (3 for the 60-step
//! cases) through the same layer as a packed sequence:
//!
//! ```python
//! x = torch.randn(4, 6, 3, requires_grad=True)      # lengths [6, 2, 5, 1]
//! packed = nn.utils.rnn.pack_padded_sequence(x, [6, 2, 5, 1], batch_first=True, enforce_sorted=False)
//! out, (h_n, c_n) = layer(packed, (h0, c0)) if given_state else layer(packed)
//! out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=6)
//! ```
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use recurrent::{
    GruConfig, LstmConfig, Nonlinearity, Recurrent, RecurrentLayer, RecurrentState, SimpleRnnConfig,
};

use super::{Array, assert_close, fixture_dir, read_safetensors, values};

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub cell: String,
    pub num_layers: usize,
    pub bidirectional: bool,
    pub bias: bool,
    pub given_state: bool,
    /// Steps of each sequence, for the packed-sequence cases.
    pub lengths: Option<Vec<usize>>,
    /// The LSTM's `proj_size` (0 for none).
    pub proj: usize,
    /// The folder the case's files are in.
    pub dir: PathBuf,
}

/// The cases listed in `dir/cases.txt`, which must number `count`.
fn cases_in(dir: &Path, count: usize) -> Vec<Case> {
    let index = std::fs::read_to_string(dir.join("cases.txt")).expect("cases.txt");
    let cases: Vec<Case> = index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().expect("a case name").to_string();
            let optional_field = |key: &str| {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{key}=")))
                    .map(str::to_string)
            };
            let field = |key: &str| {
                optional_field(key).unwrap_or_else(|| panic!("{key} missing in {line:?}"))
            };
            Case {
                dir: dir.join(&name),
                name,
                cell: field("cell"),
                num_layers: field("layers").parse().expect("layers"),
                bidirectional: field("bidirectional") == "1",
                bias: field("bias") == "1",
                given_state: field("state") == "1",
                lengths: optional_field("lengths")
                    .map(|l| l.split(',').map(|n| n.parse().expect("a length")).collect()),
                proj: optional_field("proj").map_or(0, |p| p.parse().expect("proj")),
            }
        })
        .collect();
    assert_eq!(cases.len(), count, "the fixture index lists every case");
    cases
}

/// 4 cells x 3 depths x 2 directions x 2 biases x 2 states, plus one long case per cell.
pub fn cases() -> Vec<Case> {
    cases_in(&fixture_dir(), 100)
}

/// The case's layer (any of the three, as a [`RecurrentLayer`], so one test body covers
/// them all), with fresh weights.
pub fn build(case: &Case, batch_first: bool, device: &Device) -> RecurrentLayer {
    let (input, hidden) = (3, 4);
    match case.cell.as_str() {
        "rnn_tanh" | "rnn_relu" => {
            let nonlinearity = if case.cell == "rnn_relu" {
                Nonlinearity::Relu
            } else {
                Nonlinearity::Tanh
            };
            SimpleRnnConfig::new(input, hidden)
                .with_num_layers(case.num_layers)
                .with_bidirectional(case.bidirectional)
                .with_bias(case.bias)
                .with_nonlinearity(nonlinearity)
                .with_batch_first(batch_first)
                .init(device)
                .into()
        }
        "lstm" => LstmConfig::new(input, hidden)
            .with_proj_size(case.proj)
            .with_num_layers(case.num_layers)
            .with_bidirectional(case.bidirectional)
            .with_bias(case.bias)
            .with_batch_first(batch_first)
            .init(device)
            .into(),
        "gru" => GruConfig::new(input, hidden)
            .with_num_layers(case.num_layers)
            .with_bidirectional(case.bidirectional)
            .with_bias(case.bias)
            .with_batch_first(batch_first)
            .init(device)
            .into(),
        other => panic!("unknown cell {other}"),
    }
}

/// The case's layer with the weights of `path`.
pub fn build_loaded(
    case: &Case,
    batch_first: bool,
    device: &Device,
    path: &Path,
) -> RecurrentLayer {
    build(case, batch_first, device)
        .load_pytorch(path)
        .unwrap_or_else(|e| panic!("loading {path:?}: {e}"))
}

/// The state a fixture gives: `h0`, and `c0` for an LSTM.
pub fn state(hidden: Option<Tensor<3>>, cell: Option<Tensor<3>>) -> Option<RecurrentState> {
    hidden.map(|hidden| RecurrentState { hidden, cell })
}

/// `forward`, or `forward_with_lengths` when `lengths` are given; returns the output, `h_n`
/// and `c_n` (an LSTM's only).
pub fn run(
    layer: &impl Recurrent,
    input: Tensor<3>,
    state: Option<RecurrentState>,
    lengths: Option<&[usize]>,
) -> (Tensor<3>, Tensor<3>, Option<Tensor<3>>) {
    let (out, s) = match lengths {
        Some(lengths) => layer.forward_with_lengths(input, lengths, state),
        None => layer.forward(input, state),
    };
    assert_eq!(
        s.cell.is_some(),
        layer.has_cell_state(),
        "a cell state comes back from an LSTM only"
    );
    (out, s.hidden, s.cell)
}

/// Every parameter by PyTorch's name.
pub fn named_parameters(layer: &impl Recurrent) -> Vec<(String, ParamTensor)> {
    let mut named = Vec::new();
    for (k, layer) in layer.weights().iter().enumerate() {
        for (d, w) in layer.directions().enumerate() {
            let suffix = if d == 0 { "" } else { "_reverse" };
            named.push((
                format!("weight_ih_l{k}{suffix}"),
                ParamTensor::Weight(w.weight_ih.val()),
            ));
            named.push((
                format!("weight_hh_l{k}{suffix}"),
                ParamTensor::Weight(w.weight_hh.val()),
            ));
            for (name, bias) in [("bias_ih", &w.bias_ih), ("bias_hh", &w.bias_hh)] {
                if let Some(b) = bias {
                    named.push((format!("{name}_l{k}{suffix}"), ParamTensor::Bias(b.val())));
                }
            }
            if let Some(w) = &w.weight_hr {
                named.push((
                    format!("weight_hr_l{k}{suffix}"),
                    ParamTensor::Weight(w.val()),
                ));
            }
        }
    }
    named
}

/// A weight matrix or a bias vector.
pub enum ParamTensor {
    Weight(Tensor<2>),
    Bias(Tensor<1>),
}

impl ParamTensor {
    pub fn values(self) -> (Vec<f32>, Vec<usize>) {
        match self {
            ParamTensor::Weight(t) => values(t),
            ParamTensor::Bias(t) => values(t),
        }
    }

    /// The gradient, flattened to `[rows, columns]` (a bias is one column).
    pub fn grad(&self, grads: &burn::tensor::Gradients) -> Option<Tensor<2>> {
        match self {
            ParamTensor::Weight(t) => t.grad(grads),
            ParamTensor::Bias(t) => t.grad(grads).map(|g| g.unsqueeze_dim(1)),
        }
    }
}

pub struct Fixture {
    pub case: Case,
    pub data: std::collections::BTreeMap<String, Array>,
}

impl Fixture {
    pub fn get(&self, key: &str) -> &Array {
        self.data
            .get(key)
            .unwrap_or_else(|| panic!("{}: fixture has no {key}", self.case.name))
    }

    pub fn weights(&self, file: &str) -> std::path::PathBuf {
        self.case.dir.join(file)
    }
}

fn load(cases: Vec<Case>) -> Vec<Fixture> {
    cases
        .into_iter()
        .map(|case| {
            let data = read_safetensors(&case.dir.join("data.safetensors"));
            Fixture { case, data }
        })
        .collect()
}

/// The 100 cases of whole sequences.
pub fn fixtures() -> Vec<Fixture> {
    load(cases())
}

/// The 36 packed-sequence cases: 4 cells x 2 depths x 2 directions x 2 states, plus a
/// 60-step two-layer bidirectional case per cell.
pub fn packed_fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytorch_packed");
    load(cases_in(&dir, 36))
}

/// The 21 cases of `nn.LSTM(3, 4, proj_size=2)` (`scripts/pytorch_reference.py
/// generate-proj`): 2 depths x 2 directions x 2 biases x 2 states, 4 packed batches and a
/// 60-step packed one.
///
/// ```python
/// layer = nn.LSTM(3, 4, num_layers=L, bias=bias, batch_first=True, bidirectional=bi, proj_size=2)
/// h0 = torch.randn(L * D, batch, 2); c0 = torch.randn(L * D, batch, 4)
/// ```
pub fn proj_fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytorch_proj");
    load(cases_in(&dir, 21))
}

/// Loads the case's `.pt` weights on `device` and compares output, `h_n` and `c_n`.
pub fn check_forward(f: &Fixture, backend: &str, device: &Device, tolerance: f32) {
    let what = |t: &str| format!("{backend}/{}: {t}", f.case.name);
    let layer = build_loaded(&f.case, true, device, &f.weights("weights.pt"));
    let h0 = f.case.given_state.then(|| f.get("h0").tensor(device));
    let c0 = (f.case.given_state && f.case.cell == "lstm").then(|| f.get("c0").tensor(device));
    let lengths = f.case.lengths.as_deref();
    let (out, h_n, c_n) = run(
        &layer,
        f.get("input").tensor(device),
        state(h0, c0),
        lengths,
    );
    assert_close(&what("output"), out, f.get("output"), tolerance);
    assert_close(&what("h_n"), h_n, f.get("h_n"), tolerance);
    if let Some(c_n) = c_n {
        assert_close(&what("c_n"), c_n, f.get("c_n"), tolerance);
    }
}

/// On `device` (an autodiff device), compares the outputs and the gradients of the case's
/// loss with respect to the input, the initial states and every parameter.
pub fn check_gradients(f: &Fixture, backend: &str, device: &Device, tolerance: f32) {
    let what = |t: &str| format!("{backend}/{}: {t}", f.case.name);
    let layer = build_loaded(&f.case, true, device, &f.weights("weights.pt"));
    let input = f.get("input").tensor::<3>(device).require_grad();
    let h0 = f
        .case
        .given_state
        .then(|| f.get("h0").tensor::<3>(device).require_grad());
    let c0 = (f.case.given_state && f.case.cell == "lstm")
        .then(|| f.get("c0").tensor::<3>(device).require_grad());
    let lengths = f.case.lengths.as_deref();
    let (out, h_n, c_n) = run(
        &layer,
        input.clone(),
        state(h0.clone(), c0.clone()),
        lengths,
    );
    // With autodiff the layers take another path (the fused kernel's tracked operation on the
    // CPU, one tensor per step on wgpu): its outputs match too.
    assert_close(
        &what("output (autodiff)"),
        out.clone().inner(),
        f.get("output"),
        tolerance,
    );
    assert_close(
        &what("h_n (autodiff)"),
        h_n.clone().inner(),
        f.get("h_n"),
        tolerance,
    );
    let mut loss = (out * f.get("proj_output").tensor(device)).sum()
        + (h_n * f.get("proj_hidden").tensor(device)).sum();
    if let Some(c_n) = c_n {
        loss = loss + (c_n * f.get("proj_cell").tensor(device)).sum();
    }
    let grads = loss.backward();

    // The input always, the initial states when the case gives them.
    let tensors = [("input", Some(input)), ("h0", h0), ("c0", c0)];
    for (name, tensor) in tensors.into_iter().filter_map(|(n, t)| Some((n, t?))) {
        let grad = tensor
            .grad(&grads)
            .unwrap_or_else(|| panic!("{}: no gradient for {name}", what(name)));
        let key = format!("grad_{name}");
        assert_close(&what(&key), grad, f.get(&key), tolerance);
    }
    let params = named_parameters(&layer);
    let expected_count = f.data.keys().filter(|k| k.starts_with("grad.")).count();
    assert_eq!(params.len(), expected_count, "{}", what("parameter count"));
    for (name, param) in params {
        let g = param
            .grad(&grads)
            .unwrap_or_else(|| panic!("{}: no gradient", what(&name)));
        let expected = f.get(&format!("grad.{name}"));
        let expected = Array {
            values: expected.values.clone(),
            shape: if expected.shape.len() == 1 {
                vec![expected.shape[0], 1]
            } else {
                expected.shape.clone()
            },
        };
        assert_close(&what(&format!("grad.{name}")), g, &expected, tolerance);
    }
}
