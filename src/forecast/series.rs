//! Series to forecast ([`TimeSeries`], [`SeriesSet`]): univariate or multivariate values, with
//! optional covariates, read from `.tsf` or CSV files, and split by time.

use super::ForecastError;
use crate::data::SeriesCsv;
use crate::data::tsf::TsfData;

/// What to do with missing values (`?` in a `.tsf` file, an empty CSV cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingPolicy {
    /// Refuse them: [`ForecastError::MissingValue`] names the series and the step.
    #[default]
    Error,
    /// Linear interpolation between the nearest known values; the nearest known value before
    /// the first or after the last.
    Interpolate,
    /// The last known value; the first known value before it.
    ForwardFill,
}

/// Fills the gaps of `values` by `policy`; `series` names it in errors.
///
/// ```
/// use recurrent::forecast::{MissingPolicy, fill_missing};
///
/// let values = [None, Some(1.0), None, Some(3.0), None];
/// assert_eq!(fill_missing(&values, MissingPolicy::Interpolate, 0)?, vec![1.0, 1.0, 2.0, 3.0, 3.0]);
/// assert_eq!(fill_missing(&values, MissingPolicy::ForwardFill, 0)?, vec![1.0, 1.0, 1.0, 3.0, 3.0]);
/// assert!(fill_missing(&values, MissingPolicy::Error, 0).is_err());
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
///
/// # Errors
/// [`MissingValue`](ForecastError::MissingValue) under [`MissingPolicy::Error`], or when no
/// value is known; [`EmptySeries`](ForecastError::EmptySeries) for no values.
pub fn fill_missing(
    values: &[Option<f64>],
    policy: MissingPolicy,
    series: usize,
) -> Result<Vec<f64>, ForecastError> {
    if values.is_empty() {
        return Err(ForecastError::EmptySeries { series });
    }
    let missing = |step| ForecastError::MissingValue { series, step };
    let known: Vec<usize> = (0..values.len()).filter(|&t| values[t].is_some()).collect();
    let (Some(&first), Some(&last)) = (known.first(), known.last()) else {
        return Err(missing(0));
    };
    if policy == MissingPolicy::Error && known.len() < values.len() {
        return Err(missing(
            values.iter().position(Option::is_none).unwrap_or(0),
        ));
    }
    let value = |t: usize| values[t].unwrap_or(f64::NAN);
    let mut filled = Vec::with_capacity(values.len());
    let mut previous = first;
    for (t, v) in values.iter().enumerate() {
        filled.push(match v {
            Some(v) => {
                previous = t;
                *v
            }
            None if t < first => value(first),
            None if t > last || policy == MissingPolicy::ForwardFill => value(previous),
            None => {
                let next = known[known.partition_point(|&k| k < t)];
                let w = (t - previous) as f64 / (next - previous) as f64;
                value(previous) * (1.0 - w) + value(next) * w
            }
        });
    }
    Ok(filled)
}

/// Values over time, `width` per step, time-major (`[len, width]` row-major).
#[derive(Debug, Clone, PartialEq)]
struct Steps {
    width: usize,
    values: Vec<f64>,
}

impl Steps {
    /// `rows` (one per step, each of one width), checked finite; `what` and `series` name them.
    fn new(rows: Vec<Vec<f64>>, what: &'static str, series: usize) -> Result<Self, ForecastError> {
        let width = rows.first().map_or(0, Vec::len);
        if rows.is_empty() || width == 0 {
            return Err(ForecastError::EmptySeries { series });
        }
        if let Some(step) = rows.iter().position(|r| r.len() != width) {
            return Err(ForecastError::WidthMismatch {
                what,
                series,
                step,
                expected: width,
                found: rows[step].len(),
            });
        }
        let values: Vec<f64> = rows.into_iter().flatten().collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(ForecastError::NonFiniteInSeries {
                series,
                step: i / width,
                value: values[i],
            });
        }
        Ok(Self { width, values })
    }

    fn len(&self) -> usize {
        self.values.len() / self.width
    }

    fn row(&self, t: usize) -> &[f64] {
        &self.values[t * self.width..(t + 1) * self.width]
    }

    fn truncated(&self, len: usize) -> Self {
        Self {
            width: self.width,
            values: self.values[..len * self.width].to_vec(),
        }
    }
}

