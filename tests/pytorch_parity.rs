//! Parity with PyTorch: outputs, final states and gradients of every layer configuration.
//!
//! The fixtures and the PyTorch code that wrote them are described in `tests/common/parity.rs`.
//! Every case is checked on every CPU backend compiled in, to 1e-5 absolute and relative.

mod common;

use burn::tensor::Tensor;
use common::parity::{
    build_loaded, check_forward, check_gradients, fixtures, named_parameters, packed_fixtures, run,
    state,
};
use common::{assert_close, cpu_devices, fixture_dir, read_safetensors};
use recurrent::{LstmConfig, Recurrent, RecurrentState};

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
    for (backend, device) in cpu_devices() {
        for f in packed_fixtures() {
            check_forward(&f, backend, &device, TOLERANCE);
            check_gradients(&f, backend, &device.clone().autodiff(), TOLERANCE);
        }
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
