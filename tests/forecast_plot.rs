//! `plot_forecast`: the SVG's lines, band and dots, the history window, NaN values, the refused
//! plots and paths, and the atomic write.
#![cfg(feature = "plot")]

use std::path::{Path, PathBuf};

use recurrent::forecast::{ForecastError, ForecastPlot, plot_forecast};

/// A fresh, empty scratch folder for one test under the target's temporary folder.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("forecast_plot")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Plots to `<test>/forecast.svg` and returns the SVG.
fn plot_to_string(test: &str, plot: &ForecastPlot) -> String {
    let path = scratch_dir(test).join("forecast.svg");
    plot_forecast(&path, plot).unwrap();
    std::fs::read_to_string(&path).unwrap()
}

/// The point counts of the `points` attribute of every `<tag` element.
fn point_counts(svg: &str, tag: &str) -> Vec<usize> {
    svg.lines()
        .filter(|l| l.starts_with(&format!("<{tag} ")))
        .filter_map(|l| l.split("points=\"").nth(1))
        .map(|rest| rest.split('"').next().unwrap().split_whitespace().count())
        .collect()
}

/// How many polylines have exactly `n` points.
fn lines_of(svg: &str, n: usize) -> usize {
    point_counts(svg, "polyline")
        .iter()
        .filter(|&&c| c == n)
        .count()
}

/// The integers written as text (the step axis' labels, when the values are fractions).
fn integer_labels(svg: &str) -> Vec<i64> {
    svg.lines()
        .filter_map(|l| l.trim().parse::<i64>().ok())
        .collect()
}

fn history(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.5 + 0.4 * (i as f64 * 0.3).sin()).collect()
}

#[test]
fn a_full_plot_draws_every_part_once() {
    let h = history(10);
    let f = [0.5, 0.55, 0.6, 0.62, 0.65];
    let lower = [0.4, 0.42, 0.45, 0.44, 0.43];
    let upper = [0.6, 0.68, 0.75, 0.8, 0.87];
    let actual = [0.52, 0.58, 0.57];
    let plot = ForecastPlot::new("Series 7: five steps ahead", &h, &f)
        .with_interval(&lower, &upper, 0.8)
        .with_actual(&actual);
    let svg = plot_to_string("full", &plot);
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for text in [
        "Series 7: five steps ahead",
        "history",
        "forecast",
        "80% interval",
        "actual",
        "step",
        "value",
    ] {
        assert!(svg.contains(text), "no {text:?} in the SVG");
    }
    // The history (10 points), the forecast from the last history point on (1 + 5) and the
    // actual values (3); the legend's short lines have two points.
    let counts = point_counts(&svg, "polyline");
    assert_eq!(lines_of(&svg, 10), 1, "{counts:?}");
    assert_eq!(lines_of(&svg, 6), 1, "{counts:?}");
    assert_eq!(lines_of(&svg, 3), 1, "{counts:?}");
    // One band: along the five lower bounds and back along the five upper ones, translucent.
    assert_eq!(point_counts(&svg, "polygon"), vec![10]);
    let band = svg.lines().find(|l| l.starts_with("<polygon")).unwrap();
    assert!(band.contains("opacity=\"0.25\""), "{band}");
    // A dot per actual value and one in the legend.
    assert_eq!(svg.matches("<circle").count(), 4);
    // The history's colour (matplotlib blue) and the forecast's (orange).
    assert!(svg.contains("#1F77B4") && svg.contains("#FF7F0E"));
}

#[test]
fn the_band_and_the_actual_values_appear_only_when_given() {
    let h = history(10);
    let f = [0.5, 0.55, 0.6];
    let svg = plot_to_string("bare", &ForecastPlot::new("bare", &h, &f));
    assert!(svg.contains("history") && svg.contains("forecast"));
    assert!(!svg.contains("interval") && !svg.contains("actual"));
    assert!(point_counts(&svg, "polygon").is_empty());
    assert_eq!(svg.matches("<circle").count(), 0);
    assert_eq!(lines_of(&svg, 10), 1);
    assert_eq!(lines_of(&svg, 4), 1);

    let lower = [0.4, 0.45, 0.5];
    let upper = [0.6, 0.65, 0.7];
    let plot = ForecastPlot::new("banded", &h, &f).with_interval(&lower, &upper, 0.95);
    let svg = plot_to_string("banded", &plot);
    assert!(svg.contains("95% interval") && !svg.contains("actual"));
    assert_eq!(point_counts(&svg, "polygon"), vec![6]);
}

