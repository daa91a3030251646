//! Per-series scalers: each kind's parameters by hand, the round trip, the save/load round trip
//! with its checks, and every mistake's error.

use recurrent::forecast::{ForecastError, ScalerKind, SeriesScaler};

const KINDS: [ScalerKind; 3] = [
    ScalerKind::Standard,
    ScalerKind::MinMax,
    ScalerKind::MeanAbs,
];

fn train() -> Vec<Vec<f64>> {
    vec![
        vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], // mean 5, population std 2
        vec![-3.0, 1.0],                              // min -3, max 1, mean |x| 2
        vec![6.0, 6.0, 6.0],                          // constant: every scale 1
    ]
}

#[test]
fn each_kind_fits_its_parameters_per_series() {
    let standard = SeriesScaler::fit(ScalerKind::Standard, &train()).unwrap();
    assert_eq!(standard.parameters(0).unwrap(), (5.0, 2.0));
    assert_eq!(standard.parameters(1).unwrap(), (-1.0, 2.0));
    assert_eq!(standard.parameters(2).unwrap(), (6.0, 1.0));
    let min_max = SeriesScaler::fit(ScalerKind::MinMax, &train()).unwrap();
    assert_eq!(min_max.parameters(0).unwrap(), (2.0, 7.0));
    assert_eq!(min_max.parameters(1).unwrap(), (-3.0, 4.0));
    assert_eq!(min_max.parameters(2).unwrap(), (6.0, 1.0));
    let mean_abs = SeriesScaler::fit(ScalerKind::MeanAbs, &train()).unwrap();
    assert_eq!(mean_abs.parameters(0).unwrap(), (0.0, 5.0));
    assert_eq!(mean_abs.parameters(1).unwrap(), (0.0, 2.0));
    assert_eq!(mean_abs.parameters(2).unwrap(), (0.0, 6.0));
    assert_eq!(
        (mean_abs.kind(), mean_abs.num_series()),
        (ScalerKind::MeanAbs, 3)
    );
}

#[test]
fn only_the_training_part_decides_and_inverse_undoes_transform() {
    let scaler = SeriesScaler::fit(ScalerKind::Standard, &train()).unwrap();
    // Values beyond the training part (the held-out future) are scaled, not refitted.
    assert_eq!(scaler.transform(0, &[5.0, 11.0]).unwrap(), vec![0.0, 3.0]);
    for kind in KINDS {
        let scaler = SeriesScaler::fit(kind, &train()).unwrap();
        let scaled = scaler.transform_all(&train()).unwrap();
        for (index, (original, scaled)) in train().iter().zip(&scaled).enumerate() {
            let back = scaler.inverse(index, scaled).unwrap();
            for (a, b) in original.iter().zip(&back) {
                assert!((a - b).abs() < 1e-12, "{kind:?} series {index}: {a} vs {b}");
            }
        }
    }
    let min_max = SeriesScaler::fit(ScalerKind::MinMax, &train()).unwrap();
    let scaled = min_max.transform_all(&train()).unwrap();
    assert!(scaled[0].iter().all(|x| (0.0..=1.0).contains(x)));
}

#[test]
fn a_saved_scaler_loads_equal_and_a_damaged_one_is_refused() {
    let dir = std::env::temp_dir().join(format!("recurrent-scaler-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scaler.json");
    let scaler = SeriesScaler::fit(ScalerKind::Standard, &train()).unwrap();
    scaler.save(&path).unwrap();
    assert_eq!(SeriesScaler::load(&path).unwrap(), scaler);

    let text = std::fs::read_to_string(&path).unwrap();
    let negative = text.replacen("2.0", "-2.0", 1);
    assert_ne!(negative, text);
    std::fs::write(&path, negative).unwrap();
    let err = SeriesScaler::load(&path).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a finite shift and a positive finite scale for series 0"),
        "{err}"
    );
    std::fs::write(&path, "{\"kind\": \"standard\"}").unwrap();
    let err = SeriesScaler::load(&path).unwrap_err();
    assert!(matches!(err, ForecastError::ScalerFile { .. }), "{err:?}");
    assert!(
        err.to_string().contains("expected a scaler's JSON"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let err = SeriesScaler::load(dir.join("scaler.json")).unwrap_err();
    assert!(matches!(err, ForecastError::ScalerFile { .. }), "{err:?}");
}

#[test]
fn each_mistake_is_its_own_error() {
    assert_eq!(
        SeriesScaler::fit(ScalerKind::Standard, &[]).unwrap_err(),
        ForecastError::NoSeries
    );
    assert_eq!(
        SeriesScaler::fit(ScalerKind::MinMax, &[vec![1.0], vec![]]).unwrap_err(),
        ForecastError::EmptySeries { series: 1 }
    );
    let err = SeriesScaler::fit(ScalerKind::MeanAbs, &[vec![1.0, f64::NAN]]).unwrap_err();
    assert!(matches!(
        err,
        ForecastError::NonFiniteInSeries {
            series: 0,
            step: 1,
            ..
        }
    ));
    let scaler = SeriesScaler::fit(ScalerKind::Standard, &train()).unwrap();
    let err = scaler.transform_all(&train()[..2]).unwrap_err();
    assert_eq!(
        err,
        ForecastError::SeriesCountMismatch {
            expected: 3,
            found: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "scaler applied to other series: expected the 3 series it was fitted on, found 2"
    );
    assert_eq!(
        scaler.inverse(3, &[1.0]).unwrap_err(),
        ForecastError::SeriesOutOfRange {
            index: 3,
            series: 3
        }
    );
    assert!(matches!(
        scaler.transform(2, &[f64::INFINITY]).unwrap_err(),
        ForecastError::NonFiniteInSeries {
            series: 2,
            step: 0,
            ..
        }
    ));
}
