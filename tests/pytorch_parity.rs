//! Parity with PyTorch: outputs, final states and gradients of every layer configuration.
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
//! Every case is checked on every CPU backend compiled in, to 1e-5 absolute and relative.

mod common;

use std::path::Path;

use burn::tensor::{Device, Tensor};
use common::{Array, assert_close, cpu_devices, fixture_dir, read_safetensors, values};
use recurrent::layers::LayerWeights;
use recurrent::{
    Gru, GruConfig, Lstm, LstmConfig, LstmState, Nonlinearity, RnnState, SimpleRnn, SimpleRnnConfig,
};

const TOLERANCE: f32 = 1e-5;

#[derive(Debug, Clone)]
struct Case {
    name: String,
    cell: String,
    num_layers: usize,
    bidirectional: bool,
    bias: bool,
    given_state: bool,
}

fn cases() -> Vec<Case> {
    let index = std::fs::read_to_string(fixture_dir().join("cases.txt")).expect("cases.txt");
    let cases: Vec<Case> = index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().expect("a case name").to_string();
            let field = |key: &str| {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{key}=")))
                    .unwrap_or_else(|| panic!("{key} missing in {line:?}"))
                    .to_string()
            };
            Case {
                name,
                cell: field("cell"),
                num_layers: field("layers").parse().expect("layers"),
                bidirectional: field("bidirectional") == "1",
                bias: field("bias") == "1",
                given_state: field("state") == "1",
            }
        })
        .collect();
    // 4 cells x 3 depths x 2 directions x 2 biases x 2 states, plus one long case per cell.
    assert_eq!(cases.len(), 100, "the fixture index lists every case");
    cases
}

/// Any of the three layers, so one test body covers them all.
enum AnyLayer {
    Rnn(SimpleRnn),
    Lstm(Lstm),
    Gru(Gru),
}

impl AnyLayer {
    fn build(case: &Case, batch_first: bool, device: &Device) -> Self {
        let (input, hidden) = (3, 4);
        match case.cell.as_str() {
            "rnn_tanh" | "rnn_relu" => {
                let nonlinearity = if case.cell == "rnn_relu" {
                    Nonlinearity::Relu
                } else {
                    Nonlinearity::Tanh
                };
                AnyLayer::Rnn(
                    SimpleRnnConfig::new(input, hidden)
                        .with_num_layers(case.num_layers)
                        .with_bidirectional(case.bidirectional)
                        .with_bias(case.bias)
                        .with_nonlinearity(nonlinearity)
                        .with_batch_first(batch_first)
                        .init(device),
                )
            }
            "lstm" => AnyLayer::Lstm(
                LstmConfig::new(input, hidden)
                    .with_num_layers(case.num_layers)
                    .with_bidirectional(case.bidirectional)
                    .with_bias(case.bias)
                    .with_batch_first(batch_first)
                    .init(device),
            ),
            "gru" => AnyLayer::Gru(
                GruConfig::new(input, hidden)
                    .with_num_layers(case.num_layers)
                    .with_bidirectional(case.bidirectional)
                    .with_bias(case.bias)
                    .with_batch_first(batch_first)
                    .init(device),
            ),
            other => panic!("unknown cell {other}"),
        }
    }

    fn load(self, path: &Path) -> Self {
        let loaded = match self {
            AnyLayer::Rnn(l) => l.load_pytorch(path).map(AnyLayer::Rnn),
            AnyLayer::Lstm(l) => l.load_pytorch(path).map(AnyLayer::Lstm),
            AnyLayer::Gru(l) => l.load_pytorch(path).map(AnyLayer::Gru),
        };
        loaded.unwrap_or_else(|e| panic!("loading {path:?}: {e}"))
    }

    fn forward(
        &self,
        input: Tensor<3>,
        hidden: Option<Tensor<3>>,
        cell: Option<Tensor<3>>,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<3>>) {
        match self {
            AnyLayer::Rnn(l) => {
                let (out, s) = l.forward(input, hidden.map(|hidden| RnnState { hidden }));
                (out, s.hidden, None)
            }
            AnyLayer::Gru(l) => {
                let (out, s) = l.forward(input, hidden.map(|hidden| RnnState { hidden }));
                (out, s.hidden, None)
            }
            AnyLayer::Lstm(l) => {
                let state = hidden.map(|hidden| LstmState {
                    hidden,
                    cell: cell.expect("fixtures give h0 and c0 together"),
                });
                let (out, s) = l.forward(input, state);
                (out, s.hidden, Some(s.cell))
            }
        }
    }

    fn weights(&self) -> &[LayerWeights] {
        match self {
            AnyLayer::Rnn(l) => l.weights(),
            AnyLayer::Lstm(l) => l.weights(),
            AnyLayer::Gru(l) => l.weights(),
        }
    }

    /// Every parameter by PyTorch's name.
    fn named_parameters(&self) -> Vec<(String, ParamTensor)> {
        let mut named = Vec::new();
        for (k, layer) in self.weights().iter().enumerate() {
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
            }
        }
        named
    }
}

