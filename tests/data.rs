//! Datasets and generators: validation, statistics, determinism, and Burn's `Dataset`.

mod common;

use burn::data::dataset::Dataset;
use recurrent::DataError;
use recurrent::data::{
    AddingProblemConfig, BatchTargets, DelayedRecallConfig, SequenceDataset, SineForecastConfig,
    SumSignConfig, Target, Targets, data_loader,
};

#[test]
fn every_generator_is_deterministic_for_a_seed() {
    let same = |a: SequenceDataset, b: SequenceDataset, c: SequenceDataset, name: &str| {
        assert_eq!(a, b, "{name}: same seed, same data");
        assert_ne!(a, c, "{name}: another seed, other data");
    };
    let s = SumSignConfig::new();
    same(
        s.generate(50, 1).unwrap(),
        s.generate(50, 1).unwrap(),
        s.generate(50, 2).unwrap(),
        "SumSign",
    );
    let a = AddingProblemConfig::new();
    same(
        a.generate(50, 1).unwrap(),
        a.generate(50, 1).unwrap(),
        a.generate(50, 2).unwrap(),
        "Adding",
    );
    let d = DelayedRecallConfig::new();
    same(
        d.generate(50, 1).unwrap(),
        d.generate(50, 1).unwrap(),
        d.generate(50, 2).unwrap(),
        "Recall",
    );
    let w = SineForecastConfig::new();
    same(
        w.generate(50, 1).unwrap(),
        w.generate(50, 1).unwrap(),
        w.generate(50, 2).unwrap(),
        "Sine",
    );
}

#[test]
fn sum_sign_is_standard_normal_and_balanced() {
    let data = SumSignConfig::new()
        .with_seq_len(12)
        .with_num_features(2)
        .generate(5000, 3)
        .unwrap();
    assert_eq!(
        (data.len(), data.seq_len(), data.num_features()),
        (5000, 12, 2)
    );
    let x = data.inputs();
    let mean = x.iter().sum::<f32>() / x.len() as f32;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / x.len() as f32;
    assert!(mean.abs() < 0.02, "mean {mean}");
    assert!((var - 1.0).abs() < 0.03, "variance {var}");
    let Targets::Binary(labels) = data.targets() else {
        panic!("binary labels")
    };
    let positive = labels.iter().sum::<f32>() / labels.len() as f32;
    assert!((positive - 0.5).abs() < 0.03, "label balance {positive}");
    // Each label is the sign of its sequence's sum.
    for (i, label) in labels.iter().enumerate() {
        let sum: f32 = x[i * 24..(i + 1) * 24].iter().sum();
        assert_eq!(*label, if sum > 0.0 { 1.0 } else { 0.0 });
    }
}

#[test]
fn adding_problem_marks_one_value_in_each_half() {
    let data = AddingProblemConfig::new()
        .with_seq_len(40)
        .generate(2000, 5)
        .unwrap();
    let Targets::Real { values, outputs: 1 } = data.targets() else {
        panic!("one real target")
    };
    let x = data.inputs();
    for (i, target) in values.iter().enumerate() {
        let seq = &x[i * 80..(i + 1) * 80];
        let marked: Vec<usize> = (0..40).filter(|t| seq[2 * t + 1] == 1.0).collect();
        assert_eq!(marked.len(), 2);
        assert!(marked[0] < 20 && marked[1] >= 20, "{marked:?}");
        let sum = seq[2 * marked[0]] + seq[2 * marked[1]];
        assert!((sum - target).abs() < 1e-6);
        assert!((0..40).all(|t| (0.0..1.0).contains(&seq[2 * t])));
    }
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    let mse_of_mean: f32 =
        values.iter().map(|v| (v - 1.0).powi(2)).sum::<f32>() / values.len() as f32;
    assert!((mean - 1.0).abs() < 0.03, "mean target {mean}");
    assert!(
        (mse_of_mean - AddingProblemConfig::BASELINE_MSE).abs() < 0.015,
        "{mse_of_mean}"
    );
}

