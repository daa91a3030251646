//! `Trainer::fit` end to end, through the public API only, as another crate would use it.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::{cpu_devices, other_devices};
use recurrent::data::{
    AddingProblemConfig, DelayedRecallConfig, SequenceDataset, SineForecastConfig, SumSignConfig,
    Targets,
};
use recurrent::model::{CellType, Readout, SequenceModel, SequenceModelConfig};
use recurrent::train::HistoryError;
use recurrent::train::{
    LrSchedule, Objective, Optimizer, ProgressMode, Trainer, TrainerConfig, evaluate,
};
use recurrent::{DataError, LayerError, ModelError, Recurrent, RecurrentError, TrainError};

fn quiet(objective: Objective) -> TrainerConfig {
    TrainerConfig::new(objective).with_progress(ProgressMode::Quiet)
}

fn seed_model(cell: CellType, seed: u64, device: &Device) -> SequenceModel {
    SequenceModelConfig::new(cell, 1, 32, 1)
        .with_seed(Some(seed))
        .init(device)
}

/// The original PyTorch example's recipe: 1000 sequences, batch 32, Adam 0.01, 10 epochs.
#[test]
fn the_seed_model_learns_the_seed_task_on_the_default_backend() {
    let device = common::default_cpu();
    let train = SumSignConfig::new().generate(1000, 11).unwrap();
    let test = SumSignConfig::new().generate(2000, 12).unwrap();
    let fitted = Trainer::new(quiet(Objective::BinaryClassification))
        .fit(seed_model(CellType::Rnn, 11, &device), &train, None)
        .unwrap();
    let losses = fitted.history.train_losses();
    assert_eq!(losses.len(), 10);
    assert!(
        losses[9] < 0.5 * losses[0],
        "loss fell from {} to {}",
        losses[0],
        losses[9]
    );
    let accuracy = fitted.evaluate(&test).unwrap().metric;
    assert!(accuracy >= 0.85, "accuracy on fresh data {accuracy}");
}

/// Two separate runs with the same seeds give identical histories and another shuffle seed
/// another history, on each CPU backend; with more than one backend compiled in, the backends
/// also agree with each other (to float rounding).
#[test]
fn the_same_seed_gives_the_same_loss_history_and_another_seed_another_on_each_cpu_backend() {
    type Epochs = Vec<(f64, f64, Option<f64>, Option<f64>)>;
    let run = |device: &Device, seed: u64| -> Epochs {
        let train = SumSignConfig::new().generate(300, 5).unwrap();
        let valid = SumSignConfig::new().generate(100, 6).unwrap();
        let fitted = Trainer::new(
            quiet(Objective::BinaryClassification)
                .with_epochs(3)
                .with_seed(seed),
        )
        .fit(seed_model(CellType::Lstm, 5, device), &train, Some(&valid))
        .unwrap();
        fitted
            .history
            .epochs
            .iter()
            .map(|e| (e.train_loss, e.train_metric, e.valid_loss, e.valid_metric))
            .collect()
    };
    let mut histories: Vec<(&str, Epochs)> = Vec::new();
    for (name, device) in cpu_devices() {
        let (a, b) = (run(&device, 9), run(&device, 9));
        assert_eq!(a.len(), 3, "{name}");
        assert_eq!(a, b, "{name}: two runs with the same seed differ");
        // Another shuffle seed gives another history.
        let other = run(&device, 10);
        let losses = |h: &Epochs| h.iter().map(|e| e.0).collect::<Vec<_>>();
        assert_ne!(
            losses(&other),
            losses(&a),
            "{name}: seed 10 trains as seed 9"
        );
        histories.push((name, a));
    }
    let ((first, reference), rest) = histories.split_first().expect("a backend");
    for (name, history) in rest {
        for (e, (x, y)) in history.iter().zip(reference).enumerate() {
            assert!(
                (x.0 - y.0).abs() < 1e-4 * y.0.abs().max(1.0),
                "epoch {}: {name} loss {} vs {first} {}",
                e + 1,
                x.0,
                y.0
            );
        }
    }
}

#[test]
fn multi_class_training_beats_guessing() {
    let device = common::default_cpu();
    let task = DelayedRecallConfig::new().with_num_symbols(3).with_delay(5);
    let train = task.generate(600, 1).unwrap();
    let test = task.generate(300, 2).unwrap();
    let model = SequenceModelConfig::new(CellType::Gru, 4, 24, 3)
        .with_seed(Some(1))
        .init(&device);
    let fitted = Trainer::new(quiet(Objective::MultiClass).with_epochs(8))
        .fit(model, &train, Some(&test))
        .unwrap();
    let accuracy = fitted.history.last().unwrap().valid_metric.unwrap();
    assert!(
        accuracy > 0.9,
        "accuracy {accuracy}, guessing scores {}",
        task.baseline_accuracy()
    );
    let probabilities = fitted
        .predict_proba(Tensor::zeros([5, 7, 4], &device))
        .unwrap();
    assert_eq!(probabilities.dims(), [5, 3]);
    let sums: Vec<f32> = probabilities.sum_dim(1).into_data().try_to_vec().unwrap();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5));
}

