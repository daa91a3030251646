//! Models for long series: `SequenceModel` with a convolutional front end, and `LstmFcn`
//! (Karim et al. 2017, with its dimension shuffle): their lengths, every config mistake and
//! every input they cannot read as a checked error, save and load, and training.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::{default_cpu, scratch, values};
use recurrent::data::{SequenceDataset, SumSignConfig, Targets};
use recurrent::model::{
    CellType, ConvFrontEndConfig, LstmFcn, LstmFcnConfig, ModelOutput, Readout, SequenceModel,
    SequenceModelConfig,
};
use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};
use recurrent::{ModelError, TrainError};

/// A fixed batch `[batch, seq, features]` of real numbers.
fn batch(dims: [usize; 3], device: &Device) -> Tensor<3> {
    let values: Vec<f32> = (0..dims.iter().product::<usize>())
        .map(|i| (i as f32 * 0.37).sin())
        .collect();
    Tensor::from_data(TensorData::new(values, dims), device)
}

/// An LSTM(8) over a front end of 6 channels, kernel 3, stride 2, pool 2.
fn front_model(seed: u64) -> SequenceModel {
    SequenceModelConfig::new(CellType::Lstm, 2, 8, 1)
        .with_readout(Readout::Last)
        .with_front_end(Some(
            ConvFrontEndConfig::new(6)
                .with_kernel_size(3)
                .with_stride(2)
                .with_pool(2),
        ))
        .with_seed(Some(seed))
        .try_init(&default_cpu())
        .unwrap()
}

fn small_fcn(input_size: usize) -> LstmFcnConfig {
    LstmFcnConfig::new(input_size, 1)
        .with_lstm_hidden(4)
        .with_filters(vec![6, 8])
        .with_kernel_sizes(vec![5, 3])
        .with_dropout(0.2)
        .with_seed(Some(3))
}

fn per_sequence(output: ModelOutput) -> Tensor<2> {
    match output {
        ModelOutput::PerSequence(t) => t,
        ModelOutput::PerStep(_) => panic!("expected one output per sequence"),
    }
}

fn trainer(epochs: usize) -> Trainer {
    Trainer::new(
        TrainerConfig::new(Objective::BinaryClassification)
            .with_epochs(epochs)
            .with_batch_size(16)
            .with_learning_rate(0.01)
            .with_seed(1)
            .with_progress(ProgressMode::Quiet),
    )
}

fn sum_sign(seq_len: usize, num_features: usize, n: usize) -> SequenceDataset {
    SumSignConfig::new()
        .with_seq_len(seq_len)
        .with_num_features(num_features)
        .generate(n, 7)
        .unwrap()
}

#[test]
fn the_front_end_shortens_the_sequence_as_its_config_says() {
    let config = ConvFrontEndConfig::new(6)
        .with_kernel_size(3)
        .with_stride(2)
        .with_pool(2);
    // conv: (40 - 3) / 2 + 1 = 19 steps, pool 2: 9.
    assert_eq!(config.output_length(40), 9);
    assert_eq!(config.min_sequence_length(), 5);
    assert_eq!(config.output_length(5), 1);
    assert_eq!(config.output_length(4), 0);
    let front = config.try_init(2, Some(1), &default_cpu()).unwrap();
    assert_eq!(
        front.forward(batch([3, 40, 2], &default_cpu())).dims(),
        [3, 9, 6]
    );
    assert!(front.check_length(5).is_ok());
    assert!(matches!(
        front.check_length(4),
        Err(ModelError::SequenceTooShort {
            min_length: 5,
            found: 4
        })
    ));
}

#[test]
fn each_zero_size_of_a_front_end_is_named() {
    let base = || ConvFrontEndConfig::new(6);
    let cases = [
        ("channels", ConvFrontEndConfig::new(0)),
        ("kernel_size", base().with_kernel_size(0)),
        ("stride", base().with_stride(0)),
        ("num_layers", base().with_num_layers(0)),
        ("pool", base().with_pool(0)),
    ];
    for (name, config) in cases {
        match config.validate() {
            Err(ModelError::ZeroSize { field }) => assert_eq!(field, name),
            other => panic!("{name}: expected ZeroSize, found {other:?}"),
        }
        let message = config.validate().unwrap_err().to_string();
        assert!(
            message.contains(name) && message.contains("found 0"),
            "{message}"
        );
    }
}

#[test]
fn lstm_fcn_config_mistakes_are_each_their_own_error() {
    assert!(matches!(
        small_fcn(1).with_kernel_sizes(vec![5]).validate(),
        Err(ModelError::ConvolutionCountMismatch {
            filters: 2,
            kernel_sizes: 1
        })
    ));
    for dropout in [1.0, -0.1, f64::NAN] {
        match small_fcn(1).with_dropout(dropout).validate() {
            Err(ModelError::InvalidDropout { found }) => {
                assert!(found.is_nan() || found == dropout)
            }
            other => panic!("dropout {dropout}: expected InvalidDropout, found {other:?}"),
        }
    }
    assert!(matches!(
        LstmFcnConfig::new(1, 0).validate(),
        Err(ModelError::ZeroOutputSize)
    ));
    assert!(matches!(
        small_fcn(1).with_filters(vec![6, 0]).validate(),
        Err(ModelError::ZeroSize { .. })
    ));
    assert!(matches!(
        small_fcn(1).with_lstm_hidden(0).validate(),
        Err(ModelError::ZeroSize { .. })
    ));
    assert!(small_fcn(1).validate().is_ok());
}

