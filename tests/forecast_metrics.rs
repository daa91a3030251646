//! Forecasting metrics and baselines against hand-computed numbers, and every mistake's error.
//!
//! The series is the first 14 months of the airline passengers series (Box and Jenkins,
//! thousands of passengers, 1949-01 to 1950-02): the first 12 the history, the last 2 held out.

use recurrent::forecast::{
    ForecastError, ForecastMetrics, MetricsSummary, Summary, coverage, mae, mape, mase, naive,
    quantile_loss, rmse, seasonal_naive, smape,
};

const HISTORY: [f64; 12] = [
    112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0,
];
const ACTUAL: [f64; 2] = [115.0, 126.0];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn the_baselines_repeat_the_last_value_and_the_last_season() {
    assert_eq!(naive(&HISTORY, 3).unwrap(), vec![118.0; 3]);
    // Season 12: January and February of the history.
    assert_eq!(seasonal_naive(&HISTORY, 2, 12).unwrap(), vec![112.0, 118.0]);
    // Season 4: [136, 119, 104, 118], then again from its start.
    assert_eq!(
        seasonal_naive(&HISTORY, 6, 4).unwrap(),
        vec![136.0, 119.0, 104.0, 118.0, 136.0, 119.0]
    );
}

#[test]
fn point_metrics_match_hand_computed_values() {
    let forecast = naive(&HISTORY, 2).unwrap(); // [118, 118]: errors -3 and 8
    assert!(close(mae(&ACTUAL, &forecast).unwrap(), 5.5));
    assert!(close(
        rmse(&ACTUAL, &forecast).unwrap(),
        ((9.0 + 64.0) / 2.0f64).sqrt()
    ));
    let mape_by_hand = 100.0 / 2.0 * (3.0 / 115.0 + 8.0 / 126.0);
    assert!(close(
        mape(&ACTUAL, &forecast).unwrap().unwrap(),
        mape_by_hand
    ));
    let smape_by_hand = 200.0 / 2.0 * (3.0 / (115.0 + 118.0) + 8.0 / (126.0 + 118.0));
    assert!(close(smape(&ACTUAL, &forecast).unwrap(), smape_by_hand));
}

#[test]
fn mase_scales_by_the_in_sample_seasonal_naive_error() {
    let forecast = [118.0, 118.0];
    // Lag 1 over the 12 points: the 11 absolute month-to-month changes.
    let lag1: f64 = HISTORY.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / 11.0;
    assert!(close(lag1, 116.0 / 11.0), "{lag1}");
    let value = mase(&HISTORY, &ACTUAL, &forecast, 1).unwrap().unwrap();
    assert!(close(value, 5.5 / lag1));
    // Lag 3 over 12 points: 9 differences.
    let lag3: f64 = (3..12)
        .map(|t| (HISTORY[t] - HISTORY[t - 3]).abs())
        .sum::<f64>()
        / 9.0;
    let value = mase(&HISTORY, &ACTUAL, &forecast, 3).unwrap().unwrap();
    assert!(close(value, 5.5 / lag3));
    // A season of 12 on 12 points leaves no lag-12 difference: the Monash fallback to lag 1.
    let value = mase(&HISTORY, &ACTUAL, &forecast, 12).unwrap().unwrap();
    assert!(close(value, 5.5 / lag1));
}

#[test]
fn undefined_metrics_are_none_not_nan() {
    // An actual value of 0: MAPE is undefined; sMAPE is defined (an exact 0 counts 0).
    assert_eq!(mape(&[0.0, 2.0], &[1.0, 2.0]).unwrap(), None);
    assert!(close(
        smape(&[0.0, 2.0], &[0.0, 1.0]).unwrap(),
        100.0 * (1.0 / 3.0)
    ));
    // A constant history: MASE's scale is 0.
    assert_eq!(mase(&[5.0, 5.0, 5.0], &[5.0], &[6.0], 1).unwrap(), None);
}

#[test]
fn intervals_and_quantiles_score_as_defined() {
    let actual = [1.0, 2.0, 3.0, 4.0];
    let lower = [0.0, 2.0, 3.5, 3.0];
    let upper = [2.0, 3.0, 4.0, 4.0];
    // Inside: 1 in [0, 2], 2 in [2, 3] (bound included), 4 in [3, 4]; 3 below [3.5, 4].
    assert_eq!(coverage(&actual, &lower, &upper).unwrap(), 0.75);
    // The median's pinball loss is half the MAE.
    let forecast = [2.0, 2.0, 1.0, 5.0];
    let half_mae = mae(&actual, &forecast).unwrap() / 2.0;
    assert!(close(
        quantile_loss(&actual, &forecast, 0.5).unwrap(),
        half_mae
    ));
    // q = 0.1: under-forecasts (y > f) cost 0.1 per unit, over-forecasts 0.9.
    let by_hand = (0.9 * 1.0 + 0.0 + 0.1 * 2.0 + 0.9 * 1.0) / 4.0;
    assert!(close(
        quantile_loss(&actual, &forecast, 0.1).unwrap(),
        by_hand
    ));
}

