//! Saves layers with `save_pytorch` so PyTorch can load them, with inputs and Rust's outputs.
//!
//! ```text
//! cargo run --example 09_export_pytorch -- target/export
//! python3 scripts/pytorch_reference.py check-export target/export
//! ```
//!
//! The first command writes, for each layer, `<name>.safetensors` (the weights under PyTorch's
//! names), `<name>.data.safetensors` (an input and the output this crate computed) and
//! `layers.json` (each layer's options). The second loads each file into a fresh `nn.RNN`,
//! `nn.LSTM` or `nn.GRU` with `load_state_dict(strict=True)` and compares the outputs.

mod common;

use std::path::{Path, PathBuf};

use burn::module::{Module, Param};
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::{Device, Distribution, Tensor};
use recurrent::{GruConfig, LstmConfig, Nonlinearity, Recurrent, RecurrentLayer, SimpleRnnConfig};

/// An input and the output computed from it, saved as two named tensors.
#[derive(Module, Debug)]
struct Example {
    input: Param<Tensor<3>>,
    output: Param<Tensor<3>>,
}

struct Spec {
    name: &'static str,
    cell: &'static str,
    nonlinearity: Nonlinearity,
    num_layers: usize,
    bidirectional: bool,
    bias: bool,
    /// The LSTM's `proj_size` (0 for none).
    proj_size: usize,
}

const INPUT: usize = 5;
const HIDDEN: usize = 6;

fn export(spec: &Spec, dir: &Path, device: &Device) -> Result<String, Box<dyn std::error::Error>> {
    device.seed(17);
    let input = Tensor::<3>::random([3, 8, INPUT], Distribution::Normal(0.0, 1.0), device);
    let weights = dir.join(format!("{}.safetensors", spec.name));
    // Each config builds its own layer type; `RecurrentLayer` holds any of them, and every
    // layer has the `Recurrent` trait's methods.
    let layer: RecurrentLayer = match spec.cell {
        "rnn" => SimpleRnnConfig::new(INPUT, HIDDEN)
            .with_num_layers(spec.num_layers)
            .with_bidirectional(spec.bidirectional)
            .with_bias(spec.bias)
            .with_nonlinearity(spec.nonlinearity)
            .with_seed(Some(1))
            .try_init(device)?
            .into(),
        "lstm" => LstmConfig::new(INPUT, HIDDEN)
            .with_proj_size(spec.proj_size)
            .with_num_layers(spec.num_layers)
            .with_bidirectional(spec.bidirectional)
            .with_bias(spec.bias)
            .with_seed(Some(2))
            .try_init(device)?
            .into(),
        _ => GruConfig::new(INPUT, HIDDEN)
            .with_num_layers(spec.num_layers)
            .with_bidirectional(spec.bidirectional)
            .with_bias(spec.bias)
            .with_seed(Some(3))
            .try_init(device)?
            .into(),
    };
    layer.save_pytorch(&weights)?;
    let (output, _state) = layer.forward(input.clone(), None);
    let example = Example {
        input: Param::from_tensor(input),
        output: Param::from_tensor(output),
    };
    example
        .save_into(&mut SafetensorsStore::from_file(
            dir.join(format!("{}.data.safetensors", spec.name)),
        ))
        .map_err(|e| e.to_string())?;
    println!("wrote {weights:?}");
    Ok(format!(
        r#"{{"name": "{}", "cell": "{}", "nonlinearity": "{}", "input_size": {INPUT}, "hidden_size": {HIDDEN}, "num_layers": {}, "bidirectional": {}, "bias": {}, "proj_size": {}}}"#,
        spec.name,
        spec.cell,
        if spec.nonlinearity == Nonlinearity::Relu {
            "relu"
        } else {
            "tanh"
        },
        spec.num_layers,
        spec.bidirectional,
        spec.bias,
        spec.proj_size
    ))
}

fn main() {
    common::main(try_main)
}

fn try_main() -> common::Outcome {
    let flags = common::Flags::parse_with_files(&["backend"], &[])?;
    let dir = match flags.positional.as_slice() {
        [] => PathBuf::from("target/export"),
        [dir] => PathBuf::from(dir),
        more => return Err(format!("one output folder expected, found {more:?}").into()),
    };
    let device = flags.device()?;
    std::fs::create_dir_all(&dir)?;
    let specs = [
        Spec {
            name: "rnn_tanh_bi",
            cell: "rnn",
            nonlinearity: Nonlinearity::Tanh,
            num_layers: 2,
            bidirectional: true,
            bias: true,
            proj_size: 0,
        },
        Spec {
            name: "rnn_relu_nobias",
            cell: "rnn",
            nonlinearity: Nonlinearity::Relu,
            num_layers: 1,
            bidirectional: false,
            bias: false,
            proj_size: 0,
        },
        Spec {
            name: "lstm_3_bi",
            cell: "lstm",
            nonlinearity: Nonlinearity::Tanh,
            num_layers: 3,
            bidirectional: true,
            bias: true,
            proj_size: 0,
        },
        Spec {
            name: "lstm_nobias",
            cell: "lstm",
            nonlinearity: Nonlinearity::Tanh,
            num_layers: 1,
            bidirectional: false,
            bias: false,
            proj_size: 0,
        },
        Spec {
            name: "lstm_proj_bi",
            cell: "lstm",
            nonlinearity: Nonlinearity::Tanh,
            num_layers: 2,
            bidirectional: true,
            bias: true,
            proj_size: 3,
        },
        Spec {
            name: "gru_2",
            cell: "gru",
            nonlinearity: Nonlinearity::Tanh,
            num_layers: 2,
            bidirectional: false,
            bias: true,
            proj_size: 0,
        },
        Spec {
            name: "gru_bi",
            cell: "gru",
            nonlinearity: Nonlinearity::Tanh,
            num_layers: 1,
            bidirectional: true,
            bias: true,
            proj_size: 0,
        },
    ];
    let entries = specs
        .iter()
        .map(|spec| export(spec, &dir, &device))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::write(
        dir.join("layers.json"),
        format!("[\n  {}\n]\n", entries.join(",\n  ")),
    )?;
    println!(
        "now run: python3 scripts/pytorch_reference.py check-export {}",
        dir.display()
    );
    Ok(())
}