#[test]
fn delayed_recall_shows_the_symbol_first_and_cues_last() {
    let config = DelayedRecallConfig::new().with_num_symbols(5).with_delay(8);
    let data = config.generate(3000, 7).unwrap();
    assert_eq!((data.seq_len(), data.num_features()), (10, 6));
    let Targets::Class {
        labels,
        num_classes: 5,
    } = data.targets()
    else {
        panic!("5 classes")
    };
    let mut counts = [0usize; 5];
    for (i, &label) in labels.iter().enumerate() {
        counts[label] += 1;
        let seq = &data.get(i).unwrap().input;
        let first: Vec<f32> = seq[..6].to_vec();
        let mut expected = vec![0.0; 6];
        expected[label] = 1.0;
        assert_eq!(first, expected);
        // The symbol never reappears as a distractor; the cue is only on the last step.
        for t in 1..9 {
            assert_eq!(seq[t * 6 + label], 0.0);
            assert_eq!(seq[t * 6 + 5], 0.0);
        }
        assert_eq!(seq[9 * 6 + 5], 1.0);
    }
    assert!(
        counts
            .iter()
            .all(|&c| (c as f32 / 3000.0 - 0.2).abs() < 0.03),
        "{counts:?}"
    );
    assert_eq!(config.baseline_accuracy(), 0.2);
}

#[test]
fn sine_forecast_targets_are_the_next_clean_value() {
    let clean = SineForecastConfig::new()
        .with_noise(0.0)
        .with_per_step(true)
        .generate(20, 9)
        .unwrap();
    let Targets::PerStep { values, outputs: 1 } = clean.targets() else {
        panic!("per step")
    };
    // Without noise the target at step t is the input at step t + 1.
    for i in 0..20 {
        for t in 0..19 {
            assert!((values[i * 20 + t] - clean.inputs()[i * 20 + t + 1]).abs() < 1e-6);
        }
    }
    assert!(clean.inputs().iter().all(|v| v.abs() < 1.5));
    let noisy = SineForecastConfig::new().generate(500, 9).unwrap();
    assert_eq!(noisy.targets().outputs(), 1);
    let persistence = SineForecastConfig::persistence_mse(&noisy);
    assert!(persistence > 0.01 && persistence < 1.0, "{persistence}");
}

#[test]
fn generator_configs_that_cannot_work_are_rejected() {
    let err = SumSignConfig::new()
        .with_seq_len(0)
        .generate(10, 1)
        .unwrap_err();
    assert!(
        matches!(&err, DataError::InvalidGeneratorConfig { reason, .. } if reason == "seq_len must be at least 1, found 0"),
        "{err}"
    );
    let err = AddingProblemConfig::new()
        .with_seq_len(1)
        .generate(10, 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::InvalidGeneratorConfig {
                generator: "AddingProblem",
                ..
            }
        ),
        "{err}"
    );
    let err = DelayedRecallConfig::new()
        .with_num_symbols(1)
        .generate(10, 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::InvalidGeneratorConfig {
                generator: "DelayedRecall",
                ..
            }
        ),
        "{err}"
    );
    let err = SineForecastConfig::new()
        .with_noise(-1.0)
        .generate(10, 1)
        .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::InvalidGeneratorConfig {
                generator: "SineForecast",
                ..
            }
        ),
        "{err}"
    );
    let err = SumSignConfig::new().generate(0, 1).unwrap_err();
    assert_eq!(err, DataError::EmptyDataset);
    assert_eq!(
        err.to_string(),
        "empty dataset: expected at least one sequence, found none"
    );
}