#[test]
fn a_batch_too_short_for_the_front_end_is_an_error_in_the_model_and_the_trainer() {
    let model = front_model(1);
    let device = default_cpu();
    assert!(matches!(
        model.try_forward(batch([2, 4, 2], &device), None),
        Err(ModelError::SequenceTooShort {
            min_length: 5,
            found: 4
        })
    ));
    // Padded: the shortest sequence decides.
    assert!(matches!(
        model.try_forward(batch([2, 8, 2], &device), Some(&[8, 3])),
        Err(ModelError::SequenceTooShort {
            min_length: 5,
            found: 3
        })
    ));
    let short = SequenceDataset::from_sequences(
        vec![vec![0.5; 2 * 8], vec![0.5; 2 * 3]],
        2,
        Targets::Binary(vec![1.0, 0.0]),
    )
    .unwrap();
    let err = trainer(1)
        .fit(front_model(1), &short, None)
        .unwrap_err()
        .error;
    assert!(
        matches!(
            err,
            TrainError::SequenceTooShort {
                which: "training",
                min_length: 5,
                found: 3
            }
        ),
        "{err}"
    );
}

#[test]
fn a_model_with_a_front_end_cannot_step() {
    let model = front_model(1);
    let x_t = batch([1, 1, 2], &default_cpu()).squeeze_dim::<2>(1);
    assert!(matches!(
        model.try_step(x_t, None),
        Err(ModelError::FrontEndCannotStep)
    ));
}

#[test]
fn a_padded_sequence_through_the_front_end_is_read_as_if_alone() {
    let model = front_model(2);
    let device = default_cpu();
    let padded = batch([2, 30, 2], &device);
    let together = per_sequence(model.forward_with_lengths(padded.clone(), &[30, 17]));
    let alone = per_sequence(model.forward(padded.slice([1..2, 0..17])));
    let (together, _) = values(together.slice([1..2, 0..1]));
    let (alone, _) = values(alone);
    assert!(
        (together[0] - alone[0]).abs() < 1e-5,
        "{together:?} against {alone:?}"
    );
}

#[test]
fn the_dimension_shuffle_reads_one_length_only() {
    let device = default_cpu();
    let model = small_fcn(1)
        .with_dimension_shuffle(Some(20))
        .try_init(&device)
        .unwrap();
    assert_eq!(model.forward(batch([3, 20, 1], &device)).dims(), [3, 1]);
    assert!(matches!(
        model.try_forward(batch([3, 19, 1], &device)),
        Err(ModelError::SequenceLengthMismatch {
            expected: 20,
            found: 19
        })
    ));
    let err = trainer(1)
        .fit(model, &sum_sign(19, 1, 8), None)
        .unwrap_err()
        .error;
    assert!(
        matches!(
            err,
            TrainError::SequenceLengthMismatch {
                which: "training",
                expected: 20,
                found: 19
            }
        ),
        "{err}"
    );
}

#[test]
fn both_models_save_and_load_with_the_same_outputs() {
    let device = default_cpu();
    let inputs = batch([3, 20, 2], &device);

    let front_dir = scratch("conv_models_front_end");
    let model = front_model(4);
    model.save(&front_dir).unwrap();
    let loaded = SequenceModel::load(&front_dir, &device).unwrap();
    assert_eq!(
        loaded.front_end.as_ref().map(|f| f.config().channels),
        Some(6)
    );
    let (before, _) = values(per_sequence(model.forward(inputs.clone())));
    let (after, _) = values(per_sequence(loaded.forward(inputs.clone())));
    assert_eq!(before, after);

    let dir = scratch("conv_models_lstm_fcn");
    let model = small_fcn(2).try_init(&device).unwrap();
    model.save(&dir).unwrap();
    let loaded = LstmFcn::load(&dir, &device).unwrap();
    assert_eq!(loaded.config().filters, vec![6, 8]);
    let (before, _) = values(model.forward(inputs.clone()));
    let (after, _) = values(loaded.forward(inputs));
    assert_eq!(before, after);
    // A SequenceModel folder is not an LSTM-FCN.
    let err = LstmFcn::load(&front_dir, &device).unwrap_err();
    assert!(err.to_string().contains("lstm-fcn"), "{err}");
}

#[test]
fn both_models_train_and_their_loss_falls() {
    let data = sum_sign(24, 2, 64);
    let front = trainer(8).fit(front_model(5), &data, None).unwrap();
    let fcn = trainer(8)
        .fit(small_fcn(2).try_init(&default_cpu()).unwrap(), &data, None)
        .unwrap();
    for (name, losses) in [
        ("front end", front.history.train_losses()),
        ("LSTM-FCN", fcn.history.train_losses()),
    ] {
        let (first, last) = (losses[0], losses[losses.len() - 1]);
        assert!(last < 0.9 * first, "{name}: losses {losses:?}");
    }
}