#[test]
fn a_long_history_is_cut_to_the_last_points_with_true_step_numbers() {
    let h = history(200);
    let f = [0.5; 5];
    let svg = plot_to_string("long", &ForecastPlot::new("long", &h, &f));
    // max(4 * 5, 48) = 48 history points, steps 152..200; the forecast 200..205.
    assert_eq!(
        lines_of(&svg, 48),
        1,
        "{:?}",
        point_counts(&svg, "polyline")
    );
    assert_eq!(lines_of(&svg, 6), 1);
    let labels = integer_labels(&svg);
    assert!(labels.iter().any(|&l| l >= 152), "{labels:?}");
    assert!(
        labels.iter().all(|&l| (150..=205).contains(&l)),
        "{labels:?}"
    );

    // A longer forecast shows more history: 4 * 20 = 80 points.
    let f = [0.5; 20];
    let svg = plot_to_string("long_horizon", &ForecastPlot::new("long", &h, &f));
    assert_eq!(
        lines_of(&svg, 80),
        1,
        "{:?}",
        point_counts(&svg, "polyline")
    );
    assert_eq!(lines_of(&svg, 21), 1);

    // A short history is drawn whole.
    let h = history(30);
    let svg = plot_to_string("short", &ForecastPlot::new("short", &h, &f));
    assert_eq!(
        lines_of(&svg, 30),
        1,
        "{:?}",
        point_counts(&svg, "polyline")
    );
}

#[test]
fn without_history_the_forecast_stands_alone() {
    let f = [1.0, 2.0, 3.0];
    let svg = plot_to_string("no_history", &ForecastPlot::new("alone", &[], &f));
    assert_eq!(lines_of(&svg, 3), 1, "{:?}", point_counts(&svg, "polyline"));
    // A single step, with neither history nor interval, still plots.
    let svg = plot_to_string("one_step", &ForecastPlot::new("one", &[], &[4.0]));
    assert!(svg.contains("forecast"));
}

#[test]
fn non_finite_values_are_skipped() {
    let mut h = history(10);
    h[3] = f64::NAN;
    h[9] = f64::INFINITY;
    let f = [0.5, f64::NAN, 0.6, 0.7];
    let lower = [0.4, 0.4, f64::NEG_INFINITY, 0.5];
    let upper = [0.6, 0.7, 0.8, f64::NAN];
    let actual = [0.5, f64::NAN];
    let plot = ForecastPlot::new("gaps", &h, &f)
        .with_interval(&lower, &upper, 0.5)
        .with_actual(&actual);
    let svg = plot_to_string("nan", &plot);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    let counts = point_counts(&svg, "polyline");
    // History: 8 finite points; the forecast: 3 (the last history value is not finite, so it
    // does not start there); the actual values: 1.
    assert_eq!(lines_of(&svg, 8), 1, "{counts:?}");
    assert_eq!(lines_of(&svg, 3), 1, "{counts:?}");
    assert_eq!(lines_of(&svg, 1), 1, "{counts:?}");
    // The band over the two steps with both bounds finite.
    assert_eq!(point_counts(&svg, "polygon"), vec![4]);
    assert_eq!(svg.matches("<circle").count(), 2);
}

#[test]
fn an_empty_forecast_is_refused() {
    let dir = scratch_dir("empty");
    let path = dir.join("forecast.svg");
    let err = plot_forecast(&path, &ForecastPlot::new("t", &[1.0], &[])).unwrap_err();
    assert_eq!(err, ForecastError::EmptyHorizon);
    assert!(!path.exists());
}

#[test]
fn interval_bounds_of_another_length_are_refused() {
    let path = scratch_dir("bounds").join("forecast.svg");
    let f = [1.0, 2.0, 3.0];
    let three = [0.0, 1.0, 2.0];
    let two = [0.0, 1.0];
    let cases = [
        (&two[..], &three[..], "lower bounds", 2),
        (&three[..], &[5.0, 5.0, 5.0, 5.0][..], "upper bounds", 4),
    ];
    for (lower, upper, what, found) in cases {
        let plot = ForecastPlot::new("t", &[], &f).with_interval(lower, upper, 0.8);
        let err = plot_forecast(&path, &plot).unwrap_err();
        assert_eq!(
            err,
            ForecastError::LengthMismatch {
                what,
                expected: 3,
                found
            }
        );
        assert!(err.to_string().contains(what), "{err}");
    }
    assert!(!path.exists());
}

#[test]
fn a_level_outside_zero_one_is_refused() {
    let path = scratch_dir("level").join("forecast.svg");
    let f = [1.0, 2.0];
    let (lower, upper) = ([0.5, 1.5], [1.5, 2.5]);
    for level in [0.0, 1.0, -0.2, 80.0, f64::NAN] {
        let plot = ForecastPlot::new("t", &[], &f).with_interval(&lower, &upper, level);
        match plot_forecast(&path, &plot).unwrap_err() {
            ForecastError::InvalidQuantile { found } => {
                assert!(found.to_bits() == level.to_bits(), "{found} for {level}")
            }
            other => panic!("{other:?} for {level}"),
        }
    }
    assert!(!path.exists());
}

