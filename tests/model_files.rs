//! `SequenceModel::save` and `SequenceModel::load`: a model folder (`model.bpk`, the weights
//! with the config in its metadata, and `model.json`, a copy of the config to read) that loads
//! for inference alone, on any backend, and every way loading it can fail; and the same folder
//! for a model of your own (`recurrent::model::save`, `save_with_config`, `ModelFile`).

mod common;

use std::path::{Path, PathBuf};

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::store::burn_pack::Reader;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Device, Tensor, TensorData};
use common::{cpu_devices, scratch};
use recurrent::data::SumSignConfig;
use recurrent::model::Trainable;
use recurrent::model::{
    self, CellType, ModelFile, ModelOutput, Readout, SequenceModel, SequenceModelConfig,
};
use recurrent::train::{Fitted, Objective, ProgressMode, Trainer, TrainerConfig};
use recurrent::{GruConfig, Lstm, LstmConfig, ModelError, Nonlinearity, Recurrent};

const INPUT: usize = 3;

/// A fixed batch `[4, 6, INPUT]` of real numbers.
fn inputs(device: &Device) -> Tensor<3> {
    let values: Vec<f32> = (0..4 * 6 * INPUT)
        .map(|i| (i as f32 * 0.61).sin() * 1.5)
        .collect();
    Tensor::from_data(TensorData::new(values, [4, 6, INPUT]), device)
}

/// The model's predictions for [`inputs`], flattened, with their shape.
fn predictions(model: &SequenceModel, device: &Device) -> (Vec<f32>, Vec<usize>) {
    let (values, shape) = match model.forward(inputs(device)) {
        ModelOutput::PerSequence(t) => (t.clone().into_data(), t.dims().to_vec()),
        ModelOutput::PerStep(t) => (t.clone().into_data(), t.dims().to_vec()),
    };
    (values.convert::<f32>().try_to_vec::<f32>().unwrap(), shape)
}

