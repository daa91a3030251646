//! Training a user can trust: checkpoints and resume, early stopping, stopping on request, and
//! what happens when things go wrong (a killed process, a damaged file, another architecture,
//! a diverging run).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use recurrent::data::{SequenceDataset, SumSignConfig};
use recurrent::model::{CellType, ModelOutput, SequenceModel, SequenceModelConfig, Trainable};
use recurrent::train::{
    CheckpointConfig, CheckpointError, EarlyStoppingConfig, EpochRecord, Fitted, LrSchedule,
    Monitor, Objective, ProgressMode, StopHandle, StopReason, TrainError, Trainer, TrainerConfig,
    evaluate,
};

/// Training draws dropout masks from the device's generator, which `fit` seeds before every
/// step; on flex that generator is shared by the whole process, so the tests here, which
/// compare runs exactly, take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn data(n: usize, seed: u64) -> SequenceDataset {
    SumSignConfig::new().generate(n, seed).unwrap()
}

/// Two LSTM layers with dropout between them: resuming must also reproduce the dropout masks.
fn model(device: &Device) -> SequenceModel {
    SequenceModelConfig::new(CellType::Lstm, 1, 8, 1)
        .with_num_layers(2)
        .with_dropout(0.2)
        .with_seed(Some(5))
        .init(device)
}

fn config(epochs: usize, dir: Option<&Path>) -> TrainerConfig {
    TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(epochs)
        .with_batch_size(16)
        .with_progress(ProgressMode::Quiet)
        .with_checkpoint(dir.map(|dir| CheckpointConfig::new(dir.to_path_buf())))
}

/// Every number of every epoch but the wall-clock ones.
fn numbers(records: &[EpochRecord]) -> Vec<[Option<f64>; 5]> {
    records
        .iter()
        .map(|r| {
            [
                Some(r.train_loss),
                Some(r.train_metric),
                r.valid_loss,
                r.valid_metric,
                Some(r.learning_rate),
            ]
        })
        .collect()
}

fn predictions(fitted: &Fitted<SequenceModel>, data: &SequenceDataset) -> Vec<f32> {
    let ModelOutput::PerSequence(logits) = fitted.model.forward(Tensor::from_data(
        burn::tensor::TensorData::new(data.inputs().to_vec(), [data.len(), data.seq_len(), 1]),
        &fitted.model.devices()[0],
    )) else {
        unreachable!()
    };
    logits.into_data().try_to_vec().unwrap()
}

/// A run stopped after 3 of 6 epochs and resumed gives, on every CPU backend, exactly the
/// numbers of the run that never stopped: losses, metrics, and the final model's outputs.
#[test]
fn a_resumed_run_gives_the_uninterrupted_history() {
    let _serial = serial();
    let (train, valid) = (data(200, 1), data(100, 2));
    for (name, device) in common::cpu_devices() {
        let dir = common::scratch(&format!("checkpoints/resume-{name}"));
        let whole = Trainer::new(config(6, None))
            .fit(model(&device), &train, Some(&valid))
            .unwrap();
        let first = Trainer::new(config(3, Some(&dir)))
            .fit(model(&device), &train, Some(&valid))
            .unwrap();
        assert_eq!(first.history.epochs.len(), 3);
        // A fresh model of the same architecture: its own weights are replaced.
        let fresh = SequenceModelConfig::new(CellType::Lstm, 1, 8, 1)
            .with_num_layers(2)
            .with_dropout(0.2)
            .init(&device);
        let resumed = Trainer::new(config(6, Some(&dir)))
            .resume(&dir, fresh, &train, Some(&valid))
            .unwrap();
        assert_eq!(
            numbers(&resumed.history.epochs),
            numbers(&whole.history.epochs),
            "{name}"
        );
        assert_eq!(
            predictions(&resumed, &valid),
            predictions(&whole, &valid),
            "{name}"
        );
        assert_eq!(resumed.stop_reason, StopReason::Completed);
    }
}