/// A weight matrix or a bias vector.
enum ParamTensor {
    Weight(Tensor<2>),
    Bias(Tensor<1>),
}

impl ParamTensor {
    fn values(self) -> (Vec<f32>, Vec<usize>) {
        match self {
            ParamTensor::Weight(t) => values(t),
            ParamTensor::Bias(t) => values(t),
        }
    }

    /// The gradient, flattened to `[rows, columns]` (a bias is one column).
    fn grad(&self, grads: &burn::tensor::Gradients) -> Option<Tensor<2>> {
        match self {
            ParamTensor::Weight(t) => t.grad(grads),
            ParamTensor::Bias(t) => t.grad(grads).map(|g| g.unsqueeze_dim(1)),
        }
    }
}

struct Fixture {
    case: Case,
    data: std::collections::BTreeMap<String, Array>,
}

impl Fixture {
    fn get(&self, key: &str) -> &Array {
        self.data
            .get(key)
            .unwrap_or_else(|| panic!("{}: fixture has no {key}", self.case.name))
    }

    fn weights(&self, file: &str) -> std::path::PathBuf {
        fixture_dir().join(&self.case.name).join(file)
    }
}

fn fixtures() -> Vec<Fixture> {
    cases()
        .into_iter()
        .map(|case| {
            let data = read_safetensors(&fixture_dir().join(&case.name).join("data.safetensors"));
            Fixture { case, data }
        })
        .collect()
}

#[test]
fn forward_matches_pytorch_for_every_case() {
    for (backend, device) in cpu_devices() {
        for f in fixtures() {
            let what = |t: &str| format!("{backend}/{}: {t}", f.case.name);
            let layer = AnyLayer::build(&f.case, true, &device).load(&f.weights("weights.pt"));
            let h0 = f.case.given_state.then(|| f.get("h0").tensor(&device));
            let c0 =
                (f.case.given_state && f.case.cell == "lstm").then(|| f.get("c0").tensor(&device));
            let (out, h_n, c_n) = layer.forward(f.get("input").tensor(&device), h0, c0);
            assert_close(&what("output"), out, f.get("output"), TOLERANCE);
            assert_close(&what("h_n"), h_n, f.get("h_n"), TOLERANCE);
            if let Some(c_n) = c_n {
                assert_close(&what("c_n"), c_n, f.get("c_n"), TOLERANCE);
            }
        }
    }
}

#[test]
fn gradients_match_pytorch_for_every_case() {
    for (backend, device) in cpu_devices() {
        let device = device.autodiff();
        for f in fixtures() {
            let what = |t: &str| format!("{backend}/{}: {t}", f.case.name);
            let layer = AnyLayer::build(&f.case, true, &device).load(&f.weights("weights.pt"));
            let input = f.get("input").tensor::<3>(&device).require_grad();
            let h0 = f
                .case
                .given_state
                .then(|| f.get("h0").tensor::<3>(&device).require_grad());
            let c0 = (f.case.given_state && f.case.cell == "lstm")
                .then(|| f.get("c0").tensor::<3>(&device).require_grad());
            let (out, h_n, c_n) = layer.forward(input.clone(), h0.clone(), c0.clone());
            // Training runs its own time loop (one tensor per step): its outputs match too.
            assert_close(
                &what("output (autodiff)"),
                out.clone().inner(),
                f.get("output"),
                TOLERANCE,
            );
            assert_close(
                &what("h_n (autodiff)"),
                h_n.clone().inner(),
                f.get("h_n"),
                TOLERANCE,
            );
            let mut loss = (out * f.get("proj_output").tensor(&device)).sum()
                + (h_n * f.get("proj_hidden").tensor(&device)).sum();
            if let Some(c_n) = c_n {
                loss = loss + (c_n * f.get("proj_cell").tensor(&device)).sum();
            }
            let grads = loss.backward();

            let grad = |t: Option<Tensor<3>>, name: &str| {
                t.unwrap_or_else(|| panic!("{}: no gradient for {name}", what(name)))
            };
            assert_close(
                &what("grad_input"),
                grad(input.grad(&grads), "input"),
                f.get("grad_input"),
                TOLERANCE,
            );
            if let Some(h0) = h0 {
                assert_close(
                    &what("grad_h0"),
                    grad(h0.grad(&grads), "h0"),
                    f.get("grad_h0"),
                    TOLERANCE,
                );
            }
            if let Some(c0) = c0 {
                assert_close(
                    &what("grad_c0"),
                    grad(c0.grad(&grads), "c0"),
                    f.get("grad_c0"),
                    TOLERANCE,
                );
            }
            let params = layer.named_parameters();
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
                assert_close(&what(&format!("grad.{name}")), g, &expected, TOLERANCE);
            }
        }
    }
}

