//! Every mistake a user can make with a layer has its own error, and the checked paths never
//! panic. One test per `LayerError` and `WeightFileError` variant the layers return.

mod common;

use burn::tensor::{Device, Tensor};
use common::fixture_dir;
use recurrent::{
    GruConfig, LayerError, Lstm, LstmConfig, Recurrent, RecurrentState, SimpleRnnConfig,
    WeightFileError,
};

fn device() -> Device {
    common::cpu_devices()[0].1.clone()
}

fn lstm(device: &Device) -> Lstm {
    LstmConfig::new(3, 4).with_num_layers(2).init(device)
}

#[test]
fn zero_layers_is_rejected() {
    let err = LstmConfig::new(3, 4)
        .with_num_layers(0)
        .try_init(&device())
        .unwrap_err();
    assert_eq!(err, LayerError::ZeroLayers);
    assert!(
        err.to_string()
            .contains("num_layers must be at least 1, found 0")
    );
}

#[test]
fn zero_input_size_is_rejected() {
    let err = GruConfig::new(0, 4).try_init(&device()).unwrap_err();
    assert_eq!(err, LayerError::ZeroInputSize);
}

#[test]
fn zero_hidden_size_is_rejected() {
    let err = SimpleRnnConfig::new(3, 0).try_init(&device()).unwrap_err();
    assert_eq!(err, LayerError::ZeroHiddenSize);
}

#[test]
fn dropout_outside_zero_one_is_rejected() {
    for dropout in [1.0, -0.1, 1.5, f64::NAN] {
        let err = LstmConfig::new(3, 4)
            .with_dropout(dropout)
            .try_init(&device())
            .unwrap_err();
        assert!(
            matches!(err, LayerError::InvalidDropout { dropout: d } if d.to_bits() == dropout.to_bits()),
            "{dropout}: {err}"
        );
        assert!(err.to_string().contains("dropout must be in [0, 1)"));
    }
    assert!(
        LstmConfig::new(3, 4)
            .with_num_layers(2)
            .with_dropout(0.5)
            .try_init(&device())
            .is_ok()
    );
}

#[test]
#[should_panic(expected = "hidden_size must be at least 1, found 0")]
fn init_panics_with_the_error_message() {
    let _ = GruConfig::new(3, 0).init(&device());
}

#[test]
fn wrong_feature_size_is_named() {
    let device = device();
    let err = lstm(&device)
        .try_forward(Tensor::zeros([2, 5, 7], &device), None)
        .unwrap_err();
    assert_eq!(
        err,
        LayerError::InputSizeMismatch {
            expected: 3,
            found: 7
        }
    );
    assert_eq!(
        err.to_string(),
        "input feature size mismatch: expected 3 features (the layer's input_size), found 7"
    );
    // Issue 15: a layer of one input feature said "expected 1 features".
    let err = GruConfig::new(1, 4)
        .init(&device)
        .try_forward(Tensor::zeros([2, 5, 2], &device), None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "input feature size mismatch: expected 1 feature (the layer's input_size), found 2"
    );
}

#[test]
fn empty_batch_is_rejected() {
    let device = device();
    let err = lstm(&device)
        .try_forward(Tensor::zeros([0, 5, 3], &device), None)
        .unwrap_err();
    assert_eq!(err, LayerError::EmptyBatch { shape: [0, 5, 3] });
}

#[test]
fn empty_sequence_is_rejected() {
    let device = device();
    let err = lstm(&device)
        .try_forward(Tensor::zeros([2, 0, 3], &device), None)
        .unwrap_err();
    assert_eq!(err, LayerError::EmptySequence { shape: [2, 0, 3] });
    // With batch_first = false the sequence is the first dimension.
    let gru = GruConfig::new(3, 4).with_batch_first(false).init(&device);
    let err = gru
        .try_forward(Tensor::zeros([0, 2, 3], &device), None)
        .unwrap_err();
    assert_eq!(err, LayerError::EmptySequence { shape: [0, 2, 3] });
}

