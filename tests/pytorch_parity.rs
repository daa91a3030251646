//! Parity with PyTorch: outputs, final states and gradients of every layer configuration.
//!
//! The fixtures and the PyTorch code that wrote them are described in `tests/common/parity.rs`.
//! Every case is checked on every CPU backend compiled in, to 1e-5 absolute and relative.

mod common;

use std::path::Path;

use burn::tensor::{Device, Tensor};
use common::parity::{
    build_loaded, check_forward, check_gradients, fixtures, named_parameters, packed_fixtures,
    proj_fixtures, run, state,
};
use common::{assert_close, cpu_devices, fixture_dir, read_safetensors};
use recurrent::{
    GruConfig, LstmConfig, Nonlinearity, Recurrent, RecurrentLayer, RecurrentState, SimpleRnnConfig,
};

const TOLERANCE: f32 = 1e-5;

#[test]
fn forward_matches_pytorch_for_every_case() {
    for (backend, device) in cpu_devices() {
        for f in fixtures() {
            check_forward(&f, backend, &device, TOLERANCE);
        }
    }
}

#[test]
fn gradients_match_pytorch_for_every_case() {
    for (backend, device) in cpu_devices() {
        let device = device.autodiff();
        for f in fixtures() {
            check_gradients(&f, backend, &device, TOLERANCE);
        }
    }
}

/// Padded batches with lengths against PyTorch's packed sequences: outputs (zero past each
/// length), final states (at each sequence's last valid step) and every gradient.
#[test]
fn packed_sequences_match_pytorch_for_every_case() {
    check_on_every_cpu_backend(packed_fixtures);
}

/// LSTMs with a projection (`proj_size = 2` of 4 hidden units) against PyTorch's: outputs,
/// `h_n` `[L * D, batch, 2]`, `c_n` `[L * D, batch, 4]` and every gradient, `weight_hr`'s too,
/// on whole and packed sequences.
#[test]
fn projected_lstms_match_pytorch_for_every_case() {
    check_on_every_cpu_backend(proj_fixtures);
}

/// Forward and gradients of every fixture on every CPU backend.
fn check_on_every_cpu_backend(fixtures: fn() -> Vec<common::parity::Fixture>) {
    for (backend, device) in cpu_devices() {
        for f in fixtures() {
            check_forward(&f, backend, &device, TOLERANCE);
            check_gradients(&f, backend, &device.clone().autodiff(), TOLERANCE);
        }
    }
}

/// Stepping a projected LSTM gives PyTorch's whole-sequence numbers.
#[test]
fn stepping_a_projected_lstm_matches_pytorch() {
    let device = &cpu_devices()[0].1;
    let cases = proj_fixtures().into_iter();
    let cases: Vec<_> = cases
        .filter(|f| !f.case.bidirectional && f.case.lengths.is_none())
        .collect();
    assert_eq!(cases.len(), 8);
    for f in cases {
        let layer = build_loaded(&f.case, true, device, &f.weights("weights.pt"));
        let input = f.get("input").tensor::<3>(device);
        let [batch, seq, features] = input.dims();
        let h0 = f.case.given_state.then(|| f.get("h0").tensor::<3>(device));
        let c0 = f.case.given_state.then(|| f.get("c0").tensor::<3>(device));
        let mut state = state(h0, c0);
        let mut outputs = Vec::new();
        for t in 0..seq {
            let x_t = input.clone().narrow(1, t, 1).reshape([batch, features]);
            let (out, next) = layer.step(x_t, state.take());
            assert_eq!(out.dims(), [batch, 2], "{}", f.case.name);
            outputs.push(out);
            state = Some(next);
        }
        let what = format!("{}: stepped", f.case.name);
        let output = Tensor::stack::<3>(outputs, 1);
        assert_close(
            &format!("{what} output"),
            output,
            f.get("output"),
            TOLERANCE,
        );
        let RecurrentState { hidden, cell } = state.expect("a state");
        assert_close(&format!("{what} h_n"), hidden, f.get("h_n"), TOLERANCE);
        let cell = cell.expect("an LSTM's cell state");
        assert_close(&format!("{what} c_n"), cell, f.get("c_n"), TOLERANCE);
    }
}