fn small(cell: CellType) -> SequenceModelConfig {
    SequenceModelConfig::new(cell, INPUT, 5, 2)
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A saved model's folder, holding a small GRU.
fn saved(name: &str) -> (PathBuf, SequenceModel) {
    let dir = scratch(&format!("model_files/{name}"));
    let model = small(CellType::Gru)
        .with_seed(Some(3))
        .init(&common::default_cpu());
    model.save(&dir).unwrap();
    (dir, model)
}

/// The metadata key `SequenceModel::save` keeps the config under in `model.bpk`.
const CONFIG_KEY: &str = "recurrent.model";

/// The config text saved in `dir/model.bpk`'s metadata.
fn saved_config_text(dir: &Path) -> String {
    Reader::from_file_exact(dir.join("model.bpk"))
        .unwrap()
        .metadata()
        .get(CONFIG_KEY)
        .expect("a saved model keeps its config in model.bpk")
        .clone()
}

/// Writes `dir/model.bpk` by hand: `model`'s tensors, and `config` (or nothing) as the
/// config in its metadata, for files `save` never writes.
fn write_model_file(dir: &Path, model: &SequenceModel, config: Option<&str>) {
    let mut store = BurnpackStore::from_file(dir.join("model.bpk"))
        .auto_extension(false)
        .overwrite(true);
    if let Some(config) = config {
        store = store.metadata(CONFIG_KEY, config);
    }
    model.save_into(&mut store).unwrap();
}

fn load_err(dir: &Path) -> ModelError {
    match SequenceModel::load(dir, &common::default_cpu()) {
        Ok(_) => panic!("{dir:?} loaded"),
        Err(e) => e,
    }
}

/// Saved on each CPU backend, loaded on each CPU backend (so across backends when more than
/// one is compiled in) and on each one's autodiff variant (where training resumes): the same
/// config and exactly the same numbers.
#[test]
fn every_cell_direction_depth_and_readout_round_trips_onto_every_cpu_and_autodiff_device() {
    let readouts = [
        Readout::Last,
        Readout::Mean,
        Readout::LastAndMean,
        Readout::All,
    ];
    let mut configs = Vec::new();
    for cell in [CellType::Rnn, CellType::Lstm, CellType::Gru] {
        for (i, readout) in readouts.into_iter().enumerate() {
            // One layer one way, and two layers both ways with dropout between them.
            configs.push(small(cell).with_readout(readout).with_seed(Some(i as u64)));
            configs.push(
                small(cell)
                    .with_readout(readout)
                    .with_num_layers(2)
                    .with_bidirectional(true)
                    .with_dropout(0.25)
                    .with_nonlinearity(Nonlinearity::Relu)
                    .with_seed(if i % 2 == 0 {
                        None
                    } else {
                        Some(40 + i as u64)
                    }),
            );
        }
    }
    let devices = cpu_devices();
    let loaders: Vec<(String, Device)> = devices
        .iter()
        .flat_map(|(name, device)| {
            [
                (name.to_string(), device.clone()),
                (format!("{name} (autodiff)"), device.clone().autodiff()),
            ]
        })
        .collect();
    for (saver, device) in &devices {
        for (k, config) in configs.iter().enumerate() {
            let what = format!("{config:?} saved on {saver}");
            let dir = scratch(&format!("model_files/round_trip/{saver}/{k}"));
            let model = config.init(device);
            model.save(&dir).unwrap();
            assert_eq!(listing(&dir), ["model.bpk", "model.json"], "{what}");
            let fresh = config.clone().with_seed(Some(1000)).init(device);
            assert_ne!(
                predictions(&fresh, device),
                predictions(&model, device),
                "{what}: another seed gives the same model"
            );
            for (loader, other) in &loaders {
                let loaded = SequenceModel::load(&dir, other).unwrap();
                assert_eq!(loaded.config(), config, "{what}, loaded on {loader}");
                assert_eq!(loaded.readout(), config.readout, "{what}");
                assert_eq!(loaded.devices()[0], *other, "{what}, loaded on {loader}");
                // On an autodiff device the model trains (dropout on): compare its weights
                // in inference mode, on the backend under it.
                let (loaded, other) = if other.is_autodiff() {
                    (loaded.valid(), other.clone().inner())
                } else {
                    (loaded, other.clone())
                };
                let other = &other;
                // The same weights on the same backend: the same numbers, exactly.
                let original = model.clone().to_device(other);
                let (expected, shape) = predictions(&original, other);
                let (found, found_shape) = predictions(&loaded, other);
                assert_eq!(found_shape, shape, "{what}, loaded on {loader}");
                assert_eq!(found, expected, "{what}, loaded on {loader}");
                assert!(expected.iter().all(|v| v.is_finite()), "{what}");
            }
        }
    }
}

#[test]
fn a_trained_model_reloads_with_the_same_predictions() {
    let device = common::default_cpu();
    let train = SumSignConfig::new().generate(200, 21).unwrap();
    let test = SumSignConfig::new().generate(100, 22).unwrap();
    let model = SequenceModelConfig::new(CellType::Lstm, 1, 16, 1)
        .with_seed(Some(21))
        .init(&device);
    let untrained = model.clone();
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(2)
        .with_progress(ProgressMode::Quiet);
    let fitted = Trainer::new(config).fit(model, &train, None).unwrap();
    assert_eq!(fitted.history.epochs.len(), 2);

    let dir = scratch("model_files/trained");
    fitted.model.save(&dir).unwrap();
    let loaded = SequenceModel::load(&dir, &device).unwrap();
    assert_eq!(loaded.config(), fitted.model.config());

    let batch = || {
        Tensor::<3>::from_data(
            TensorData::new(test.inputs()[..50 * 10].to_vec(), [50, 10, 1]),
            &device,
        )
    };
    let values = |output: ModelOutput| match output {
        ModelOutput::PerSequence(t) => t.into_data().try_to_vec::<f32>().unwrap(),
        ModelOutput::PerStep(_) => unreachable!(),
    };
    let trained = values(fitted.model.forward(batch()));
    assert_eq!(values(loaded.forward(batch())), trained);
    // Training changed the weights, so the file holds the trained ones.
    assert_ne!(values(untrained.forward(batch())), trained);

    // And the loaded model, wrapped for prediction, scores and predicts exactly as the trained
    // one did.
    let reloaded = Fitted::from_model(loaded, Objective::BinaryClassification);
    assert!(reloaded.history.epochs.is_empty());
    assert_eq!(
        reloaded.evaluate(&test).unwrap(),
        fitted.evaluate(&test).unwrap()
    );
    assert_eq!(
        reloaded.predict_classes(&test).unwrap(),
        fitted.predict_classes(&test).unwrap()
    );
    let sequence: Vec<Vec<f32>> = test.sequence(0).iter().map(|&v| vec![v]).collect();
    assert_eq!(
        reloaded.predict_proba_one(&sequence).unwrap(),
        fitted.predict_proba_one(&sequence).unwrap()
    );
}

#[test]
fn model_json_holds_the_marker_the_version_and_the_config() {
    let dir = scratch("model_files/json").join("nested/folders");
    let config = small(CellType::Rnn)
        .with_num_layers(2)
        .with_readout(Readout::Mean)
        .with_seed(Some(u64::MAX));
    config.init(&common::default_cpu()).save(&dir).unwrap();
    let text = std::fs::read_to_string(dir.join("model.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["format"], "recurrent-sequence-model");
    assert_eq!(json["version"], 1);
    assert_eq!(json["config"]["cell"], "Rnn");
    assert_eq!(json["config"]["hidden_size"], 5);
    assert_eq!(json["config"]["num_layers"], 2);
    assert_eq!(json["config"]["readout"], "Mean");
    assert_eq!(json["config"]["seed"], u64::MAX);
    let loaded = SequenceModel::load(&dir, &common::default_cpu()).unwrap();
    assert_eq!(loaded.config(), &config);
}

#[test]
fn saving_again_replaces_the_model_and_leaves_no_temporary_files() {
    let (dir, _) = saved("replace");
    let device = common::default_cpu();
    let other = SequenceModelConfig::new(CellType::Lstm, INPUT, 7, 1)
        .with_bidirectional(true)
        .init(&device);
    other.save(&dir).unwrap();
    assert_eq!(listing(&dir), ["model.bpk", "model.json"]);
    let loaded = SequenceModel::load(&dir, &device).unwrap();
    assert_eq!(loaded.config(), other.config());
    assert_eq!(predictions(&loaded, &device), predictions(&other, &device));
}

// ---- failed saves ----

#[test]
fn a_failed_save_leaves_the_earlier_save_intact() {
    let (dir, model) = saved("failed_save");
    let device = common::default_cpu();
    let before = (
        std::fs::read(dir.join("model.bpk")).unwrap(),
        std::fs::read(dir.join("model.json")).unwrap(),
    );
    // A folder where the weights' temporary file goes (`.model.bpk.<pid>.tmp`, beside the
    // target) makes the weights' write fail.
    let blocker = dir.join(format!(".model.bpk.{}.tmp", std::process::id()));
    std::fs::create_dir(&blocker).unwrap();
    let other = SequenceModelConfig::new(CellType::Rnn, INPUT, 9, 4).init(&device);
    let err = other.save(&dir).unwrap_err();
    assert!(
        matches!(&err, ModelError::SaveFailed { path, .. } if *path == dir.join("model.bpk")),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "could not save the model to {:?}: ",
            dir.join("model.bpk")
        )),
        "{err}"
    );
    let after = (
        std::fs::read(dir.join("model.bpk")).unwrap(),
        std::fs::read(dir.join("model.json")).unwrap(),
    );
    assert!(after == before, "the earlier files changed");
    let loaded = SequenceModel::load(&dir, &device).unwrap();
    assert_eq!(loaded.config(), model.config());
    assert_eq!(predictions(&loaded, &device), predictions(&model, &device));
    // Nothing but the earlier files and the blocker.
    let mut expected = vec![
        blocker.file_name().unwrap().to_string_lossy().into_owned(),
        "model.bpk".to_string(),
        "model.json".to_string(),
    ];
    expected.sort();
    assert_eq!(listing(&dir), expected);

    // Without the blocker the same save goes through.
    std::fs::remove_dir(&blocker).unwrap();
    other.save(&dir).unwrap();
    assert_eq!(
        SequenceModel::load(&dir, &device).unwrap().config(),
        other.config()
    );
}

#[test]
fn weights_that_cannot_be_written_leave_no_config_and_no_temporary_file() {
    let dir = scratch("model_files/bpk_is_a_folder");
    // A folder at model.bpk: the rename over it fails.
    std::fs::create_dir(dir.join("model.bpk")).unwrap();
    let model = small(CellType::Lstm).init(&common::default_cpu());
    let err = model.save(&dir).unwrap_err();
    match &err {
        ModelError::SaveFailed { path, reason } => {
            assert_eq!(*path, dir.join("model.bpk"));
            assert!(!reason.is_empty());
        }
        other => panic!("expected SaveFailed, found {other:?}"),
    }
    assert!(
        err.to_string().starts_with(&format!(
            "could not save the model to {:?}: ",
            dir.join("model.bpk")
        )),
        "{err}"
    );
    // The weights come first: no model.json describes weights that are not there.
    assert_eq!(listing(&dir), ["model.bpk"]);
    assert!(dir.join("model.bpk").is_dir());
}

#[test]
fn a_folder_that_cannot_be_created_is_a_write_error() {
    let dir = scratch("model_files/dir_is_a_file");
    let file = dir.join("taken");
    std::fs::write(&file, b"not a folder").unwrap();
    let model = small(CellType::Rnn).init(&common::default_cpu());
    let err = model.save(&file).unwrap_err();
    assert!(
        matches!(&err, ModelError::SaveFailed { path, .. } if *path == file),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("could not save the model to {file:?}: ")),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

// ---- missing files, and model.json ----

#[test]
fn a_missing_folder_or_weight_file_names_its_path() {
    let dir = scratch("model_files/missing").join("nothing_here");
    let err = load_err(&dir);
    assert_eq!(err, ModelError::FileNotFound { path: dir.clone() });
    assert!(err.to_string().contains("nothing_here"), "{err}");
    assert!(err.to_string().contains("expected"), "{err}");

    let (dir, _) = saved("missing_bpk");
    std::fs::remove_file(dir.join("model.bpk")).unwrap();
    let err = load_err(&dir);
    assert_eq!(
        err,
        ModelError::FileNotFound {
            path: dir.join("model.bpk")
        }
    );
    assert!(err.to_string().contains("model.bpk"), "{err}");
}

/// `SequenceModel::load` (or `ModelFile::open`) given the `model.bpk` instead of its folder,
/// or another file, says what it expected and which folder to give.
#[test]
fn a_file_given_instead_of_the_folder_names_the_folder() {
    let (dir, _) = saved("file_for_folder");
    let bpk = dir.join("model.bpk");
    let err = load_err(&bpk);
    assert_eq!(
        err,
        ModelError::NotAFolder {
            path: bpk.clone(),
            folder: Some(dir.clone()),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "not a model folder: expected the folder that SequenceModel::save or recurrent::model::save wrote (holding model.bpk), found a file at {bpk:?} (give its folder {dir:?})"
        )
    );
    assert_eq!(ModelFile::open(&bpk).unwrap_err(), err);

    // Another file: no folder to suggest.
    let json = dir.join("model.json");
    let err = load_err(&json);
    assert_eq!(
        err,
        ModelError::NotAFolder {
            path: json,
            folder: None
        }
    );
    assert!(
        err.to_string()
            .ends_with(&format!("found a file at {:?}", dir.join("model.json"))),
        "{err}"
    );
}

/// `model.json` is for reading: the model loads from `model.bpk` alone, whatever happened to
/// the copy.
#[test]
fn model_json_is_a_copy_that_loading_does_not_need() {
    let (dir, model) = saved("json_copy");
    let device = common::default_cpu();
    let json = dir.join("model.json");
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        saved_config_text(&dir)
    );
    for damage in ["{\"format\": ", ""] {
        std::fs::write(&json, damage).unwrap();
        let loaded = SequenceModel::load(&dir, &device).unwrap();
        assert_eq!(loaded.config(), model.config());
        assert_eq!(predictions(&loaded, &device), predictions(&model, &device));
    }
    std::fs::remove_file(&json).unwrap();
    let loaded = SequenceModel::load(&dir, &device).unwrap();
    assert_eq!(loaded.config(), model.config());
}

/// A save whose `model.json` cannot be written still saved the model: `model.bpk` holds the
/// new weights with their own config, so the folder never pairs weights with another
/// model's config.
#[test]
fn a_save_that_fails_at_model_json_has_saved_the_model() {
    let (dir, _) = saved("json_fails");
    let device = common::default_cpu();
    let blocker = dir.join(format!(".model.json.{}.tmp", std::process::id()));
    std::fs::create_dir(&blocker).unwrap();
    let other = SequenceModelConfig::new(CellType::Lstm, INPUT, 4, 3)
        .with_readout(Readout::Mean)
        .init(&device);
    let err = other.save(&dir).unwrap_err();
    assert!(
        matches!(&err, ModelError::SaveFailed { path, .. } if *path == dir.join("model.json")),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "could not save the model to {:?}: ",
            dir.join("model.json")
        )),
        "{err}"
    );
    let loaded = SequenceModel::load(&dir, &device).unwrap();
    assert_eq!(loaded.config(), other.config());
    assert_eq!(predictions(&loaded, &device), predictions(&other, &device));
    std::fs::remove_dir(&blocker).unwrap();
}

