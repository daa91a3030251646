//! The probabilistic objectives, `Objective::Gaussian` and `Objective::Quantile`, through the
//! public API: their losses and metrics against the formulas, computed here in f64 from known
//! model outputs; their checks; `Quantiles` and its errors; and training with each.

mod common;

use burn::module::Module;
use burn::tensor::Tensor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use recurrent::data::{SequenceDataset, Targets};
use recurrent::model::{CellType, ModelOutput, SequenceModel, SequenceModelConfig, Trainable};
use recurrent::train::{
    Evaluation, Fitted, GAUSSIAN_MIN_SCALE, Objective, ProgressMode, Quantiles, TrainError,
    Trainer, TrainerConfig, evaluate, gaussian_scale,
};

const HALF_LN_TWO_PI: f64 = 0.918_938_533_204_672_8;

/// A model without parameters whose outputs are its inputs: the last step's features for each
/// sequence, or every step's features for each step. Whatever the test puts in the inputs is
/// what the objective scores.
#[derive(Module, Debug)]
struct Echo {
    #[module(skip)]
    features: usize,
    #[module(skip)]
    per_step: bool,
}

impl Trainable for Echo {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        let [batch, seq, features] = inputs.dims();
        if self.per_step {
            ModelOutput::PerStep(inputs)
        } else {
            ModelOutput::PerSequence(inputs.narrow(1, seq - 1, 1).reshape([batch, features]))
        }
    }
    fn forward_with_lengths(&self, inputs: Tensor<3>, lengths: &[usize]) -> ModelOutput {
        assert!(self.per_step, "only the per-step echo reads padded batches");
        let _ = lengths;
        ModelOutput::PerStep(inputs)
    }
    fn supports_lengths(&self) -> bool {
        self.per_step
    }
    fn input_size(&self) -> usize {
        self.features
    }
    fn output_size(&self) -> usize {
        self.features
    }
    fn per_step(&self) -> bool {
        self.per_step
    }
}

fn echo(features: usize, per_step: bool) -> Echo {
    Echo { features, per_step }
}

fn gaussian_nll(y: f64, mean: f64, raw: f64) -> f64 {
    let sigma = gaussian_scale(raw);
    sigma.ln() + 0.5 * ((y - mean) / sigma).powi(2) + HALF_LN_TWO_PI
}

fn pinball(q: f64, y: f64, predicted: f64) -> f64 {
    let error = y - predicted;
    (q * error).max((q - 1.0) * error)
}

fn assert_close(found: f64, expected: f64, what: &str) {
    assert!(
        (found - expected).abs() <= 1e-5 * expected.abs().max(1.0),
        "{what}: expected {expected}, found {found}"
    );
}

/// One step of a per-sequence echo's inputs: the outputs it returns.
fn per_sequence_data(outputs: &[Vec<f32>], targets: &[Vec<f32>]) -> SequenceDataset {
    let sequences = outputs
        .iter()
        .map(|row| vec![vec![0.0; row.len()], row.clone()])
        .collect();
    let n = targets[0].len();
    SequenceDataset::from_vecs(
        sequences,
        Targets::Real {
            values: targets.concat(),
            outputs: n,
        },
    )
    .unwrap()
}

#[test]
fn the_gaussian_loss_and_metric_of_known_outputs_match_the_formula() {
    // Three sequences, two values each: [μ₀, s₀, μ₁, s₁] per sequence.
    let outputs = vec![
        vec![0.5, 0.3, -1.0, -2.0],
        vec![2.0, 1.5, 0.0, 0.0],
        vec![-0.25, 4.0, 3.0, -0.7],
    ];
    let targets = vec![vec![1.0, -0.5], vec![1.0, 0.2], vec![0.0, 2.5]];
    let (mut nll, mut mae) = (0.0, 0.0);
    for (out, y) in outputs.iter().zip(&targets) {
        for i in 0..2 {
            let (mean, raw, y) = (out[2 * i] as f64, out[2 * i + 1] as f64, y[i] as f64);
            nll += gaussian_nll(y, mean, raw);
            mae += (y - mean).abs();
        }
    }
    let data = per_sequence_data(&outputs, &targets);
    let Evaluation { loss, metric } =
        evaluate(&echo(4, false), Objective::Gaussian, &data).unwrap();
    assert_close(loss, nll / 6.0, "Gaussian loss");
    assert_close(metric, mae / 6.0, "Gaussian metric (MAE of the mean)");
    assert_eq!(Objective::Gaussian.metric_name(), "mae");
    assert!(!Objective::Gaussian.higher_is_better());
    assert!(!Objective::Gaussian.is_classification());
}