#[test]
fn state_of_the_wrong_shape_is_named() {
    let device = device();
    let input = Tensor::zeros([2, 5, 3], &device);
    // A one-layer state for a two-layer LSTM.
    let state = RecurrentState::lstm(
        Tensor::zeros([1, 2, 4], &device),
        Tensor::zeros([2, 2, 4], &device),
    );
    let err = lstm(&device)
        .try_forward(input.clone(), Some(state))
        .unwrap_err();
    assert_eq!(
        err,
        LayerError::StateShapeMismatch {
            which: "hidden",
            size: "hidden_size",
            expected: [2, 2, 4],
            found: [1, 2, 4]
        }
    );
    // The cell is checked too.
    let state = RecurrentState::lstm(
        Tensor::zeros([2, 2, 4], &device),
        Tensor::zeros([2, 3, 4], &device),
    );
    let err = lstm(&device)
        .try_forward(input.clone(), Some(state))
        .unwrap_err();
    assert_eq!(
        err,
        LayerError::StateShapeMismatch {
            which: "cell",
            size: "hidden_size",
            expected: [2, 2, 4],
            found: [2, 3, 4]
        }
    );
    // A bidirectional layer needs 2 * num_layers rows.
    let rnn = SimpleRnnConfig::new(3, 4)
        .with_bidirectional(true)
        .init(&device);
    let state = RecurrentState::new(Tensor::zeros([1, 2, 4], &device));
    let err = rnn.try_forward(input, Some(state)).unwrap_err();
    assert_eq!(
        err,
        LayerError::StateShapeMismatch {
            which: "hidden",
            size: "hidden_size",
            expected: [2, 2, 4],
            found: [1, 2, 4]
        }
    );
}

#[test]
fn an_lstm_given_no_cell_state_is_told_so() {
    let device = device();
    let input = Tensor::zeros([2, 5, 3], &device);
    let hidden_only = RecurrentState::new(Tensor::zeros([2, 2, 4], &device));
    let err = lstm(&device)
        .try_forward(input.clone(), Some(hidden_only.clone()))
        .unwrap_err();
    assert_eq!(err, LayerError::MissingCellState);
    assert_eq!(
        err.to_string(),
        "missing cell state: expected an LSTM state with both hidden and cell (RecurrentState::lstm), found a hidden state only"
    );
    // The padded and the stepping paths check it too.
    let err = lstm(&device)
        .try_forward_with_lengths(input, &[5, 3], Some(hidden_only.clone()))
        .unwrap_err();
    assert_eq!(err, LayerError::MissingCellState);
    let err = lstm(&device)
        .try_step(Tensor::zeros([2, 3], &device), Some(hidden_only))
        .unwrap_err();
    assert_eq!(err, LayerError::MissingCellState);
}

#[test]
fn a_gru_or_rnn_given_a_cell_state_is_told_so() {
    let device = device();
    let input = Tensor::<3>::zeros([2, 5, 3], &device);
    let with_cell = || {
        RecurrentState::lstm(
            Tensor::zeros([1, 2, 4], &device),
            Tensor::zeros([1, 2, 4], &device),
        )
    };
    let gru = GruConfig::new(3, 4).init(&device);
    let err = gru
        .try_forward(input.clone(), Some(with_cell()))
        .unwrap_err();
    assert_eq!(err, LayerError::UnexpectedCellState { cell: "GRU" });
    assert_eq!(
        err.to_string(),
        "unexpected cell state: expected a hidden state only (RecurrentState::new) for this GRU layer, found a cell state too"
    );
    let rnn = SimpleRnnConfig::new(3, 4).init(&device);
    let err = rnn
        .try_forward(input.clone(), Some(with_cell()))
        .unwrap_err();
    assert_eq!(err, LayerError::UnexpectedCellState { cell: "RNN" });
    assert_eq!(
        err.to_string(),
        "unexpected cell state: expected a hidden state only (RecurrentState::new) for this RNN layer, found a cell state too"
    );
    let err = rnn
        .try_forward_with_lengths(input, &[5, 2], Some(with_cell()))
        .unwrap_err();
    assert_eq!(err, LayerError::UnexpectedCellState { cell: "RNN" });
    let err = gru
        .try_step(Tensor::zeros([2, 3], &device), Some(with_cell()))
        .unwrap_err();
    assert_eq!(err, LayerError::UnexpectedCellState { cell: "GRU" });
}

