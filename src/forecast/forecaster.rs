//! [`Forecaster`]: one global recurrent model for a set of series, direct (Darts'
//! `BlockRNNModel`) or autoregressive (Darts' `RNNModel`), with its scalers, trained by the
//! crate's [`Trainer`] and predicting `n` steps from the end of each series.

use std::collections::BTreeMap;
use std::path::Path;

use burn::config::Config;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::likelihood::Likelihood;
use super::model_kind::ModelKind;
use super::prediction::{Forecast, SamplePaths};
use super::series::SeriesSet;
use super::windows::{ScaledSeries, Widths, WindowNorm, WindowSpec};
use super::{ForecastError, ScalerKind, SeriesScaler};
use crate::io::write_atomically;
use crate::layers::RecurrentState;
use crate::model::{
    CellType, ModelError, ModelOutput, Readout, SequenceModel, SequenceModelConfig,
};
use crate::train::{History, Trainer, TrainerConfig};

/// Options of a [`Forecaster`].
///
/// ```
/// use recurrent::forecast::{ForecasterConfig, Likelihood, ModelKind};
/// use recurrent::model::CellType;
///
/// let config = ForecasterConfig::new(ModelKind::Direct, 24, 12)
///     .with_cell(CellType::Gru)
///     .with_likelihood(Likelihood::Gaussian);
/// assert!(config.validate().is_ok());
/// assert!(ForecasterConfig { horizon: 0, ..config }.validate().is_err());
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct ForecasterConfig {
    /// Direct or autoregressive.
    pub kind: ModelKind,
    /// Past steps each training window reads (and the history a forecast starts from).
    pub input_len: usize,
    /// Future steps each training window predicts.
    pub horizon: usize,
    /// The recurrent cell.
    #[config(default = "CellType::Lstm")]
    pub cell: CellType,
    /// Hidden units.
    #[config(default = 32)]
    pub hidden_size: usize,
    /// Stacked recurrent layers.
    #[config(default = 1)]
    pub num_layers: usize,
    /// Dropout between recurrent layers while training.
    #[config(default = 0.0)]
    pub dropout: f64,
    /// The distribution learnt per future value.
    #[config(default = "Likelihood::Point")]
    pub likelihood: Likelihood,
    /// How each series (and covariate) is scaled, fitted on its training part.
    #[config(default = "ScalerKind::Standard")]
    pub scaler: ScalerKind,
    /// Steps between consecutive training windows of a series.
    #[config(default = 1)]
    pub stride: usize,
    /// Whether the last `horizon` steps of each training series are held out as validation
    /// windows (for early stopping or the best checkpoint): a split by time.
    #[config(default = false)]
    pub validation: bool,
    /// Whether each window's values are normalised by the mean and spread of its input
    /// steps before the model sees them (and the forecast mapped back): RevIN (Kim et al.
    /// 2022) without its learnt affine part. It lets a model trained on a trending series'
    /// past extrapolate the trend; off, the model sees levels it was trained on only.
    #[config(default = true)]
    pub window_norm: bool,
    /// Whether training series shorter than one window (`input_len + horizon`, and
    /// `horizon` more with validation) are left out of training instead of refused with
    /// [`SeriesTooShort`](ForecastError::SeriesTooShort). They are still forecast, from
    /// the history they have.
    #[config(default = false)]
    pub skip_short_series: bool,
    /// Seed of the initial weights; `None` uses the device's generator.
    pub seed: Option<u64>,
}