#[test]
fn the_gaussian_loss_of_padded_per_step_outputs_counts_only_the_valid_steps() {
    // Sequences of 3, 1 and 2 steps, one value per step: [μ, s] per step. The batch pads the
    // shorter ones with zeros (μ = 0, s = 0: a finite loss that must not count).
    let sequences: Vec<Vec<Vec<f32>>> = vec![
        vec![vec![0.5, 0.3], vec![-1.0, -2.0], vec![2.0, 1.5]],
        vec![vec![1.0, -0.4]],
        vec![vec![0.0, 3.0], vec![0.7, 0.0]],
    ];
    let targets: Vec<Vec<f32>> = vec![vec![1.0, -0.5, 1.0], vec![0.2], vec![0.0, 2.5]];
    let (mut nll, mut mae, mut count) = (0.0, 0.0, 0);
    for (steps, ys) in sequences.iter().zip(&targets) {
        for (step, &y) in steps.iter().zip(ys) {
            nll += gaussian_nll(y as f64, step[0] as f64, step[1] as f64);
            mae += (y as f64 - step[0] as f64).abs();
            count += 1;
        }
    }
    let data = SequenceDataset::from_vecs(
        sequences,
        Targets::PerStep {
            values: targets.concat(),
            outputs: 1,
        },
    )
    .unwrap();
    assert!(!data.is_equal_length());
    let Evaluation { loss, metric } = evaluate(&echo(2, true), Objective::Gaussian, &data).unwrap();
    assert_close(loss, nll / count as f64, "padded Gaussian loss");
    assert_close(metric, mae / count as f64, "padded Gaussian metric");
}

#[test]
fn the_quantile_loss_and_metric_of_known_outputs_match_the_formula() {
    let quantiles = Quantiles::new(&[0.1, 0.5, 0.9]).unwrap();
    let levels = quantiles.levels();
    // Two sequences, two values each, value-major: [v0 q0.1, v0 q0.5, v0 q0.9, v1 ...].
    let outputs = vec![
        vec![-1.0, 0.5, 2.0, 0.0, 0.1, 0.2],
        vec![1.0, 1.2, 3.5, -3.0, -1.0, 4.0],
    ];
    let targets = vec![vec![0.3, 1.0], vec![4.0, -2.0]];
    let (mut loss, mut mae) = (0.0, 0.0);
    for (out, y) in outputs.iter().zip(&targets) {
        for i in 0..2 {
            let y = y[i] as f64;
            for (j, &q) in levels.iter().enumerate() {
                loss += pinball(q, y, out[3 * i + j] as f64);
            }
            mae += (y - out[3 * i + 1] as f64).abs();
        }
    }
    let data = per_sequence_data(&outputs, &targets);
    let objective = Objective::Quantile(quantiles);
    let found = evaluate(&echo(6, false), objective, &data).unwrap();
    assert_close(found.loss, loss / (4.0 * 3.0), "pinball loss");
    assert_close(
        found.metric,
        mae / 4.0,
        "quantile metric (MAE of the median)",
    );
    assert_eq!(objective.metric_name(), "mae");
    assert!(!objective.higher_is_better());
    assert_eq!(objective.name(), "quantile regression");
    assert_eq!(Objective::Gaussian.name(), "Gaussian likelihood");
}

#[test]
fn the_quantile_loss_of_padded_per_step_outputs_counts_only_the_valid_steps() {
    // Levels 0.25, 0.5, 0.75 (the median in the middle); one value per step.
    let quantiles = Quantiles::new(&[0.25, 0.5, 0.75]).unwrap();
    let sequences: Vec<Vec<Vec<f32>>> = vec![
        vec![vec![-1.0, 0.0, 1.0]],
        vec![
            vec![0.5, 0.6, 0.9],
            vec![-2.0, 1.0, 2.0],
            vec![0.0, 0.0, 0.0],
        ],
    ];
    let targets: Vec<Vec<f32>> = vec![vec![2.0], vec![0.7, -3.0, 0.5]];
    let (mut loss, mut mae, mut count) = (0.0, 0.0, 0);
    for (steps, ys) in sequences.iter().zip(&targets) {
        for (step, &y) in steps.iter().zip(ys) {
            let y = y as f64;
            for (j, &q) in quantiles.levels().iter().enumerate() {
                loss += pinball(q, y, step[j] as f64) / 3.0;
            }
            mae += (y - step[1] as f64).abs();
            count += 1;
        }
    }
    let data = SequenceDataset::from_vecs(
        sequences,
        Targets::PerStep {
            values: targets.concat(),
            outputs: 1,
        },
    )
    .unwrap();
    let found = evaluate(&echo(3, true), Objective::Quantile(quantiles), &data).unwrap();
    assert_close(found.loss, loss / count as f64, "padded pinball loss");
    assert_close(found.metric, mae / count as f64, "padded quantile metric");
}