/// One series: `components` values per step (1 for a univariate series), and optionally
/// covariates: *past* ones, known up to the series' last step, and *future* ones, known also
/// beyond it (calendar features, planned prices), which a forecast of `n` steps needs for
/// those `n` steps too.
///
/// ```
/// use recurrent::forecast::TimeSeries;
///
/// let series = TimeSeries::univariate("sales", vec![3.0, 4.0, 5.0, 6.0])?
///     .with_future_covariates(vec![vec![0.0], vec![1.0], vec![0.0], vec![1.0], vec![0.0]])?;
/// let (train, held_out) = series.split_last(1)?;
/// assert_eq!((train.len(), held_out), (3, vec![6.0]));
/// assert_eq!(train.future_covariates_len(), Some(5)); // kept whole: known in advance
/// # Ok::<(), recurrent::forecast::ForecastError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    name: String,
    values: Steps,
    past: Option<Steps>,
    future: Option<Steps>,
}

impl TimeSeries {
    /// A univariate series.
    ///
    /// # Errors
    /// [`EmptySeries`](ForecastError::EmptySeries), [`NonFiniteInSeries`](ForecastError::NonFiniteInSeries).
    pub fn univariate(name: impl Into<String>, values: Vec<f64>) -> Result<Self, ForecastError> {
        Self::multivariate(name, values.into_iter().map(|v| vec![v]).collect())
    }

    /// A multivariate series, `steps[t]` its components at step `t`.
    ///
    /// # Errors
    /// As [`univariate`](Self::univariate), and
    /// [`WidthMismatch`](ForecastError::WidthMismatch) for steps of different widths.
    pub fn multivariate(
        name: impl Into<String>,
        steps: Vec<Vec<f64>>,
    ) -> Result<Self, ForecastError> {
        Ok(Self {
            name: name.into(),
            values: Steps::new(steps, "values", 0)?,
            past: None,
            future: None,
        })
    }

    /// With past covariates, `steps[t]` at step `t`, one row per step of the series.
    ///
    /// # Errors
    /// As [`multivariate`](Self::multivariate) for the rows;
    /// [`CovariateLength`](ForecastError::CovariateLength) unless there is one row per step.
    pub fn with_past_covariates(mut self, steps: Vec<Vec<f64>>) -> Result<Self, ForecastError> {
        let past = Steps::new(steps, "past covariates", 0)?;
        self.check_covariate_len("past", past.len(), past.len() == self.len())?;
        self.past = Some(past);
        Ok(self)
    }

    /// With future covariates, `steps[t]` at step `t`: at least one row per step of the
    /// series; rows beyond its end serve forecasts.
    ///
    /// # Errors
    /// As [`with_past_covariates`](Self::with_past_covariates), with fewer rows than steps.
    pub fn with_future_covariates(mut self, steps: Vec<Vec<f64>>) -> Result<Self, ForecastError> {
        let future = Steps::new(steps, "future covariates", 0)?;
        self.check_covariate_len("future", future.len(), future.len() >= self.len())?;
        self.future = Some(future);
        Ok(self)
    }