// ---- the config in model.bpk ----

fn unreadable_reason(err: ModelError, file: &Path) -> String {
    match err {
        ModelError::FileUnreadable { path, reason } => {
            assert_eq!(path, file);
            reason
        }
        other => panic!("expected FileUnreadable for {file:?}, found {other:?}"),
    }
}

fn mismatch(err: ModelError, file: &Path) -> (String, String, String) {
    match err {
        ModelError::FileMismatch {
            path,
            what,
            expected,
            found,
        } => {
            assert_eq!(path, file);
            (what, expected, found)
        }
        other => panic!("expected ModelFileMismatch for {file:?}, found {other:?}"),
    }
}

/// The reason of a `ConfigMismatch` for `file`, which must expect a `SequenceModelConfig`.
fn config_mismatch(err: ModelError, file: &Path) -> String {
    match err {
        ModelError::ConfigMismatch {
            path,
            expected,
            reason,
        } => {
            assert_eq!(path, file);
            assert_eq!(expected, "SequenceModelConfig");
            reason
        }
        other => panic!("expected ConfigMismatch for {file:?}, found {other:?}"),
    }
}

#[test]
fn weights_without_a_config_name_the_metadata_key() {
    let (dir, model) = saved("no_config");
    write_model_file(&dir, &model, None);
    let err = load_err(&dir);
    let message = err.to_string();
    let reason = unreadable_reason(err, &dir.join("model.bpk"));
    assert!(reason.contains("\"recurrent.model\""), "{reason}");
    assert!(reason.contains("found none"), "{reason}");
    assert!(message.contains("model.bpk"), "{message}");
}

