//! [`plot_forecast`]: the end of a series, its forecast, an interval around the forecast and
//! the held-out truth, in one SVG chart. Only with the `plot` feature (on by default).
//!
//! Drawn like [`History::plot`](crate::train::History::plot): plotters' SVG backend into a
//! `String`, text as SVG `<text>` elements (no fonts read, no C library linked), then written
//! atomically.

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;

use super::ForecastError;
use crate::train::{axis_range, value_range};

/// The whole image, in SVG pixels.
const SIZE: (u32, u32) = (960, 480);
/// The history's colour (matplotlib's blue).
const HISTORY_COLOR: RGBColor = RGBColor(31, 119, 180);
/// The forecast's and the interval's colour (matplotlib's orange).
const FORECAST_COLOR: RGBColor = RGBColor(255, 127, 14);
/// The interval band's opacity.
const BAND_ALPHA: f64 = 0.25;
/// The fewest history points drawn (when the history has them).
const MIN_SHOWN_HISTORY: usize = 48;
/// History points drawn per forecast step, when that is more than [`MIN_SHOWN_HISTORY`].
const HISTORY_PER_STEP: usize = 4;

type DrawResult<T> = Result<T, Box<dyn Error>>;

/// What a forecast plot shows (all slices in the series' own units).
///
/// Build one with [`new`](Self::new), [`with_interval`](Self::with_interval) and
/// [`with_actual`](Self::with_actual), and draw it with [`plot_forecast`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastPlot<'a> {
    /// The chart's title.
    pub title: &'a str,
    /// The values before the forecast origin, in time order (drawn as steps 0..history.len()).
    pub history: &'a [f64],
    /// The point forecast, one value per step after the history.
    pub forecast: &'a [f64],
    /// An interval around the forecast: lower and upper bounds (same length as forecast) and
    /// its level, e.g. 0.8.
    pub interval: Option<(&'a [f64], &'a [f64], f64)>,
    /// The held-out truth over the forecast steps (may be shorter than the forecast).
    pub actual: Option<&'a [f64]>,
}

impl<'a> ForecastPlot<'a> {
    /// A plot of `history` and its `forecast`, with no interval and no actual values.
    #[must_use]
    pub fn new(title: &'a str, history: &'a [f64], forecast: &'a [f64]) -> Self {
        Self {
            title,
            history,
            forecast,
            interval: None,
            actual: None,
        }
    }

    /// The plot with an interval from `lower` to `upper` (one bound each per forecast step) at
    /// `level` (in (0, 1), e.g. 0.8 for the 10% and 90% quantiles), drawn as a band.
    #[must_use]
    pub fn with_interval(self, lower: &'a [f64], upper: &'a [f64], level: f64) -> Self {
        Self {
            interval: Some((lower, upper, level)),
            ..self
        }
    }

    /// The plot with the held-out `actual` values of the first `actual.len()` forecast steps.
    #[must_use]
    pub fn with_actual(self, actual: &'a [f64]) -> Self {
        Self {
            actual: Some(actual),
            ..self
        }
    }

    /// Everything [`plot_forecast`] refuses before drawing, in its documented order.
    fn check(&self) -> Result<(), ForecastError> {
        let horizon = self.forecast.len();
        if horizon == 0 {
            return Err(ForecastError::EmptyHorizon);
        }
        if let Some((lower, upper, level)) = self.interval {
            for (what, bounds) in [("lower bounds", lower), ("upper bounds", upper)] {
                if bounds.len() != horizon {
                    return Err(ForecastError::LengthMismatch {
                        what,
                        expected: horizon,
                        found: bounds.len(),
                    });
                }
            }
            // Also refuses NaN.
            if !(level > 0.0 && level < 1.0) {
                return Err(ForecastError::InvalidQuantile { found: level });
            }
            let out_of_order = lower.iter().zip(upper).position(|(&l, &u)| {
                // Non-finite bounds are not drawn, so they are not compared either.
                l.is_finite() && u.is_finite() && l > u
            });
            if let Some(step) = out_of_order {
                return Err(ForecastError::IntervalOutOfOrder {
                    step,
                    lower: lower[step],
                    upper: upper[step],
                });
            }
        }
        if let Some(actual) = self.actual
            && actual.len() > horizon
        {
            return Err(ForecastError::LengthMismatch {
                what: "actual values",
                expected: horizon,
                found: actual.len(),
            });
        }
        Ok(())
    }