#[test]
fn regression_beats_the_trivial_forecast_per_sequence_and_per_step() {
    let device = common::default_cpu();
    for per_step in [false, true] {
        let task = SineForecastConfig::new().with_per_step(per_step);
        let train = task.generate(500, 3).unwrap();
        let test = task.generate(200, 4).unwrap();
        let readout = if per_step {
            Readout::All
        } else {
            Readout::Last
        };
        let model = SequenceModelConfig::new(CellType::Lstm, 1, 24, 1)
            .with_readout(readout)
            .with_seed(Some(2))
            .init(&device);
        let fitted = Trainer::new(quiet(Objective::Regression).with_epochs(8))
            .fit(model, &train, None)
            .unwrap();
        let mse = fitted.evaluate(&test).unwrap().loss;
        let persistence = SineForecastConfig::persistence_mse(&test) as f64;
        assert!(
            mse < 0.5 * persistence,
            "per_step {per_step}: mse {mse} vs persistence {persistence}"
        );
        let (values, shape) = fitted.predict(Tensor::zeros([2, 20, 1], &device)).unwrap();
        assert_eq!(shape, if per_step { vec![2, 20, 1] } else { vec![2, 1] });
        assert_eq!(values.len(), shape.iter().product::<usize>());
    }
}

#[test]
fn every_optimizer_and_schedule_trains() {
    let device = common::default_cpu();
    let train = SumSignConfig::new().generate(256, 8).unwrap();
    let configs = [
        (Optimizer::Adam, LrSchedule::Cosine { min_lr: 0.001 }),
        (Optimizer::AdamW, LrSchedule::Linear { final_lr: 0.002 }),
        (
            Optimizer::Sgd {
                momentum: 0.9,
                nesterov: false,
            },
            LrSchedule::Step {
                epochs: 2,
                gamma: 0.5,
            },
        ),
        (
            Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            LrSchedule::Exponential { gamma: 0.5 },
        ),
    ];
    for (optimizer, schedule) in configs {
        let config = quiet(Objective::BinaryClassification)
            .with_epochs(4)
            .with_optimizer(optimizer)
            .with_lr_schedule(schedule)
            .with_weight_decay(1e-4)
            .with_grad_clip_norm(Some(1.0));
        let fitted = Trainer::new(config)
            .fit(seed_model(CellType::Gru, 4, &device), &train, None)
            .unwrap();
        let h = &fitted.history.epochs;
        assert!(
            h[3].train_loss < h[0].train_loss,
            "{optimizer:?} {schedule:?}: {:?}",
            fitted.history.train_losses()
        );
        let lr: Vec<f64> = h.iter().map(|e| e.learning_rate).collect();
        assert!(
            lr[3] < lr[0],
            "{schedule:?} lowers the learning rate: {lr:?}"
        );
        if let LrSchedule::Step { .. } = schedule {
            // 0.01 for epochs 1-2 (the last step of epoch 2 is the first reduced one), then halved.
            assert!((lr[2] - 0.005).abs() < 1e-12, "{lr:?}");
        }
    }
}

#[test]
fn a_callback_sees_every_epoch_and_the_history_writes_json_and_csv() {
    use std::sync::{Arc, Mutex};
    let device = common::default_cpu();
    let train = SumSignConfig::new().generate(100, 1).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let fitted = Trainer::new(quiet(Objective::BinaryClassification).with_epochs(3))
        .with_callback(move |record| sink.lock().unwrap().push(record.epoch))
        .fit(seed_model(CellType::Rnn, 1, &device), &train, Some(&train))
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3]);

    let dir = common::scratch("training/history");
    fitted.history.write_json(dir.join("history.json")).unwrap();
    fitted.history.write_csv(dir.join("history.csv")).unwrap();
    let json = std::fs::read_to_string(dir.join("history.json")).unwrap();
    assert_eq!(
        recurrent::train::History::from_json(&json).unwrap(),
        fitted.history
    );
    let csv = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,learning_rate,seconds,sequences_per_second"
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with(&format!("1,{},", fitted.history.epochs[0].train_loss)));
    let missing = dir.join("missing/history.json");
    let err = fitted.history.write_json(&missing).unwrap_err();
    assert!(
        matches!(&err, HistoryError::WriteFailed { path, .. } if *path == missing),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("could not write {missing:?}: ")),
        "{err}"
    );
}