#[test]
fn a_config_that_is_not_json_names_the_parse_error() {
    let (dir, model) = saved("not_json");
    write_model_file(
        &dir,
        &model,
        Some("{\"format\": \"recurrent-sequence-model\", "),
    );
    let reason = unreadable_reason(load_err(&dir), &dir.join("model.bpk"));
    assert!(reason.contains("expected JSON"), "{reason}");
    assert!(reason.contains("EOF"), "{reason}");
}

#[test]
fn a_config_that_is_no_model_config_names_what_is_missing() {
    let (dir, model) = saved("not_a_config");
    let bpk = dir.join("model.bpk");
    let good = saved_config_text(&dir);
    let with_config = |text: &str| {
        write_model_file(&dir, &model, Some(text));
        load_err(&dir)
    };

    // The marker and version, but a config without its cell.
    let reason = config_mismatch(
        with_config(
            r#"{"format": "recurrent-sequence-model", "version": 1,
                "config": {"input_size": 3, "hidden_size": 5, "output_size": 2}}"#,
        ),
        &bpk,
    );
    assert!(reason.contains("missing field `cell`"), "{reason}");

    // A cell of the wrong type.
    let err = with_config(
        r#"{"format": "recurrent-sequence-model", "version": 1,
            "config": {"cell": "Transformer", "input_size": 3, "hidden_size": 5,
                       "output_size": 2, "num_layers": 1, "bidirectional": false,
                       "dropout": 0.0, "nonlinearity": "Tanh", "readout": "Last"}}"#,
    );
    assert!(
        err.to_string().starts_with(&format!(
            "config mismatch in model file {bpk:?}: expected a SequenceModelConfig, found: "
        )),
        "{err}"
    );
    assert!(config_mismatch(err, &bpk).contains("Transformer"));

    // No config at all.
    let err = with_config(r#"{"format": "recurrent-sequence-model", "version": 1}"#);
    assert_eq!(err, ModelError::NoConfig { path: bpk.clone() });
    assert!(err.to_string().contains("found none"), "{err}");

    // A config the model cannot be built from: try_init's own error.
    let mut value: serde_json::Value = serde_json::from_str(&good).unwrap();
    value["config"]["output_size"] = 0.into();
    assert_eq!(with_config(&value.to_string()), ModelError::ZeroOutputSize);
}