impl ForecasterConfig {
    /// Checks the options.
    ///
    /// # Errors
    /// [`ZeroSize`](ForecastError::ZeroSize) for `input_len`, `horizon`, `stride`,
    /// `hidden_size` or `num_layers` of 0; [`RateOutOfRange`](ForecastError::RateOutOfRange)
    /// for a dropout outside `[0, 1)`.
    pub fn validate(&self) -> Result<(), ForecastError> {
        let sizes = [
            ("input_len", self.input_len),
            ("horizon", self.horizon),
            ("stride", self.stride),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
        ];
        if let Some((what, _)) = sizes.iter().find(|(_, v)| *v == 0) {
            return Err(ForecastError::ZeroSize { what });
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ForecastError::RateOutOfRange {
                what: "dropout",
                found: self.dropout,
            });
        }
        Ok(())
    }

    fn windows(&self) -> WindowSpec {
        WindowSpec {
            kind: self.kind,
            input_len: self.input_len,
            horizon: self.horizon,
            stride: self.stride,
            normalise: self.window_norm,
        }
    }

    /// The recurrent model for series of `widths`.
    fn model_config(&self, widths: Widths) -> SequenceModelConfig {
        let (inputs, outputs, readout) = match self.kind {
            ModelKind::Direct => (
                widths.components + widths.past,
                self.horizon * widths.components,
                Readout::Last,
            ),
            ModelKind::Autoregressive => (
                widths.components + widths.future,
                widths.components,
                Readout::All,
            ),
        };
        SequenceModelConfig::new(
            self.cell,
            inputs,
            self.hidden_size,
            outputs * self.likelihood.params(),
        )
        .with_num_layers(self.num_layers)
        .with_dropout(self.dropout)
        .with_readout(readout)
        .with_seed(self.seed)
    }

    /// Checks the options against the series and the trainer.
    fn check(&self, series: &SeriesSet, trainer: &TrainerConfig) -> Result<(), ForecastError> {
        self.validate()?;
        let unsupported = match self.kind {
            ModelKind::Direct if series.future_width() > 0 => {
                Some(("future", "past covariates only"))
            }
            ModelKind::Autoregressive if series.past_width() > 0 => {
                Some(("past", "future covariates only"))
            }
            _ => None,
        };
        if let Some((kind, expected)) = unsupported {
            return Err(ForecastError::CovariatesUnsupported {
                model: self.kind.name(),
                kind,
                expected,
            });
        }
        if trainer.objective != self.likelihood.objective() {
            return Err(ForecastError::ObjectiveMismatch {
                expected: self.likelihood.objective().name().into(),
                found: trainer.objective.name().into(),
            });
        }
        if let Some(found) = trainer.validation_fraction {
            return Err(ForecastError::RandomValidationSplit { found });
        }
        self.check_lengths(series)
    }

    /// The steps a series needs for one training window: `input_len + horizon`, and
    /// `horizon` more with validation.
    pub fn min_series_len(&self) -> usize {
        self.input_len + self.horizon * (1 + usize::from(self.validation))
    }

    /// Refuses a series shorter than [`min_series_len`](Self::min_series_len) unless short
    /// series are skipped.
    fn check_lengths(&self, series: &SeriesSet) -> Result<(), ForecastError> {
        let expected = self.min_series_len();
        let short = series
            .series()
            .iter()
            .enumerate()
            .find(|(_, s)| s.len() < expected);
        match short {
            Some((i, s)) if !self.skip_short_series => Err(ForecastError::SeriesTooShort {
                series: i,
                name: s.name().to_string(),
                expected,
                found: s.len(),
                validation: if self.validation {
                    " + horizon for validation"
                } else {
                    ""
                },
            }),
            _ => Ok(()),
        }
    }

    /// How many training windows [`fit`](Self::fit) cuts from `train` (validation windows
    /// not counted): with the trainer's batch size it gives the optimizer steps per epoch.
    ///
    /// ```
    /// use recurrent::forecast::{ForecasterConfig, ModelKind, SeriesSet, TimeSeries};
    ///
    /// let series = TimeSeries::univariate("a", (0..20).map(f64::from).collect()).unwrap();
    /// let set = SeriesSet::new(vec![series]).unwrap();
    /// // Inputs of 6 steps and 4 targets fit 20 - 10 + 1 = 11 times.
    /// let config = ForecasterConfig::new(ModelKind::Direct, 6, 4);
    /// assert_eq!(config.training_windows(&set), 11);
    /// assert_eq!(config.with_validation(true).training_windows(&set), 7);
    /// ```
    pub fn training_windows(&self, train: &SeriesSet) -> usize {
        let held_out = if self.validation { self.horizon } else { 0 };
        train
            .series()
            .iter()
            .map(|s| {
                self.windows()
                    .origins(s.len().saturating_sub(held_out))
                    .len()
            })
            .sum()
    }

    /// Trains a forecaster on every series of `train` (all of it is training data: hold out
    /// the test part first, with [`SeriesSet::split_last`]). Scalers are fitted on `train`;
    /// windows are cut from every series long enough for one (`input_len + horizon` steps,
    /// and `horizon` more with [`validation`](Self::validation)).
    ///
    /// `trainer`'s objective must be the likelihood's ([`Likelihood::objective`]) and its
    /// `validation_fraction` `None` (a random split would leak the future).
    ///
    /// # Errors
    /// [`validate`](Self::validate)'s, [`CovariatesUnsupported`](ForecastError::CovariatesUnsupported),
    /// [`ObjectiveMismatch`](ForecastError::ObjectiveMismatch),
    /// [`RandomValidationSplit`](ForecastError::RandomValidationSplit),
    /// [`SeriesTooShort`](ForecastError::SeriesTooShort),
    /// [`NoTrainingWindow`](ForecastError::NoTrainingWindow); the model's errors as
    /// [`ForecastError::Model`] and the trainer's as [`ForecastError::Train`].
    pub fn fit(
        &self,
        train: &SeriesSet,
        trainer: &TrainerConfig,
        device: &Device,
    ) -> Result<Forecaster, ForecastError> {
        self.check(train, trainer)?;
        let scalers = Scalers::fit(self.scaler, train)?;
        let scaled = scalers.scale(train)?;
        let widths = widths(train);
        let windows = self.windows();
        let (train_data, valid_data) = if self.validation {
            let cut: Vec<ScaledSeries> =
                scaled.iter().map(|s| s.cut(widths, self.horizon)).collect();
            let last_only = WindowSpec {
                stride: usize::MAX,
                ..windows
            };
            (
                windows.dataset(&cut, widths)?,
                Some(last_only.dataset(&scaled, widths)?),
            )
        } else {
            (windows.dataset(&scaled, widths)?, None)
        };
        let model = self.model_config(widths).try_init(device)?;
        let fitted = Trainer::new(trainer.clone())
            .fit(model, &train_data, valid_data.as_ref())
            .map_err(|e| ForecastError::Train(e.error))?;
        Ok(Forecaster {
            model: fitted.model,
            config: self.clone(),
            scalers,
            widths,
            history: fitted.history,
            device: device.clone(),
        })
    }
}