    fn check_covariate_len(
        &self,
        kind: &'static str,
        found: usize,
        fits: bool,
    ) -> Result<(), ForecastError> {
        if fits {
            return Ok(());
        }
        Err(ForecastError::CovariateLength {
            kind,
            series: self.name.clone(),
            expected: self.len(),
            found,
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether it has no steps (never: constructors refuse empty series).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per step.
    pub fn components(&self) -> usize {
        self.values.width
    }

    /// The values, time-major: `[len, components]` row-major.
    pub fn values(&self) -> &[f64] {
        &self.values.values
    }

    /// The values of component `c` over time.
    pub fn component(&self, c: usize) -> Vec<f64> {
        (0..self.len()).map(|t| self.values.row(t)[c]).collect()
    }

    /// The values at step `t`.
    pub fn step(&self, t: usize) -> &[f64] {
        self.values.row(t)
    }

    /// Past covariates per step (0 without).
    pub fn past_width(&self) -> usize {
        self.past.as_ref().map_or(0, |p| p.width)
    }

    /// Future covariates per step (0 without).
    pub fn future_width(&self) -> usize {
        self.future.as_ref().map_or(0, |f| f.width)
    }

    /// The steps future covariates are known for, `None` without them.
    pub fn future_covariates_len(&self) -> Option<usize> {
        self.future.as_ref().map(Steps::len)
    }

    /// The past covariates at step `t` (empty without them).
    pub fn past_at(&self, t: usize) -> &[f64] {
        self.past.as_ref().map_or(&[], |p| p.row(t))
    }

    /// The future covariates at step `t` (empty without them).
    pub fn future_at(&self, t: usize) -> &[f64] {
        self.future.as_ref().map_or(&[], |f| f.row(t))
    }

    /// The first `len` steps (past covariates cut alike; future covariates kept whole).
    ///
    /// # Errors
    /// [`HistoryTooShort`](ForecastError::HistoryTooShort) unless `1 <= len <= self.len()`.
    pub fn truncated(&self, len: usize) -> Result<Self, ForecastError> {
        if len == 0 || len > self.len() {
            return Err(ForecastError::HistoryTooShort {
                what: "the truncated series",
                expected: len.max(1),
                found: self.len(),
            });
        }
        Ok(Self {
            name: self.name.clone(),
            values: self.values.truncated(len),
            past: self.past.as_ref().map(|p| p.truncated(len)),
            future: self.future.clone(),
        })
    }

    /// The series without its last `horizon` steps, and those steps' values (time-major), as
    /// the Monash protocol holds out a test part.
    ///
    /// # Errors
    /// [`EmptyHorizon`](ForecastError::EmptyHorizon) for 0;
    /// [`HistoryTooShort`](ForecastError::HistoryTooShort) unless a step remains.
    pub fn split_last(&self, horizon: usize) -> Result<(Self, Vec<f64>), ForecastError> {
        if horizon == 0 {
            return Err(ForecastError::EmptyHorizon);
        }
        if horizon >= self.len() {
            return Err(ForecastError::HistoryTooShort {
                what: "holding out the horizon",
                expected: horizon + 1,
                found: self.len(),
            });
        }
        let cut = self.len() - horizon;
        let held_out = self.values.values[cut * self.components()..].to_vec();
        Ok((self.truncated(cut)?, held_out))
    }
}

/// Series that one global model learns from: all with the same components and covariate
/// widths, of equal or different lengths.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSet {
    series: Vec<TimeSeries>,
}

impl SeriesSet {
    /// The set, after checking the series agree.
    ///
    /// # Errors
    /// [`NoSeries`](ForecastError::NoSeries); [`WidthMismatch`](ForecastError::WidthMismatch)
    /// for a series whose components or covariate widths differ from the first's.
    pub fn new(series: Vec<TimeSeries>) -> Result<Self, ForecastError> {
        let Some(first) = series.first() else {
            return Err(ForecastError::NoSeries);
        };
        let shape = |s: &TimeSeries| [s.components(), s.past_width(), s.future_width()];
        let expected = shape(first);
        for (index, s) in series.iter().enumerate() {
            let found = shape(s);
            if let Some(k) = (0..3).find(|&k| found[k] != expected[k]) {
                return Err(ForecastError::WidthMismatch {
                    what: ["values", "past covariates", "future covariates"][k],
                    series: index,
                    step: 0,
                    expected: expected[k],
                    found: found[k],
                });
            }
        }
        Ok(Self { series })
    }

    /// Univariate series named `series 1`, `series 2`, ...
    ///
    /// # Errors
    /// As [`SeriesSet::new`] and [`TimeSeries::univariate`].
    pub fn univariate(series: Vec<Vec<f64>>) -> Result<Self, ForecastError> {
        let series = series
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                TimeSeries::univariate(format!("series {}", i + 1), v).map_err(|e| e.in_series(i))
            })
            .collect::<Result<_, _>>()?;
        Self::new(series)
    }