/// A model that asks the trainer to stop during its `stop_at`-th training forward pass (the
/// step then finishes), and can turn into a diverging model after `nan_after` passes.
#[derive(Module, Debug)]
struct Probe {
    inner: SequenceModel,
    #[module(skip)]
    calls: Arc<AtomicUsize>,
    #[module(skip)]
    stop_at: usize,
    #[module(skip)]
    nan_after: usize,
    #[module(skip)]
    stop: Option<StopHandle>,
}

impl Probe {
    fn new(inner: SequenceModel, stop_at: usize, nan_after: usize) -> Self {
        Self {
            inner,
            calls: Arc::new(AtomicUsize::new(0)),
            stop_at,
            nan_after,
            stop: None,
        }
    }
}

impl Trainable for Probe {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call == self.stop_at
            && let Some(stop) = &self.stop
        {
            stop.stop();
        }
        match self.inner.forward(inputs) {
            ModelOutput::PerSequence(logits) if call > self.nan_after => {
                ModelOutput::PerSequence(logits * f32::NAN)
            }
            output => output,
        }
    }
    fn input_size(&self) -> usize {
        1
    }
    fn output_size(&self) -> usize {
        1
    }
}

/// A stop in the middle of an epoch returns the model trained so far and saves a checkpoint of
/// that step; resuming from it finishes with the uninterrupted run's numbers.
#[test]
fn a_run_stopped_mid_epoch_resumes_where_it_stopped() {
    let _serial = serial();
    let device = common::default_cpu();
    let train = data(200, 3); // 13 steps an epoch
    let dir = common::scratch("checkpoints/interrupt");
    let whole = Trainer::new(config(3, None))
        .fit(model(&device), &train, None)
        .unwrap();

    let mut trainer = Trainer::new(config(3, Some(&dir)));
    let mut probe = Probe::new(model(&device), 13 + 5, usize::MAX); // epoch 2, step 5
    probe.stop = Some(trainer.stop_handle());
    let stopped = trainer.fit(probe, &train, None).unwrap();
    assert_eq!(
        stopped.stop_reason,
        StopReason::Interrupted { epoch: 2, step: 5 }
    );
    assert_eq!(stopped.history.epochs.len(), 1);

    let resumed = Trainer::new(config(3, Some(&dir)))
        .resume(
            &dir,
            Probe::new(model(&device), usize::MAX, usize::MAX),
            &train,
            None,
        )
        .unwrap();
    assert_eq!(
        numbers(&resumed.history.epochs),
        numbers(&whole.history.epochs)
    );
}

/// Early stopping ends training once the validation loss has not improved for `patience`
/// epochs, and hands back the best epoch's model.
#[test]
fn early_stopping_stops_and_restores_the_best_model() {
    let _serial = serial();
    let device = common::default_cpu();
    // Few training sequences and a high learning rate: the validation loss turns up early.
    let (train, valid) = (data(32, 4), data(200, 5));
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(200)
        .with_batch_size(8)
        .with_learning_rate(0.05)
        .with_progress(ProgressMode::Quiet)
        .with_early_stopping(Some(EarlyStoppingConfig::new(3)));
    let fitted = Trainer::new(config)
        .fit(model(&device), &train, Some(&valid))
        .unwrap();
    let epochs = fitted.history.epochs.len();
    let best = fitted.best_epoch.unwrap();
    assert_eq!(
        fitted.stop_reason,
        StopReason::EarlyStopped { epoch: epochs }
    );
    assert!(epochs < 200, "stopped after {epochs} epochs");
    assert_eq!(
        epochs,
        best + 3,
        "three epochs without improvement after the best"
    );
    let losses: Vec<f64> = fitted
        .history
        .epochs
        .iter()
        .map(|e| e.valid_loss.unwrap())
        .collect();
    let minimum = losses.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(losses[best - 1], minimum);
    // The model handed back is the best epoch's.
    let restored = evaluate(&fitted.model, Objective::BinaryClassification, &valid).unwrap();
    assert!(
        (restored.loss - minimum).abs() < 1e-6,
        "{} vs {minimum}",
        restored.loss
    );

    // The metric can be monitored instead, and min_delta makes small gains not count.
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(200)
        .with_batch_size(8)
        .with_learning_rate(0.05)
        .with_progress(ProgressMode::Quiet)
        .with_monitor(Monitor::ValidMetric)
        .with_early_stopping(Some(EarlyStoppingConfig::new(2).with_min_delta(0.5)));
    let fitted = Trainer::new(config)
        .fit(model(&device), &train, Some(&valid))
        .unwrap();
    // No accuracy gain can exceed 0.5 after the first epoch's.
    assert_eq!(fitted.history.epochs.len(), 3);
    assert_eq!(fitted.best_epoch, Some(1));
}