#[test]
fn a_trained_model_predicts_the_same_on_another_backend() {
    let reference_device = common::default_cpu();
    let train = SumSignConfig::new().generate(200, 3).unwrap();
    let fitted = Trainer::new(quiet(Objective::BinaryClassification).with_epochs(2))
        .fit(
            seed_model(CellType::Lstm, 3, &reference_device),
            &train,
            None,
        )
        .unwrap();
    let inputs = SumSignConfig::new().generate(50, 4).unwrap();
    let batch = |device: &Device| {
        Tensor::<3>::from_data(
            burn::tensor::TensorData::new(inputs.inputs().to_vec(), [50, 10, 1]),
            device,
        )
    };
    let reference = fitted.predict_proba(batch(&reference_device)).unwrap();
    let reference: Vec<f32> = reference.into_data().try_to_vec().unwrap();
    assert_eq!(reference.len(), 50);
    let targets = other_devices(&reference_device);
    assert!(!targets.is_empty(), "no other device to move to");
    for (name, device, tolerance) in targets {
        let mut moved = fitted.clone();
        moved.model = burn::module::Module::to_device(moved.model, &device);
        let p: Vec<f32> = moved
            .predict_proba(batch(&device))
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(p.len(), reference.len(), "{name}");
        for (a, b) in p.iter().zip(&reference) {
            assert!((a - b).abs() < tolerance.max(1e-5), "{name}: {a} vs {b}");
        }
    }
    // One sequence at a time gives the batch's numbers.
    let first: Vec<Vec<f32>> = inputs
        .get(0)
        .unwrap()
        .input
        .iter()
        .map(|&v| vec![v])
        .collect();
    let one = fitted.predict_proba_one(&first).unwrap();
    assert_eq!(one.len(), 1);
    assert!((one[0] - reference[0]).abs() < 1e-6);
    let (class, shape) = fitted.predict_one(&first).unwrap();
    assert_eq!(shape, vec![1]);
    assert_eq!(class[0], if reference[0] > 0.5 { 1.0 } else { 0.0 });
}

#[test]
fn predict_one_names_an_empty_sequence_and_a_wrong_feature_count() {
    let device = common::default_cpu();
    let fitted = recurrent::train::Fitted::from_model(
        seed_model(CellType::Gru, 1, &device),
        Objective::BinaryClassification,
    );
    let err = fitted.predict_one(&[]).unwrap_err();
    assert_eq!(
        err,
        TrainError::EmptySequence {
            which: "prediction"
        }
    );
    assert_eq!(
        err.to_string(),
        "empty prediction sequence: expected at least one step, found none"
    );
    assert_eq!(fitted.predict_proba_one(&[]).unwrap_err(), err);
    // The seed model reads one feature per step; the second step has three.
    let sequence = vec![vec![0.5], vec![0.1, 0.2, 0.3], vec![1.0]];
    let err = fitted.predict_one(&sequence).unwrap_err();
    assert_eq!(
        err,
        TrainError::FeatureMismatch {
            which: "prediction",
            expected: 1,
            found: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "prediction data feature mismatch: expected 1 feature (the model's input_size), found 3"
    );
    assert_eq!(fitted.predict_proba_one(&sequence).unwrap_err(), err);
}

/// Issue 15: every prediction entry point taking raw numbers accepted NaN and infinity and
/// returned NaN; they now refuse them before running the model, naming where and what.
#[test]
fn predictions_refuse_non_finite_inputs_naming_where() {
    let device = common::default_cpu();
    let model = SequenceModelConfig::new(CellType::Gru, 2, 4, 3)
        .with_seed(Some(1))
        .init(&device);
    let fitted = recurrent::train::Fitted::from_model(model, Objective::MultiClass);
    // Two sequences of three steps, two features: sequence 1, step 2, feature 0 is NaN.
    let mut values = vec![0.5f32; 2 * 3 * 2];
    values[6 + 2 * 2] = f32::NAN; // index 10
    let inputs = || Tensor::<3>::from_data(TensorData::new(values.clone(), [2, 3, 2]), &device);
    let err = fitted.predict(inputs()).unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::NonFiniteInput {
                which: "prediction",
                sequence: 1,
                step: 2,
                feature: 0,
                value
            } if value.is_nan()
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "non-finite prediction input at sequence 1, step 2, feature 0: expected a finite number, found NaN"
    );
    assert!(
        matches!(
            fitted.predict_proba(inputs()).unwrap_err(),
            TrainError::NonFiniteInput {
                sequence: 1,
                step: 2,
                feature: 0,
                ..
            }
        ),
        "predict_proba"
    );
    // One sequence: step 1, feature 1 is infinite.
    let sequence = vec![vec![0.1, 0.2], vec![0.3, f32::NEG_INFINITY], vec![0.0, 0.0]];
    let expected = TrainError::NonFiniteInput {
        which: "prediction",
        sequence: 0,
        step: 1,
        feature: 1,
        value: f32::NEG_INFINITY,
    };
    assert_eq!(fitted.predict_one(&sequence).unwrap_err(), expected);
    assert_eq!(fitted.predict_proba_one(&sequence).unwrap_err(), expected);
    assert_eq!(
        expected.to_string(),
        "non-finite prediction input at sequence 0, step 1, feature 1: expected a finite number, found -inf"
    );
    // Finite inputs still predict.
    let finite = Tensor::<3>::from_data(TensorData::new(vec![0.5f32; 12], [2, 3, 2]), &device);
    assert_eq!(fitted.predict(finite).unwrap().1, vec![2]);
    assert_eq!(fitted.predict_proba_one(&sequence[..1]).unwrap().len(), 3);
}