    /// Every series of a `.tsf` file, univariate, named as in the file, gaps filled by
    /// `missing`.
    ///
    /// # Errors
    /// As [`fill_missing`] and [`SeriesSet::new`].
    pub fn from_tsf(data: &TsfData, missing: MissingPolicy) -> Result<Self, ForecastError> {
        let series = data
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| TimeSeries::univariate(&s.name, fill_missing(&s.values, missing, i)?))
            .collect::<Result<_, _>>()?;
        Self::new(series)
    }

    /// Every column of a CSV file as its own univariate series, named by its header. Missing
    /// cells before a column's first value and after its last are trimmed (series of
    /// different lengths side by side); those in between are filled by `missing`.
    ///
    /// # Errors
    /// As [`fill_missing`] and [`SeriesSet::new`].
    pub fn from_csv_columns(
        csv: &SeriesCsv,
        missing: MissingPolicy,
    ) -> Result<Self, ForecastError> {
        let series = csv
            .series
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let start = column.iter().position(Option::is_some).unwrap_or(0);
                let end = column
                    .iter()
                    .rposition(Option::is_some)
                    .map_or(0, |e| e + 1);
                let values = fill_missing(&column[start..end.max(start)], missing, i)?;
                TimeSeries::univariate(&csv.names[i], values)
            })
            .collect::<Result<_, _>>()?;
        Self::new(series)
    }

    /// The columns of a CSV file as the components of one multivariate series named `name`.
    ///
    /// # Errors
    /// As [`fill_missing`] (per column) and [`TimeSeries::multivariate`].
    pub fn from_csv_multivariate(
        csv: &SeriesCsv,
        name: &str,
        missing: MissingPolicy,
    ) -> Result<Self, ForecastError> {
        let columns = csv
            .series
            .iter()
            .enumerate()
            .map(|(i, c)| fill_missing(c, missing, i))
            .collect::<Result<Vec<_>, _>>()?;
        let len = columns.first().map_or(0, Vec::len);
        let steps = (0..len)
            .map(|t| columns.iter().map(|c| c[t]).collect())
            .collect();
        Self::new(vec![TimeSeries::multivariate(name, steps)?])
    }

    /// The series.
    pub fn series(&self) -> &[TimeSeries] {
        &self.series
    }

    /// The number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the set is empty (never: [`SeriesSet::new`] refuses it).
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Values per step of every series.
    pub fn components(&self) -> usize {
        self.series[0].components()
    }

    /// Past covariates per step (0 without).
    pub fn past_width(&self) -> usize {
        self.series[0].past_width()
    }

    /// Future covariates per step (0 without).
    pub fn future_width(&self) -> usize {
        self.series[0].future_width()
    }

    /// Every series without its last `horizon` steps, and those steps' values per series.
    ///
    /// # Errors
    /// As [`TimeSeries::split_last`], for the first series too short.
    pub fn split_last(&self, horizon: usize) -> Result<(Self, Vec<Vec<f64>>), ForecastError> {
        let (train, held_out) = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| s.split_last(horizon).map_err(|e| e.in_series(i)))
            .collect::<Result<(Vec<_>, Vec<_>), _>>()?;
        Ok((Self { series: train }, held_out))
    }

    /// Every series cut `offset` steps before its end (past covariates alike).
    ///
    /// # Errors
    /// As [`TimeSeries::truncated`].
    pub fn cut_before_end(&self, offset: usize) -> Result<Self, ForecastError> {
        let series = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.truncated(s.len().saturating_sub(offset))
                    .map_err(|e| e.in_series(i))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { series })
    }
}