/// A checkpoint folder's index, `checkpoints.json`.
fn index(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("checkpoints.json")).unwrap()).unwrap()
}

/// The names of the checkpoints an index keeps, in order.
fn kept_names(index: &serde_json::Value) -> Vec<String> {
    index["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The checkpoints in a checkpoint folder.
fn checkpoint_folders(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("ckpt-"))
        .collect()
}

#[test]
fn the_best_checkpoint_is_kept_next_to_the_latest() {
    let _serial = serial();
    let device = common::default_cpu();
    let (train, valid) = (data(32, 4), data(200, 5));
    let dir = common::scratch("checkpoints/best");
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(12)
        .with_batch_size(8)
        .with_learning_rate(0.05)
        .with_progress(ProgressMode::Quiet)
        .with_checkpoint(Some(
            CheckpointConfig::new(dir.clone())
                .with_every(4)
                .with_keep_best(true),
        ));
    let fitted = Trainer::new(config)
        .fit(model(&device), &train, Some(&valid))
        .unwrap();
    let index = index(&dir);
    let mut folders = checkpoint_folders(&dir);
    folders.sort();
    // Only what the index keeps is left: the 2 latest (the default `keep`) and the best.
    let kept = kept_names(&index);
    assert_eq!(folders, kept, "{index}");
    let named = [
        index["latest"].as_str().unwrap(),
        index["best"].as_str().unwrap(),
    ];
    assert!(
        named.iter().all(|n| folders.iter().any(|f| f == n)),
        "the latest and the best are both on disk: {folders:?} vs {index}"
    );
    assert!((2..=3).contains(&folders.len()), "{folders:?}");
    let best_state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(named[1]).join("state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        best_state["epoch"].as_u64().unwrap() as usize,
        fitted.best_epoch.unwrap()
    );
}

/// A fresh `fit` into a folder another run left its checkpoints in (here a GRU's, with a best)
/// starts its own index: the other run's best is neither kept nor loaded on resume.
#[test]
fn a_fresh_run_does_not_keep_an_earlier_runs_best() {
    let _serial = serial();
    let device = common::default_cpu();
    let (train, valid) = (data(32, 4), data(64, 5));
    let dir = common::scratch("checkpoints/reused");
    let index = || index(&dir);
    let other = SequenceModelConfig::new(CellType::Gru, 1, 4, 1)
        .with_seed(Some(1))
        .init(&device);
    let with_best = config(2, Some(&dir)).with_checkpoint(Some(
        CheckpointConfig::new(dir.clone()).with_keep_best(true),
    ));
    Trainer::new(with_best)
        .fit(other, &train, Some(&valid))
        .unwrap();
    assert!(index()["best"].is_string(), "{}", index());

    Trainer::new(config(2, Some(&dir)))
        .fit(model(&device), &train, Some(&valid))
        .unwrap();
    assert!(index()["best"].is_null(), "{}", index());
    assert_eq!(
        checkpoint_folders(&dir).len(),
        2,
        "only this run's 2 checkpoints are left"
    );
    assert_eq!(kept_names(&index()), ["ckpt-000003", "ckpt-000004"]);
    let resumed = Trainer::new(config(3, Some(&dir)))
        .resume(&dir, model(&device), &train, Some(&valid))
        .unwrap();
    assert_eq!(resumed.history.epochs.len(), 3);
}

/// What a damaged checkpoint directory gives: a clear error each time, never a panic.
#[test]
fn damaged_checkpoints_are_refused_with_clear_errors() {
    let _serial = serial();
    let (device, train, dir) = saved_run("damaged", 6, 2);
    // Keeping one checkpoint, a damaged one has none to fall back to.
    let config =
        || config(2, None).with_checkpoint(Some(CheckpointConfig::new(dir.clone()).with_keep(1)));
    let resume =
        || Trainer::new(config().with_epochs(3)).resume(&dir, model(&device), &train, None);
    // Trains the third epoch and saves it; later resumes find nothing left to train.
    assert!(resume().is_ok());
    let latest = latest(&dir);

    let damage = |file: &str, bytes: Option<&[u8]>| {
        let path = latest.join(file);
        let original = std::fs::read(&path).unwrap();
        match bytes {
            Some(bytes) => std::fs::write(&path, bytes).unwrap(),
            None => std::fs::write(&path, &original[..original.len() / 2]).unwrap(),
        }
        let err = resume().unwrap_err().error;
        std::fs::write(&path, original).unwrap();
        err
    };
    // Every change of bytes is caught by the checksum, before the file is parsed.
    for (file, bytes) in [
        ("model.bpk", None),
        ("model.bpk", Some(&b"not a burnpack file"[..])),
        ("optimizer.bpk", None),
        ("state.json", None),
        ("state.json", Some(&b"{\"format\": \"something else\"}"[..])),
    ] {
        let err = damage(file, bytes);
        assert!(
            matches!(&err, TrainError::Checkpoint(CheckpointError::ChecksumMismatch { path, .. }) if path.ends_with(file)),
            "{file}: {err}"
        );
    }
    let index = dir.join("checkpoints.json");
    let original = std::fs::read(&index).unwrap();
    std::fs::write(&index, "[").unwrap();
    let err = resume().unwrap_err().error;
    assert!(
        matches!(
            err,
            TrainError::Checkpoint(CheckpointError::Unreadable { .. })
        ),
        "{err}"
    );
    std::fs::remove_file(&index).unwrap();
    assert_eq!(
        resume().unwrap_err().error,
        TrainError::Checkpoint(CheckpointError::NotFound { dir: dir.clone() })
    );
    std::fs::write(&index, original).unwrap();
    std::fs::remove_file(latest.join("model.bpk")).unwrap();
    let err = resume().unwrap_err().error;
    assert!(
        matches!(
            err,
            TrainError::Checkpoint(CheckpointError::Unreadable { .. })
        ),
        "{err}"
    );
}

/// One byte flipped inside any file of the latest checkpoint (its length unchanged) is
/// caught by the file's CRC-32, and resume falls back to the checkpoint before, saying which
/// one it passed over and why; with every kept checkpoint damaged, the newest one's damage is
/// the error.
#[test]
fn a_flipped_byte_is_detected_and_resume_falls_back_to_the_checkpoint_before() {
    let _serial = serial();
    for file in ["model.bpk", "optimizer.bpk", "state.json"] {
        let name = format!("flipped-{}", file.replace('.', "-"));
        let (device, train, dir) = saved_run(&name, 11, 2);
        let whole = Trainer::new(config(2, None))
            .fit(model(&device), &train, None)
            .unwrap();
        let index = index(&dir);
        assert_eq!(kept_names(&index), ["ckpt-000001", "ckpt-000002"]);
        let flip = |checkpoint: &str| {
            let path = dir.join(checkpoint).join(file);
            let mut bytes = std::fs::read(&path).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x10;
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let damaged = flip("ckpt-000002");
        let resumed = Trainer::new(config(2, Some(&dir)))
            .resume(&dir, model(&device), &train, None)
            .unwrap();
        let [skipped] = &resumed.skipped_checkpoints[..] else {
            panic!("{file}: {:?}", resumed.skipped_checkpoints)
        };
        assert_eq!(skipped.path, dir.join("ckpt-000002"), "{file}");
        let CheckpointError::ChecksumMismatch {
            path,
            expected,
            found,
        } = &skipped.reason
        else {
            panic!("{file}: {}", skipped.reason)
        };
        assert_eq!(*path, damaged);
        assert_ne!(expected, found);
        let message = skipped.reason.to_string();
        for part in [file, &format!("{expected:08x}"), &format!("{found:08x}")] {
            assert!(message.contains(part), "{message}");
        }
        // Epoch 2 trained again from the first checkpoint gives the uninterrupted run's numbers.
        assert_eq!(
            numbers(&resumed.history.epochs),
            numbers(&whole.history.epochs),
            "{file}"
        );

        // Both damaged (the resume above wrote ckpt-000003 from ckpt-000001, so damage those).
        flip("ckpt-000003");
        std::fs::remove_dir_all(dir.join("ckpt-000001")).ok();
        let err = Trainer::new(config(2, Some(&dir)))
            .resume(&dir, model(&device), &train, None)
            .unwrap_err()
            .error;
        assert!(
            matches!(&err, TrainError::Checkpoint(CheckpointError::ChecksumMismatch { path, .. }) if path.starts_with(dir.join("ckpt-000003"))),
            "{file}: {err}"
        );
    }
}

/// `keep` latest checkpoints stay on disk and in the index, the oldest removed.
#[test]
fn the_latest_keep_checkpoints_stay() {
    let _serial = serial();
    let device = common::default_cpu();
    let train = data(32, 12);
    let dir = common::scratch("checkpoints/keep");
    let config =
        config(5, None).with_checkpoint(Some(CheckpointConfig::new(dir.clone()).with_keep(3)));
    Trainer::new(config)
        .fit(model(&device), &train, None)
        .unwrap();
    let mut folders = checkpoint_folders(&dir);
    folders.sort();
    assert_eq!(folders, ["ckpt-000003", "ckpt-000004", "ckpt-000005"]);
    assert_eq!(kept_names(&index(&dir)), folders);
}

/// A run of `epochs` epochs on 64 sequences drawn from `seed`, checkpointed into the scratch
/// folder `checkpoints/<name>`: the device, the data and the folder.
fn saved_run(name: &str, seed: u64, epochs: usize) -> (Device, SequenceDataset, PathBuf) {
    let device = common::default_cpu();
    let train = data(64, seed);
    let dir = common::scratch(&format!("checkpoints/{name}"));
    Trainer::new(config(epochs, Some(&dir)))
        .fit(model(&device), &train, None)
        .unwrap();
    (device, train, dir)
}

fn latest(dir: &Path) -> PathBuf {
    dir.join(index(dir)["latest"].as_str().unwrap())
}

/// A checkpoint of another architecture, or saved with other options, is refused with a
/// message naming what differs.
#[test]
fn a_checkpoint_that_does_not_fit_is_refused() {
    let _serial = serial();
    let (device, train, dir) = saved_run("mismatch", 7, 1);
    let resume = |model: SequenceModel, config: TrainerConfig| {
        Trainer::new(config)
            .resume(&dir, model, &train, None)
            .unwrap_err()
            .error
    };
    for (other, what) in [
        (
            SequenceModelConfig::new(CellType::Lstm, 1, 16, 1).with_num_layers(2),
            // The first tensor met, 4 * hidden rows: 16 hidden units against the file's 8.
            "\"recurrent.Lstm.stack.layers.0.forward.weight_ih\" (the model resuming it): expected [64, 1], found [32, 1]",
        ),
        (
            SequenceModelConfig::new(CellType::Lstm, 1, 8, 1),
            "layers.1",
        ),
        (
            SequenceModelConfig::new(CellType::Gru, 1, 8, 1).with_num_layers(2),
            "Gru",
        ),
    ] {
        let err = resume(other.init(&device), config(2, None));
        assert!(
            matches!(
                err,
                TrainError::Checkpoint(CheckpointError::Mismatch { .. })
            ) && err.to_string().contains(what),
            "{what}: {err}"
        );
    }
    let err = resume(model(&device), config(2, None).with_batch_size(8));
    assert!(
        matches!(&err, TrainError::Checkpoint(CheckpointError::Mismatch { what, expected, found, .. })
            if what.contains("batch_size") && expected == "8" && found == "16"),
        "{err}"
    );
}

/// A run that diverges returns the last good model, and the checkpoint on disk is the last
/// one saved before the divergence.
#[test]
fn divergence_keeps_the_last_good_checkpoint() {
    let _serial = serial();
    let device = common::default_cpu();
    let train = data(64, 8); // 4 steps an epoch
    let dir = common::scratch("checkpoints/nan");
    let config = config(5, Some(&dir));
    // NaN from the 3rd epoch's second step on.
    let probe = Probe::new(model(&device), usize::MAX, 4 * 2 + 1);
    let err = Trainer::new(config.clone())
        .fit(probe, &train, None)
        .unwrap_err();
    assert!(
        matches!(
            err.error,
            TrainError::Diverged {
                epoch: 3,
                step: 2,
                ..
            }
        ),
        "{}",
        err.error
    );
    let resumed = Trainer::new(config.with_epochs(2))
        .resume(
            &dir,
            Probe::new(model(&device), usize::MAX, usize::MAX),
            &train,
            None,
        )
        .unwrap();
    assert_eq!(resumed.history.epochs.len(), 2);
    assert!(
        resumed
            .history
            .epochs
            .iter()
            .all(|e| e.train_loss.is_finite())
    );
    let partial = err.partial.unwrap();
    assert_eq!(partial.history.epochs.len(), 2);
}

#[test]
fn checkpoint_and_early_stopping_options_are_checked() {
    let _serial = serial();
    let device = common::default_cpu();
    let train = data(16, 9);
    let fit = |config: TrainerConfig| {
        Trainer::new(config.with_progress(ProgressMode::Quiet))
            .fit(model(&device), &train, None)
            .unwrap_err()
            .error
    };
    let base = || TrainerConfig::new(Objective::BinaryClassification);
    assert_eq!(
        fit(base().with_early_stopping(Some(EarlyStoppingConfig::new(0)))),
        TrainError::ZeroPatience
    );
    assert!(matches!(
        fit(base().with_early_stopping(Some(EarlyStoppingConfig::new(1).with_min_delta(-1.0)))),
        TrainError::InvalidMinDelta { .. }
    ));
    assert_eq!(
        fit(base().with_checkpoint(Some(CheckpointConfig::new("x".into()).with_every(0)))),
        TrainError::ZeroCheckpointInterval
    );
    assert_eq!(
        fit(base().with_checkpoint(Some(CheckpointConfig::new("x".into()).with_keep(0)))),
        TrainError::ZeroCheckpointsKept
    );
    assert_eq!(
        fit(base().with_early_stopping(Some(EarlyStoppingConfig::new(2)))),
        TrainError::MissingValidation {
            what: "early stopping"
        }
    );
    assert!(matches!(
        fit(base().with_checkpoint(Some(CheckpointConfig::new("x".into()).with_keep_best(true)))),
        TrainError::MissingValidation { .. }
    ));
}

/// Run only as the child of `a_killed_run_resumes_from_its_last_checkpoint`: trains with a
/// checkpoint every epoch until killed.
#[test]
#[ignore = "the child process of a_killed_run_resumes_from_its_last_checkpoint"]
fn child_trains_until_killed() {
    let _serial = serial();
    let dir = PathBuf::from(std::env::var("RECURRENT_CHILD_DIR").expect("run by the parent test"));
    let device = common::default_cpu();
    Trainer::new(killable_config(&dir))
        .fit(model(&device), &data(2000, 10), None)
        .unwrap();
}

fn killable_config(dir: &Path) -> TrainerConfig {
    config(40, Some(dir))
}

/// A training process killed (SIGKILL) in the middle of training: its checkpoint loads, and
/// training finishes from it.
#[test]
fn a_killed_run_resumes_from_its_last_checkpoint() {
    let _serial = serial();
    let dir = common::scratch("checkpoints/killed");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_trains_until_killed",
            "--ignored",
            "--nocapture",
        ])
        .env("RECURRENT_CHILD_DIR", &dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the third epoch's checkpoint, then kill the process without warning.
    let started = std::time::Instant::now();
    loop {
        let epoch = std::fs::read_to_string(dir.join("checkpoints.json"))
            .ok()
            .and_then(|_| std::fs::read_to_string(latest(&dir).join("state.json")).ok())
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|s| s["epoch"].as_u64());
        if epoch.is_some_and(|e| e >= 3) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child ended before it could be killed"
        );
        assert!(
            started.elapsed().as_secs() < 120,
            "no checkpoint after 120 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let device = common::default_cpu();
    let resumed = Trainer::new(killable_config(&dir))
        .resume(&dir, model(&device), &data(2000, 10), None)
        .unwrap();
    assert_eq!(resumed.history.epochs.len(), 40);
    assert_eq!(resumed.stop_reason, StopReason::Completed);
    let epochs: Vec<usize> = resumed.history.epochs.iter().map(|e| e.epoch).collect();
    assert_eq!(epochs, (1..=40).collect::<Vec<_>>());
}

/// A save that fails part-way (here the rename into place, refused because a file stands where
/// the new checkpoint's folder would go) leaves the previous checkpoint as the one to resume.
#[test]
fn a_failed_save_leaves_the_previous_checkpoint() {
    let _serial = serial();
    let (device, train, dir) = saved_run("failed-save", 11, 1);
    let before = std::fs::read(dir.join("checkpoints.json")).unwrap();
    std::fs::write(dir.join("ckpt-000002"), "in the way").unwrap();
    let err = Trainer::new(config(2, Some(&dir)))
        .resume(&dir, model(&device), &train, None)
        .unwrap_err()
        .error;
    let target = dir.join("ckpt-000002");
    assert!(
        matches!(&err, TrainError::Checkpoint(CheckpointError::WriteFailed { path, .. }) if *path == target),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("could not write checkpoint {target:?}: ")),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join("checkpoints.json")).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_file(dir.join("ckpt-000002")).unwrap();
    let resumed = Trainer::new(config(2, Some(&dir)))
        .resume(&dir, model(&device), &train, None)
        .unwrap();
    assert_eq!(resumed.history.epochs.len(), 2);
}

