//! Truncated backpropagation through time (`TrainerConfig::tbptt`).

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
