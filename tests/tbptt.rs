//! A `SequenceModel`'s state carried across calls: truncated backpropagation through time
//! (`TrainerConfig::tbptt`), and streaming one step at a time (`SequenceModel::step`).

mod common;

use burn::module::Module;
use burn::nn::loss::BinaryCrossEntropyLossConfig;
use burn::tensor::{Int, Tensor, TensorData};
use recurrent::data::{SequenceDataset, SineForecastConfig, SumSignConfig, Targets};
use recurrent::model::{
    CellType, ModelOutput, Readout, RecurrentLayer, SequenceModel, SequenceModelConfig, Trainable,
};
use recurrent::train::{Objective, Optimizer, ProgressMode, Trainer, TrainerConfig};
use recurrent::{Recurrent, TrainError};

fn quiet(objective: Objective) -> TrainerConfig {
    TrainerConfig::new(objective).with_progress(ProgressMode::Quiet)
}

/// Chunks with the state carried across compute the same forward pass as whole sequences:
/// with one batch per epoch, the first epoch's loss (taken before the update) is the same; the
/// update differs, since gradients stop at chunk borders.
#[test]
fn chunks_carry_the_state_and_cut_the_gradient() {
    let device = common::default_cpu();
    let data = SumSignConfig::new()
        .with_seq_len(24)
        .generate(64, 1)
        .unwrap();
    for cell in [CellType::Rnn, CellType::Lstm, CellType::Gru] {
        let model = || {
            SequenceModelConfig::new(cell, 1, 8, 1)
                .with_num_layers(2)
                .with_seed(Some(1))
                .init(&device)
        };
        let config = quiet(Objective::BinaryClassification)
            .with_epochs(2)
            .with_batch_size(64);
        let whole = Trainer::new(config.clone())
            .fit(model(), &data, None)
            .unwrap();
        let chunked = Trainer::new(config.with_tbptt(Some(5)))
            .fit(model(), &data, None)
            .unwrap();
        let (a, b) = (whole.history.train_losses(), chunked.history.train_losses());
        assert!(
            (a[0] - b[0]).abs() < 1e-6,
            "{cell:?}: first loss {} vs {}",
            a[0],
            b[0]
        );
        assert_ne!(
            a[1], b[1],
            "{cell:?}: the truncated gradient gives another update"
        );
    }
}

/// Per-step targets: every chunk is scored and stepped, and the model learns the task.
#[test]
fn per_step_targets_train_chunk_by_chunk() {
    let device = common::default_cpu();
    let task = SineForecastConfig::new().with_per_step(true);
    let (train, test) = (
        task.generate(512, 1).unwrap(),
        task.generate(256, 2).unwrap(),
    );
    let model = SequenceModelConfig::new(CellType::Gru, 1, 16, 1)
        .with_readout(Readout::All)
        .with_seed(Some(2))
        .init(&device);
    let config = quiet(Objective::Regression)
        .with_epochs(8)
        .with_tbptt(Some(5));
    let fitted = Trainer::new(config).fit(model, &train, None).unwrap();
    let losses = fitted.history.train_losses();
    assert!(losses[7] < losses[0] / 2.0, "{losses:?}");
    let mse = fitted.evaluate(&test).unwrap().loss;
    let baseline = SineForecastConfig::persistence_mse(&test) as f64;
    assert!(mse < baseline, "MSE {mse} vs persistence {baseline}");
}