fn widths(series: &SeriesSet) -> Widths {
    Widths {
        components: series.components(),
        past: series.past_width(),
        future: series.future_width(),
    }
}

/// The scalers of the values and of each kind of covariate, one column per (series, width).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Scalers {
    values: SeriesScaler,
    past: Option<SeriesScaler>,
    future: Option<SeriesScaler>,
}

/// Each column of a series' rows over `len` steps: `(0..width)` of `row(t)`.
fn columns<'a>(width: usize, len: usize, row: impl Fn(usize) -> &'a [f64]) -> Vec<Vec<f64>> {
    (0..width)
        .map(|j| (0..len).map(|t| row(t)[j]).collect())
        .collect()
}

/// `columns` scaled by `scaler` from column `first`, back to time-major f32.
fn scale_columns(
    scaler: Option<&SeriesScaler>,
    first: usize,
    columns: Vec<Vec<f64>>,
) -> Result<Vec<f32>, ForecastError> {
    let scaled: Vec<Vec<f64>> = match scaler {
        Some(scaler) => columns
            .iter()
            .enumerate()
            .map(|(j, c)| scaler.transform(first + j, c))
            .collect::<Result<_, _>>()?,
        None => columns,
    };
    let len = scaled.first().map_or(0, Vec::len);
    Ok((0..len)
        .flat_map(|t| scaled.iter().map(move |c| c[t] as f32))
        .collect())
}

