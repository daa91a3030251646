//! [`Forecast`]: the point forecasts and intervals of every series, and their CSV file.

use std::fmt::Write as _;
use std::path::Path;

use super::ForecastError;
use super::series::SeriesSet;
use crate::io::write_atomically;

/// A central prediction interval per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// Its level: 0.8 for the 10% to 90% quantiles.
    pub level: f64,
    /// Lower bounds per series, `[n, components]` row-major like [`Forecast::point`].
    pub lower: Vec<Vec<f64>>,
    /// Upper bounds per series.
    pub upper: Vec<Vec<f64>>,
}

/// The sample paths of a probabilistic autoregressive forecast, in the series' own units.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplePaths {
    /// Paths per series.
    pub paths: usize,
    /// Values per step.
    pub components: usize,
    /// Per series, `[n, paths, components]` row-major: step `j`, path `p`, component `k` at
    /// `(j * paths + p) * components + k`.
    pub values: Vec<Vec<f64>>,
}

impl SamplePaths {
    /// Path `p` of series `series` as `[n, components]` row-major, like
    /// [`Forecast::point`]; `None` when either is out of range.
    pub fn path(&self, series: usize, p: usize) -> Option<Vec<f64>> {
        let values = self.values.get(series).filter(|_| p < self.paths)?;
        let c = self.components;
        Some(
            values
                .chunks(self.paths * c)
                .flat_map(|step| &step[p * c..(p + 1) * c])
                .copied()
                .collect(),
        )
    }
}

/// The forecast of every series of a set, in the series' own units.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The series' names, in order.
    pub names: Vec<String>,
    /// Values per step.
    pub components: usize,
    /// Point forecasts per series, `[n, components]` row-major (time-major).
    pub point: Vec<Vec<f64>>,
    /// The interval, for a probabilistic likelihood when one was asked for.
    pub interval: Option<Interval>,
    /// The sample paths, for a probabilistic autoregressive forecast with
    /// [`keep_samples`](crate::forecast::PredictOptions::keep_samples).
    pub samples: Option<SamplePaths>,
}

impl Forecast {
    pub(crate) fn empty(series: &SeriesSet, components: usize, level: Option<f64>) -> Self {
        Self {
            names: series
                .series()
                .iter()
                .map(|s| s.name().to_string())
                .collect(),
            components,
            point: Vec::with_capacity(series.len()),
            interval: level.map(|level| Interval {
                level,
                lower: Vec::new(),
                upper: Vec::new(),
            }),
            samples: None,
        }
    }

    pub(crate) fn push(&mut self, point: Vec<f64>, lower: Vec<f64>, upper: Vec<f64>) {
        self.point.push(point);
        if let Some(interval) = self.interval.as_mut() {
            interval.lower.push(lower);
            interval.upper.push(upper);
        }
    }

    /// Steps forecast.
    pub fn steps(&self) -> usize {
        self.point.first().map_or(0, |p| p.len() / self.components)
    }

    /// Component `c` of series `i` over the forecast steps: `(point, lower, upper)`, the
    /// bounds empty without an interval.
    pub fn component(&self, i: usize, c: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let pick = |values: &Vec<f64>| -> Vec<f64> {
            values
                .iter()
                .skip(c)
                .step_by(self.components)
                .copied()
                .collect()
        };
        match &self.interval {
            Some(interval) => (
                pick(&self.point[i]),
                pick(&interval.lower[i]),
                pick(&interval.upper[i]),
            ),
            None => (pick(&self.point[i]), Vec::new(), Vec::new()),
        }
    }

    /// The forecast as CSV: a header `series,step,component,forecast,lower,upper`, then one
    /// line per series, step (1-based) and component; the bounds are empty without an
    /// interval. Series names are quoted when they hold a comma or a quote.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from("series,step,component,forecast,lower,upper\n");
        for (i, name) in self.names.iter().enumerate() {
            let name = quoted(name);
            for (v, point) in self.point[i].iter().enumerate() {
                let (step, c) = (v / self.components + 1, v % self.components);
                let (lower, upper) = match &self.interval {
                    Some(interval) => (
                        interval.lower[i][v].to_string(),
                        interval.upper[i][v].to_string(),
                    ),
                    None => (String::new(), String::new()),
                };
                let _ = writeln!(csv, "{name},{step},{c},{point},{lower},{upper}");
            }
        }
        csv
    }

    /// Writes [`to_csv`](Self::to_csv) to `path`, atomically.
    ///
    /// # Errors
    /// [`WriteFailed`](ForecastError::WriteFailed) naming the path.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<(), ForecastError> {
        let path = path.as_ref();
        write_atomically(path, self.to_csv().as_bytes()).map_err(|e| ForecastError::WriteFailed {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }
}

fn quoted(name: &str) -> String {
    if name.contains([',', '"', '\n']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}
