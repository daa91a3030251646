//! [`History::plot`]: two panels side by side, the loss on the left and the
//! metric on the right, each with the training curve and, when present, the validation curve.
//! Only with the `plot` feature (on by default).
//!
//! Everything is drawn with plotters' SVG backend into a `String`; text is written as SVG
//! `<text>` elements, so no fonts are read and no C library is linked.

use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::error::HistoryError;
use super::history::{EpochRecord, History, write};
use super::lr_finder::LrFinding;

/// The whole image, in SVG pixels.
const SIZE: (u32, u32) = (1200, 480);
/// The training curves' colour (matplotlib's blue).
const TRAIN_COLOR: RGBColor = RGBColor(31, 119, 180);
/// The validation curves' colour (matplotlib's orange).
const VALID_COLOR: RGBColor = RGBColor(255, 127, 14);
/// Series with at most this many points also get a dot per epoch.
const MAX_MARKED_POINTS: usize = 50;

type DrawResult<T> = Result<T, Box<dyn Error>>;

/// One curve: its legend name, colour and `(epoch, value)` points, finite values only.
struct Series {
    name: String,
    color: RGBColor,
    points: Vec<(usize, f64)>,
}

impl Series {
    /// The finite values of `value` over `history`'s epochs; `None` and NaN/±inf are skipped.
    fn new(
        history: &History,
        name: String,
        color: RGBColor,
        value: impl Fn(&EpochRecord) -> Option<f64>,
    ) -> Self {
        let points = history
            .epochs
            .iter()
            .filter_map(|e| value(e).filter(|v| v.is_finite()).map(|v| (e.epoch, v)))
            .collect();
        Self {
            name,
            color,
            points,
        }
    }
}

impl History {
    /// Draws the loss and metric curves to `path` as SVG, atomically.
    ///
    /// Two panels side by side under one title: on the left the loss, on the right the metric
    /// ([`metric`](Self::metric): accuracy or MAE), each with a `train` curve and, when the
    /// history has validation values, a `valid` curve, against the epoch, with axis labels and a
    /// legend (`train loss`, `valid loss`, `train <metric>`, `valid <metric>`). Epochs without
    /// validation values are left out of the validation curves, and NaN or infinite values
    /// (a diverged run) are left out of every curve. Only with the `plot` feature (on by
    /// default); the image is drawn in memory with plotters' SVG backend, which needs no fonts.
    ///
    /// # Errors
    /// [`NotSvg`](HistoryError::NotSvg) when `path` does not end in `.svg`,
    /// [`Empty`](HistoryError::Empty) when the history has no epochs,
    /// [`DrawFailed`](HistoryError::DrawFailed) or [`WriteFailed`](HistoryError::WriteFailed);
    /// an earlier file at `path` is left intact.
    ///
    /// # Examples
    /// ```
    /// use recurrent::train::History;
    ///
    /// let history = History::from_json(
    ///     r#"{"metric": "accuracy", "epochs": [
    ///         {"epoch": 1, "train_loss": 1.3, "train_metric": 0.35, "valid_loss": 1.2,
    ///          "valid_metric": 0.4, "learning_rate": 0.001, "seconds": 2.0,
    ///          "sequences_per_second": 1000.0},
    ///         {"epoch": 2, "train_loss": 0.9, "train_metric": 0.6, "valid_loss": 0.95,
    ///          "valid_metric": 0.55, "learning_rate": 0.001, "seconds": 2.0,
    ///          "sequences_per_second": 1000.0}
    ///     ]}"#,
    /// )?;
    /// let path = std::env::temp_dir().join(format!("history-{}.svg", std::process::id()));
    /// history.plot(&path)?;
    /// let svg = std::fs::read_to_string(&path)?;
    /// assert!(svg.starts_with("<svg"));
    /// assert!(svg.contains("accuracy"));
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<(), HistoryError> {
        let path = path.as_ref();
        check_svg(path)?;
        if self.epochs.is_empty() {
            return Err(HistoryError::Empty);
        }
        let svg = render_svg(self).map_err(|e| HistoryError::DrawFailed {
            reason: e.to_string(),
        })?;
        write(path, &svg)
    }
}

/// `Ok` for a path ending in `.svg` (any case).
fn check_svg(path: &Path) -> Result<(), HistoryError> {
    match path.extension().map(|e| e.to_string_lossy()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => Ok(()),
        found => Err(HistoryError::NotSvg {
            path: path.to_path_buf(),
            found: match found {
                Some(e) => format!("the extension .{e}"),
                None => "no extension".into(),
            },
        }),
    }
}

impl LrFinding {
    /// Draws the range test to `path` as SVG, atomically: the loss and the smoothed loss
    /// against the learning rate (a log axis), and the suggestion as a vertical line.
    ///
    /// # Errors
    /// As [`History::plot`]: [`NotSvg`](HistoryError::NotSvg), [`Empty`](HistoryError::Empty)
    /// (no step), [`DrawFailed`](HistoryError::DrawFailed),
    /// [`WriteFailed`](HistoryError::WriteFailed).
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<(), HistoryError> {
        let path = path.as_ref();
        check_svg(path)?;
        if self.learning_rates.is_empty() {
            return Err(HistoryError::Empty);
        }
        let svg = render_finding(self).map_err(|e| HistoryError::DrawFailed {
            reason: e.to_string(),
        })?;
        write(path, &svg)
    }
}

