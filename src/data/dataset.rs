//! `SequenceDataset`: sequences of equal length with one kind of target.

use burn::data::dataset::{Dataset, DatasetError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::RecurrentError;

/// The targets of a [`SequenceDataset`], one kind per dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Binary labels, each 0.0 or 1.0 (binary classification).
    Binary(Vec<f32>),
    /// Class indices in `0..num_classes` (multi-class classification).
    Class {
        /// One label per sequence.
        labels: Vec<usize>,
        /// How many classes there are.
        num_classes: usize,
    },
    /// Real values, `outputs` per sequence (regression), `[n, outputs]` row-major.
    Real {
        /// `n * outputs` values.
        values: Vec<f32>,
        /// Values per sequence.
        outputs: usize,
    },
    /// Real values for every step, `outputs` per step (many-to-many regression),
    /// `[n, seq, outputs]` row-major.
    PerStep {
        /// `n * seq * outputs` values.
        values: Vec<f32>,
        /// Values per step.
        outputs: usize,
    },
}

impl Targets {
    /// Outputs per sequence (per step for [`Targets::PerStep`]) a model needs for these targets.
    pub fn outputs(&self) -> usize {
        match self {
            Targets::Binary(_) => 1,
            Targets::Class { num_classes, .. } => *num_classes,
            Targets::Real { outputs, .. } | Targets::PerStep { outputs, .. } => *outputs,
        }
    }

    /// Values each sequence's target holds.
    fn width(&self, seq_len: usize) -> usize {
        match self {
            Targets::Binary(_) | Targets::Class { .. } => 1,
            Targets::Real { outputs, .. } => *outputs,
            Targets::PerStep { outputs, .. } => seq_len * outputs,
        }
    }

    /// A short name for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Targets::Binary(_) => "binary labels",
            Targets::Class { .. } => "class labels",
            Targets::Real { .. } => "real values",
            Targets::PerStep { .. } => "per-step real values",
        }
    }

    /// How many values the targets hold in all.
    fn value_count(&self) -> usize {
        match self {
            Targets::Binary(v) => v.len(),
            Targets::Class { labels, .. } => labels.len(),
            Targets::Real { values, .. } | Targets::PerStep { values, .. } => values.len(),
        }
    }

    fn select(&self, indices: &[usize], seq_len: usize) -> Targets {
        let w = self.width(seq_len);
        let rows = |values: &[f32]| -> Vec<f32> {
            indices
                .iter()
                .flat_map(|&i| values[i * w..(i + 1) * w].iter().copied())
                .collect()
        };
        match self {
            Targets::Binary(v) => Targets::Binary(indices.iter().map(|&i| v[i]).collect()),
            Targets::Class {
                labels,
                num_classes,
            } => Targets::Class {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                num_classes: *num_classes,
            },
            Targets::Real { values, outputs } => Targets::Real {
                values: rows(values),
                outputs: *outputs,
            },
            Targets::PerStep { values, outputs } => Targets::PerStep {
                values: rows(values),
                outputs: *outputs,
            },
        }
    }

    fn target(&self, index: usize, seq_len: usize) -> Target {
        let w = self.width(seq_len);
        match self {
            Targets::Binary(v) => Target::Binary(v[index]),
            Targets::Class { labels, .. } => Target::Class(labels[index]),
            Targets::Real { values, .. } => {
                Target::Real(values[index * w..(index + 1) * w].to_vec())
            }
            Targets::PerStep { values, .. } => {
                Target::PerStep(values[index * w..(index + 1) * w].to_vec())
            }
        }
    }
}

/// One sequence's target.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// 0.0 or 1.0.
    Binary(f32),
    /// A class index.
    Class(usize),
    /// `outputs` real values.
    Real(Vec<f32>),
    /// `seq * outputs` real values, step-major.
    PerStep(Vec<f32>),
}

/// One sequence and its target, as [`SequenceDataset::get`] returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceItem {
    /// `seq_len * num_features` values, step-major (`[seq, features]`).
    pub input: Vec<f32>,
    /// The target.
    pub target: Target,
}