#[test]
fn safetensors_and_pt_files_load_the_same_weights() {
    let device = &cpu_devices()[0].1;
    for f in fixtures() {
        let from_pt = AnyLayer::build(&f.case, true, device).load(&f.weights("weights.pt"));
        let from_st =
            AnyLayer::build(&f.case, true, device).load(&f.weights("weights.safetensors"));
        let (a, b) = (from_pt.named_parameters(), from_st.named_parameters());
        assert_eq!(a.len(), b.len());
        for ((name, x), (_, y)) in a.into_iter().zip(b) {
            assert_eq!(x.values(), y.values(), "{}: {name}", f.case.name);
        }
    }
}

#[test]
fn sequence_first_layout_gives_the_transposed_numbers() {
    let device = &cpu_devices()[0].1;
    for f in fixtures().into_iter().filter(|f| f.case.given_state) {
        let layer = AnyLayer::build(&f.case, false, device).load(&f.weights("weights.pt"));
        let input = f.get("input").tensor::<3>(device).swap_dims(0, 1);
        let h0 = Some(f.get("h0").tensor(device));
        let c0 = (f.case.cell == "lstm").then(|| f.get("c0").tensor(device));
        let (out, h_n, _) = layer.forward(input, h0, c0);
        let what = format!("{} (batch_first = false)", f.case.name);
        assert_close(
            &format!("{what}: output"),
            out.swap_dims(0, 1),
            f.get("output"),
            TOLERANCE,
        );
        assert_close(&format!("{what}: h_n"), h_n, f.get("h_n"), TOLERANCE);
    }
}

#[test]
fn stepping_matches_pytorch_on_unidirectional_cases() {
    let device = &cpu_devices()[0].1;
    for f in fixtures().into_iter().filter(|f| !f.case.bidirectional) {
        let layer = AnyLayer::build(&f.case, true, device).load(&f.weights("weights.pt"));
        let input = f.get("input").tensor::<3>(device);
        let [batch, seq, features] = input.dims();
        let mut hidden = f.case.given_state.then(|| f.get("h0").tensor::<3>(device));
        let mut cell =
            (f.case.given_state && f.case.cell == "lstm").then(|| f.get("c0").tensor::<3>(device));
        let mut outputs = Vec::new();
        for t in 0..seq {
            let x_t = input.clone().narrow(1, t, 1).reshape([batch, features]);
            let (out, h, c) = match &layer {
                AnyLayer::Rnn(l) => {
                    let (o, s) = l.step(x_t, hidden.take().map(|hidden| RnnState { hidden }));
                    (o, s.hidden, None)
                }
                AnyLayer::Gru(l) => {
                    let (o, s) = l.step(x_t, hidden.take().map(|hidden| RnnState { hidden }));
                    (o, s.hidden, None)
                }
                AnyLayer::Lstm(l) => {
                    let state = hidden.take().map(|hidden| LstmState {
                        hidden,
                        cell: cell.take().unwrap_or_else(|| {
                            Tensor::zeros([f.case.num_layers, batch, 4], device)
                        }),
                    });
                    let (o, s) = l.step(x_t, state);
                    (o, s.hidden, Some(s.cell))
                }
            };
            outputs.push(out);
            hidden = Some(h);
            cell = c;
        }
        let output = Tensor::stack::<3>(outputs, 1);
        assert_close(
            &format!("{}: stepped output", f.case.name),
            output,
            f.get("output"),
            TOLERANCE,
        );
        assert_close(
            &format!("{}: stepped h_n", f.case.name),
            hidden.expect("a state"),
            f.get("h_n"),
            TOLERANCE,
        );
        if let Some(cell) = cell {
            assert_close(
                &format!("{}: stepped c_n", f.case.name),
                cell,
                f.get("c_n"),
                TOLERANCE,
            );
        }
    }
}

/// From a bigger model, saved in PyTorch as:
///
/// ```python
/// class Model(nn.Module):
///     def __init__(self):
///         super().__init__()
///         self.rnn = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
///         self.head = nn.Linear(8, 1)
/// torch.save(model.state_dict(), "model.pt")
/// ```
#[test]
fn prefixed_load_takes_a_submodule_of_a_bigger_state_dict() {
    let dir = fixture_dir().join("prefixed_model");
    let data = read_safetensors(&dir.join("data.safetensors"));
    for (backend, device) in cpu_devices() {
        for file in ["model.pt", "model.safetensors"] {
            let lstm = LstmConfig::new(3, 4)
                .with_num_layers(2)
                .with_bidirectional(true)
                .init(&device)
                .load_pytorch_prefixed(dir.join(file), "rnn.")
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let (out, state) = lstm.forward(data["input"].tensor(&device), None);
            assert_close(
                &format!("{backend}/{file}: output"),
                out,
                &data["output"],
                TOLERANCE,
            );
            assert_close(
                &format!("{backend}/{file}: h_n"),
                state.hidden,
                &data["h_n"],
                TOLERANCE,
            );
            assert_close(
                &format!("{backend}/{file}: c_n"),
                state.cell,
                &data["c_n"],
                TOLERANCE,
            );
        }
    }
}