/// The range test as an SVG document (at least one step: the caller checks).
fn render_finding(found: &LrFinding) -> DrawResult<String> {
    let rates = &found.learning_rates;
    let (first, last) = (rates[0], rates[rates.len() - 1]);
    let x = if last > first {
        first..last
    } else {
        first / 2.0..first * 2.0
    };
    let (lo, hi) = value_range(found.losses.iter().chain(&found.smoothed).copied());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let title = match found.suggestion {
            Some(rate) => format!("Learning-rate range test: suggested {rate:.2e}"),
            None => "Learning-rate range test".to_string(),
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x.log_scale(), lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("learning rate")
            .y_desc("loss")
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        let curve = |values: &[f64]| -> Vec<(f64, f64)> {
            rates.iter().copied().zip(values.iter().copied()).collect()
        };
        chart
            .draw_series(LineSeries::new(curve(&found.losses), VALID_COLOR.mix(0.5)))?
            .label("loss")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], VALID_COLOR));
        chart
            .draw_series(LineSeries::new(
                curve(&found.smoothed),
                TRAIN_COLOR.stroke_width(2),
            ))?
            .label("smoothed")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TRAIN_COLOR));
        if let Some(rate) = found.suggestion {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(rate, lo), (rate, hi)],
                BLACK.stroke_width(1),
            )))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

/// The history as an SVG document: the loss panel and the metric panel under one title.
///
/// `history` must hold at least one epoch (the caller checks). The error is plotters' message.
fn render_svg(history: &History) -> DrawResult<String> {
    let metric = history.metric.as_str();
    let loss = [
        Series::new(history, "train loss".into(), TRAIN_COLOR, |e| {
            Some(e.train_loss)
        }),
        Series::new(history, "valid loss".into(), VALID_COLOR, |e| e.valid_loss),
    ];
    let metrics = [
        Series::new(history, format!("train {metric}"), TRAIN_COLOR, |e| {
            Some(e.train_metric)
        }),
        Series::new(history, format!("valid {metric}"), VALID_COLOR, |e| {
            e.valid_metric
        }),
    ];
    // Accuracy rises and losses fall: keep the legend out of the curves' way.
    let metric_legend = if metric == "accuracy" {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    };
    let first = history.epochs.iter().map(|e| e.epoch).min().unwrap_or(1);
    let last = history.epochs.iter().map(|e| e.epoch).max().unwrap_or(1);
    let epochs = axis_range(first, last);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let n = history.epochs.len();
        let title = format!(
            "Training history: loss and {metric} over {n} epoch{}",
            if n == 1 { "" } else { "s" }
        );
        let body = root.titled(&title, ("sans-serif", 22))?;
        let panels = body.split_evenly((1, 2));
        draw_panel(
            &panels[0],
            "loss",
            "loss",
            epochs.clone(),
            &loss,
            SeriesLabelPosition::UpperRight,
        )?;
        draw_panel(&panels[1], metric, metric, epochs, &metrics, metric_legend)?;
        root.present()?;
    }
    Ok(svg)
}

/// One panel: caption, axes with labels, the curves (empty ones left out) and their legend.
fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    y_desc: &str,
    epochs: std::ops::Range<usize>,
    series: &[Series],
    legend: SeriesLabelPosition,
) -> DrawResult<()> {
    let values = series.iter().flat_map(|s| s.points.iter().map(|&(_, v)| v));
    let (lo, hi) = value_range(values);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(epochs, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_labels(10)
        .y_labels(8)
        .draw()?;
    let mut any = false;
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        any = true;
        let color = s.color;
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(s.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        if s.points.len() <= MAX_MARKED_POINTS {
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    if any {
        chart
            .configure_series_labels()
            .position(legend)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

/// The x axis from `first` to `last`: a single point still gets an axis of non-zero width,
/// with the point in the middle.
pub(crate) fn axis_range(first: usize, last: usize) -> std::ops::Range<usize> {
    if first == last {
        first.saturating_sub(1)..last + 1
    } else {
        first..last
    }
}

/// The y range for `values` (all finite), padded by 5%; never empty, never of infinite width.
pub(crate) fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    // Past this, `hi - lo` could overflow to infinity and plotters' tick search would not end.
    const LIMIT: f64 = f64::MAX / 4.0;
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi {
        // Nothing finite to draw: a unit axis.
        return (0.0, 1.0);
    }
    let (lo, hi) = (lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    let magnitude = lo.abs().max(hi.abs());
    let span = hi - lo;
    let pad = if span > magnitude * 1e-9 {
        span * 0.05
    } else {
        // A flat curve: centre it on an axis a tenth of its size wide (at least 2e-3).
        (magnitude * 0.05).max(1e-3)
    };
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::value_range;
    use crate::train::HistoryError;

    /// Plotters does not fail on any history this crate can hold, so the drawing error is
    /// checked by its message: it says what failed and why.
    #[test]
    fn a_drawing_failure_says_what_plotters_reported() {
        let err = HistoryError::DrawFailed {
            reason: "backend error".into(),
        };
        assert_eq!(err.to_string(), "could not draw the plot: backend error");
    }

    #[test]
    fn value_range_is_padded_finite_and_never_empty() {
        assert_eq!(value_range([].into_iter()), (0.0, 1.0));
        let (lo, hi) = value_range([1.0, 3.0].into_iter());
        assert!((lo - 0.9).abs() < 1e-12 && (hi - 3.1).abs() < 1e-12);
        let (lo, hi) = value_range([0.0].into_iter());
        assert!(lo < 0.0 && hi > 0.0);
        let (lo, hi) = value_range([2.0, 2.0].into_iter());
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = value_range([f64::MAX, -f64::MAX].into_iter());
        assert!(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite());
    }
}