    /// The first history step drawn: the last `max(4 * horizon, 48)` steps are, at most.
    fn first_shown(&self) -> usize {
        let shown = (HISTORY_PER_STEP * self.forecast.len()).max(MIN_SHOWN_HISTORY);
        self.history.len().saturating_sub(shown)
    }
}

/// Draws `plot` to `path` as SVG, atomically.
///
/// One chart of `value` against `step` under the title: the history as a blue line, the
/// forecast as an orange line that continues from the last history point, the interval (when
/// given) as a translucent orange band, and the actual values (when given) as a black line with
/// a dot per step, with a legend (`history`, `forecast`, `80% interval` for a level of 0.8,
/// `actual`). The history is drawn at steps `0..history.len()` and the forecast and actual
/// values from step `history.len()` on, but only the last `min(history.len(),
/// max(4 * forecast.len(), 48))` history steps are drawn, so that a long series does not
/// squeeze the forecast; the x axis keeps the true step numbers. NaN and infinite values are
/// left out of every line and of the band. The image is drawn in memory with plotters' SVG
/// backend, which needs no fonts; only with the `plot` feature (on by default).
///
/// # Errors
/// Checked before anything is drawn, in this order:
/// [`PlotFailed`](ForecastError::PlotFailed) when `path` does not end in `.svg`;
/// [`EmptyHorizon`](ForecastError::EmptyHorizon) for an empty forecast;
/// [`LengthMismatch`](ForecastError::LengthMismatch) for interval bounds of another length than
/// the forecast (`"lower bounds"`, `"upper bounds"`);
/// [`InvalidQuantile`](ForecastError::InvalidQuantile) for an interval level outside (0, 1);
/// [`IntervalOutOfOrder`](ForecastError::IntervalOutOfOrder) where a finite lower bound is above
/// its finite upper bound; [`LengthMismatch`](ForecastError::LengthMismatch) for more actual
/// values than forecast steps (`"actual values"`). Then
/// [`PlotFailed`](ForecastError::PlotFailed) when drawing or writing fails; an earlier file at
/// `path` is left intact and no temporary file is left behind.
///
/// # Examples
/// ```
/// use recurrent::forecast::{ForecastPlot, plot_forecast};
///
/// let history = [1.0, 2.0, 3.0, 2.5, 3.5, 4.0];
/// let forecast = [4.2, 4.4, 4.6];
/// let (lower, upper) = ([3.8, 3.9, 4.0], [4.6, 4.9, 5.2]);
/// let plot = ForecastPlot::new("Sales: 3-step forecast", &history, &forecast)
///     .with_interval(&lower, &upper, 0.8)
///     .with_actual(&[4.1, 4.7]);
/// let dir = std::env::temp_dir().join(format!("forecast-plot-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("forecast.svg");
/// plot_forecast(&path, &plot)?;
/// let svg = std::fs::read_to_string(&path)?;
/// assert!(svg.starts_with("<svg"));
/// assert!(svg.contains("Sales: 3-step forecast") && svg.contains("80% interval"));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plot_forecast(path: impl AsRef<Path>, plot: &ForecastPlot) -> Result<(), ForecastError> {
    let path = path.as_ref();
    let failed = |problem: String| ForecastError::PlotFailed {
        path: path.to_path_buf(),
        problem,
    };
    match path.extension().map(|e| e.to_string_lossy()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => {}
        Some(e) => {
            return Err(failed(format!(
                "expected a path ending in .svg (the plot is SVG), found the extension .{e}"
            )));
        }
        None => {
            return Err(failed(
                "expected a path ending in .svg (the plot is SVG), found no extension".into(),
            ));
        }
    }
    plot.check()?;
    let svg = render(plot).map_err(|e| failed(format!("could not draw the plot: {e}")))?;
    crate::io::write_atomically(path, svg.as_bytes())
        .map_err(|e| failed(format!("could not write the file: {e}")))
}

/// `(start + i, values[i])` for the finite values.
fn points(start: usize, values: &[f64]) -> Vec<(usize, f64)> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| (start + i, v))
        .collect()
}