/// With only a training set, `validation_fraction` splits a stratified, seeded validation part
/// off it, so early stopping with restore-best works; its mistakes are checked errors.
#[test]
fn a_validation_split_of_the_training_data_drives_early_stopping() {
    let _serial = serial();
    let device = common::default_cpu();
    let train = data(96, 13);
    let config = || {
        TrainerConfig::new(Objective::BinaryClassification)
            .with_epochs(30)
            .with_batch_size(16)
            .with_progress(ProgressMode::Quiet)
            .with_validation_fraction(Some(0.25))
            .with_early_stopping(Some(EarlyStoppingConfig::new(3).with_restore_best(true)))
    };
    let fitted = Trainer::new(config())
        .fit(model(&device), &train, None)
        .unwrap();
    assert!(fitted.history.epochs.iter().all(|e| e.valid_loss.is_some()));
    assert!(fitted.best_epoch.is_some());
    // The same split, by hand, gives the same validation losses.
    let (part, valid) = train.split_validation(0.25, 42).unwrap();
    assert_eq!(valid.len() + part.len(), train.len());
    let by_hand = Trainer::new(config().with_validation_fraction(None))
        .fit(model(&device), &part, Some(&valid))
        .unwrap();
    assert_eq!(
        numbers(&fitted.history.epochs),
        numbers(&by_hand.history.epochs)
    );

    let err = |config: TrainerConfig, valid: Option<&SequenceDataset>| {
        Trainer::new(config)
            .fit(model(&device), &train, valid)
            .unwrap_err()
            .error
    };
    assert_eq!(
        err(config(), Some(&valid)),
        TrainError::ValidationGivenTwice
    );
    for fraction in [0.0, 1.0, -0.5, f64::NAN] {
        assert!(matches!(
            err(config().with_validation_fraction(Some(fraction)), None),
            TrainError::InvalidValidationFraction { .. }
        ));
    }
    assert!(matches!(
        err(config().with_validation_fraction(Some(0.001)), None),
        TrainError::Data(recurrent::DataError::EmptyValidationPart { .. })
    ));
}