#[test]
#[should_panic(expected = "missing cell state: expected an LSTM state with both hidden and cell")]
fn forward_panics_on_a_missing_cell_state() {
    let device = device();
    let state = RecurrentState::new(Tensor::zeros([2, 2, 4], &device));
    let _ = lstm(&device).forward(Tensor::zeros([2, 5, 3], &device), Some(state));
}

/// Needs two backends; CI builds with both (`--features ndarray` next to the default flex).
#[cfg(all(feature = "flex", feature = "ndarray"))]
#[test]
fn state_on_another_device_is_named() {
    let device = Device::flex();
    #[allow(deprecated)] // burn-ndarray is deprecated upstream; this crate still supports it
    let other = Device::ndarray();
    let gru = GruConfig::new(3, 4).init(&device);
    let state = RecurrentState::new(Tensor::zeros([1, 2, 4], &other));
    let err = gru
        .try_forward(Tensor::zeros([2, 5, 3], &device), Some(state))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            LayerError::StateDeviceMismatch {
                which: "hidden",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("hidden state device mismatch: expected the input's device")
    );
}

#[test]
fn step_on_a_bidirectional_layer_is_rejected() {
    let device = device();
    let gru = GruConfig::new(3, 4).with_bidirectional(true).init(&device);
    let err = gru
        .try_step(Tensor::zeros([2, 3], &device), None)
        .unwrap_err();
    assert_eq!(err, LayerError::StepOnBidirectional);
}

#[test]
#[should_panic(expected = "input feature size mismatch: expected 3 features")]
fn forward_panics_with_the_error_message() {
    let device = device();
    let _ = lstm(&device).forward(Tensor::zeros([2, 5, 7], &device), None);
}

#[test]
fn missing_weight_file_is_named() {
    let path = common::scratch("layer_errors/missing").join("nowhere.pt");
    let err = lstm(&device()).load_pytorch(&path).unwrap_err();
    assert_eq!(err, WeightFileError::NotFound { path });
}