#[test]
fn safetensors_and_pt_files_load_the_same_weights() {
    let device = &cpu_devices()[0].1;
    for f in fixtures() {
        let from_pt = build_loaded(&f.case, true, device, &f.weights("weights.pt"));
        let from_st = build_loaded(&f.case, true, device, &f.weights("weights.safetensors"));
        let (a, b) = (named_parameters(&from_pt), named_parameters(&from_st));
        assert_eq!(a.len(), b.len());
        assert!(!a.is_empty(), "{}: no parameters compared", f.case.name);
        for ((name, x), (_, y)) in a.into_iter().zip(b) {
            assert_eq!(x.values(), y.values(), "{}: {name}", f.case.name);
        }
    }
}

#[test]
fn sequence_first_layout_gives_the_transposed_numbers() {
    let device = &cpu_devices()[0].1;
    let mut checked = 0;
    for f in fixtures().into_iter().filter(|f| f.case.given_state) {
        checked += 1;
        let layer = build_loaded(&f.case, false, device, &f.weights("weights.pt"));
        let input = f.get("input").tensor::<3>(device).swap_dims(0, 1);
        let h0 = Some(f.get("h0").tensor(device));
        let c0 = (f.case.cell == "lstm").then(|| f.get("c0").tensor(device));
        let (out, h_n, _) = run(&layer, input, state(h0, c0), None);
        let what = format!("{} (batch_first = false)", f.case.name);
        assert_close(
            &format!("{what}: output"),
            out.swap_dims(0, 1),
            f.get("output"),
            TOLERANCE,
        );
        assert_close(&format!("{what}: h_n"), h_n, f.get("h_n"), TOLERANCE);
    }
    assert!(checked >= 40, "only {checked} cases with a given state");
}

#[test]
fn stepping_matches_pytorch_on_unidirectional_cases() {
    let device = &cpu_devices()[0].1;
    let mut checked = 0;
    for f in fixtures().into_iter().filter(|f| !f.case.bidirectional) {
        checked += 1;
        let layer = build_loaded(&f.case, true, device, &f.weights("weights.pt"));
        let input = f.get("input").tensor::<3>(device);
        let [batch, seq, features] = input.dims();
        let h0 = f.case.given_state.then(|| f.get("h0").tensor::<3>(device));
        let c0 =
            (f.case.given_state && f.case.cell == "lstm").then(|| f.get("c0").tensor::<3>(device));
        let mut state: Option<RecurrentState> = state(h0, c0);
        let mut outputs = Vec::new();
        for t in 0..seq {
            let x_t = input.clone().narrow(1, t, 1).reshape([batch, features]);
            let (out, s) = layer.step(x_t, state.take());
            assert_eq!(s.cell.is_some(), f.case.cell == "lstm", "{}", f.case.name);
            outputs.push(out);
            state = Some(s);
        }
        let RecurrentState { hidden, cell } = state.expect("a state");
        assert_eq!(outputs.len(), seq);
        let output = Tensor::stack::<3>(outputs, 1);
        assert_close(
            &format!("{}: stepped output", f.case.name),
            output,
            f.get("output"),
            TOLERANCE,
        );
        assert_close(
            &format!("{}: stepped h_n", f.case.name),
            hidden,
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
    assert!(checked >= 40, "only {checked} unidirectional cases");
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
                state.cell.expect("an LSTM's cell state"),
                &data["c_n"],
                TOLERANCE,
            );
        }
    }
}

/// A PyTorch cell's case in `tests/fixtures/pytorch_cells/` (`scripts/pytorch_reference.py
/// generate-cells`), written as:
///
/// ```python
/// torch.manual_seed(seed)
/// cell = nn.LSTMCell(3, 4, bias=bias)          # or nn.RNNCell(3, 4, nonlinearity=...), nn.GRUCell(3, 4)
/// x = torch.randn(4, 2, 3); h0 = torch.randn(2, 4); c0 = torch.randn(2, 4)
/// h, c = h0, c0
/// for t in range(4):
///     h, c = cell(x[t], (h, c))                # h = cell(x[t], h) for the others; h[t], c[t] kept
/// torch.save(cell.state_dict(), "weights.pt")  # keys weight_ih, weight_hh, bias_ih, bias_hh
/// ```
fn cell_layer(name: &str, device: &Device) -> RecurrentLayer {
    let bias = !name.ends_with("_nobias");
    let rnn = |nonlinearity| {
        SimpleRnnConfig::new(3, 4)
            .with_nonlinearity(nonlinearity)
            .with_bias(bias)
            .init(device)
            .into()
    };
    match name.split("_cell").next().expect("a cell name") {
        "rnn_tanh" => rnn(Nonlinearity::Tanh),
        "rnn_relu" => rnn(Nonlinearity::Relu),
        "lstm" => LstmConfig::new(3, 4).with_bias(bias).init(device).into(),
        "gru" => GruConfig::new(3, 4).with_bias(bias).init(device).into(),
        other => panic!("unknown cell {other}"),
    }
}