/// Sequences of equal length with their targets, held in memory.
///
/// Inputs are `[n, seq_len, num_features]`, row-major. Every constructor validates the shapes,
/// the targets and that every value is finite. It implements Burn's
/// [`Dataset`](burn::data::dataset::Dataset), so Burn's `DataLoader` reads it directly.
///
/// ```
/// use recurrent::data::{SequenceDataset, Targets};
///
/// // Two sequences of three steps with one feature each.
/// let data = SequenceDataset::from_vecs(
///     vec![vec![vec![1.0], vec![2.0], vec![3.0]], vec![vec![-1.0], vec![0.5], vec![-2.0]]],
///     Targets::Binary(vec![1.0, 0.0]),
/// )
/// .unwrap();
/// assert_eq!((data.len(), data.seq_len(), data.num_features()), (2, 3, 1));
/// assert_eq!(data.get(1).unwrap().input, vec![-1.0, 0.5, -2.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceDataset {
    inputs: Vec<f32>,
    seq_len: usize,
    num_features: usize,
    targets: Targets,
}

impl SequenceDataset {
    /// A dataset from flat inputs of shape `[n, seq_len, num_features]` and their targets.
    ///
    /// # Errors
    /// [`DataShapeMismatch`](RecurrentError::DataShapeMismatch) when `inputs` does not hold
    /// `n * seq_len * num_features` values or a size is 0,
    /// [`TargetCountMismatch`](RecurrentError::TargetCountMismatch),
    /// [`InvalidBinaryLabel`](RecurrentError::InvalidBinaryLabel),
    /// [`ClassOutOfRange`](RecurrentError::ClassOutOfRange) or
    /// [`NonFiniteValue`](RecurrentError::NonFiniteValue).
    pub fn new(
        inputs: Vec<f32>,
        shape: [usize; 3],
        targets: Targets,
    ) -> Result<Self, RecurrentError> {
        let [n, seq_len, num_features] = shape;
        if seq_len == 0 || num_features == 0 {
            return Err(RecurrentError::DataShapeMismatch {
                what: "sequence length and features",
                expected: "at least 1 each".into(),
                found: format!("[n, seq_len, num_features] = {shape:?}"),
            });
        }
        if inputs.len() != n * seq_len * num_features {
            return Err(RecurrentError::DataShapeMismatch {
                what: "inputs",
                expected: format!(
                    "n * seq_len * num_features = {} values for {shape:?}",
                    n * seq_len * num_features
                ),
                found: format!("{} values", inputs.len()),
            });
        }
        if let Some(i) = inputs.iter().position(|v| !v.is_finite()) {
            return Err(RecurrentError::NonFiniteValue {
                what: "input",
                sequence: i / (seq_len * num_features),
                value: inputs[i],
            });
        }
        check_targets(&targets, n, seq_len)?;
        Ok(Self {
            inputs,
            seq_len,
            num_features,
            targets,
        })
    }

    /// A dataset from nested vectors: `sequences[i][t][f]`.
    ///
    /// # Errors
    /// [`RaggedSequences`](RecurrentError::RaggedSequences) when sequences or steps differ in
    /// length, [`EmptyDataset`](RecurrentError::EmptyDataset) for no sequences, and the errors of
    /// [`new`](Self::new).
    pub fn from_vecs(
        sequences: Vec<Vec<Vec<f32>>>,
        targets: Targets,
    ) -> Result<Self, RecurrentError> {
        let first = sequences.first().ok_or(RecurrentError::EmptyDataset)?;
        let seq_len = first.len();
        let num_features = first.first().map_or(0, Vec::len);
        let mut inputs = Vec::with_capacity(sequences.len() * seq_len * num_features);
        for (i, sequence) in sequences.iter().enumerate() {
            if sequence.len() != seq_len {
                return Err(RecurrentError::RaggedSequences {
                    sequence: i,
                    what: "steps",
                    expected: seq_len,
                    found: sequence.len(),
                });
            }
            for step in sequence {
                if step.len() != num_features {
                    return Err(RecurrentError::RaggedSequences {
                        sequence: i,
                        what: "features in a step",
                        expected: num_features,
                        found: step.len(),
                    });
                }
                inputs.extend_from_slice(step);
            }
        }
        Self::new(inputs, [sequences.len(), seq_len, num_features], targets)
    }

    /// How many sequences there are.
    pub fn len(&self) -> usize {
        self.inputs.len() / (self.seq_len * self.num_features)
    }