impl Scalers {
    /// Values by `kind`; covariates standardised; all on the training part only.
    fn fit(kind: ScalerKind, train: &SeriesSet) -> Result<Self, ForecastError> {
        let [values, past, future] = Self::columns(train, false);
        let fit_some = |columns: Vec<Vec<f64>>| {
            (!columns.is_empty())
                .then(|| SeriesScaler::fit(ScalerKind::Standard, &columns))
                .transpose()
        };
        Ok(Self {
            values: SeriesScaler::fit(kind, &values)?,
            past: fit_some(past)?,
            future: fit_some(future)?,
        })
    }

    /// Every series' value, past and future columns (future ones over the series' steps, or
    /// over every known step with `whole_future`).
    fn columns(series: &SeriesSet, whole_future: bool) -> [Vec<Vec<f64>>; 3] {
        let mut out: [Vec<Vec<f64>>; 3] = Default::default();
        for s in series.series() {
            out[0].extend(columns(s.components(), s.len(), |t| s.step(t)));
            out[1].extend(columns(s.past_width(), s.len(), |t| s.past_at(t)));
            let future_len = if whole_future {
                s.future_covariates_len().unwrap_or(0)
            } else {
                s.len()
            };
            out[2].extend(columns(s.future_width(), future_len, |t| s.future_at(t)));
        }
        out
    }

    fn scale(&self, series: &SeriesSet) -> Result<Vec<ScaledSeries>, ForecastError> {
        series
            .series()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let future_len = s.future_covariates_len().unwrap_or(0);
                Ok(ScaledSeries {
                    values: scale_columns(
                        Some(&self.values),
                        i * s.components(),
                        columns(s.components(), s.len(), |t| s.step(t)),
                    )?,
                    past: scale_columns(
                        self.past.as_ref(),
                        i * s.past_width(),
                        columns(s.past_width(), s.len(), |t| s.past_at(t)),
                    )?,
                    future: scale_columns(
                        self.future.as_ref(),
                        i * s.future_width(),
                        columns(s.future_width(), future_len, |t| s.future_at(t)),
                    )?,
                })
            })
            .collect()
    }

    /// Maps a scaled value of component `c` of series `i` back.
    fn inverse(&self, index: usize, value: f64) -> f64 {
        let (shift, scale) = self.values.parameters(index).unwrap_or((0.0, 1.0));
        value * scale + shift
    }
}

impl ScaledSeries {
    /// The series without its last `steps` values (past covariates alike).
    fn cut(&self, widths: Widths, steps: usize) -> ScaledSeries {
        let len = self.len(widths).saturating_sub(steps);
        ScaledSeries {
            values: self.values[..len * widths.components].to_vec(),
            past: self.past[..len * widths.past].to_vec(),
            future: self.future.clone(),
        }
    }
}

/// A direct forecast of one series in scaler units, `[n, components]` row-major; the bounds
/// empty without an interval.
#[derive(Debug, Clone, Default)]
struct Decoded {
    point: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

/// What a model gave for one series, in scaler units.
#[derive(Debug, Clone)]
enum Outputs {
    /// The direct model's forecast.
    Decoded(Decoded),
    /// The autoregressive model's paths `[n][paths][components]`.
    Paths(Vec<f64>),
}

/// Options of [`Forecaster::predict_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// Steps to forecast (any number, not only the training horizon).
    pub n: usize,
    /// The level of the central prediction interval (`Some(0.8)`: the 10% and 90%
    /// quantiles); `None` for none. A point likelihood never has one.
    pub interval: Option<f64>,
    /// Sample paths of a probabilistic autoregressive forecast.
    pub samples: usize,
    /// The seed of those samples.
    pub seed: u64,
    /// Whether those sample paths are handed back in [`Forecast::samples`].
    pub keep_samples: bool,
}

impl PredictOptions {
    /// `n` steps with an 80% interval, 200 sample paths (not kept), seed 0.
    pub fn new(n: usize) -> Self {
        Self {
            n,
            interval: Some(0.8),
            samples: 200,
            seed: 0,
            keep_samples: false,
        }
    }
}