// ---- bad input: a clear error before training, one per mistake ----

fn fit_err(config: TrainerConfig, train: &SequenceDataset) -> TrainError {
    let device = common::default_cpu();
    Trainer::new(config)
        .fit(seed_model(CellType::Rnn, 1, &device), train, None)
        .unwrap_err()
        .error
}

#[test]
fn invalid_trainer_options_are_rejected_before_training() {
    let data = SumSignConfig::new().generate(10, 1).unwrap();
    let base = || quiet(Objective::BinaryClassification);
    assert_eq!(
        fit_err(base().with_epochs(0), &data),
        TrainError::ZeroEpochs
    );
    assert_eq!(
        fit_err(base().with_batch_size(0), &data),
        TrainError::ZeroBatchSize
    );
    for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let err = fit_err(base().with_learning_rate(lr), &data);
        assert!(
            matches!(err, TrainError::InvalidLearningRate { .. }),
            "{lr}: {err}"
        );
    }
    let err = fit_err(base().with_weight_decay(-1.0), &data);
    assert!(
        matches!(err, TrainError::InvalidWeightDecay { .. }),
        "{err}"
    );
    let err = fit_err(base().with_grad_clip_norm(Some(0.0)), &data);
    assert!(
        matches!(err, TrainError::InvalidGradientClip { .. }),
        "{err}"
    );
    let err = fit_err(
        base().with_optimizer(Optimizer::Sgd {
            momentum: 1.0,
            nesterov: false,
        }),
        &data,
    );
    assert!(matches!(err, TrainError::InvalidMomentum { .. }), "{err}");
    let err = fit_err(base().with_sync_every(0), &data);
    assert_eq!(err, TrainError::ZeroSyncInterval);
    assert_eq!(
        err.to_string(),
        "invalid trainer config: sync_every must be at least 1 step, found 0"
    );
    for schedule in [
        LrSchedule::Cosine { min_lr: 1.0 },
        LrSchedule::Linear { final_lr: -1.0 },
        LrSchedule::Step {
            epochs: 0,
            gamma: 0.5,
        },
        LrSchedule::Exponential { gamma: 0.0 },
    ] {
        let err = fit_err(base().with_lr_schedule(schedule), &data);
        assert!(
            matches!(err, TrainError::InvalidSchedule { .. }),
            "{schedule:?}: {err}"
        );
    }
}