    /// Whether there are no sequences.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Steps per sequence.
    pub fn seq_len(&self) -> usize {
        self.seq_len
    }

    /// Features per step.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// The inputs, `[len, seq_len, num_features]` row-major.
    pub fn inputs(&self) -> &[f32] {
        &self.inputs
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Sequence `index` and its target, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<SequenceItem> {
        (index < self.len()).then(|| {
            let width = self.seq_len * self.num_features;
            SequenceItem {
                input: self.inputs[index * width..(index + 1) * width].to_vec(),
                target: self.targets.target(index, self.seq_len),
            }
        })
    }

    /// The sequences at `indices`, in that order.
    ///
    /// # Panics
    /// If an index is `>= len()`.
    pub fn select(&self, indices: &[usize]) -> Self {
        let width = self.seq_len * self.num_features;
        let inputs = indices
            .iter()
            .flat_map(|&i| self.inputs[i * width..(i + 1) * width].iter().copied())
            .collect();
        Self {
            inputs,
            seq_len: self.seq_len,
            num_features: self.num_features,
            targets: self.targets.select(indices, self.seq_len),
        }
    }

    /// The same sequences in an order drawn from `seed`.
    pub fn shuffle(&self, seed: u64) -> Self {
        self.select(&self.shuffled_order(seed))
    }

    /// `0..len()` in an order drawn from `seed`.
    fn shuffled_order(&self, seed: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        order
    }

    /// Splits into `(first, second)` with `round(fraction * len)` shuffled sequences in the first.
    ///
    /// # Errors
    /// [`InvalidSplitFraction`](RecurrentError::InvalidSplitFraction) unless `0 < fraction < 1`
    /// and both parts get at least one sequence.
    pub fn split(&self, fraction: f64, seed: u64) -> Result<(Self, Self), RecurrentError> {
        let first_len = (fraction * self.len() as f64).round() as usize;
        if !(fraction > 0.0 && fraction < 1.0) || first_len == 0 || first_len >= self.len() {
            return Err(RecurrentError::InvalidSplitFraction {
                fraction,
                len: self.len(),
            });
        }
        let order = self.shuffled_order(seed);
        let (a, b) = order.split_at(first_len);
        Ok((self.select(a), self.select(b)))
    }
}

fn check_targets(targets: &Targets, n: usize, seq_len: usize) -> Result<(), RecurrentError> {
    let width = targets.width(seq_len);
    if let Targets::Real { outputs: 0, .. } | Targets::PerStep { outputs: 0, .. } = targets {
        return Err(RecurrentError::TargetCountMismatch {
            kind: targets.kind(),
            expected: "at least 1 output per target".into(),
            found: "outputs = 0".into(),
        });
    }
    let values = targets.value_count();
    if values != n * width {
        return Err(RecurrentError::TargetCountMismatch {
            kind: targets.kind(),
            expected: format!("{} values ({n} sequences x {width})", n * width),
            found: format!("{values} values"),
        });
    }
    match targets {
        Targets::Binary(labels) => {
            if let Some(i) = labels.iter().position(|&v| v != 0.0 && v != 1.0) {
                return Err(RecurrentError::InvalidBinaryLabel {
                    sequence: i,
                    value: labels[i],
                });
            }
        }
        Targets::Class {
            labels,
            num_classes,
        } => {
            if let Some(i) = labels.iter().position(|l| l >= num_classes) {
                return Err(RecurrentError::ClassOutOfRange {
                    sequence: i,
                    label: labels[i],
                    num_classes: *num_classes,
                });
            }
        }
        Targets::Real { values, .. } | Targets::PerStep { values, .. } => {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(RecurrentError::NonFiniteValue {
                    what: "target",
                    sequence: i / width,
                    value: values[i],
                });
            }
        }
    }
    Ok(())
}

impl Dataset<SequenceItem> for SequenceDataset {
    fn get(&self, index: usize) -> Result<SequenceItem, DatasetError> {
        SequenceDataset::get(self, index).ok_or_else(|| {
            DatasetError::new(RecurrentError::IndexOutOfRange {
                index,
                len: self.len(),
            })
        })
    }

    fn len(&self) -> usize {
        SequenceDataset::len(self)
    }
}