/// A trained forecaster: the model, its config and the scalers fitted on the training series.
#[derive(Debug, Clone)]
pub struct Forecaster {
    model: SequenceModel,
    config: ForecasterConfig,
    scalers: Scalers,
    widths: Widths,
    /// The training history (empty after [`load`](Self::load)).
    pub history: History,
    device: Device,
}

/// What `forecaster.json` holds beside the model's own files.
#[derive(Serialize, Deserialize)]
struct ForecasterFile {
    format: String,
    config: ForecasterConfig,
    scalers: Scalers,
    components: usize,
    past: usize,
    future: usize,
}

const FORECASTER_FORMAT: &str = "recurrent-forecaster-1";
const FORECASTER_FILE: &str = "forecaster.json";

impl Forecaster {
    /// The config it was trained with.
    pub fn config(&self) -> &ForecasterConfig {
        &self.config
    }

    /// The recurrent model inside.
    pub fn model(&self) -> &SequenceModel {
        &self.model
    }

    /// [`predict_with`](Self::predict_with) with [`PredictOptions::new`]`(n)`.
    ///
    /// # Errors
    /// As [`predict_with`](Self::predict_with).
    pub fn predict(&self, series: &SeriesSet, n: usize) -> Result<Forecast, ForecastError> {
        self.predict_with(series, &PredictOptions::new(n))
    }

    /// Forecasts `options.n` steps after the end of each series of `series`, which must be
    /// the series the forecaster was trained on (their scalers), now possibly longer. Each
    /// forecast starts from the last `input_len` steps (fewer for a shorter series).
    ///
    /// The direct model predicts `horizon` steps at once, and beyond that feeds its point
    /// forecast back as history, block by block. The autoregressive model, with a Gaussian
    /// or quantile likelihood, draws `samples` paths, each step's draw fed back as the next
    /// input; its point forecast is the paths' median and its interval their quantiles, and
    /// with `keep_samples` the paths themselves come back in [`Forecast::samples`].
    ///
    /// # Errors
    /// [`EmptyHorizon`](ForecastError::EmptyHorizon), [`ZeroSize`](ForecastError::ZeroSize)
    /// for no samples, [`OtherSeries`](ForecastError::OtherSeries),
    /// [`IntervalLevel`](ForecastError::IntervalLevel),
    /// [`CovariatesTooShort`](ForecastError::CovariatesTooShort) when future covariates do not
    /// reach the last forecast step, and
    /// [`CovariatesUnsupported`](ForecastError::CovariatesUnsupported) for a direct forecast
    /// with past covariates beyond its horizon (they are unknown there).
    pub fn predict_with(
        &self,
        series: &SeriesSet,
        options: &PredictOptions,
    ) -> Result<Forecast, ForecastError> {
        self.check_predict(series, options)?;
        let scaled = self.scalers.scale(series)?;
        let mut outputs = vec![Outputs::Decoded(Decoded::default()); series.len()];
        for (history, indices) in self.groups(series) {
            let group: Vec<&ScaledSeries> = indices.iter().map(|&i| &scaled[i]).collect();
            let group_outputs: Vec<Outputs> = match self.config.kind {
                ModelKind::Direct => self.direct(&group, history, options)?,
                ModelKind::Autoregressive => self
                    .autoregressive(&group, history, options)?
                    .into_iter()
                    .map(Outputs::Paths)
                    .collect(),
            };
            for (i, output) in indices.into_iter().zip(group_outputs) {
                outputs[i] = output;
            }
        }
        Ok(self.decode(series, outputs, options))
    }