#[test]
fn gaussian_scale_is_softplus_plus_the_floor_and_stable_at_the_extremes() {
    for raw in [-3.0f64, -0.5, 0.0, 0.5, 3.0, 15.0] {
        let softplus = (1.0 + raw.exp()).ln();
        assert_close(gaussian_scale(raw), softplus + GAUSSIAN_MIN_SCALE, "scale");
    }
    assert_eq!(GAUSSIAN_MIN_SCALE, 1e-3);
    assert!((gaussian_scale(800.0) - 800.001).abs() < 1e-9);
    assert!((gaussian_scale(-800.0) - GAUSSIAN_MIN_SCALE).abs() < 1e-15);
}

#[test]
fn fitted_value_models_predict_their_raw_outputs_and_no_classes() {
    let outputs = vec![vec![0.5, 0.3, -1.0, -2.0], vec![2.0, 1.5, 0.0, 0.0]];
    let data = per_sequence_data(&outputs, &[vec![0.0, 0.0], vec![1.0, 1.0]]);
    for objective in [
        Objective::Gaussian,
        Objective::Quantile(Quantiles::new(&[0.5, 0.7]).unwrap()),
    ] {
        // Two values: four outputs both as means and scales and as two levels each.
        let fitted = Fitted::from_model(echo(4, false), objective);
        assert_eq!(
            fitted.predict_values(&data).unwrap(),
            outputs,
            "{objective:?}"
        );
        assert_eq!(fitted.history.metric, "mae");
        let err = fitted.predict_classes(&data).unwrap_err();
        assert!(
            matches!(&err, TrainError::ObjectiveMismatch { objective: name, .. } if *name == objective.name()),
            "{err}"
        );
        let err = fitted.predict_proba_one(&[vec![0.0; 4]]).unwrap_err();
        assert!(matches!(err, TrainError::ObjectiveMismatch { .. }), "{err}");
    }
}

#[test]
fn each_quantile_mistake_is_its_own_error() {
    assert_eq!(Quantiles::new(&[]), Err(TrainError::NoQuantiles));
    let many: Vec<f64> = (1..=33).map(|i| i as f64 / 34.0).collect();
    assert_eq!(
        Quantiles::new(&many),
        Err(TrainError::TooManyQuantiles { found: 33 })
    );
    for level in [0.0, 1.0, -0.2, 1.5, f64::NAN, f64::INFINITY] {
        let err = Quantiles::new(&[0.5, level]).unwrap_err();
        assert!(
            matches!(err, TrainError::QuantileOutOfRange { index: 1, level: l } if l.to_bits() == level.to_bits()),
            "{level}: {err}"
        );
    }
    assert_eq!(
        Quantiles::new(&[0.123_45, 0.5]),
        Err(TrainError::QuantileTooFine {
            index: 0,
            level: 0.123_45
        })
    );
    assert_eq!(
        Quantiles::new(&[0.1, 0.5, 0.5]),
        Err(TrainError::QuantilesNotIncreasing {
            index: 2,
            previous: 0.5,
            level: 0.5
        })
    );
    assert_eq!(
        Quantiles::new(&[0.5, 0.9, 0.1]),
        Err(TrainError::QuantilesNotIncreasing {
            index: 2,
            previous: 0.9,
            level: 0.1
        })
    );
    assert_eq!(
        Quantiles::new(&[0.1, 0.9]),
        Err(TrainError::MissingMedianQuantile {
            levels: vec![0.1, 0.9]
        })
    );

    // Each message names what was expected and what was found.
    let messages = [
        (
            Quantiles::new(&[]),
            "expected at least one level, found none",
        ),
        (
            Quantiles::new(&many),
            "expected at most 32 levels, found 33",
        ),
        (
            Quantiles::new(&[0.5, 1.0]),
            "at index 1: expected a number strictly between 0 and 1, found 1",
        ),
        (
            Quantiles::new(&[0.123_45, 0.5]),
            "expected a multiple of 0.0001, found 0.12345",
        ),
        (
            Quantiles::new(&[0.5, 0.4]),
            "expected levels in strictly increasing order, found 0.4 after 0.5",
        ),
        (
            Quantiles::new(&[0.1, 0.9]),
            "expected 0.5 among the levels (the median is the point prediction), found [0.1, 0.9]",
        ),
    ];
    for (result, text) in messages {
        let message = result.unwrap_err().to_string();
        assert!(message.contains(text), "{message:?} lacks {text:?}");
    }

    // The limits themselves are fine: 32 levels, 0.0001 and 0.9999.
    let most: Vec<f64> = (0..32).map(|i| 0.5 + (i as f64 - 16.0) * 0.01).collect();
    let most = Quantiles::new(&most).unwrap();
    assert_eq!(
        (most.len(), most.median_index(), most.is_empty()),
        (32, 16, false)
    );
    let edges = Quantiles::new(&[0.0001, 0.5, 0.9999]).unwrap();
    assert_eq!(edges.levels(), vec![0.0001, 0.5, 0.9999]);
    assert_eq!(Quantiles::new(&[0.5]).unwrap().median_index(), 0);
    assert_eq!(
        Quantiles::default(),
        Quantiles::new(&[0.1, 0.5, 0.9]).unwrap()
    );
}