#[test]
fn a_dataset_from_the_users_numbers_is_validated() {
    let ok = SequenceDataset::new(
        vec![0.0; 12],
        [2, 3, 2],
        Targets::Class {
            labels: vec![0, 2],
            num_classes: 3,
        },
    );
    assert!(ok.is_ok());
    let err = SequenceDataset::new(vec![0.0; 11], [2, 3, 2], Targets::Binary(vec![0.0, 1.0]))
        .unwrap_err();
    assert!(
        matches!(&err, DataError::ShapeMismatch { what: "inputs", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("12 values") && err.to_string().contains("found 11 values"),
        "{err}"
    );
    let err =
        SequenceDataset::new(vec![0.0; 12], [2, 3, 2], Targets::Binary(vec![0.0])).unwrap_err();
    assert_eq!(
        err,
        DataError::TargetCountMismatch {
            kind: "binary labels",
            expected: "2 values (2 sequences x 1)".into(),
            found: "1 value".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "target count mismatch for binary labels: expected 2 values (2 sequences x 1), found 1 value"
    );
    let err = SequenceDataset::new(vec![0.0; 12], [2, 3, 2], Targets::Binary(vec![0.0, 0.5]))
        .unwrap_err();
    assert_eq!(
        err,
        DataError::InvalidBinaryLabel {
            sequence: 1,
            value: 0.5
        }
    );
    let err = SequenceDataset::new(
        vec![0.0; 12],
        [2, 3, 2],
        Targets::Class {
            labels: vec![0, 3],
            num_classes: 3,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        DataError::ClassOutOfRange {
            sequence: 1,
            label: 3,
            num_classes: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "class out of range for sequence 1: expected a label below 3, found 3"
    );
    let err = SequenceDataset::new(
        vec![0.0; 12],
        [2, 3, 2],
        Targets::Real {
            values: vec![1.0, f32::INFINITY],
            outputs: 1,
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::NonFiniteValue {
                what: "target",
                sequence: 1,
                ..
            }
        ),
        "{err}"
    );
    let err = SequenceDataset::new(
        vec![0.0; 12],
        [2, 3, 2],
        Targets::PerStep {
            values: vec![0.0; 2],
            outputs: 1,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        DataError::TargetCountMismatch {
            kind: "per-step real values",
            expected: "6 values (6 steps x 1)".into(),
            found: "2 values".into()
        }
    );
    let err = SequenceDataset::new(vec![], [0, 0, 1], Targets::Binary(vec![])).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::ShapeMismatch {
                what: "sequence length and features",
                ..
            }
        ),
        "{err}"
    );

    // Sequences may differ in steps, not in features per step.
    let unequal = vec![vec![vec![1.0], vec![2.0]], vec![vec![1.0]]];
    let data = SequenceDataset::from_vecs(unequal, Targets::Binary(vec![0.0, 1.0])).unwrap();
    assert_eq!((data.lengths(), data.seq_len()), (&[2, 1][..], 2));
    assert!(!data.is_equal_length());
    let empty_step = vec![vec![vec![1.0], vec![2.0]], vec![]];
    let err = SequenceDataset::from_vecs(empty_step, Targets::Binary(vec![0.0, 1.0])).unwrap_err();
    assert_eq!(err, DataError::EmptySequence { sequence: 1 });
    let ragged = vec![vec![vec![1.0], vec![2.0]], vec![vec![1.0], vec![1.0, 2.0]]];
    let err = SequenceDataset::from_vecs(ragged, Targets::Binary(vec![0.0, 1.0])).unwrap_err();
    assert_eq!(
        err,
        DataError::RaggedSequences {
            sequence: 1,
            what: "feature",
            expected: 1,
            found: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "ragged sequences: a step of sequence 1 has 2 features, expected 1 feature like the first step of sequence 0"
    );
    assert_eq!(
        SequenceDataset::from_vecs(vec![], Targets::Binary(vec![])).unwrap_err(),
        DataError::EmptyDataset
    );
}

/// Issue 15: `from_vecs(vec![vec![]])` said "features per step: expected at least 1"; a
/// sequence without steps is now named, by every constructor.
#[test]
fn a_sequence_without_steps_is_named() {
    let err = SequenceDataset::from_vecs(vec![vec![]], Targets::Binary(vec![0.0])).unwrap_err();
    assert_eq!(err, DataError::EmptySequence { sequence: 0 });
    assert_eq!(
        err.to_string(),
        "empty sequence 0: expected at least one step, found none"
    );
    let later = vec![vec![vec![1.0]], vec![vec![2.0]], vec![]];
    assert_eq!(
        SequenceDataset::from_vecs(later, Targets::Binary(vec![0.0, 1.0, 0.0])).unwrap_err(),
        DataError::EmptySequence { sequence: 2 }
    );
    let flat = vec![vec![1.0, 2.0], vec![]];
    assert_eq!(
        SequenceDataset::from_sequences(flat, 2, Targets::Binary(vec![0.0, 1.0])).unwrap_err(),
        DataError::EmptySequence { sequence: 1 }
    );
    // Values that do not fill whole steps are a shape mistake, and say so for one value.
    let err = SequenceDataset::from_sequences(vec![vec![1.0]], 2, Targets::Binary(vec![0.0]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "data shape mismatch for a sequence's values: expected a multiple of num_features = 2 (steps * features), found 1 value in sequence 0"
    );
}

/// Issue 15: `SequenceDataset::new` with `n = 0` returned `Ok`, though `from_sequences` and
/// `from_vecs` refuse no sequences.
#[test]
fn new_refuses_zero_sequences() {
    let err = SequenceDataset::new(vec![], [0, 3, 1], Targets::Binary(vec![])).unwrap_err();
    assert_eq!(err, DataError::EmptyDataset);
    assert_eq!(
        err.to_string(),
        "empty dataset: expected at least one sequence, found none"
    );
    let err = SequenceDataset::new(
        vec![],
        [0, 2, 2],
        Targets::Real {
            values: vec![],
            outputs: 1,
        },
    )
    .unwrap_err();
    assert_eq!(err, DataError::EmptyDataset);
}

/// Issue 15: messages said "1 features", "1 values": a count of one reads in the singular.
#[test]
fn data_messages_read_right_for_a_count_of_one() {
    let err =
        SequenceDataset::new(vec![0.0; 2], [1, 1, 1], Targets::Binary(vec![0.0])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data shape mismatch for inputs: expected n * seq_len * num_features = 1 value for [1, 1, 1], found 2 values"
    );
    let err = SequenceDataset::new(vec![0.0; 2], [1, 2, 1], Targets::Binary(vec![])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "target count mismatch for binary labels: expected 1 value (1 sequence x 1), found 0 values"
    );
    let err = SequenceDataset::new(
        vec![0.0],
        [1, 1, 1],
        Targets::PerStep {
            values: vec![0.0; 2],
            outputs: 1,
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "target count mismatch for per-step real values: expected 1 value (1 step x 1), found 2 values"
    );
    let ragged = vec![vec![vec![1.0, 2.0]], vec![vec![1.0]]];
    let err = SequenceDataset::from_vecs(ragged, Targets::Binary(vec![0.0, 1.0])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ragged sequences: a step of sequence 1 has 1 feature, expected 2 features like the first step of sequence 0"
    );
    let one = SumSignConfig::new().generate(1, 1).unwrap();
    assert_eq!(
        one.split(0.5, 1).unwrap_err().to_string(),
        "invalid split fraction: expected 0 < fraction < 1 leaving both parts of 1 sequence non-empty, found 0.5"
    );
    let err = recurrent::data::Normalizer::from_parts(vec![0.0], vec![]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid normaliser: expected one mean and one standard deviation per feature, at least one feature, found 1 mean and 0 deviations"
    );
}

/// Issue 15: `data_loader(&data, 0, ..)` never returned a batch (100% CPU, for ever). The call
/// runs on its own thread and the test waits a generous minute for an answer, so that the old
/// behaviour fails the test instead of hanging the suite.
#[test]
fn a_zero_batch_size_is_refused_at_once_instead_of_hanging() {
    let (answer, answered) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let data = SumSignConfig::new().generate(4, 1).unwrap();
        let device = common::default_cpu();
        let result = data_loader(&data, 0, None, &device)
            .map(|loader| loader.iter().take(2).filter_map(Result::ok).count());
        answer.send(result).expect("the test is waiting");
    });
    let result = answered
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("data_loader with a batch size of 0 did not return within a minute");
    let err = result.expect_err("a batch size of 0 is refused");
    assert_eq!(err, DataError::ZeroBatchSize);
    assert_eq!(
        err.to_string(),
        "invalid batch size: expected at least 1 sequence per batch, found 0"
    );
}

#[test]
fn split_and_shuffle_keep_every_sequence_once() {
    let data = SumSignConfig::new().generate(100, 1).unwrap();
    let (a, b) = data.split(0.8, 4).unwrap();
    assert_eq!((a.len(), b.len()), (80, 20));
    let mut all: Vec<Vec<u32>> = (0..80)
        .map(|i| {
            a.get(i)
                .unwrap()
                .input
                .iter()
                .map(|v| v.to_bits())
                .collect()
        })
        .chain((0..20).map(|i| {
            b.get(i)
                .unwrap()
                .input
                .iter()
                .map(|v| v.to_bits())
                .collect()
        }))
        .collect();
    let mut original: Vec<Vec<u32>> = (0..100)
        .map(|i| {
            data.get(i)
                .unwrap()
                .input
                .iter()
                .map(|v| v.to_bits())
                .collect()
        })
        .collect();
    all.sort();
    original.sort();
    assert_eq!(all, original);
    assert_eq!(data.split(0.8, 4).unwrap(), (a, b), "deterministic");
    let shuffled = data.shuffle(3);
    assert_ne!(shuffled, data);
    assert_eq!(shuffled, data.shuffle(3));
    for fraction in [0.0, 1.0, -0.5, f64::NAN, 0.001] {
        let err = data.split(fraction, 1).unwrap_err();
        assert!(
            matches!(err, DataError::InvalidSplitFraction { .. }),
            "{fraction}: {err}"
        );
    }
    assert!(data.get(100).is_none());
}

#[test]
fn the_dataset_plugs_into_burns_dataset_and_data_loader() {
    let data = DelayedRecallConfig::new()
        .with_num_symbols(3)
        .with_delay(2)
        .generate(10, 1)
        .unwrap();
    // Burn's Dataset trait.
    assert_eq!(Dataset::len(&data), 10);
    let item = Dataset::get(&data, 3).unwrap();
    assert!(matches!(item.target, Target::Class(_)));
    assert!(Dataset::get(&data, 10).is_err());
    // Burn's DataLoader, through the crate's batcher.
    let device = common::default_cpu();
    let loader = data_loader(&data, 4, Some(1), &device).unwrap();
    let batches: Vec<_> = loader.iter().map(|b| b.unwrap()).collect();
    assert_eq!(
        batches
            .iter()
            .map(|b| b.inputs.dims()[0])
            .collect::<Vec<_>>(),
        vec![4, 4, 2]
    );
    assert_eq!(batches[0].inputs.dims(), [4, 4, 4]);
    let BatchTargets::Class(labels) = &batches[2].targets else {
        panic!("class targets")
    };
    assert_eq!(labels.dims(), [2]);
    // Each pass over the loader draws a new order from the seed.
    let first: Vec<f32> = loader
        .iter()
        .next()
        .unwrap()
        .unwrap()
        .inputs
        .into_data()
        .try_to_vec()
        .unwrap();
    let second: Vec<f32> = loader
        .iter()
        .next()
        .unwrap()
        .unwrap()
        .inputs
        .into_data()
        .try_to_vec()
        .unwrap();
    assert_ne!(first, second);
}

#[test]
fn a_burn_dataset_index_past_the_end_is_named() {
    let data = SumSignConfig::new().generate(3, 1).unwrap();
    let err = Dataset::get(&data, 3).expect_err("only 3 sequences");
    assert!(
        err.to_string()
            .contains("index out of range: expected an index below 3, found 3"),
        "{err}"
    );
    assert!(Dataset::get(&data, 2).is_ok());
}

/// Per-series z-normalisation against hand-computed values: two features, sequences of
/// unequal length, a feature constant within one sequence (only centred); the same through
/// `transform_values` for one sequence and after a save and load.
#[test]
fn per_series_z_normalisation_uses_each_sequences_own_statistics() {
    use recurrent::data::Normalizer;
    // Sequence 0: feature 0 is 1, 2, 3, 6 (mean 3, population std sqrt(3.5)); feature 1 is
    // 5, 5, 5, 5. Sequence 1: feature 0 is -2, 2 (mean 0, std 2); feature 1 is 0, 10 (5, 5).
    let data = SequenceDataset::from_sequences(
        vec![
            vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0, 6.0, 5.0],
            vec![-2.0, 0.0, 2.0, 10.0],
        ],
        2,
        Targets::Binary(vec![0.0, 1.0]),
    )
    .unwrap();
    let normalizer = Normalizer::per_series(2).unwrap();
    assert!(normalizer.is_per_series());
    let scaled = normalizer.transform(&data).unwrap();
    let s = 3.5f32.sqrt();
    let expected0 = [-2.0 / s, 0.0, -1.0 / s, 0.0, 0.0, 0.0, 3.0 / s, 0.0];
    for (a, e) in scaled.sequence(0).iter().zip(expected0) {
        assert!((a - e).abs() < 1e-6, "{:?}", scaled.sequence(0));
    }
    assert_eq!(scaled.sequence(1), &[-1.0, -1.0, 1.0, 1.0]);

    let mut one = data.sequence(1).to_vec();
    normalizer.transform_values(&mut one).unwrap();
    assert_eq!(one, [-1.0, -1.0, 1.0, 1.0]);

    let path = std::env::temp_dir().join(format!("per-series-{}.json", std::process::id()));
    normalizer.save(&path).unwrap();
    let loaded = Normalizer::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded, normalizer);
    // A per-feature normaliser is unchanged by the new field (and saves without it).
    let fitted = Normalizer::fit(&data).unwrap();
    assert!(!fitted.is_per_series());
    assert!(
        !serde_json::to_string(&fitted)
            .unwrap()
            .contains("per_series")
    );

    let err = Normalizer::per_series(0).unwrap_err();
    assert!(matches!(err, DataError::InvalidNormalizer { .. }), "{err}");
}

/// `split_validation`: each class split in proportion, the same split for the same seed and
/// another for another seed, every sequence in exactly one part; real-valued targets split by
/// count; each mistake its own error.
#[test]
fn the_validation_split_is_stratified_and_reproducible() {
    let labels: Vec<usize> = (0..40).map(|i| [0, 0, 0, 1, 1, 2, 0, 1][i % 8]).collect();
    let n = labels.len();
    let values: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let class = |labels: Vec<usize>| Targets::Class {
        labels,
        num_classes: 3,
    };
    let data = SequenceDataset::new(values.clone(), [n, 1, 1], class(labels.clone())).unwrap();
    let (train, valid) = data.split_validation(0.2, 1).unwrap();
    let per_class = |d: &SequenceDataset| {
        let Targets::Class { labels, .. } = d.targets() else {
            unreachable!()
        };
        (0..3)
            .map(|c| labels.iter().filter(|&&l| l == c).count())
            .collect::<Vec<_>>()
    };
    // 20, 15 and 5 sequences: 4, 3 and 1 of them in the validation part.
    assert_eq!(per_class(&data), [20, 15, 5]);
    assert_eq!(per_class(&valid), [4, 3, 1]);
    assert_eq!(per_class(&train), [16, 12, 4]);
    let mut seen: Vec<f32> = [train.inputs(), valid.inputs()].concat();
    seen.sort_by(f32::total_cmp);
    assert_eq!(seen, values, "every sequence in exactly one part");
    assert_eq!(
        data.split_validation(0.2, 1).unwrap(),
        (train, valid.clone())
    );
    assert_ne!(data.split_validation(0.2, 2).unwrap().1, valid);

    let real = SequenceDataset::new(
        values.clone(),
        [n, 1, 1],
        Targets::Real {
            values: values.clone(),
            outputs: 1,
        },
    )
    .unwrap();
    let (train, valid) = real.split_validation(0.25, 3).unwrap();
    assert_eq!((train.len(), valid.len()), (30, 10));

    for fraction in [0.0, 1.0, 1.5, f64::NAN] {
        assert!(matches!(
            data.split_validation(fraction, 1),
            Err(DataError::InvalidValidationFraction { .. })
        ));
    }
    assert!(matches!(
        data.split_validation(0.01, 1),
        Err(DataError::EmptyValidationPart { .. })
    ));
    // One sequence of class 2: a fraction of 0.5 would take it out of training.
    let mut few = labels.clone();
    few.iter_mut()
        .filter(|l| **l == 2)
        .skip(1)
        .for_each(|l| *l = 0);
    let data = SequenceDataset::new(values, [n, 1, 1], class(few)).unwrap();
    let err = data.split_validation(0.5, 1).unwrap_err();
    assert_eq!(
        err,
        DataError::ClassLeftOutOfTraining {
            class: 2,
            sequences: 1,
            fraction: 0.5
        }
    );
    assert_eq!(
        err.to_string(),
        "validation fraction 0.5 leaves class 2 out of the training part: expected a fraction that keeps at least one of its 1 sequence for training"
    );
}