#[test]
fn a_wrong_format_marker_or_version_is_a_mismatch() {
    let (dir, model) = saved("marker");
    let bpk = dir.join("model.bpk");
    let good: serde_json::Value = serde_json::from_str(&saved_config_text(&dir)).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = good.clone();
        edit(&mut value);
        write_model_file(&dir, &model, Some(&value.to_string()));
        load_err(&dir)
    };

    // Some other JSON: a history, say.
    write_model_file(&dir, &model, Some(r#"{"epochs": []}"#));
    let (what, expected, found) = mismatch(load_err(&dir), &bpk);
    assert_eq!(what, "format");
    assert_eq!(expected, "\"recurrent-sequence-model\"");
    assert_eq!(found, "no \"format\" field");

    let err = with(&|v| v["format"] = "burnpack".into());
    assert_eq!(
        err.to_string(),
        format!(
            "model file {bpk:?} does not match: format: expected \"recurrent-sequence-model\", found \"burnpack\""
        )
    );

    let (what, expected, found) = mismatch(with(&|v| v["version"] = 2.into()), &bpk);
    assert_eq!((what.as_str(), expected.as_str()), ("version", "1"));
    assert_eq!(found, "2");

    let (what, _, found) = mismatch(with(&|v| v["version"] = "1".into()), &bpk);
    assert_eq!((what.as_str(), found.as_str()), ("version", "\"1\""));

    let (_, _, found) = mismatch(
        with(&|v| {
            v.as_object_mut().unwrap().remove("version");
        }),
        &bpk,
    );
    assert_eq!(found, "no \"version\" field");

    // Put back, it loads again.
    write_model_file(&dir, &model, Some(&good.to_string()));
    SequenceModel::load(&dir, &common::default_cpu()).unwrap();
}

// ---- the tensors in model.bpk ----

#[test]
fn a_truncated_or_corrupt_weight_file_gives_burn_stores_reason() {
    let (dir, _) = saved("corrupt");
    let bpk = dir.join("model.bpk");
    let good = std::fs::read(&bpk).unwrap();

    // Cut in the tensor data.
    std::fs::write(&bpk, &good[..good.len() - 9]).unwrap();
    let err = load_err(&dir);
    let message = err.to_string();
    let reason = unreadable_reason(err, &bpk);
    assert!(
        reason.starts_with("expected a Burnpack file, found: "),
        "{reason}"
    );
    assert!(message.contains("model.bpk"), "{message}");

    // Cut in the header.
    std::fs::write(&bpk, &good[..3]).unwrap();
    let reason = unreadable_reason(load_err(&dir), &bpk);
    assert!(
        reason.starts_with("expected a Burnpack file, found: "),
        "{reason}"
    );

    // Empty.
    std::fs::write(&bpk, b"").unwrap();
    unreadable_reason(load_err(&dir), &bpk);

    // Not Burnpack at all.
    let mut garbage = good.clone();
    garbage[..4].copy_from_slice(b"PK\x03\x04");
    std::fs::write(&bpk, &garbage).unwrap();
    let reason = unreadable_reason(load_err(&dir), &bpk);
    assert!(reason.contains("magic"), "{reason}");

    // Its metadata scrambled.
    let mut scrambled = good.clone();
    for b in scrambled.iter_mut().skip(16).take(64) {
        *b = !*b;
    }
    std::fs::write(&bpk, &scrambled).unwrap();
    match load_err(&dir) {
        ModelError::FileUnreadable { path, .. } | ModelError::FileMismatch { path, .. } => {
            assert_eq!(path, bpk)
        }
        other => panic!("expected an error naming {bpk:?}, found {other:?}"),
    }

    // A folder in its place.
    std::fs::remove_file(&bpk).unwrap();
    std::fs::create_dir(&bpk).unwrap();
    let reason = unreadable_reason(load_err(&dir), &bpk);
    assert!(reason.contains("folder"), "{reason}");
}

/// One bit flipped inside a saved model's tensor data (the file's length and structure
/// unchanged, so Burnpack itself reads it) is caught by the CRC-32 saved with the tensors: the
/// error names the file and both sums, for `SequenceModel::load` and `ModelFile::load` alike.
#[test]
fn a_flipped_bit_in_the_weights_is_detected() {
    let (dir, model) = saved("flipped");
    let bpk = dir.join("model.bpk");
    let mut bytes = std::fs::read(&bpk).unwrap();
    let largest = model
        .collect(None, None, false)
        .into_iter()
        .max_by_key(|t| t.byte_len())
        .unwrap();
    let data = largest.to_bytes().unwrap();
    let at = bytes
        .windows(data.len())
        .position(|w| w == &data[..])
        .expect("the tensor's bytes are in the file");
    bytes[at + data.len() / 2] ^= 0x04;
    std::fs::write(&bpk, &bytes).unwrap();

    let err = load_err(&dir);
    let ModelError::ChecksumMismatch {
        path,
        expected,
        found,
    } = &err
    else {
        panic!("expected a checksum mismatch, found {err}")
    };
    assert_eq!(*path, bpk);
    assert_ne!(expected, found);
    let message = err.to_string();
    for part in [
        "model.bpk",
        &format!("{expected:08x}"),
        &format!("{found:08x}"),
    ] {
        assert!(message.contains(part), "{message}");
    }
    let file = ModelFile::open(&dir).unwrap();
    assert!(
        matches!(file.load(model), Err(ModelError::ChecksumMismatch { .. })),
        "ModelFile::load checks the sum too"
    );
}

#[test]
fn weights_of_another_shape_name_the_tensor_and_both_shapes() {
    let (dir, _) = saved("other_shape");
    let device = common::default_cpu();
    // The tensors of a wider GRU under the saved one's config.
    let wider = SequenceModelConfig::new(CellType::Gru, INPUT, 8, 2).init(&device);
    write_model_file(&dir, &wider, Some(&saved_config_text(&dir)));

    let err = load_err(&dir);
    let message = err.to_string();
    let (what, expected, found) = mismatch(err, &dir.join("model.bpk"));
    assert!(what.starts_with("shape of tensor \""), "{what}");
    assert_ne!(expected, found);
    // The first tensor the loader meets: the GRU's stacked input weights, [3 * hidden, input].
    assert_eq!(
        (expected.as_str(), found.as_str()),
        ("[15, 3]", "[24, 3]"),
        "{message}"
    );
    assert!(
        message.contains(&what) && message.contains(&found),
        "{message}"
    );
}

#[test]
fn weights_of_another_cell_or_depth_name_the_tensors() {
    let device = common::default_cpu();
    let cases = [
        ("cell", small(CellType::Lstm)),
        ("depth", small(CellType::Gru).with_num_layers(2)),
        ("direction", small(CellType::Gru).with_bidirectional(true)),
    ];
    for (name, weights_of) in cases {
        let (dir, _) = saved(&format!("other_{name}"));
        write_model_file(
            &dir,
            &weights_of.init(&device),
            Some(&saved_config_text(&dir)),
        );
        let err = load_err(&dir);
        let message = err.to_string();
        let (what, expected, found) = mismatch(err, &dir.join("model.bpk"));
        assert!(
            what == "tensors" || what.starts_with("shape of tensor"),
            "{name}: {message}"
        );
        assert_ne!(expected, found, "{name}: {message}");
    }
}

// ---- a model of your own ----

/// A user's model: a convolution over time, an LSTM and a linear head.
#[derive(Module, Debug)]
struct ConvLstm {
    conv: Conv1d,
    lstm: Lstm,
    head: Linear,
}

#[derive(Config, Debug, PartialEq)]
struct ConvLstmConfig {
    channels: usize,
    hidden: usize,
}

impl ConvLstmConfig {
    fn init(&self, device: &Device) -> ConvLstm {
        ConvLstm {
            conv: Conv1dConfig::new(INPUT, self.channels, 2).init(device),
            lstm: LstmConfig::new(self.channels, self.hidden).init(device),
            head: LinearConfig::new(self.hidden, 2).init(device),
        }
    }
}

impl Trainable for ConvLstm {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        let x = self.conv.forward(inputs.swap_dims(1, 2)).swap_dims(1, 2);
        let (_, state) = self.lstm.forward(x, None);
        let [_, batch, hidden] = state.hidden.dims();
        ModelOutput::PerSequence(self.head.forward(state.hidden.reshape([batch, hidden])))
    }
    fn input_size(&self) -> usize {
        INPUT
    }
    fn output_size(&self) -> usize {
        2
    }
}