#[test]
fn metrics_of_many_series_are_summarised_by_mean_and_median() {
    let naive_metrics = ForecastMetrics::compute(&HISTORY, &ACTUAL, &[118.0, 118.0], 12).unwrap();
    let seasonal = seasonal_naive(&HISTORY, 2, 12).unwrap();
    let seasonal_metrics = ForecastMetrics::compute(&HISTORY, &ACTUAL, &seasonal, 12).unwrap();
    let exact = ForecastMetrics::compute(&HISTORY, &ACTUAL, &ACTUAL, 12).unwrap();
    assert_eq!((exact.mae, exact.smape, exact.mase), (0.0, 0.0, Some(0.0)));
    let summary = MetricsSummary::of(&[naive_metrics, seasonal_metrics, exact]);
    assert_eq!(summary.series, 3);
    // Seasonal naive: |115 - 112| and |126 - 118|, MAE 5.5 like the naive forecast.
    assert!(close(seasonal_metrics.mae, 5.5));
    assert_eq!(summary.mae.median, Some(5.5));
    assert!(close(summary.mae.mean.unwrap(), 11.0 / 3.0));
    assert_eq!(
        Summary::of([4.0, 1.0, 3.0, 2.0]),
        Summary {
            mean: Some(2.5),
            median: Some(2.5),
            count: 4
        }
    );
    assert_eq!(
        Summary::of(std::iter::empty()),
        Summary {
            mean: None,
            median: None,
            count: 0
        }
    );
}

#[test]
fn each_mistake_is_its_own_error_naming_what_was_expected_and_found() {
    let err = mae(&[1.0, 2.0], &[1.0]).unwrap_err();
    assert_eq!(
        err,
        ForecastError::LengthMismatch {
            what: "forecasts",
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "forecast length mismatch: expected 2 forecasts (one per actual value), found 1"
    );
    assert_eq!(rmse(&[], &[]).unwrap_err(), ForecastError::EmptyHorizon);
    assert_eq!(naive(&HISTORY, 0).unwrap_err(), ForecastError::EmptyHorizon);
    let err = smape(&[1.0, f64::NAN], &[1.0, 1.0]).unwrap_err();
    assert!(matches!(
        err,
        ForecastError::NonFinite {
            what: "actual values",
            step: 1,
            ..
        }
    ));
    assert!(err.to_string().contains("at step 1"), "{err}");
    let err = mase(&[1.0, f64::INFINITY], &[1.0], &[1.0], 1).unwrap_err();
    assert!(matches!(
        err,
        ForecastError::NonFinite {
            what: "history",
            step: 1,
            ..
        }
    ));
    assert_eq!(
        mase(&HISTORY, &ACTUAL, &ACTUAL, 0).unwrap_err(),
        ForecastError::ZeroSeason
    );
    assert_eq!(
        seasonal_naive(&HISTORY, 2, 0).unwrap_err(),
        ForecastError::ZeroSeason
    );
    let err = seasonal_naive(&HISTORY, 2, 24).unwrap_err();
    assert_eq!(
        err,
        ForecastError::HistoryTooShort {
            what: "the seasonal-naive forecast",
            expected: 24,
            found: 12
        }
    );
    assert_eq!(
        err.to_string(),
        "history too short for the seasonal-naive forecast: expected at least 24 points, found 12"
    );
    assert!(matches!(
        mase(&[1.0], &[1.0], &[1.0], 1).unwrap_err(),
        ForecastError::HistoryTooShort {
            expected: 2,
            found: 1,
            ..
        }
    ));
    assert!(matches!(
        naive(&[], 1).unwrap_err(),
        ForecastError::HistoryTooShort {
            what: "the naive forecast",
            ..
        }
    ));
    for quantile in [0.0, 1.0, -0.5, f64::NAN] {
        let err = quantile_loss(&[1.0], &[1.0], quantile).unwrap_err();
        assert!(
            matches!(err, ForecastError::InvalidQuantile { .. }),
            "{quantile}"
        );
    }
    let err = coverage(&[1.0, 2.0], &[0.0, 3.0], &[2.0, 2.5]).unwrap_err();
    assert_eq!(
        err,
        ForecastError::IntervalOutOfOrder {
            step: 1,
            lower: 3.0,
            upper: 2.5
        }
    );
    assert!(matches!(
        coverage(&[1.0, 2.0], &[0.0], &[2.0, 3.0]).unwrap_err(),
        ForecastError::LengthMismatch {
            what: "lower bounds",
            ..
        }
    ));
    // Every error converts into the crate's umbrella error with its message unchanged.
    let umbrella: recurrent::RecurrentError = ForecastError::ZeroSeason.into();
    assert_eq!(
        umbrella.to_string(),
        "invalid seasonal lag: expected at least 1, found 0"
    );
}