#[test]
fn quantiles_and_objectives_round_trip_through_json_and_invalid_lists_are_refused() {
    let quantiles = Quantiles::new(&[0.05, 0.25, 0.5, 0.75, 0.95]).unwrap();
    let json = serde_json::to_string(&quantiles).unwrap();
    assert_eq!(json, "[0.05,0.25,0.5,0.75,0.95]");
    assert_eq!(serde_json::from_str::<Quantiles>(&json).unwrap(), quantiles);
    for objective in [Objective::Gaussian, Objective::Quantile(quantiles)] {
        let json = serde_json::to_string(&objective).unwrap();
        assert_eq!(serde_json::from_str::<Objective>(&json).unwrap(), objective);
    }
    assert_eq!(
        serde_json::to_string(&Objective::Quantile(Quantiles::default())).unwrap(),
        r#"{"Quantile":[0.1,0.5,0.9]}"#
    );
    for (json, why) in [
        ("[0.1, 0.9]", "expected 0.5 among the levels"),
        ("[]", "expected at least one level"),
        ("[0.5, 0.3]", "strictly increasing"),
        ("[0.5, 1.2]", "strictly between 0 and 1"),
    ] {
        let err = serde_json::from_str::<Quantiles>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{json}: {err}");
    }
    let err = serde_json::from_str::<Objective>(r#"{"Quantile":[0.2]}"#).unwrap_err();
    assert!(err.to_string().contains("expected 0.5"), "{err}");

    // A trainer config with a quantile objective survives its own JSON.
    let config = TrainerConfig::new(Objective::Quantile(quantiles));
    let back: TrainerConfig =
        serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(back.objective, config.objective);
}

fn lstm(input: usize, output: usize, seed: u64) -> SequenceModel {
    SequenceModelConfig::new(CellType::Lstm, input, 8, output)
        .with_seed(Some(seed))
        .init(&common::default_cpu())
}

fn quiet(objective: Objective) -> TrainerConfig {
    TrainerConfig::new(objective).with_progress(ProgressMode::Quiet)
}

/// `y = 2 x_last + noise`, noise normal with standard deviation `noise`: `n` sequences of 4
/// steps, one feature uniform in [-1, 1].
fn noisy_task(n: usize, noise: f64, seed: u64) -> SequenceDataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let steps: Vec<f32> = (0..4).map(|_| rng.random_range(-1.0..1.0)).collect();
        // Box-Muller: a standard normal from two uniforms.
        let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
        let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        targets.push((2.0 * steps[3] as f64 + noise * normal) as f32);
        inputs.extend(steps);
    }
    SequenceDataset::new(
        inputs,
        [n, 4, 1],
        Targets::Real {
            values: targets,
            outputs: 1,
        },
    )
    .unwrap()
}

