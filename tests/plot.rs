//! `History::plot`: the SVG's series, refused paths and histories, NaN values, atomic
//! replacement, and a plot of a real training run.
#![cfg(feature = "plot")]

use std::path::PathBuf;

use recurrent::train::{EpochRecord, History, HistoryError};

/// A fresh scratch path under the target's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plot");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn record(epoch: usize, loss: f64, metric: f64, valid: Option<(f64, f64)>) -> EpochRecord {
    EpochRecord {
        epoch,
        train_loss: loss,
        train_metric: metric,
        valid_loss: valid.map(|v| v.0),
        valid_metric: valid.map(|v| v.1),
        learning_rate: 1e-3,
        seconds: 1.0,
        sequences_per_second: 100.0,
    }
}

fn history(metric: &str, epochs: Vec<EpochRecord>) -> History {
    let json = format!(r#"{{"metric": "{metric}", "epochs": []}}"#);
    let mut h = History::from_json(&json).unwrap();
    h.epochs = epochs;
    h
}

/// The `points` attribute of every `<polyline>`, as point counts.
fn polyline_points(svg: &str) -> Vec<usize> {
    svg.lines()
        .filter(|l| l.starts_with("<polyline"))
        .filter_map(|l| l.split("points=\"").nth(1))
        .map(|rest| rest.split('"').next().unwrap().split_whitespace().count())
        .collect()
}

fn plot_to_string(h: &History, name: &str) -> String {
    let path = scratch(name);
    h.plot(&path).unwrap();
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn with_validation_draws_all_four_series() {
    let h = history(
        "accuracy",
        (1..=5)
            .map(|e| {
                let e64 = e as f64;
                record(
                    e,
                    1.0 / e64,
                    0.5 + e64 / 20.0,
                    Some((1.1 / e64, 0.45 + e64 / 20.0)),
                )
            })
            .collect(),
    );
    let svg = plot_to_string(&h, "with_valid.svg");
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in [
        "train loss",
        "valid loss",
        "train accuracy",
        "valid accuracy",
        "epoch",
    ] {
        assert!(svg.contains(name), "no {name:?} in the SVG");
    }
    // Four curves of five points each (the legend's short lines have two).
    let five = polyline_points(&svg).iter().filter(|&&n| n == 5).count();
    assert_eq!(five, 4, "{:?}", polyline_points(&svg));
}

#[test]
fn without_validation_draws_only_the_training_series() {
    let h = history(
        "mae",
        (1..=4)
            .map(|e| record(e, 2.0 / e as f64, 1.0 / e as f64, None))
            .collect(),
    );
    let svg = plot_to_string(&h, "no_valid.svg");
    assert!(svg.contains("train loss") && svg.contains("train mae"));
    assert!(!svg.contains("valid loss") && !svg.contains("valid mae"));
    let four = polyline_points(&svg).iter().filter(|&&n| n == 4).count();
    assert_eq!(four, 2, "{:?}", polyline_points(&svg));
}

#[test]
fn epochs_without_validation_are_skipped_in_the_valid_series() {
    let h = history(
        "accuracy",
        (1..=6)
            .map(|e| record(e, 1.0, 0.5, (e % 2 == 0).then_some((0.9, 0.6))))
            .collect(),
    );
    let svg = plot_to_string(&h, "sparse_valid.svg");
    let counts = polyline_points(&svg);
    assert_eq!(counts.iter().filter(|&&n| n == 6).count(), 2, "{counts:?}");
    assert_eq!(counts.iter().filter(|&&n| n == 3).count(), 2, "{counts:?}");
}

#[test]
fn a_single_epoch_plots() {
    let h = history("accuracy", vec![record(1, 0.7, 0.5, Some((0.8, 0.4)))]);
    let svg = plot_to_string(&h, "single.svg");
    assert!(svg.contains("valid accuracy"));
}

#[test]
fn a_wrong_extension_is_refused() {
    let h = history("accuracy", vec![record(1, 0.7, 0.5, None)]);
    for (name, found) in [
        ("history.png", "the extension .png"),
        ("history", "no extension"),
    ] {
        let path = scratch(name);
        let err = h.plot(&path).unwrap_err();
        assert_eq!(
            err,
            HistoryError::NotSvg {
                path: path.clone(),
                found: found.into()
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "unsupported plot format for {path:?}: expected a path ending in .svg (the plot is SVG), found {found}"
            )
        );
        assert!(!path.exists());
    }
    // The extension's case does not matter.
    let upper = scratch("history.SVG");
    h.plot(&upper).unwrap();
    assert!(upper.exists());
}

#[test]
fn an_empty_history_is_refused() {
    let h = history("accuracy", Vec::new());
    let path = scratch("empty.svg");
    let err = h.plot(&path).unwrap_err();
    assert_eq!(err, HistoryError::Empty);
    assert_eq!(
        err.to_string(),
        "nothing to plot: expected a history with at least one epoch, found none"
    );
    assert!(!path.exists());
}

#[test]
fn an_unwritable_path_is_write_failed() {
    let h = history("accuracy", vec![record(1, 0.7, 0.5, None)]);
    let path = scratch("no_such_dir").join("history.svg");
    let err = h.plot(&path).unwrap_err();
    assert!(
        matches!(&err, HistoryError::WriteFailed { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("could not write {path:?}: ")),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn non_finite_values_do_not_panic() {
    let h = history(
        "mae",
        vec![
            record(1, 1.0, 0.8, Some((1.1, 0.9))),
            record(2, f64::NAN, f64::NAN, Some((f64::INFINITY, f64::NAN))),
            record(3, 0.5, 0.4, Some((0.6, f64::NEG_INFINITY))),
        ],
    );
    let svg = plot_to_string(&h, "nan.svg");
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    let counts = polyline_points(&svg);
    // train loss, train mae, valid loss: two finite points each; valid mae: one.
    assert!(
        counts.iter().filter(|&&n| n == 2).count() >= 3,
        "{counts:?}"
    );

    // Nothing finite at all, and values at the edge of f64: still an SVG.
    let all_nan = history("mae", vec![record(1, f64::NAN, f64::NAN, None)]);
    assert!(plot_to_string(&all_nan, "all_nan.svg").starts_with("<svg"));
    let huge = history(
        "mae",
        vec![
            record(1, f64::MAX, -f64::MAX, None),
            record(2, -f64::MAX, f64::MAX, None),
        ],
    );
    assert!(plot_to_string(&huge, "huge.svg").starts_with("<svg"));
}

#[test]
fn an_existing_file_is_replaced_whole() {
    let path = scratch("replace.svg");
    std::fs::write(&path, "x".repeat(1_000_000)).unwrap();
    let h = history(
        "accuracy",
        vec![record(1, 0.7, 0.5, None), record(2, 0.6, 0.6, None)],
    );
    h.plot(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(!svg.contains('x'.to_string().repeat(100).as_str()));
    // No temporary file of this plot is left next to it (other tests write theirs into the
    // same folder at the same time).
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".replace.svg") && name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A refused plot leaves the earlier file as it was.
    let before = std::fs::read(&path).unwrap();
    assert_eq!(
        history("accuracy", Vec::new()).plot(&path),
        Err(HistoryError::Empty)
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_real_training_run_plots() {
    use recurrent::data::SumSignConfig;
    use recurrent::model::{CellType, SequenceModelConfig};
    use recurrent::train::{Objective, ProgressMode, Trainer, TrainerConfig};

    let task = SumSignConfig::new();
    let train = task.generate(200, 1).unwrap();
    let valid = task.generate(100, 2).unwrap();
    let model = SequenceModelConfig::new(CellType::Rnn, 1, 8, 1)
        .with_seed(Some(1))
        .init(&burn::tensor::Device::flex());
    let config = TrainerConfig::new(Objective::BinaryClassification)
        .with_epochs(3)
        .with_progress(ProgressMode::Quiet);
    let fitted = Trainer::new(config)
        .fit(model, &train, Some(&valid))
        .unwrap();
    assert_eq!(fitted.history.epochs.len(), 3);
    let path = scratch("trained.svg");
    fitted.history.plot(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let metric = &fitted.history.metric;
    for name in [
        "train loss".to_string(),
        "valid loss".to_string(),
        format!("train {metric}"),
        format!("valid {metric}"),
    ] {
        assert!(svg.contains(&name), "no {name:?} in the SVG");
    }
    let three = polyline_points(&svg).iter().filter(|&&n| n == 3).count();
    assert_eq!(three, 4, "{:?}", polyline_points(&svg));
}

/// The range test's plot: an SVG with the suggestion in its title; a path that is not `.svg`
/// is refused.
#[test]
fn the_learning_rate_finder_draws_its_curve() {
    use recurrent::data::SumSignConfig;
    use recurrent::model::{CellType, SequenceModelConfig};
    use recurrent::train::{LrFinderConfig, Objective, ProgressMode, Trainer, TrainerConfig};
    let device = burn::tensor::Device::flex();
    let train = SumSignConfig::new().generate(256, 1).unwrap();
    let model = SequenceModelConfig::new(CellType::Gru, 1, 8, 1)
        .with_seed(Some(1))
        .init(&device);
    let trainer = Trainer::new(
        TrainerConfig::new(Objective::BinaryClassification).with_progress(ProgressMode::Quiet),
    );
    let finder = LrFinderConfig::new().with_start_lr(1e-4).with_steps(40);
    let found = trainer.find_learning_rate(&model, &train, &finder).unwrap();
    let dir = std::env::temp_dir().join(format!("recurrent-lr-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lr.svg");
    found.plot(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(svg.contains("learning rate"));
    if found.suggestion.is_some() {
        assert!(svg.contains("suggested"));
    }
    assert!(matches!(
        found.plot(dir.join("lr.png")),
        Err(recurrent::train::HistoryError::NotSvg { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