/// `config` trained 6 epochs without a break, and the same stopped after epoch 3 (by a stop
/// handle, so the number of epochs is the same) and resumed: the two histories, learning
/// rates included.
fn whole_and_resumed(name: &str, config: impl Fn() -> TrainerConfig) -> [Vec<EpochRecord>; 2] {
    let device = common::default_cpu();
    let (train, valid) = (data(64, 21), data(64, 22));
    let dir = common::scratch(&format!("checkpoints/{name}"));
    let with_dir = || config().with_checkpoint(Some(CheckpointConfig::new(dir.clone())));
    let whole = Trainer::new(config())
        .fit(model(&device), &train, Some(&valid))
        .unwrap();
    let trainer = Trainer::new(with_dir());
    let stop = trainer.stop_handle();
    let mut trainer = trainer.with_callback(move |record| {
        if record.epoch == 3 {
            stop.stop();
        }
    });
    let first = trainer.fit(model(&device), &train, Some(&valid)).unwrap();
    assert_eq!(first.history.epochs.len(), 3, "{name}");
    let resumed = Trainer::new(with_dir())
        .resume(&dir, model(&device), &train, Some(&valid))
        .unwrap();
    [whole.history.epochs, resumed.history.epochs]
}

fn rates(records: &[EpochRecord]) -> Vec<f64> {
    records.iter().map(|r| r.learning_rate).collect()
}