#[test]
fn a_model_of_the_wrong_output_size_is_refused_before_training() {
    let data = SequenceDataset::new(
        vec![0.0; 12],
        [2, 3, 2],
        Targets::Real {
            values: vec![0.0; 6],
            outputs: 3,
        },
    )
    .unwrap();
    let cases = [
        (
            Objective::Gaussian,
            3,
            "a model with 2 outputs per value (mean and scale): 6",
        ),
        (
            Objective::Quantile(Quantiles::default()),
            6,
            "a model with 3 outputs per value (one per quantile level): 9",
        ),
    ];
    for (objective, outputs, expected_text) in cases {
        let err = Trainer::new(quiet(objective).with_epochs(1))
            .fit(lstm(2, outputs, 1), &data, None)
            .unwrap_err()
            .error;
        let TrainError::ObjectiveMismatch {
            which,
            expected,
            found,
            ..
        } = &err
        else {
            panic!("expected ObjectiveMismatch, found {err}");
        };
        assert_eq!(
            (*which, expected.as_str(), found.clone()),
            ("training", expected_text, format!("{outputs} outputs")),
            "{err}"
        );
        assert!(matches!(
            evaluate(&lstm(2, outputs, 1), objective, &data),
            Err(TrainError::ObjectiveMismatch {
                which: "evaluation",
                ..
            })
        ));
    }

    // A per-sequence model for per-step targets, and classification labels, are refused too.
    let per_step = SequenceDataset::new(
        vec![0.0; 12],
        [2, 3, 2],
        Targets::PerStep {
            values: vec![0.0; 6],
            outputs: 1,
        },
    )
    .unwrap();
    let err = evaluate(&lstm(2, 2, 1), Objective::Gaussian, &per_step).unwrap_err();
    assert!(
        err.to_string().contains("a model predicting every step"),
        "{err}"
    );
    let labels =
        SequenceDataset::new(vec![0.0; 12], [2, 3, 2], Targets::Binary(vec![0.0, 1.0])).unwrap();
    let err = evaluate(&lstm(2, 2, 1), Objective::Gaussian, &labels).unwrap_err();
    assert!(err.to_string().contains("expected real values"), "{err}");
}

#[test]
fn training_with_the_gaussian_likelihood_lowers_the_loss_and_learns_the_noise() {
    let train = noisy_task(512, 0.5, 3);
    let config = quiet(Objective::Gaussian).with_epochs(12).with_seed(4);
    let fitted = Trainer::new(config)
        .fit(lstm(1, 2, 5), &train, None)
        .unwrap();
    let losses = fitted.history.train_losses();
    // The best a model can do is the noise's own NLL, ln 0.5 + ½ + ½ ln 2π ≈ 0.73.
    assert!(
        losses[losses.len() - 1] < 0.9 && losses[losses.len() - 1] < losses[0] - 0.3,
        "loss fell from {} to {}",
        losses[0],
        losses[losses.len() - 1]
    );
    let test = noisy_task(256, 0.5, 6);
    let predicted = fitted.predict_values(&test).unwrap();
    let sigma = predicted
        .iter()
        .map(|out| gaussian_scale(out[1] as f64))
        .sum::<f64>()
        / predicted.len() as f64;
    assert!(
        (0.3..0.8).contains(&sigma),
        "mean learned σ {sigma}, noise 0.5"
    );
    let mae = fitted.evaluate(&test).unwrap().metric;
    // The noise's own MAE is 0.5 √(2/π) ≈ 0.40.
    assert!(mae < 0.55, "MAE of the mean {mae}");
}

#[test]
fn training_with_quantiles_lowers_the_loss_and_orders_the_quantiles() {
    let train = noisy_task(512, 0.5, 7);
    let objective = Objective::Quantile(Quantiles::default());
    let fitted = Trainer::new(quiet(objective).with_epochs(10).with_seed(8))
        .fit(lstm(1, 3, 9), &train, None)
        .unwrap();
    let losses = fitted.history.train_losses();
    assert!(
        losses[losses.len() - 1] < 0.6 * losses[0],
        "loss fell from {} to {}",
        losses[0],
        losses[losses.len() - 1]
    );
    // The 0.1 quantile lies below the 0.9 one for most sequences.
    let predicted = fitted.predict_values(&noisy_task(128, 0.5, 10)).unwrap();
    let ordered = predicted.iter().filter(|q| q[0] < q[2]).count();
    assert!(ordered > 115, "{ordered} of 128 with q0.1 < q0.9");
}

#[test]
fn the_same_seed_gives_the_same_loss_history_twice() {
    let train = noisy_task(128, 0.5, 11);
    for (objective, outputs) in [
        (Objective::Gaussian, 2),
        (Objective::Quantile(Quantiles::default()), 3),
    ] {
        let run = || {
            Trainer::new(quiet(objective).with_epochs(3).with_seed(12))
                .fit(lstm(1, outputs, 13), &train, None)
                .unwrap()
                .history
                .epochs
                .iter()
                .map(|e| (e.train_loss, e.train_metric))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first.len(), 3);
        assert_eq!(first, run(), "{objective:?}");
    }
}