/// Another config type, for a config that is not the one saved.
#[derive(Config, Debug)]
struct OtherConfig {
    layers: Vec<usize>,
}

fn own_predictions(model: &ConvLstm, device: &Device) -> Vec<f32> {
    let ModelOutput::PerSequence(out) = model.forward_sequences(inputs(device)) else {
        unreachable!()
    };
    assert_eq!(out.dims(), [4, 2]);
    out.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap()
}

/// Saved with its config on each CPU backend: the config comes back first, the model built
/// from it takes the weights, on every CPU and autodiff device, with the same numbers.
#[test]
fn a_model_of_your_own_round_trips_with_its_config() {
    let config = ConvLstmConfig::new(4, 6);
    for (saver, device) in cpu_devices() {
        let dir = scratch(&format!("model_files/own/{saver}"));
        let trained = config.init(&device);
        model::save_with_config(&trained, &dir, &config).unwrap();
        assert_eq!(listing(&dir), ["model.bpk", "model.json"]);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap())
                .unwrap();
        assert_eq!(json["format"], "recurrent-model");
        assert_eq!(json["version"], 1);
        assert_eq!(json["config"]["hidden"], 6);
        assert_eq!(
            saved_config_text(&dir),
            std::fs::read_to_string(dir.join("model.json")).unwrap()
        );

        let file = ModelFile::open(&dir).unwrap();
        assert_eq!(file.path(), dir.join("model.bpk"));
        assert!(file.has_config());
        let read: ConvLstmConfig = file.config().unwrap();
        assert_eq!(read, config);
        let expected = own_predictions(&trained, &device);
        assert_ne!(own_predictions(&read.init(&device), &device), expected);
        for (name, other) in cpu_devices() {
            for other in [other.clone(), other.autodiff()] {
                let loaded = file.load(read.init(&other)).unwrap();
                assert_eq!(
                    own_predictions(&loaded, &other),
                    expected,
                    "{saver} -> {name}"
                );
            }
        }
        // Saved again over it: replaced whole, no temporary file left.
        let wider = ConvLstmConfig::new(4, 9);
        model::save_with_config(&wider.init(&device), &dir, &wider).unwrap();
        assert_eq!(listing(&dir), ["model.bpk", "model.json"]);
        assert_eq!(
            ModelFile::open(&dir)
                .unwrap()
                .config::<ConvLstmConfig>()
                .unwrap(),
            wider
        );
    }
}

