//! Parity with PyTorch: outputs, final states and gradients of every layer configuration.
//!
//! The fixtures and the PyTorch code that wrote them are described in `tests/common/parity.rs`.
//! Every case is checked on every CPU backend compiled in, to 1e-5 absolute and relative.

mod common;

use burn::tensor::Tensor;
use common::parity::{AnyLayer, check_forward, check_gradients, fixtures, packed_fixtures};
use common::{assert_close, cpu_devices, fixture_dir, read_safetensors};
use recurrent::{LstmConfig, LstmState, RnnState};

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