#[test]
fn a_lower_bound_above_the_upper_is_refused() {
    let path = scratch_dir("order").join("forecast.svg");
    let f = [1.0, 2.0, 3.0];
    let lower = [0.5, 1.5, 3.5];
    let upper = [1.5, 2.5, 3.2];
    let plot = ForecastPlot::new("t", &[], &f).with_interval(&lower, &upper, 0.8);
    assert_eq!(
        plot_forecast(&path, &plot).unwrap_err(),
        ForecastError::IntervalOutOfOrder {
            step: 2,
            lower: 3.5,
            upper: 3.2
        }
    );
    assert!(!path.exists());
    // Equal bounds are in order.
    let plot = ForecastPlot::new("t", &[], &f).with_interval(&f, &f, 0.8);
    plot_forecast(&path, &plot).unwrap();
}

#[test]
fn more_actual_values_than_forecast_steps_are_refused() {
    let path = scratch_dir("actual").join("forecast.svg");
    let f = [1.0, 2.0];
    let plot = ForecastPlot::new("t", &[], &f).with_actual(&[1.0, 2.0, 3.0]);
    assert_eq!(
        plot_forecast(&path, &plot).unwrap_err(),
        ForecastError::LengthMismatch {
            what: "actual values",
            expected: 2,
            found: 3
        }
    );
    assert!(!path.exists());
    // As many, or fewer, are drawn.
    for actual in [&[1.0, 2.0][..], &[1.0][..], &[][..]] {
        let plot = ForecastPlot::new("t", &[], &f).with_actual(actual);
        plot_forecast(&path, &plot).unwrap();
    }
}

#[test]
fn a_path_not_ending_in_svg_is_refused() {
    let dir = scratch_dir("extension");
    let plot = ForecastPlot::new("t", &[1.0], &[2.0]);
    for (name, found) in [
        ("forecast.png", "found the extension .png"),
        ("forecast", "found no extension"),
    ] {
        let path = dir.join(name);
        let err = plot_forecast(&path, &plot).unwrap_err();
        assert!(
            matches!(&err, ForecastError::PlotFailed { path: p, problem }
                if *p == path && problem.ends_with(found)),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("could not plot the forecast to {path:?}: ")),
            "{err}"
        );
    }
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    // The extension's case does not matter.
    plot_forecast(dir.join("forecast.SVG"), &plot).unwrap();
    assert_eq!(entries(&dir), ["forecast.SVG"]);
}

#[test]
fn the_title_is_escaped() {
    let plot = ForecastPlot::new("a < b & c", &[1.0], &[2.0]);
    let svg = plot_to_string("escaped", &plot);
    assert!(svg.contains("a &lt; b &amp; c"), "{svg}");
}

#[test]
fn a_plot_replaces_the_file_atomically() {
    let dir = scratch_dir("atomic");
    let path = dir.join("forecast.svg");
    std::fs::write(&path, "old").unwrap();
    let h = history(12);
    plot_forecast(&path, &ForecastPlot::new("first", &h, &[0.5, 0.6])).unwrap();
    let first = std::fs::read_to_string(&path).unwrap();
    assert!(first.starts_with("<svg") && first.contains("first"));
    // Only the plot is left: no temporary file beside it.
    assert_eq!(entries(&dir), ["forecast.svg"]);

    // A refused plot leaves the earlier file as it was.
    let err = plot_forecast(&path, &ForecastPlot::new("second", &h, &[])).unwrap_err();
    assert_eq!(err, ForecastError::EmptyHorizon);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);

    plot_forecast(&path, &ForecastPlot::new("third", &h, &[0.7])).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("third"));
    assert_eq!(entries(&dir), ["forecast.svg"]);
}

#[test]
fn an_unwritable_path_is_plot_failed() {
    let dir = scratch_dir("unwritable");
    let plot = ForecastPlot::new("t", &[1.0], &[2.0]);
    // A folder that does not exist.
    let path = dir.join("no_such_dir").join("forecast.svg");
    let err = plot_forecast(&path, &plot).unwrap_err();
    assert!(
        matches!(&err, ForecastError::PlotFailed { path: p, problem }
            if *p == path && problem.starts_with("could not write the file: ")),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("could not plot the forecast to {path:?}: ")),
        "{err}"
    );
    assert!(!path.exists());

    // A folder in the file's place: the temporary file is written, the rename fails, and the
    // temporary file is removed again.
    let blocked = dir.join("taken.svg");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    let err = plot_forecast(&blocked, &plot).unwrap_err();
    assert!(
        matches!(&err, ForecastError::PlotFailed { path: p, .. } if *p == blocked),
        "{err:?}"
    );
    assert_eq!(entries(&dir), ["taken.svg"]);
    assert_eq!(entries(&blocked), ["keep"]);
}