/// Linear warm-up over 12 steps (3 epochs of 4 batches): the rate of each epoch's last step is
/// 4/12, 8/12, then all of the learning rate; the same across a resume in the warm-up.
#[test]
fn warm_up_rises_linearly_and_resumes_exactly() {
    let _serial = serial();
    let [whole, resumed] = whole_and_resumed("warmup", || config(6, None).with_warmup_steps(12));
    let lr = 0.01;
    let expected = [lr * 4.0 / 12.0, lr * 8.0 / 12.0, lr, lr, lr, lr];
    for (rate, want) in rates(&whole).iter().zip(expected) {
        assert!((rate - want).abs() < 1e-12, "{:?}", rates(&whole));
    }
    assert_eq!(numbers(&resumed), numbers(&whole));
}

/// One-cycle over 6 epochs of 4 batches: the rate of each epoch's last step is PyTorch's
/// OneCycleLR formula's (worked by hand as in `schedule.rs`'s unit test); the same across a
/// resume.
#[test]
fn one_cycle_follows_its_formula_and_resumes_exactly() {
    let _serial = serial();
    let schedule = LrSchedule::OneCycle {
        pct_start: 0.3,
        div_factor: 25.0,
        final_div_factor: 1e4,
    };
    let [whole, resumed] =
        whole_and_resumed("one-cycle", || config(6, None).with_lr_schedule(schedule));
    let (max, initial) = (0.01, 0.01 / 25.0);
    let min = initial / 1e4;
    let cos = |start: f64, end: f64, pct: f64| {
        end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0)
    };
    let peak = 0.3 * 24.0 - 1.0;
    let rate = |step: f64| {
        if step <= peak {
            cos(initial, max, step / peak)
        } else {
            cos(max, min, (step - peak) / (23.0 - peak))
        }
    };
    // Epoch e's last step is step 4e - 1, counted from 0.
    let expected: Vec<f64> = (1..=6).map(|e| rate((4 * e - 1) as f64)).collect();
    for (got, want) in rates(&whole).iter().zip(&expected) {
        assert!(
            (got - want).abs() < 1e-12,
            "{:?} vs {expected:?}",
            rates(&whole)
        );
    }
    assert_eq!(numbers(&resumed), numbers(&whole));
}

/// Reduce-on-plateau on the validation loss: the rate only ever falls, by the factor, never
/// below the minimum, and a resumed run (which replays the plateau from its history) gives the
/// same numbers. With patience 1 and a rate of 0.05 the validation loss stalls and the rate is
/// cut at least once in 6 epochs.
#[test]
fn reduce_on_plateau_cuts_the_rate_and_resumes_exactly() {
    let _serial = serial();
    let schedule = LrSchedule::ReduceOnPlateau {
        factor: 0.5,
        patience: 1,
        cooldown: 0,
        min_lr: 0.01,
    };
    let config = || {
        config(6, None)
            .with_learning_rate(0.05)
            .with_lr_schedule(schedule)
    };
    let [whole, resumed] = whole_and_resumed("plateau", config);
    let rates = rates(&whole);
    assert!(
        rates
            .windows(2)
            .all(|w| w[1] == w[0] || w[1] == (w[0] * 0.5).max(0.01)),
        "{rates:?}"
    );
    assert!(rates[5] < 0.05, "{rates:?}");
    assert_eq!(numbers(&resumed), numbers(&whole));
}