    fn check_predict(
        &self,
        series: &SeriesSet,
        options: &PredictOptions,
    ) -> Result<(), ForecastError> {
        if options.n == 0 {
            return Err(ForecastError::EmptyHorizon);
        }
        if options.samples == 0 {
            return Err(ForecastError::ZeroSize { what: "samples" });
        }
        let expected = self.scalers.values.num_series() / self.widths.components;
        let same_widths = widths(series);
        if series.len() != expected
            || same_widths.components != self.widths.components
            || same_widths.past != self.widths.past
            || same_widths.future != self.widths.future
        {
            return Err(ForecastError::OtherSeries {
                expected,
                components: self.widths.components,
                found: series.len(),
                found_components: series.components(),
            });
        }
        if let Some(level) = options.interval {
            self.config.likelihood.check_level(level)?;
        }
        if self.config.kind == ModelKind::Direct
            && self.widths.past > 0
            && options.n > self.config.horizon
        {
            return Err(ForecastError::CovariatesUnsupported {
                model: "direct",
                kind: "past",
                expected: "a forecast no longer than the horizon (past covariates are unknown beyond the series' end)",
            });
        }
        for s in series.series() {
            let needed = s.len() + options.n;
            match s.future_covariates_len() {
                Some(found) if found < needed => {
                    return Err(ForecastError::CovariatesTooShort {
                        series: s.name().into(),
                        expected: needed,
                        found,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The series grouped by the history a forecast reads (`input_len`, or all of a shorter
    /// series), so that each group runs as one batch.
    fn groups(&self, series: &SeriesSet) -> BTreeMap<usize, Vec<usize>> {
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, s) in series.series().iter().enumerate() {
            groups
                .entry(s.len().min(self.config.input_len))
                .or_default()
                .push(i);
        }
        groups
    }

    fn tensor<const D: usize>(&self, values: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values, shape), &self.device)
    }

    /// The direct model's forecasts per series in scaler units, `horizon` steps per block,
    /// each block's point forecast appended to the history of the next.
    fn direct(
        &self,
        group: &[&ScaledSeries],
        history: usize,
        options: &PredictOptions,
    ) -> Result<Vec<Outputs>, ForecastError> {
        let likelihood = self.config.likelihood;
        let (c, k, n) = (self.widths.components, likelihood.params(), options.n);
        let level = options.interval.filter(|_| likelihood != Likelihood::Point);
        let features = c + self.widths.past;
        let mut extended: Vec<ScaledSeries> = group.iter().map(|s| (*s).clone()).collect();
        let mut decoded = vec![Decoded::default(); group.len()];
        while decoded[0].point.len() < n * c {
            let mut inputs = Vec::with_capacity(group.len() * history * features);
            let mut norms = Vec::with_capacity(group.len());
            for s in &extended {
                let len = s.len(self.widths);
                let norm = s.window_norm(self.widths, len - history, len, self.config.window_norm);
                for t in len - history..len {
                    s.features(ModelKind::Direct, self.widths, t, &norm, &mut inputs);
                }
                norms.push(norm);
            }
            let x = self.tensor(inputs, [group.len(), history, features]);
            let output = self.model.try_forward(x, None).map_err(model_error)?;
            let ModelOutput::PerSequence(output) = output else {
                unreachable!("the direct model reads out the last step")
            };
            let values = output_values(output);
            let per_series = self.config.horizon * c * k;
            for (i, s) in extended.iter_mut().enumerate() {
                let block = &values[i * per_series..(i + 1) * per_series];
                for (v, raw) in block.chunks(k).enumerate() {
                    let point = norms[i].invert(v % c, likelihood.point(raw));
                    s.values.push(point as f32);
                    if decoded[i].point.len() < n * c {
                        decoded[i].point.push(point);
                        if let Some((lo, hi)) = level.and_then(|l| likelihood.interval(raw, l)) {
                            decoded[i].lower.push(norms[i].invert(v % c, lo));
                            decoded[i].upper.push(norms[i].invert(v % c, hi));
                        }
                    }
                }
            }
        }
        Ok(decoded.into_iter().map(Outputs::Decoded).collect())
    }

    /// The autoregressive model's sample paths, per series `[n][paths][components]` in scaler
    /// units: each step's draw (the point forecast for a point likelihood, one path) is the
    /// next step's input.
    fn autoregressive(
        &self,
        group: &[&ScaledSeries],
        history: usize,
        options: &PredictOptions,
    ) -> Result<Vec<Vec<f64>>, ForecastError> {
        let likelihood = self.config.likelihood;
        let paths = self.paths(options);
        let (c, k, fw) = (
            self.widths.components,
            likelihood.params(),
            self.widths.future,
        );
        let batch = group.len() * paths;
        let mut rng = StdRng::seed_from_u64(options.seed);
        let norms: Vec<WindowNorm> = group
            .iter()
            .map(|s| {
                let len = s.len(self.widths);
                s.window_norm(self.widths, len - history, len, self.config.window_norm)
            })
            .collect();
        let (mut output, mut state) = (Vec::new(), None);
        for step in 0..history {
            let mut x = Vec::with_capacity(batch * (c + fw));
            for (s, norm) in group.iter().zip(&norms) {
                let t = s.len(self.widths) - history + step;
                let mut row = Vec::with_capacity(c + fw);
                s.features(ModelKind::Autoregressive, self.widths, t, norm, &mut row);
                (0..paths).for_each(|_| x.extend_from_slice(&row));
            }
            (output, state) = self.step(x, batch, state)?;
        }
        let mut draws = vec![Vec::with_capacity(options.n * paths * c); group.len()];
        for j in 0..options.n {
            let mut x = Vec::with_capacity(batch * (c + fw));
            for (g, s) in group.iter().enumerate() {
                let t = s.len(self.widths) + j;
                for p in 0..paths {
                    let row = (g * paths + p) * c * k;
                    for (comp, value) in output[row..row + c * k].chunks(k).enumerate() {
                        let draw = likelihood.sample(value, &mut rng);
                        draws[g].push(norms[g].invert(comp, draw));
                        x.push(draw as f32);
                    }
                    x.extend_from_slice(&s.future[(t + 1) * fw..(t + 2) * fw]);
                }
            }
            if j + 1 < options.n {
                (output, state) = self.step(x, batch, state)?;
            }
        }
        Ok(draws)
    }

    /// Sample paths an autoregressive forecast draws: one for a point likelihood.
    fn paths(&self, options: &PredictOptions) -> usize {
        if self.config.likelihood == Likelihood::Point {
            1
        } else {
            options.samples
        }
    }

    fn step(
        &self,
        x: Vec<f32>,
        batch: usize,
        state: Option<RecurrentState>,
    ) -> Result<(Vec<f32>, Option<RecurrentState>), ForecastError> {
        let features = x.len() / batch;
        let x = self.tensor(x, [batch, features]);
        let (out, state) = self.model.try_step(x, state).map_err(model_error)?;
        Ok((output_values(out), Some(state)))
    }

    /// Point forecasts and intervals in the series' units: from the direct model's decoded
    /// forecasts, or from the autoregressive model's paths (their median and quantiles).
    fn decode(
        &self,
        series: &SeriesSet,
        outputs: Vec<Outputs>,
        options: &PredictOptions,
    ) -> Forecast {
        let likelihood = self.config.likelihood;
        let (c, n) = (self.widths.components, options.n);
        let level = options.interval.filter(|_| likelihood != Likelihood::Point);
        let mut forecast = Forecast::empty(series, c, level);
        let keep = options.keep_samples
            && self.config.kind == ModelKind::Autoregressive
            && likelihood != Likelihood::Point;
        let mut samples = keep.then(|| SamplePaths {
            paths: options.samples,
            components: c,
            values: Vec::with_capacity(series.len()),
        });
        for (i, output) in outputs.iter().enumerate() {
            let unscale = |v: usize, x: f64| self.scalers.inverse(i * c + v % c, x);
            if let (Some(samples), Outputs::Paths(draws)) = (samples.as_mut(), output) {
                // Draws are `[n, paths, components]`, so index % c is the component.
                let values = draws.iter().enumerate().map(|(v, &x)| unscale(v, x));
                samples.values.push(values.collect());
            }
            let mut point = Vec::with_capacity(n * c);
            let (mut lower, mut upper) = (Vec::new(), Vec::new());
            for v in 0..n * c {
                let (p, bounds) = match output {
                    Outputs::Decoded(d) => (
                        d.point[v],
                        (!d.lower.is_empty()).then(|| (d.lower[v], d.upper[v])),
                    ),
                    Outputs::Paths(draws) => {
                        let paths = self.paths(options);
                        let (j, comp) = (v / c, v % c);
                        let mut at: Vec<f64> = (0..paths)
                            .map(|p| draws[(j * paths + p) * c + comp])
                            .collect();
                        at.sort_by(f64::total_cmp);
                        let bounds = level.map(|l| {
                            (
                                empirical_quantile(&at, (1.0 - l) / 2.0),
                                empirical_quantile(&at, (1.0 + l) / 2.0),
                            )
                        });
                        (empirical_quantile(&at, 0.5), bounds)
                    }
                };
                point.push(unscale(v, p));
                if let Some((lo, hi)) = bounds {
                    lower.push(unscale(v, lo));
                    upper.push(unscale(v, hi));
                }
            }
            forecast.push(point, lower, upper);
        }
        forecast.samples = samples;
        forecast
    }

    /// Saves the forecaster to the folder `dir`: the model's files and `forecaster.json`
    /// (config and scalers), each written atomically.
    ///
    /// # Errors
    /// The model's [`SaveFailed`](ModelError::SaveFailed), also for `forecaster.json`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), ModelError> {
        let dir = dir.as_ref();
        self.model.save(dir)?;
        let file = ForecasterFile {
            format: FORECASTER_FORMAT.into(),
            config: self.config.clone(),
            scalers: self.scalers.clone(),
            components: self.widths.components,
            past: self.widths.past,
            future: self.widths.future,
        };
        let path = dir.join(FORECASTER_FILE);
        let json =
            serde_json::to_string_pretty(&file).map_err(|e| save_failed(&path, e.to_string()))?;
        write_atomically(&path, json.as_bytes()).map_err(|e| save_failed(&path, e.to_string()))
    }

    /// Reads what [`save`](Self::save) wrote, onto `device`, checked: the model's files as
    /// [`SequenceModel::load`] checks them, and the model's config must be the one the
    /// forecaster's config and series widths make.
    ///
    /// # Errors
    /// [`SequenceModel::load`]'s errors; [`FileUnreadable`](ModelError::FileUnreadable) for a missing,
    /// unreadable or mismatched `forecaster.json`.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Forecaster, ModelError> {
        let dir = dir.as_ref();
        let path = dir.join(FORECASTER_FILE);
        let failed = |reason: String| ModelError::FileUnreadable {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| failed(e.to_string()))?;
        let file: ForecasterFile = serde_json::from_str(&text)
            .map_err(|e| failed(format!("expected a forecaster's JSON, found: {e}")))?;
        if file.format != FORECASTER_FORMAT {
            return Err(failed(format!(
                "expected format {FORECASTER_FORMAT:?}, found {:?}",
                file.format
            )));
        }
        let widths = Widths {
            components: file.components,
            past: file.past,
            future: file.future,
        };
        file.config.validate().map_err(|e| failed(e.to_string()))?;
        let model = SequenceModel::load(dir, device)?;
        if *model.config() != file.config.model_config(widths) {
            return Err(failed(
                "expected the model the forecaster's config describes, found another in model.json"
                    .into(),
            ));
        }
        Ok(Forecaster {
            model,
            config: file.config,
            scalers: file.scalers,
            widths,
            history: History::new("mae"),
            device: device.clone(),
        })
    }
}

fn save_failed(path: &Path, reason: String) -> ModelError {
    ModelError::SaveFailed {
        path: path.to_path_buf(),
        reason,
    }
}

fn model_error(e: ModelError) -> ForecastError {
    ForecastError::Model(e)
}

fn output_values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}

/// The `q` quantile of sorted `values`, interpolating linearly (NumPy's default).
fn empirical_quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let w = position - low as f64;
    sorted[low] * (1.0 - w) + sorted[high] * w
}