#[test]
fn data_that_does_not_fit_the_model_or_objective_is_rejected() {
    let device = common::default_cpu();
    let sum_sign = SumSignConfig::new().generate(20, 1).unwrap();
    // Features: the adding problem has 2, the seed model reads 1.
    let adding = AddingProblemConfig::new()
        .with_seq_len(10)
        .generate(20, 1)
        .unwrap();
    let err = fit_err(quiet(Objective::Regression), &adding);
    assert_eq!(
        err,
        TrainError::FeatureMismatch {
            which: "training",
            expected: 1,
            found: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "training data feature mismatch: expected 1 feature (the model's input_size), found 2"
    );
    // Targets of another kind than the objective's.
    let err = fit_err(quiet(Objective::Regression), &sum_sign);
    assert!(
        matches!(&err, TrainError::ObjectiveMismatch { found, .. } if found == "binary labels"),
        "{err}"
    );
    let err = fit_err(quiet(Objective::MultiClass), &sum_sign);
    assert!(matches!(err, TrainError::ObjectiveMismatch { .. }), "{err}");
    // A multi-class model with the wrong number of outputs.
    let recall = DelayedRecallConfig::new()
        .with_num_symbols(3)
        .with_delay(2)
        .generate(20, 1)
        .unwrap();
    let model = SequenceModelConfig::new(CellType::Lstm, 4, 8, 5).init(&device);
    let err = Trainer::new(quiet(Objective::MultiClass))
        .fit(model, &recall, None)
        .unwrap_err()
        .error;
    assert!(
        matches!(&err, TrainError::ObjectiveMismatch { expected, .. } if expected.contains("(3)")),
        "{err}"
    );
    // Per-step targets need a per-step model.
    let per_step = SineForecastConfig::new()
        .with_per_step(true)
        .generate(20, 1)
        .unwrap();
    let err = fit_err(quiet(Objective::Regression), &per_step);
    assert!(
        matches!(&err, TrainError::ObjectiveMismatch { expected, .. } if expected.contains("every step")),
        "{err}"
    );
    // Validation data is checked too, before training.
    let model = seed_model(CellType::Rnn, 1, &device);
    let err = Trainer::new(quiet(Objective::BinaryClassification))
        .fit(model, &sum_sign, Some(&adding))
        .unwrap_err();
    assert_eq!(
        err.error,
        TrainError::FeatureMismatch {
            which: "validation",
            expected: 1,
            found: 2
        }
    );
    assert!(err.partial.is_none());
    // And evaluation.
    let err = evaluate(
        &seed_model(CellType::Rnn, 1, &device),
        Objective::BinaryClassification,
        &adding,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::FeatureMismatch {
                which: "evaluation",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn nan_inputs_and_empty_data_never_reach_the_trainer() {
    let err = SequenceDataset::new(
        vec![1.0, f32::NAN, 0.0, 1.0],
        [2, 2, 1],
        Targets::Binary(vec![0.0, 1.0]),
    )
    .unwrap_err();
    assert!(
        matches!(err, DataError::NonFiniteValue { what: "input", sequence: 0, value } if value.is_nan()),
        "{err}"
    );
    // No constructor makes an empty dataset; selecting no sequence does.
    let empty = SumSignConfig::new().generate(3, 1).unwrap().select(&[]);
    let err = fit_err(quiet(Objective::BinaryClassification), &empty);
    assert_eq!(err, TrainError::EmptyData { which: "training" });
    assert_eq!(
        err.to_string(),
        "empty training data: expected at least one sequence, found none"
    );
}

/// 36 sequences in batches of 32, unshuffled: the last batch, 4 sequences whose targets
/// overflow the squared error, is trained on without `drop_last` (the run diverges at step 2)
/// and never with it; fewer sequences than a batch have no step to train.
#[test]
fn drop_last_leaves_out_the_last_partial_batch() {
    let device = common::default_cpu();
    let targets: Vec<f32> = (0..36).map(|i| if i < 32 { 0.5 } else { 1e30 }).collect();
    let data = SequenceDataset::new(
        vec![0.5; 36 * 10],
        [36, 10, 1],
        Targets::Real {
            values: targets,
            outputs: 1,
        },
    )
    .unwrap();
    let config = quiet(Objective::Regression)
        .with_epochs(2)
        .with_batch_size(32)
        .with_shuffle(false);
    assert_eq!(config.batches_per_epoch(36), 2);
    assert_eq!(config.clone().with_drop_last(true).batches_per_epoch(36), 1);
    let err = Trainer::new(config.clone())
        .fit(seed_model(CellType::Rnn, 1, &device), &data, None)
        .unwrap_err();
    assert!(
        matches!(
            err.error,
            TrainError::Diverged {
                epoch: 1,
                step: 2,
                ..
            }
        ),
        "{}",
        err.error
    );
    let fitted = Trainer::new(config.clone().with_drop_last(true))
        .fit(seed_model(CellType::Rnn, 1, &device), &data, None)
        .unwrap();
    assert_eq!(fitted.history.epochs.len(), 2);
    assert!(fitted.history.train_losses().iter().all(|l| l.is_finite()));
    let few = data.select(&(0..20).collect::<Vec<_>>());
    let err = Trainer::new(config.with_drop_last(true))
        .fit(seed_model(CellType::Rnn, 1, &device), &few, None)
        .unwrap_err();
    assert_eq!(
        err.error,
        TrainError::NoFullBatch {
            batch_size: 32,
            found: 20
        }
    );
    assert_eq!(
        err.error.to_string(),
        "no full training batch: expected at least batch_size 32 sequences with drop_last, found 20"
    );
}

#[test]
fn a_diverging_run_stops_with_the_last_good_model() {
    // Targets around 1e30: the squared error overflows f32 on the first step.
    let device = common::default_cpu();
    let data = SequenceDataset::new(
        vec![0.5; 40],
        [4, 10, 1],
        Targets::Real {
            values: vec![1e30; 4],
            outputs: 1,
        },
    )
    .unwrap();
    let model = seed_model(CellType::Rnn, 1, &device);
    let err = Trainer::new(quiet(Objective::Regression))
        .fit(model, &data, None)
        .unwrap_err();
    assert!(
        matches!(
            err.error,
            TrainError::Diverged {
                epoch: 1,
                step: 1,
                ..
            }
        ),
        "{}",
        err.error
    );
    let partial = err.partial.expect("the last good model comes back");
    assert!(partial.history.epochs.is_empty());
    // The model handed back still predicts finite numbers.
    let (values, _) = partial.predict(Tensor::ones([1, 10, 1], &device)).unwrap();
    assert!(values[0].is_finite());
    // `?` turns the failure into a plain RecurrentError.
    let plain: RecurrentError = Trainer::new(quiet(Objective::Regression))
        .fit(seed_model(CellType::Rnn, 1, &device), &data, None)
        .map_err(RecurrentError::from)
        .unwrap_err();
    assert!(
        matches!(
            plain,
            RecurrentError::Train(TrainError::Diverged {
                epoch: 1,
                step: 1,
                ..
            })
        ),
        "{plain:?}"
    );
    assert!(
        plain
            .to_string()
            .starts_with("training diverged: the loss became inf at epoch 1, step 1"),
        "{plain}"
    );
}

#[test]
fn model_configs_are_checked_and_every_readout_has_its_shape() {
    let device = common::default_cpu();
    let err = SequenceModelConfig::new(CellType::Gru, 2, 4, 0)
        .try_init(&device)
        .unwrap_err();
    assert_eq!(err, ModelError::ZeroOutputSize);
    let err = SequenceModelConfig::new(CellType::Lstm, 2, 0, 1)
        .try_init(&device)
        .unwrap_err();
    assert_eq!(err, ModelError::Layer(LayerError::ZeroHiddenSize));
    assert_eq!(
        err.to_string(),
        "invalid layer config: hidden_size must be at least 1, found 0"
    );
    let err = SequenceModelConfig::new(CellType::Rnn, 2, 4, 1)
        .with_dropout(1.0)
        .try_init(&device)
        .unwrap_err();
    assert!(
        matches!(err, ModelError::Layer(LayerError::InvalidDropout { .. })),
        "{err}"
    );

    use recurrent::model::ModelOutput;
    let inputs = Tensor::<3>::ones([3, 6, 2], &device);
    for readout in [Readout::Last, Readout::Mean, Readout::All] {
        let model = SequenceModelConfig::new(CellType::Gru, 2, 5, 4)
            .with_num_layers(2)
            .with_bidirectional(true)
            .with_readout(readout)
            .with_seed(Some(1))
            .init(&device);
        match (readout, model.forward(inputs.clone())) {
            (Readout::All, ModelOutput::PerStep(y)) => assert_eq!(y.dims(), [3, 6, 4]),
            (Readout::Last | Readout::Mean, ModelOutput::PerSequence(y)) => {
                assert_eq!(y.dims(), [3, 4])
            }
            (r, _) => panic!("{r:?}: wrong kind of output"),
        }
    }
    // Last reads the final states: the forward direction's last output and the reverse
    // direction's first one, which the head sees as [forward, reverse].
    let model = SequenceModelConfig::new(CellType::Lstm, 2, 5, 1)
        .with_bidirectional(true)
        .with_seed(Some(2))
        .init(&device);
    let (output, _) = model.recurrent.forward(inputs.clone(), None);
    let forward_last = output
        .clone()
        .narrow(1, 5, 1)
        .narrow(2, 0, 5)
        .reshape([3, 5]);
    let reverse_first = output.narrow(1, 0, 1).narrow(2, 5, 5).reshape([3, 5]);
    let expected = model
        .head
        .forward(Tensor::cat(vec![forward_last, reverse_first], 1));
    let ModelOutput::PerSequence(y) = model.forward(inputs) else {
        panic!("per sequence")
    };
    let diff: f32 = (y - expected).abs().max().into_scalar();
    assert!(diff < 1e-6, "{diff}");
}

// ---- losses read back every `sync_every` steps ----

/// Every parameter of `model`, flattened, in a fixed order: two models are the same model
/// when these are equal.
fn parameters(model: &SequenceModel) -> Vec<f32> {
    let mut values = Vec::new();
    let mut add =
        |tensor: Tensor<2>| values.extend(tensor.into_data().try_to_vec::<f32>().unwrap());
    for layer in model.recurrent.weights() {
        for direction in layer.directions() {
            add(direction.weight_ih.val());
            add(direction.weight_hh.val());
            for bias in [&direction.bias_ih, &direction.bias_hh]
                .into_iter()
                .flatten()
            {
                add(bias.val().unsqueeze());
            }
        }
    }
    add(model.head.weight.val());
    values
}

/// Reading the losses every step, every 3 steps (windows that straddle the epoch's end) or
/// once an epoch gives the same history, bit for bit, and the same model.
#[test]
fn the_loss_history_does_not_depend_on_how_often_losses_are_read() {
    let device = common::default_cpu();
    let train = SumSignConfig::new().generate(200, 3).unwrap();
    let valid = SumSignConfig::new().generate(50, 4).unwrap();
    let run = |sync_every: usize| {
        let config = quiet(Objective::BinaryClassification)
            .with_epochs(3)
            .with_sync_every(sync_every);
        Trainer::new(config)
            .fit(seed_model(CellType::Lstm, 3, &device), &train, Some(&valid))
            .unwrap()
    };
    let reference = run(1);
    let losses = |fitted: &recurrent::train::Fitted<SequenceModel>| {
        let epochs = &fitted.history.epochs;
        epochs
            .iter()
            .map(|e| (e.train_loss, e.train_metric, e.valid_loss, e.valid_metric))
            .collect::<Vec<_>>()
    };
    for sync_every in [3, 7, 1000] {
        let fitted = run(sync_every);
        assert_eq!(
            losses(&fitted),
            losses(&reference),
            "sync_every {sync_every}"
        );
        assert_eq!(
            parameters(&fitted.model),
            parameters(&reference.model),
            "sync_every {sync_every}"
        );
    }
}

/// Regression data whose batch `bad` (of 4 sequences, unshuffled) has targets of 1e30 (with
/// per-step targets, at its last two steps only: truncated BPTT's third chunk of two steps):
/// the squared error of that step overflows f32, and no earlier step's does.
fn diverging_at_batch(bad: usize, per_step: bool) -> SequenceDataset {
    let (n, seq) = (24, 6);
    let inputs: Vec<f32> = (0..n * seq)
        .map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.1)
        .collect();
    let per = if per_step { seq } else { 1 };
    let overflows = |i: usize| i / per / 4 == bad - 1 && (!per_step || i % seq >= 4);
    let values = (0..n * per)
        .map(|i| if overflows(i) { 1e30 } else { 0.5 })
        .collect();
    let targets = if per_step {
        Targets::PerStep { values, outputs: 1 }
    } else {
        Targets::Real { values, outputs: 1 }
    };
    SequenceDataset::new(inputs, [n, seq, 1], targets).unwrap()
}

/// A step whose loss overflows between two reads: the steps after it have run on its NaN
/// weights before the read finds it, and the model handed back is still the one from before
/// that step, the same as when every loss is read at once; with truncated BPTT, from before
/// the diverged chunk.
#[test]
fn a_loss_that_diverges_between_reads_hands_back_the_model_from_before_its_step() {
    let device = common::default_cpu();
    let cases = [
        (
            "per sequence",
            diverging_at_batch(4, false),
            None,
            Readout::Last,
        ),
        ("tbptt", diverging_at_batch(5, true), Some(2), Readout::All),
    ];
    for (what, data, tbptt, readout) in cases {
        let run = |sync_every: usize| {
            let config = quiet(Objective::Regression)
                .with_shuffle(false)
                .with_batch_size(4)
                .with_tbptt(tbptt)
                .with_sync_every(sync_every);
            let model = SequenceModelConfig::new(CellType::Gru, 1, 8, 1)
                .with_readout(readout)
                .with_seed(Some(5))
                .init(&device);
            Trainer::new(config).fit(model, &data, None).unwrap_err()
        };
        let reference = run(1);
        let step = if tbptt.is_some() { 5 } else { 4 };
        assert!(
            matches!(reference.error, TrainError::Diverged { epoch: 1, step: s, .. } if s == step),
            "{what}: {}",
            reference.error
        );
        let expected = parameters(&reference.partial.unwrap().model);
        assert!(expected.iter().all(|v| v.is_finite()), "{what}");
        for sync_every in [2, 3, 16] {
            let err = run(sync_every);
            assert_eq!(
                err.error, reference.error,
                "{what}, sync_every {sync_every}"
            );
            let model = err.partial.expect("the last good model comes back").model;
            assert_eq!(
                parameters(&model),
                expected,
                "{what}, sync_every {sync_every}"
            );
        }
    }
}

/// The learning-rate range test: the model it is given is unchanged, its rates grow
/// geometrically from the lower bound to the upper, the loss first falls and then blows up past
/// the divergence factor (which ends the test early), the suggestion lies inside the bounds,
/// and the whole is reproducible.
#[test]
fn the_learning_rate_finder_leaves_the_model_alone_and_spans_its_bounds() {
    use recurrent::train::LrFinderConfig;
    let device = Device::flex();
    let train = SumSignConfig::new().generate(512, 3).unwrap();
    let model = seed_model(CellType::Gru, 4, &device);
    let before = model.forward(Tensor::zeros([2, 10, 1], &device));
    let trainer = Trainer::new(quiet(Objective::BinaryClassification));
    let finder = LrFinderConfig::new()
        .with_start_lr(1e-5)
        .with_end_lr(10.0)
        .with_steps(60);
    let found = trainer.find_learning_rate(&model, &train, &finder).unwrap();
    let after = model.forward(Tensor::zeros([2, 10, 1], &device));
    let values = |o: recurrent::model::ModelOutput| match o {
        recurrent::model::ModelOutput::PerSequence(t) => t.into_data().try_to_vec::<f32>().unwrap(),
        _ => unreachable!(),
    };
    assert_eq!(
        values(before),
        values(after),
        "the given model is untouched"
    );

    let rates = &found.learning_rates;
    assert_eq!(rates[0], 1e-5);
    let ratio = (10.0f64 / 1e-5).powf(1.0 / 59.0);
    for pair in rates.windows(2) {
        assert!((pair[1] / pair[0] - ratio).abs() < 1e-9, "{rates:?}");
    }
    assert_eq!(found.losses.len(), rates.len());
    assert_eq!(found.smoothed.len(), rates.len());
    let suggestion = found.suggestion.expect("enough steps to suggest a rate");
    assert!((1e-5..=10.0).contains(&suggestion), "{suggestion}");
    assert_eq!(
        trainer.find_learning_rate(&model, &train, &finder).unwrap(),
        found,
        "the same seed, the same test"
    );

    // Here the smoothed loss stays under 4 times its lowest: all 60 steps, up to the bound.
    assert_eq!(rates.len(), 60);
    assert!((rates[59] - 10.0).abs() < 1e-9);
    // With a divergence factor of 1.2 it stops early, where the smoothed loss passes 1.2
    // times its lowest: the same steps up to there.
    let stopped = trainer
        .find_learning_rate(&model, &train, &finder.clone().with_divergence_factor(1.2))
        .unwrap();
    let n = stopped.learning_rates.len();
    assert!(n < 60, "{n}");
    assert_eq!(stopped.losses[..], found.losses[..n]);
    let lowest = stopped
        .smoothed
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    assert!(stopped.smoothed[n - 1] > 1.2 * lowest);
}

/// Each mistake in the finder's options has its own error, before any step.
#[test]
fn the_learning_rate_finder_refuses_bad_options() {
    use recurrent::train::LrFinderConfig;
    let device = Device::flex();
    let train = SumSignConfig::new().generate(64, 3).unwrap();
    let model = seed_model(CellType::Rnn, 4, &device);
    let trainer = Trainer::new(quiet(Objective::BinaryClassification));
    let err = |finder: LrFinderConfig| {
        trainer
            .find_learning_rate(&model, &train, &finder)
            .unwrap_err()
    };
    let base = LrFinderConfig::new;
    for (start, end) in [
        (0.0, 1.0),
        (-1.0, 1.0),
        (1.0, 1.0),
        (1.0, 0.1),
        (1e-3, f64::INFINITY),
    ] {
        assert_eq!(
            err(base().with_start_lr(start).with_end_lr(end)),
            TrainError::InvalidLrRange { start, end }
        );
    }
    assert_eq!(
        err(base().with_steps(1)),
        TrainError::TooFewLrSteps { steps: 1 }
    );
    assert!(matches!(
        err(base().with_smoothing(1.0)),
        TrainError::InvalidLrSmoothing { .. }
    ));
    assert!(matches!(
        err(base().with_divergence_factor(1.0)),
        TrainError::InvalidDivergenceFactor { .. }
    ));
    assert_eq!(
        err(base().with_start_lr(1.0).with_end_lr(0.1)).to_string(),
        "invalid learning-rate finder range: expected 0 < start_lr < end_lr (finite), found start_lr 1 and end_lr 0.1"
    );
}