/// The update TBPTT makes is exactly the one of the last chunk's gradient, taken from the
/// detached state the earlier chunks left: plain SGD with lr 1 on one batch moves every
/// parameter by minus that gradient, and not by minus the whole sequence's gradient.
#[test]
fn the_update_is_the_last_chunks_gradient_from_a_detached_state() {
    let device = common::default_cpu();
    let data = SumSignConfig::new()
        .with_seq_len(12)
        .generate(16, 3)
        .unwrap();
    let build = || {
        SequenceModelConfig::new(CellType::Lstm, 1, 6, 1)
            .with_seed(Some(4))
            .init(&device)
    };
    let config = quiet(Objective::BinaryClassification)
        .with_epochs(1)
        .with_batch_size(16)
        .with_shuffle(false)
        .with_learning_rate(1.0)
        .with_optimizer(Optimizer::Sgd {
            momentum: 0.0,
            nesterov: false,
        })
        .with_tbptt(Some(4));
    let trained = Trainer::new(config)
        .fit(build(), &data, None)
        .unwrap()
        .model;

    let inputs = Tensor::<3>::from_data(
        TensorData::new(data.inputs().to_vec(), [16, 12, 1]),
        &device.clone().autodiff(),
    );
    let Targets::Binary(labels) = data.targets() else {
        unreachable!()
    };
    let labels: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [16]), &inputs.device());
    let loss = |logits: ModelOutput| {
        let ModelOutput::PerSequence(logits) = logits else {
            unreachable!()
        };
        BinaryCrossEntropyLossConfig::new()
            .with_logits(true)
            .init(&logits.device())
            .forward(logits.reshape([16]), labels.clone())
    };
    let weight_hh = |model: &SequenceModel| match &model.recurrent {
        RecurrentLayer::Lstm(lstm) => lstm.weights()[0].forward.weight_hh.val(),
        _ => unreachable!(),
    };
    let values = |t: Tensor<2>| -> Vec<f32> { t.into_data().try_to_vec().unwrap() };

    // By hand: two chunks forward for the state, detached; the last chunk with gradients.
    let model = build().train();
    let mut state = None;
    for start in [0, 4] {
        let (_, next) = model
            .forward_chunk(inputs.clone().narrow(1, start, 4), state)
            .unwrap();
        state = Some(next.detach());
    }
    let (logits, _) = model
        .forward_chunk(inputs.clone().narrow(1, 8, 4), state)
        .unwrap();
    let grads = loss(logits).backward();
    let truncated = values(weight_hh(&model).grad(&grads).unwrap());
    let whole_grads = loss(model.forward(inputs.clone())).backward();
    let whole = values(weight_hh(&model).grad(&whole_grads).unwrap());

    let before = values(weight_hh(&build()));
    let after = values(weight_hh(&trained));
    assert_eq!(
        (before.len(), after.len()),
        (truncated.len(), truncated.len())
    );
    assert!(
        truncated.iter().any(|g| g.abs() > 1e-6),
        "the truncated gradient is zero: the step below would check nothing"
    );
    for ((b, a), g) in before.iter().zip(&after).zip(&truncated) {
        assert!(
            (b - g - a).abs() < 1e-5,
            "before {b} - grad {g} != after {a}"
        );
    }
    let differs = truncated
        .iter()
        .zip(&whole)
        .any(|(t, w)| (t - w).abs() > 1e-4);
    assert!(
        differs,
        "the truncated gradient equals the whole-sequence one"
    );
}

#[test]
fn what_cannot_be_truncated_is_refused() {
    let device = common::default_cpu();
    let data = SumSignConfig::new().generate(32, 1).unwrap();
    let fit =
        |model: recurrent::model::SequenceModel, config: TrainerConfig, data: &SequenceDataset| {
            Trainer::new(config)
                .fit(model, data, None)
                .unwrap_err()
                .error
        };
    let model = |readout| {
        SequenceModelConfig::new(CellType::Gru, 1, 4, 1)
            .with_readout(readout)
            .init(&device)
    };
    let config = || quiet(Objective::BinaryClassification);
    assert_eq!(
        fit(model(Readout::Last), config().with_tbptt(Some(0)), &data),
        TrainError::ZeroTbptt
    );
    for readout in [Readout::Mean, Readout::LastAndMean] {
        let err = fit(model(readout), config().with_tbptt(Some(3)), &data);
        assert!(
            matches!(&err, TrainError::TbpttUnsupported { reason } if reason.contains("Readout::Last")),
            "{err}"
        );
    }
    let unequal = SequenceDataset::from_sequences(
        vec![vec![1.0, 2.0, 3.0], vec![1.0]],
        1,
        recurrent::data::Targets::Binary(vec![1.0, 0.0]),
    )
    .unwrap();
    let err = fit(model(Readout::Last), config().with_tbptt(Some(2)), &unequal);
    assert!(
        matches!(&err, TrainError::TbpttUnsupported { reason } if reason.contains("length")),
        "{err}"
    );

    // A model of your own without `forward_chunk`.
    #[derive(Module, Debug)]
    struct Plain {
        head: burn::nn::Linear,
    }
    impl Trainable for Plain {
        fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
            let [batch, _, features] = inputs.dims();
            ModelOutput::PerSequence(
                self.head
                    .forward(inputs.mean_dim(1).reshape([batch, features])),
            )
        }
        fn input_size(&self) -> usize {
            1
        }
        fn output_size(&self) -> usize {
            1
        }
    }
    let plain = Plain {
        head: burn::nn::LinearConfig::new(1, 1).init(&device),
    };
    let err = Trainer::new(config().with_tbptt(Some(2)))
        .fit(plain, &data, None)
        .unwrap_err()
        .error;
    assert!(
        matches!(&err, TrainError::TbpttUnsupported { reason } if reason.contains("supports_tbptt")),
        "{err}"
    );
}