#[test]
fn unreadable_weight_file_is_reported() {
    let dir = common::scratch("layer_errors/unreadable");
    for (name, bytes) in [
        ("garbage.pt", b"this is not a zip archive".as_slice()),
        (
            "garbage.safetensors",
            b"\x10\x00\x00\x00\x00\x00\x00\x00{not json".as_slice(),
        ),
        ("truncated.safetensors", b"\xff\xff".as_slice()),
        ("noext", b"neither format".as_slice()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = lstm(&device()).load_pytorch(&path).unwrap_err();
        assert!(
            matches!(&err, WeightFileError::Unreadable { path: p, .. } if *p == path),
            "{name}: {err}"
        );
    }
    // A truncated real file.
    let real =
        std::fs::read(fixture_dir().join("lstm_l2_uni_bias_zero/weights.pt")).expect("fixture");
    let path = dir.join("truncated.pt");
    std::fs::write(&path, &real[..real.len() / 2]).expect("write");
    let err = lstm(&device()).load_pytorch(&path).unwrap_err();
    assert!(matches!(err, WeightFileError::Unreadable { .. }), "{err}");
}

#[test]
fn missing_key_is_named() {
    // Weights of a one-layer LSTM offered to a two-layer one.
    let path = fixture_dir().join("lstm_l1_uni_bias_zero/weights.pt");
    let err = lstm(&device()).load_pytorch(&path).unwrap_err();
    match &err {
        WeightFileError::MissingWeight { key, found, .. } => {
            assert_eq!(key, "weight_ih_l1");
            assert!(found.contains("weight_ih_l0"), "{found}");
        }
        other => panic!("expected MissingWeight, found {other}"),
    }
    // A layer without bias offered to one with bias misses its biases.
    let path = fixture_dir().join("lstm_l2_uni_nobias_zero/weights.pt");
    let err = lstm(&device()).load_pytorch(&path).unwrap_err();
    assert!(
        matches!(&err, WeightFileError::MissingWeight { key, .. } if key == "bias_ih_l0"),
        "{err}"
    );
}

#[test]
fn extra_key_is_named() {
    // Weights with biases offered to a layer without them.
    let path = fixture_dir().join("lstm_l2_uni_bias_zero/weights.safetensors");
    let layer = LstmConfig::new(3, 4)
        .with_num_layers(2)
        .with_bias(false)
        .init(&device());
    let err = layer.load_pytorch(&path).unwrap_err();
    match &err {
        WeightFileError::UnexpectedWeight { key, expected, .. } => {
            assert_eq!(key, "bias_hh_l0");
            assert!(expected.contains("weight_hh_l1"), "{expected}");
        }
        other => panic!("expected UnexpectedWeight, found {other}"),
    }
    // A bidirectional file offered to a unidirectional layer.
    let path = fixture_dir().join("lstm_l1_bi_bias_zero/weights.pt");
    let err = LstmConfig::new(3, 4)
        .init(&device())
        .load_pytorch(&path)
        .unwrap_err();
    assert!(
        matches!(&err, WeightFileError::UnexpectedWeight { key, .. } if key.ends_with("_reverse")),
        "{err}"
    );
}

#[test]
fn tensor_of_the_wrong_shape_is_named() {
    // GRU weights (3 gates) offered to an LSTM (4 gates) of the same sizes.
    let path = fixture_dir().join("gru_l2_uni_bias_zero/weights.pt");
    let err = lstm(&device()).load_pytorch(&path).unwrap_err();
    assert_eq!(
        err,
        WeightFileError::ShapeMismatch {
            path: path.clone(),
            key: "weight_ih_l0".into(),
            expected: vec![16, 3],
            found: vec![12, 3],
        }
    );
    assert!(err.to_string().contains("expected [16, 3], found [12, 3]"));
    // Wrong hidden size.
    let err = LstmConfig::new(3, 5)
        .with_num_layers(2)
        .init(&device())
        .load_pytorch(fixture_dir().join("lstm_l2_uni_bias_zero/weights.pt"))
        .unwrap_err();
    assert!(
        matches!(err, WeightFileError::ShapeMismatch { .. }),
        "{err}"
    );
}

#[test]
fn tensor_of_the_wrong_dtype_is_named() {
    // A float64 state_dict, hand-written in the safetensors layout:
    // 8-byte header length, JSON header, raw little-endian data.
    let layer = SimpleRnnConfig::new(1, 1).with_bias(false).init(&device());
    let header = r#"{"weight_ih_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},"weight_hh_l0":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&0.5f64.to_le_bytes());
    bytes.extend_from_slice(&0.25f64.to_le_bytes());
    let path = common::scratch("layer_errors/dtype").join("f64.safetensors");
    std::fs::write(&path, bytes).expect("write");
    let err = layer.load_pytorch(&path).unwrap_err();
    match &err {
        WeightFileError::DTypeMismatch {
            expected, found, ..
        } => {
            assert_eq!(expected, "F32");
            assert_eq!(found, "F64");
        }
        other => panic!("expected WeightDTypeMismatch, found {other}"),
    }
}

/// A Burnpack file (what `SequenceModel::save` or burn-store's `BurnpackStore` writes) is
/// recognised by its magic bytes, whatever its extension, and the error names the calls that
/// read it.
#[test]
fn a_burnpack_file_is_named_with_the_calls_that_read_it() {
    use burn::store::{BurnpackStore, ModuleSnapshot};
    use recurrent::model::{CellType, SequenceModelConfig};

    let dir = common::scratch("layer_errors/burnpack");
    let device = device();
    SequenceModelConfig::new(CellType::Lstm, 3, 4, 1)
        .init(&device)
        .save(dir.join("model"))
        .unwrap();
    let module = dir.join("lstm.bpk");
    lstm(&device)
        .save_into(
            &mut BurnpackStore::from_file(&module)
                .auto_extension(false)
                .overwrite(true),
        )
        .unwrap();
    let renamed = dir.join("lstm.pt");
    std::fs::copy(&module, &renamed).unwrap();
    for path in [dir.join("model/model.bpk"), module, renamed] {
        let err = lstm(&device).load_pytorch(&path).unwrap_err();
        assert_eq!(err, WeightFileError::BurnpackFile { path: path.clone() });
        let message = err.to_string();
        for needle in [
            "expected a PyTorch (.pt/.pth) or safetensors file",
            "found a Burnpack file",
            "SequenceModel::load(folder)",
            "ModelFile::open(folder)",
            "BurnpackStore",
        ] {
            assert!(
                message.contains(needle),
                "{path:?}: {needle:?} in {message}"
            );
        }
    }
}

/// A whole model's `state_dict` read without the prefix of the layer's attribute (or with
/// another one) names the prefix it found and the call that reads it.
#[test]
fn weights_under_another_prefix_suggest_load_pytorch_prefixed() {
    let two_way = || {
        LstmConfig::new(3, 4)
            .with_num_layers(2)
            .with_bidirectional(true)
            .init(&device())
    };
    // model.rnn = nn.LSTM(3, 4, num_layers=2, bidirectional=True), beside model.head.
    let path = fixture_dir().join("prefixed_model/model.pt");
    let err = two_way().load_pytorch(&path).unwrap_err();
    assert_eq!(
        err,
        WeightFileError::WeightsUnderPrefix {
            path: path.clone(),
            expected: "weight_ih_l0".into(),
            prefixes: vec!["rnn.".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "weights under another prefix in {path:?}: expected a tensor named \"weight_ih_l0\", found this layer's weights under the prefix \"rnn.\": load them with load_pytorch_prefixed(path, \"rnn.\")"
        )
    );
    let err = two_way()
        .load_pytorch_prefixed(&path, "encoder.")
        .unwrap_err();
    assert!(
        matches!(&err, WeightFileError::WeightsUnderPrefix { expected, prefixes, .. }
            if expected == "encoder.weight_ih_l0" && prefixes == &["rnn."]),
        "{err}"
    );

    // A layer's own file read with a prefix: the weights are under none.
    let path = fixture_dir().join("lstm_l2_uni_bias_zero/weights.pt");
    let err = lstm(&device())
        .load_pytorch_prefixed(&path, "rnn.")
        .unwrap_err();
    assert!(
        matches!(&err, WeightFileError::WeightsUnderPrefix { prefixes, .. } if prefixes == &[""]),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("load them with load_pytorch(path)"),
        "{err}"
    );

    // A cell inside a model: model.cell = nn.LSTMCell(3, 4), beside model.head.
    let path = fixture_dir()
        .with_file_name("pytorch_cells")
        .join("lstm_cell_bias/model.pt");
    let err = LstmConfig::new(3, 4)
        .init(&device())
        .load_pytorch(&path)
        .unwrap_err();
    assert!(
        matches!(&err, WeightFileError::WeightsUnderPrefix { prefixes, .. } if prefixes == &["cell."]),
        "{err}"
    );
    LstmConfig::new(3, 4)
        .init(&device())
        .load_pytorch_prefixed(&path, "cell.")
        .unwrap();
}

/// A one-layer unidirectional layer takes nn.LSTM's keys or nn.LSTMCell's: a file with
/// neither names both. Deeper layers take the layer's keys only.
#[test]
fn a_file_with_neither_the_layers_nor_the_cells_keys_names_both() {
    // A safetensors file with one unrelated tensor, written by hand.
    let header = r#"{"linear.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&0.5f32.to_le_bytes());
    let path = common::scratch("layer_errors/neither").join("linear.safetensors");
    std::fs::write(&path, bytes).expect("write");
    let err = GruConfig::new(3, 4)
        .init(&device())
        .load_pytorch(&path)
        .unwrap_err();
    assert_eq!(
        err,
        WeightFileError::MissingLayerOrCellWeight {
            path: path.clone(),
            key: "weight_ih_l0".into(),
            cell_key: "weight_ih".into(),
            found: "linear.weight".into(),
        }
    );
    let message = err.to_string();
    for needle in [
        "\"weight_ih_l0\" (as nn.RNN, nn.LSTM",
        "\"weight_ih\" (as nn.RNNCell",
        "found neither",
        "linear.weight",
    ] {
        assert!(message.contains(needle), "{needle:?} in {message}");
    }
    // A two-layer LSTM given a cell's state dict misses its layer names.
    let cell = fixture_dir()
        .with_file_name("pytorch_cells")
        .join("lstm_cell_bias/weights.pt");
    let err = lstm(&device()).load_pytorch(&cell).unwrap_err();
    assert_eq!(
        err,
        WeightFileError::MissingWeight {
            path: cell,
            key: "weight_ih_l0".into(),
            found: "bias_hh, bias_ih, weight_hh, weight_ih".into(),
        }
    );
}

#[test]
fn saving_to_an_unsupported_format_is_refused() {
    let dir = common::scratch("layer_errors/unsupported");
    let err = lstm(&device())
        .save_pytorch(dir.join("lstm.pt"))
        .unwrap_err();
    assert_eq!(
        err,
        WeightFileError::UnsupportedFormat {
            path: dir.join("lstm.pt"),
            found: ".pt".into()
        }
    );
    assert!(!dir.join("lstm.pt").exists());
}

#[test]
fn a_failed_save_keeps_the_earlier_file() {
    let dir = common::scratch("layer_errors/failed_save");
    let path = dir.join("lstm.safetensors");
    let device = device();
    let first = lstm(&device);
    first.save_pytorch(&path).expect("first save");
    let before = std::fs::read(&path).expect("read");
    // Saving into a folder that does not exist fails without touching anything else.
    let err = lstm(&device)
        .save_pytorch(dir.join("missing/lstm.safetensors"))
        .unwrap_err();
    assert!(matches!(err, WeightFileError::SaveFailed { .. }), "{err}");
    // A target that cannot be replaced (a non-empty folder) fails at the rename, after the
    // temporary file was written: the error is reported and the temporary file removed.
    let blocked = dir.join("blocked.safetensors");
    std::fs::create_dir_all(blocked.join("inside")).expect("folder");
    let err = lstm(&device).save_pytorch(&blocked).unwrap_err();
    assert!(matches!(err, WeightFileError::SaveFailed { .. }), "{err}");
    assert!(blocked.join("inside").is_dir());
    assert_eq!(std::fs::read(&path).expect("read"), before);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn lengths_must_number_one_per_sequence() {
    let input = Tensor::<3>::zeros([2, 5, 3], &device());
    let err = lstm(&device())
        .try_forward_with_lengths(input, &[5, 3, 1], None)
        .unwrap_err();
    assert_eq!(
        err,
        LayerError::LengthCountMismatch {
            expected: 2,
            found: 3
        }
    );
    assert!(
        err.to_string()
            .contains("expected one length per sequence in the batch (2), found 3"),
        "{err}"
    );
}

#[test]
fn a_length_of_zero_or_past_the_input_is_rejected() {
    for (lengths, sequence, length) in [([5, 0], 1, 0), ([6, 2], 0, 6)] {
        let input = Tensor::<3>::zeros([2, 5, 3], &device());
        let err = GruConfig::new(3, 4)
            .init(&device())
            .try_forward_with_lengths(input, &lengths, None)
            .unwrap_err();
        assert_eq!(
            err,
            LayerError::InvalidSequenceLength {
                sequence,
                length,
                max: 5
            }
        );
        assert!(err.to_string().contains("expected 1 to 5 steps"), "{err}");
    }
    // Issue 15: an input of one step said "expected 1 to 1 steps".
    let err = GruConfig::new(3, 4)
        .init(&device())
        .try_forward_with_lengths(Tensor::<3>::zeros([1, 1, 3], &device()), &[2], None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid length for sequence 0: expected 1 to 1 step (the input's padded length), found 2"
    );
}

#[test]
#[should_panic(expected = "invalid length for sequence 0: expected 1 to 5 steps")]
fn forward_with_lengths_panics_with_the_same_message() {
    let input = Tensor::<3>::zeros([1, 5, 3], &device());
    let _ = SimpleRnnConfig::new(3, 4)
        .init(&device())
        .forward_with_lengths(input, &[9], None);
}

#[test]
fn proj_size_not_below_hidden_size_is_rejected() {
    for proj_size in [4, 9] {
        let err = LstmConfig::new(3, 4)
            .with_proj_size(proj_size)
            .try_init(&device())
            .unwrap_err();
        assert_eq!(
            err,
            LayerError::ProjSizeTooLarge {
                proj_size,
                hidden_size: 4
            }
        );
        assert!(
            err.to_string()
                .contains(&format!("smaller than hidden_size (4), found {proj_size}")),
            "{err}"
        );
    }
    assert!(
        LstmConfig::new(3, 4)
            .with_proj_size(3)
            .try_init(&device())
            .is_ok()
    );
}

#[test]
fn proj_size_on_a_gru_or_rnn_model_is_rejected() {
    use recurrent::model::{CellType, ModelError, SequenceModelConfig};
    for (cell, name) in [(CellType::Gru, "GRU"), (CellType::Rnn, "RNN")] {
        let err = SequenceModelConfig::new(cell, 3, 4, 1)
            .with_proj_size(Some(2))
            .try_init(&device())
            .unwrap_err();
        assert!(
            matches!(
                &err,
                ModelError::Layer(LayerError::ProjSizeOnNonLstm { cell, proj_size: 2 }) if *cell == name
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("proj_size applies to the LSTM only")
        );
    }
    // On the LSTM, the head reads D * proj_size features.
    let model = SequenceModelConfig::new(CellType::Lstm, 3, 4, 1)
        .with_proj_size(Some(2))
        .with_bidirectional(true)
        .init(&device());
    assert_eq!(model.head.weight.dims(), [4, 1]);
}

#[test]
fn a_projected_lstm_state_is_checked_against_proj_size() {
    let device = device();
    let layer = LstmConfig::new(3, 4).with_proj_size(2).init(&device);
    let input = Tensor::zeros([2, 5, 3], &device);
    // A hidden state of hidden_size features, where proj_size is expected.
    let state = RecurrentState::lstm(
        Tensor::zeros([1, 2, 4], &device),
        Tensor::zeros([1, 2, 4], &device),
    );
    let err = layer.try_forward(input.clone(), Some(state)).unwrap_err();
    assert_eq!(
        err,
        LayerError::StateShapeMismatch {
            which: "hidden",
            size: "proj_size",
            expected: [1, 2, 2],
            found: [1, 2, 4]
        }
    );
    assert!(
        err.to_string()
            .contains("[num_layers * num_directions, batch, proj_size]")
    );
    // The cell state keeps hidden_size.
    let state = RecurrentState::lstm(
        Tensor::zeros([1, 2, 2], &device),
        Tensor::zeros([1, 2, 2], &device),
    );
    let err = layer.try_forward(input, Some(state)).unwrap_err();
    assert!(
        matches!(
            err,
            LayerError::StateShapeMismatch {
                which: "cell",
                size: "hidden_size",
                expected: [1, 2, 4],
                ..
            }
        ),
        "{err}"
    );
}

/// The PyTorch file's LSTM with `proj_size = 2`: `nn.LSTM(3, 4, proj_size=2)`.
fn projected_weights() -> std::path::PathBuf {
    fixture_dir()
        .with_file_name("pytorch_proj")
        .join("lstm_proj_l1_uni_bias_zero/weights.pt")
}

#[test]
fn a_file_without_the_projection_is_named() {
    let path = fixture_dir().join("lstm_l1_uni_bias_zero/weights.pt");
    let err = LstmConfig::new(3, 4)
        .with_proj_size(2)
        .init(&device())
        .load_pytorch(&path)
        .unwrap_err();
    assert_eq!(
        err,
        WeightFileError::MissingProjection {
            path,
            key: "weight_hr_l0".into(),
            proj_size: 2
        }
    );
    assert!(
        err.to_string().contains("an LSTM without proj_size"),
        "{err}"
    );
}

#[test]
fn a_file_with_a_projection_the_layer_lacks_is_named() {
    let path = projected_weights();
    let err = LstmConfig::new(3, 4)
        .init(&device())
        .load_pytorch(&path)
        .unwrap_err();
    assert_eq!(
        err,
        WeightFileError::UnexpectedProjection {
            path,
            key: "weight_hr_l0".into(),
            shape: vec![2, 4]
        }
    );
    assert!(err.to_string().contains("with_proj_size(2)"), "{err}");
}

#[test]
fn a_file_of_another_proj_size_is_named() {
    let path = projected_weights();
    let err = LstmConfig::new(3, 4)
        .with_proj_size(3)
        .init(&device())
        .load_pytorch(&path)
        .unwrap_err();
    assert_eq!(
        err,
        WeightFileError::ProjSizeMismatch {
            path,
            key: "weight_hr_l0".into(),
            expected: 3,
            found: 2
        }
    );
}
