//! Our baselines and metrics against `scripts/forecast_reference.py` (Python, statsmodels for
//! ETS) on the ten shared real series: the same naive and seasonal-naive forecasts, and the same
//! MAE, RMSE, sMAPE and MASE for those and for statsmodels' ETS forecasts.

use recurrent::data::{SeriesCsvOptions, read_series_csv};
use recurrent::forecast::{ForecastMetrics, naive, seasonal_naive};
use serde_json::Value;

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

fn assert_close(ours: f64, theirs: f64, what: &str) {
    let tolerance = 1e-9 * theirs.abs().max(1.0);
    assert!(
        (ours - theirs).abs() <= tolerance,
        "{what}: ours {ours}, Python {theirs}"
    );
}

/// Our metrics of `forecast` equal those the script wrote in `reference`.
fn assert_metrics(
    history: &[f64],
    actual: &[f64],
    forecast: &[f64],
    m: usize,
    reference: &Value,
    what: &str,
) {
    let ours = ForecastMetrics::compute(history, actual, forecast, m).unwrap();
    assert_close(
        ours.mae,
        reference["mae"].as_f64().unwrap(),
        &format!("{what} MAE"),
    );
    assert_close(
        ours.rmse,
        reference["rmse"].as_f64().unwrap(),
        &format!("{what} RMSE"),
    );
    assert_close(
        ours.smape,
        reference["smape"].as_f64().unwrap(),
        &format!("{what} sMAPE"),
    );
    match (ours.mase, reference["mase"].as_f64()) {
        (Some(a), Some(b)) => assert_close(a, b, &format!("{what} MASE")),
        (a, b) => assert_eq!(a, b, "{what} MASE"),
    }
}

#[test]
fn baselines_and_metrics_match_the_python_reference_on_every_shared_series() {
    let text = std::fs::read_to_string(repo("tests/fixtures/forecasting/reference.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let series = reference["series"].as_array().unwrap();
    assert_eq!(series.len(), 10);
    for entry in series {
        let (file, column) = (
            entry["file"].as_str().unwrap(),
            entry["column"].as_str().unwrap(),
        );
        let m = entry["season"].as_u64().unwrap() as usize;
        let h = entry["horizon"].as_u64().unwrap() as usize;
        let options = SeriesCsvOptions {
            // Uschange.csv starts with an index column; its time is the second.
            time_column: Some(usize::from(file == "Uschange.csv")),
            columns: Some(vec![column.to_string()]),
        };
        let csv =
            read_series_csv(repo(&format!("tests/data/forecasting/{file}")), &options).unwrap();
        let values: Vec<f64> = csv.series[0].iter().map(|v| v.unwrap()).collect();
        let (history, actual) = values.split_at(values.len() - h);
        let what = format!("{file}:{column}");

        let ours = naive(history, h).unwrap();
        assert_eq!(ours, numbers(&entry["naive"]["forecast"]), "{what} naive");
        assert_metrics(
            history,
            actual,
            &ours,
            m,
            &entry["naive"],
            &format!("{what} naive"),
        );
        let ours = seasonal_naive(history, h, m).unwrap();
        assert_eq!(
            ours,
            numbers(&entry["seasonal_naive"]["forecast"]),
            "{what} seasonal naive"
        );
        assert_metrics(
            history,
            actual,
            &ours,
            m,
            &entry["seasonal_naive"],
            &format!("{what} seasonal naive"),
        );
        let ets = numbers(&entry["ets"]["forecast"]);
        assert_metrics(
            history,
            actual,
            &ets,
            m,
            &entry["ets"],
            &format!("{what} ETS"),
        );
    }
}
