//! Loads an `nn.LSTM` saved by PyTorch and checks that it gives PyTorch's numbers.
//!
//! ```text
//! cargo run --example 08_pytorch_import                     # the committed fixture, flex backend
//! cargo run --features ndarray --example 08_pytorch_import -- --backend ndarray
//! cargo run --example 08_pytorch_import -- --weights my_lstm.pt --data my_data.safetensors
//! ```
//!
//! The default weights are `tests/fixtures/pytorch/lstm_long/weights.pt`, written by
//! `scripts/pytorch_reference.py` from `nn.LSTM(3, 4, num_layers=2, bidirectional=True,
//! batch_first=True)`; the data file beside it holds PyTorch's input, initial state and output.
//! Exits with an error if any output differs from PyTorch's by more than 1e-5.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::store::{ModuleStore, SafetensorsStore, bridge};
use burn::tensor::{Device, Tensor, TensorData};
use recurrent::{LstmConfig, Recurrent, RecurrentState};

/// Reads the named tensors of a safetensors file onto `device`.
fn read_tensors(path: &PathBuf, device: &Device) -> Result<BTreeMap<String, Tensor<3>>, String> {
    let mut store = SafetensorsStore::from_file(path);
    let tensors = store
        .get_all_tensors()
        .map_err(|e| format!("{path:?}: {e}"))?;
    let mut out = BTreeMap::new();
    for (name, t) in tensors {
        let data: TensorData = bridge::to_data(t).map_err(|e| format!("{name}: {e}"))?;
        if t.shape.len() == 3 {
            out.insert(name.clone(), Tensor::from_data(data, device));
        }
    }
    Ok(out)
}

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let flags = common::Flags::parse(&["backend", "weights", "data"], &[])?;
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytorch/lstm_long");
    let weights: PathBuf = flags.value("weights", fixture.join("weights.pt"))?;
    let data_file: PathBuf = flags.value("data", fixture.join("data.safetensors"))?;
    let device = flags.device()?;
    let data = read_tensors(&data_file, &device)?;
    let get = |k: &str| {
        data.get(k)
            .cloned()
            .ok_or(format!("{data_file:?} has no {k:?}"))
    };

    let lstm = LstmConfig::new(3, 4)
        .with_num_layers(2)
        .with_bidirectional(true)
        .init(&device)
        .load_pytorch(&weights)?;
    println!(
        "loaded {:?} on {} ({} layers, {} directions)",
        weights,
        flags.backend(),
        lstm.num_layers(),
        lstm.num_directions()
    );

    // out, (h_n, c_n) = lstm(input, (h0, c0))
    let state = RecurrentState::lstm(get("h0")?, get("c0")?);
    let (output, state) = lstm.try_forward(get("input")?, Some(state))?;
    let cell = state.cell.expect("an LSTM returns its cell state");
    println!(
        "output {:?}, h_n {:?}, c_n {:?}",
        output.dims(),
        state.hidden.dims(),
        cell.dims()
    );

    let mut worst = 0.0f32;
    for (name, ours) in [("output", output), ("h_n", state.hidden), ("c_n", cell)] {
        let diff: f32 = (ours - get(name)?).abs().max().into_scalar();
        println!("max |recurrent - pytorch| for {name}: {diff:.2e}");
        worst = worst.max(diff);
    }
    if worst > 1e-5 {
        return Err(format!("outputs differ from PyTorch's by {worst:e}, over 1e-5").into());
    }
    println!("matches PyTorch to 1e-5");
    Ok(())
}