/// Saved without a config: the model you build loads; asking for a config says there is none.
#[test]
fn a_model_of_your_own_round_trips_without_a_config() {
    let device = common::default_cpu();
    let dir = scratch("model_files/own_no_config");
    let trained = ConvLstmConfig::new(3, 5).init(&device);
    model::save(&trained, &dir).unwrap();
    assert_eq!(listing(&dir), ["model.bpk", "model.json"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    let crc32 = json["crc32"].as_u64().expect("the tensors' CRC-32");
    assert_eq!(
        json,
        serde_json::json!({"format": "recurrent-model", "version": 1, "crc32": crc32})
    );

    let file = ModelFile::open(&dir).unwrap();
    assert!(!file.has_config());
    let err = file.config::<ConvLstmConfig>().unwrap_err();
    assert_eq!(
        err,
        ModelError::NoConfig {
            path: dir.join("model.bpk")
        }
    );
    assert!(err.to_string().contains("recurrent::model::save"), "{err}");
    let loaded = file.load(ConvLstmConfig::new(3, 5).init(&device)).unwrap();
    assert_eq!(
        own_predictions(&loaded, &device),
        own_predictions(&trained, &device)
    );
}

/// A model of another shape, or with other parts, is named by tensor and shapes (not
/// burn-store's debug output); a config of another type by type and serde's reason.
#[test]
fn a_model_of_another_architecture_is_named_by_tensor_and_shapes() {
    let device = common::default_cpu();
    let dir = scratch("model_files/own_mismatch");
    let config = ConvLstmConfig::new(4, 6);
    model::save_with_config(&config.init(&device), &dir, &config).unwrap();
    let file = ModelFile::open(&dir).unwrap();
    let bpk = dir.join("model.bpk");

    // A narrower LSTM: its input weights [4 * hidden, channels].
    let err = file
        .load(ConvLstmConfig::new(4, 5).init(&device))
        .unwrap_err();
    let message = err.to_string();
    let (what, expected, found) = mismatch(err, &bpk);
    assert_eq!(
        what,
        "shape of tensor \"lstm.stack.layers.0.forward.weight_ih\" (the model given to ModelFile::load)"
    );
    assert_eq!((expected.as_str(), found.as_str()), ("[20, 4]", "[24, 4]"));
    assert_eq!(
        message,
        format!("model file {bpk:?} does not match: {what}: expected [20, 4], found [24, 4]")
    );
    assert!(
        !message.contains("ApplyError") && !message.contains('{'),
        "{message}"
    );

    // Another model altogether: the tensors each side lacks.
    let gru = GruConfig::new(INPUT, 6).init(&device);
    let (what, expected, found) = mismatch(file.load(gru).unwrap_err(), &bpk);
    assert_eq!(what, "tensors");
    assert!(
        expected.contains("missing from the file: stack.layers.0.forward.bias_hh"),
        "{expected}"
    );
    assert!(
        found.contains("not in the model: conv.bias, conv.weight"),
        "{found}"
    );

    // A config of another type.
    let err = file.config::<OtherConfig>().unwrap_err();
    match &err {
        ModelError::ConfigMismatch {
            path,
            expected,
            reason,
        } => {
            assert_eq!(path, &bpk);
            assert_eq!(expected, "OtherConfig");
            assert!(reason.contains("missing field `layers`"), "{reason}");
        }
        other => panic!("expected ConfigMismatch, found {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("expected a OtherConfig, found: missing field `layers`"),
        "{err}"
    );

    // A SequenceModel's folder is no model of your own config, but opens as any model file.
    let (seq_dir, seq_model) = saved("own_sequence");
    let seq_file = ModelFile::open(&seq_dir).unwrap();
    let seq_config: SequenceModelConfig = seq_file.config().unwrap();
    let loaded = seq_file.load(seq_config.init(&device)).unwrap();
    assert_eq!(
        predictions(&loaded, &device),
        predictions(&seq_model, &device)
    );
    assert!(matches!(
        seq_file.config::<ConvLstmConfig>(),
        Err(ModelError::ConfigMismatch { .. })
    ));

    // And your own model's folder is no SequenceModel.
    let (what, expected, found) = mismatch(load_err(&dir), &bpk);
    assert_eq!(
        (what.as_str(), expected.as_str()),
        ("format", "\"recurrent-sequence-model\"")
    );
    assert!(
        found.starts_with("\"recurrent-model\" (a model saved by recurrent::model::save"),
        "{found}"
    );
}

/// A missing folder, a corrupt or truncated `model.bpk`, and a `model.bpk` of something else.
#[test]
fn a_missing_or_corrupt_folder_of_your_own_model_is_named() {
    let device = common::default_cpu();
    let missing = scratch("model_files/own_missing").join("nowhere");
    let err = ModelFile::open(&missing).unwrap_err();
    assert_eq!(
        err,
        ModelError::FileNotFound {
            path: missing.clone()
        }
    );
    assert!(err.to_string().contains("nowhere"), "{err}");
    std::fs::create_dir_all(&missing).unwrap();
    assert_eq!(
        ModelFile::open(&missing).unwrap_err(),
        ModelError::FileNotFound {
            path: missing.join("model.bpk")
        }
    );

    let dir = scratch("model_files/own_corrupt");
    let config = ConvLstmConfig::new(4, 6);
    model::save_with_config(&config.init(&device), &dir, &config).unwrap();
    let bpk = dir.join("model.bpk");
    let good = std::fs::read(&bpk).unwrap();

    // Cut in the tensors, cut in the header, or not Burnpack at all.
    let cut = &good[..good.len() - 9];
    for bytes in [cut, &good[..3], b"PK\x03\x04 a zip archive".as_slice()] {
        std::fs::write(&bpk, bytes).unwrap();
        let reason = unreadable_reason(ModelFile::open(&dir).unwrap_err(), &bpk);
        assert!(
            reason.starts_with("expected a Burnpack file, found: "),
            "{reason}"
        );
    }

    // A Burnpack file without the model's entry (burn-store's own save).
    std::fs::remove_file(&bpk).unwrap();
    config
        .init(&device)
        .save_into(&mut BurnpackStore::from_file(&bpk).auto_extension(false))
        .unwrap();
    let reason = unreadable_reason(ModelFile::open(&dir).unwrap_err(), &bpk);
    assert!(
        reason.contains("\"recurrent.model\"") && reason.ends_with("found none"),
        "{reason}"
    );
}

// ---- wgpu ----

/// A model saved on the GPU loads on every CPU backend and back.
#[cfg(feature = "wgpu")]
#[test]
fn a_model_saved_on_wgpu_loads_on_the_cpu_and_back() {
    let gpu = recurrent::device::from_name("wgpu").unwrap_or_else(|e| panic!("{e}"));
    let config = small(CellType::Lstm)
        .with_bidirectional(true)
        .with_num_layers(2)
        .with_seed(Some(5));
    let model = config.init(&gpu);
    let dir = scratch("model_files/wgpu");
    model.save(&dir).unwrap();
    let (on_gpu, shape) = predictions(&model, &gpu);
    for (name, cpu) in cpu_devices() {
        let loaded = SequenceModel::load(&dir, &cpu).unwrap();
        assert_eq!(loaded.config(), &config);
        let (on_cpu, cpu_shape) = predictions(&loaded, &cpu);
        assert_eq!(cpu_shape, shape);
        assert_eq!(on_cpu.len(), on_gpu.len(), "{name}");
        for (a, b) in on_cpu.iter().zip(&on_gpu) {
            assert!((a - b).abs() < 1e-4, "{name}: {a} vs wgpu {b}");
        }
        // Saved on the CPU, loaded on the GPU: the same weights.
        let back = scratch(&format!("model_files/wgpu_from_{name}"));
        loaded.save(&back).unwrap();
        let again = SequenceModel::load(&back, &gpu).unwrap();
        assert_eq!(predictions(&again, &gpu), (on_gpu.clone(), shape.clone()));
    }
}