/// The cases in `tests/fixtures/pytorch_cells/cases.txt`.
fn cell_cases() -> Vec<String> {
    let dir = fixture_dir().with_file_name("pytorch_cells");
    let index = std::fs::read_to_string(dir.join("cases.txt")).expect("cases.txt");
    let cases: Vec<String> = index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split_whitespace().next().expect("a name").to_string())
        .collect();
    assert_eq!(cases.len(), 5, "the cell fixtures' index");
    cases
}

/// Steps `layer` through the case's inputs from its `h0` (`c0`), checking every step's output
/// and state against PyTorch's `h[t]` (`c[t]`).
fn check_cell_steps(what: &str, layer: &RecurrentLayer, dir: &Path, device: &Device) {
    let data = read_safetensors(&dir.join("data.safetensors"));
    let input = data["input"].tensor::<3>(device);
    let [steps, batch, features] = input.dims();
    let as_state = |t: Tensor<2>| t.unsqueeze_dim::<3>(0);
    let mut state = Some(RecurrentState {
        hidden: as_state(data["h0"].tensor(device)),
        cell: data.get("c0").map(|c0| as_state(c0.tensor(device))),
    });
    let h = data["h"].tensor::<3>(device);
    let c = data.get("c").map(|c| c.tensor::<3>(device));
    for t in 0..steps {
        let x_t = input.clone().narrow(0, t, 1).reshape([batch, features]);
        let (out, next) = layer.step(x_t, state.take());
        let expected = |all: &Tensor<3>| common::values(all.clone().narrow(0, t, 1));
        let (h_t, shape) = expected(&h);
        let h_t = common::Array { values: h_t, shape };
        assert_close(
            &format!("{what}: output at step {t}"),
            out.unsqueeze_dim::<3>(0),
            &h_t,
            TOLERANCE,
        );
        assert_close(
            &format!("{what}: h at step {t}"),
            next.hidden.clone(),
            &h_t,
            TOLERANCE,
        );
        match (&c, &next.cell) {
            (Some(c), Some(cell)) => {
                let (values, shape) = expected(c);
                let c_t = common::Array { values, shape };
                assert_close(
                    &format!("{what}: c at step {t}"),
                    cell.clone(),
                    &c_t,
                    TOLERANCE,
                );
            }
            (None, None) => {}
            _ => panic!("{what}: a cell state from an LSTM only"),
        }
        state = Some(next);
    }
}

/// `nn.RNNCell`, `nn.LSTMCell` and `nn.GRUCell` state dicts (no `_l0`) load into a one-layer
/// unidirectional layer, whose `step` then gives PyTorch's numbers on every CPU backend, from
/// either file format; `save_pytorch` writes them back under the layer's names (`_l0`).
#[test]
fn cell_state_dicts_load_and_step_like_pytorch() {
    let root = fixture_dir().with_file_name("pytorch_cells");
    for name in cell_cases() {
        let dir = root.join(&name);
        for (backend, device) in cpu_devices() {
            for file in ["weights.pt", "weights.safetensors"] {
                let what = format!("{name}/{file} on {backend}");
                let layer = cell_layer(&name, &device)
                    .load_pytorch(dir.join(file))
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                check_cell_steps(&what, &layer, &dir, &device);

                let saved = common::scratch(&format!("pytorch_cells/{name}/{backend}"))
                    .join("layer.safetensors");
                layer.save_pytorch(&saved).unwrap();
                let keys: Vec<String> = read_safetensors(&saved).into_keys().collect();
                let cell_keys: Vec<String> = read_safetensors(&dir.join("weights.safetensors"))
                    .into_keys()
                    .collect();
                let with_l0: Vec<String> = cell_keys.iter().map(|k| format!("{k}_l0")).collect();
                assert_eq!(keys, with_l0, "{what}: save_pytorch writes nn.LSTM's names");
                let reloaded = cell_layer(&name, &device).load_pytorch(&saved).unwrap();
                check_cell_steps(
                    &format!("{what}, saved and reloaded"),
                    &reloaded,
                    &dir,
                    &device,
                );
            }
        }
    }
}