/// A fixed batch `[3, 7, 2]`.
fn stream_inputs(device: &burn::tensor::Device) -> Tensor<3> {
    let values: Vec<f32> = (0..3 * 7 * 2).map(|i| (i as f32 * 0.43).sin()).collect();
    Tensor::from_data(TensorData::new(values, [3, 7, 2]), device)
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn assert_near(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-5 + 1e-5 * y.abs(),
            "{what}: element {i}: {x} vs {y}"
        );
    }
}

/// Stepping through a sequence gives `forward`'s numbers: with `Readout::Last`, the last
/// step's prediction is `forward`'s; with `Readout::All`, every step's is `forward`'s at that
/// step. Every cell, one and two layers, on every CPU backend.
#[test]
fn stepping_a_model_gives_forwards_predictions() {
    for (backend, device) in common::cpu_devices() {
        for cell in [CellType::Rnn, CellType::Lstm, CellType::Gru] {
            for layers in [1, 2] {
                for readout in [Readout::Last, Readout::All] {
                    let what = format!("{backend}: {cell:?}, {layers} layers, {readout:?}");
                    let model = SequenceModelConfig::new(cell, 2, 5, 3)
                        .with_num_layers(layers)
                        .with_readout(readout)
                        .with_seed(Some(11))
                        .init(&device);
                    let input = stream_inputs(&device);
                    let mut state = None;
                    let mut steps = Vec::new();
                    for t in 0..7 {
                        let x_t = input.clone().narrow(1, t, 1).reshape([3, 2]);
                        let (y, next) = model.try_step(x_t, state).unwrap();
                        assert_eq!(y.dims(), [3, 3], "{what}");
                        assert_eq!(next.hidden.dims(), [layers, 3, 5], "{what}");
                        assert_eq!(next.cell.is_some(), cell == CellType::Lstm, "{what}");
                        steps.push(y);
                        state = Some(next);
                    }
                    match model.forward(input) {
                        ModelOutput::PerSequence(whole) => {
                            assert_eq!(readout, Readout::Last);
                            let last = steps.pop().unwrap();
                            assert_near(&what, &to_vec(last), &to_vec(whole));
                        }
                        ModelOutput::PerStep(whole) => {
                            assert_eq!(readout, Readout::All);
                            let stepped = Tensor::stack::<3>(steps, 1);
                            assert_near(&what, &to_vec(stepped), &to_vec(whole));
                        }
                    }
                }
            }
        }
    }
}

/// `Readout::Mean` and `Readout::LastAndMean` need the whole sequence: `try_step` says so, and
/// `step` panics with the same message; the layer's own mistakes come as `ModelError::Layer`.
#[test]
fn readouts_that_need_the_whole_sequence_cannot_step() {
    use recurrent::{LayerError, ModelError};

    let device = common::default_cpu();
    let model = |readout| {
        SequenceModelConfig::new(CellType::Gru, 2, 4, 1)
            .with_readout(readout)
            .init(&device)
    };
    let x_t = || Tensor::<2>::ones([3, 2], &device);
    for (readout, name) in [
        (Readout::Mean, "Mean"),
        (Readout::LastAndMean, "LastAndMean"),
    ] {
        let err = model(readout).try_step(x_t(), None).unwrap_err();
        assert_eq!(err, ModelError::ReadoutCannotStep { readout: name });
        assert_eq!(
            err.to_string(),
            format!(
                "step needs a readout that streams: expected Readout::Last or Readout::All, found Readout::{name} (its prediction needs the whole sequence: use forward)"
            )
        );
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            model(readout).step(x_t(), None)
        }))
        .unwrap_err();
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(message, err.to_string());
    }
    let bidirectional = SequenceModelConfig::new(CellType::Lstm, 2, 4, 1)
        .with_bidirectional(true)
        .init(&device);
    assert_eq!(
        bidirectional.try_step(x_t(), None).unwrap_err(),
        ModelError::Layer(LayerError::StepOnBidirectional)
    );
    assert_eq!(
        model(Readout::Last)
            .try_step(Tensor::ones([3, 5], &device), None)
            .unwrap_err(),
        ModelError::Layer(LayerError::InputSizeMismatch {
            expected: 2,
            found: 5
        })
    );
}