/// The legend's name for an interval at `level`: "80% interval", "97.5% interval".
fn interval_name(level: f64) -> String {
    let percent = level * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("{percent:.0}% interval")
    } else {
        let digits = format!("{percent:.6}");
        format!("{}% interval", digits.trim_end_matches('0'))
    }
}

/// The plot as an SVG document (`plot` passed [`ForecastPlot::check`]).
///
/// The error is plotters' message.
// It is long because plotters builds a chart as one chain of calls: the canvas, the axes, the
// band, three series and the legend, each with its styling.
fn render(plot: &ForecastPlot) -> DrawResult<String> {
    let origin = plot.history.len();
    let first = plot.first_shown();
    let history = points(first, &plot.history[first..]);
    let mut forecast = points(origin, plot.forecast);
    // The forecast line starts at the last history point, when there is one to start from.
    if let Some(&last) = plot.history.last()
        && last.is_finite()
    {
        forecast.insert(0, (origin - 1, last));
    }
    let band = plot.interval.map(|(lower, upper, level)| {
        let pairs: Vec<(usize, f64, f64)> = lower
            .iter()
            .zip(upper)
            .enumerate()
            .filter(|(_, (l, u))| l.is_finite() && u.is_finite())
            .map(|(i, (&l, &u))| (origin + i, l, u))
            .collect();
        // Along the lower bounds, then back along the upper ones.
        let outline: Vec<(usize, f64)> = pairs
            .iter()
            .map(|&(x, l, _)| (x, l))
            .chain(pairs.iter().rev().map(|&(x, _, u)| (x, u)))
            .collect();
        (outline, interval_name(level))
    });
    let actual = plot.actual.map(|a| points(origin, a));

    let values = history
        .iter()
        .chain(&forecast)
        .chain(band.iter().flat_map(|(outline, _)| outline))
        .chain(actual.iter().flatten())
        .map(|&(_, v)| v);
    let (lo, hi) = value_range(values);
    let last = origin + plot.forecast.len() - 1;
    let steps = axis_range(first, last);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(&root);
        if !plot.title.is_empty() {
            builder.caption(plot.title, ("sans-serif", 20));
        }
        let mut chart = builder
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(steps, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("value")
            .x_labels(10)
            .y_labels(8)
            .draw()?;
        // The band first, so that the lines are drawn over it.
        if let Some((outline, name)) = band {
            let fill = FORECAST_COLOR.mix(BAND_ALPHA).filled();
            chart
                .draw_series(std::iter::once(Polygon::new(outline, fill)))?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], fill));
        }
        chart
            .draw_series(LineSeries::new(history, HISTORY_COLOR.stroke_width(2)))?
            .label("history")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], HISTORY_COLOR.stroke_width(2))
            });
        chart
            .draw_series(LineSeries::new(forecast, FORECAST_COLOR.stroke_width(2)))?
            .label("forecast")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], FORECAST_COLOR.stroke_width(2))
            });
        if let Some(actual) = actual {
            chart.draw_series(actual.iter().map(|&p| Circle::new(p, 3, BLACK.filled())))?;
            chart
                .draw_series(LineSeries::new(actual, BLACK.stroke_width(1)))?
                .label("actual")
                .legend(|(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (20, 0)], BLACK.stroke_width(1))
                        + Circle::new((10, 0), 3, BLACK.filled())
                });
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

#[cfg(test)]
mod tests {
    use super::{interval_name, value_range};

    #[test]
    fn interval_names_read_as_percentages() {
        assert_eq!(interval_name(0.8), "80% interval");
        assert_eq!(interval_name(0.95), "95% interval");
        assert_eq!(interval_name(0.975), "97.5% interval");
        assert_eq!(interval_name(0.5), "50% interval");
    }

    #[test]
    fn value_range_is_padded_finite_and_never_empty() {
        assert_eq!(value_range([].into_iter()), (0.0, 1.0));
        let (lo, hi) = value_range([1.0, 3.0].into_iter());
        assert!((lo - 0.9).abs() < 1e-12 && (hi - 3.1).abs() < 1e-12);
        let (lo, hi) = value_range([2.0, 2.0].into_iter());
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = value_range([f64::MAX, -f64::MAX].into_iter());
        assert!(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite());
    }
}
