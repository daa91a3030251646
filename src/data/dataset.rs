//! `SequenceDataset`: sequences (of equal or different lengths) with one kind of target.

use burn::data::dataset::{Dataset, DatasetError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::error::DataError;
use crate::plural::count;

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

    /// How many values sequence `index` has, given where each sequence's steps start
    /// (`offsets`, one more entry than sequences).
    fn values_of(&self, index: usize, offsets: &[usize]) -> std::ops::Range<usize> {
        match self {
            Targets::Binary(_) | Targets::Class { .. } => index..index + 1,
            Targets::Real { outputs, .. } => index * outputs..(index + 1) * outputs,
            Targets::PerStep { outputs, .. } => {
                offsets[index] * outputs..offsets[index + 1] * outputs
            }
        }
    }

    fn select(&self, indices: &[usize], offsets: &[usize]) -> Targets {
        let rows = |values: &[f32]| -> Vec<f32> {
            indices
                .iter()
                .flat_map(|&i| values[self.values_of(i, offsets)].iter().copied())
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

    fn target(&self, index: usize, offsets: &[usize]) -> Target {
        match self {
            Targets::Binary(v) => Target::Binary(v[index]),
            Targets::Class { labels, .. } => Target::Class(labels[index]),
            Targets::Real { values, .. } => {
                Target::Real(values[self.values_of(index, offsets)].to_vec())
            }
            Targets::PerStep { values, .. } => {
                Target::PerStep(values[self.values_of(index, offsets)].to_vec())
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
    /// `steps * num_features` values, step-major (`[steps, features]`).
    pub input: Vec<f32>,
    /// The target.
    pub target: Target,
}

/// Sequences with their targets, held in memory; the sequences may differ in length.
///
/// Each sequence is `steps * num_features` values, step-major (`[steps, features]`); all share
/// `num_features`. Every constructor validates the shapes, the targets and that every value is
/// finite. It implements Burn's [`Dataset`](burn::data::dataset::Dataset), so Burn's
/// `DataLoader` reads it directly; batches of sequences of different lengths are padded with
/// zeros and carry the lengths ([`SequenceBatch::lengths`](crate::data::SequenceBatch)).
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
///
/// // Sequences of 3 and 1 steps with two features each.
/// let data = SequenceDataset::from_sequences(
///     vec![vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![7.0, 8.0]],
///     2,
///     Targets::Class { labels: vec![0, 2], num_classes: 3 },
/// )
/// .unwrap();
/// assert_eq!(data.lengths(), &[3, 1]);
/// assert_eq!((data.seq_len(), data.is_equal_length()), (3, false));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceDataset {
    /// Every sequence's values, one after another.
    inputs: Vec<f32>,
    /// Steps per sequence.
    lengths: Vec<usize>,
    /// Where each sequence starts, in steps; one more entry than sequences.
    offsets: Vec<usize>,
    num_features: usize,
    targets: Targets,
}

impl SequenceDataset {
    /// A dataset from flat inputs of shape `[n, seq_len, num_features]` (all sequences of
    /// equal length) and their targets.
    ///
    /// # Errors
    /// [`ShapeMismatch`](DataError::ShapeMismatch) when `seq_len` or `num_features` is 0 or
    /// `inputs` does not hold `n * seq_len * num_features` values,
    /// [`EmptyDataset`](DataError::EmptyDataset) for `n = 0`,
    /// [`TargetCountMismatch`](DataError::TargetCountMismatch),
    /// [`InvalidBinaryLabel`](DataError::InvalidBinaryLabel),
    /// [`ClassOutOfRange`](DataError::ClassOutOfRange) or
    /// [`NonFiniteValue`](DataError::NonFiniteValue).
    pub fn new(inputs: Vec<f32>, shape: [usize; 3], targets: Targets) -> Result<Self, DataError> {
        let [n, seq_len, num_features] = shape;
        if seq_len == 0 || num_features == 0 {
            return Err(DataError::ShapeMismatch {
                what: "sequence length and features",
                expected: "at least 1 each".into(),
                found: format!("[n, seq_len, num_features] = {shape:?}"),
            });
        }
        if n == 0 {
            return Err(DataError::EmptyDataset);
        }
        if inputs.len() != n * seq_len * num_features {
            return Err(DataError::ShapeMismatch {
                what: "inputs",
                expected: format!(
                    "n * seq_len * num_features = {} for {shape:?}",
                    count(n * seq_len * num_features, "value")
                ),
                found: count(inputs.len(), "value"),
            });
        }
        Self::checked(inputs, vec![seq_len; n], num_features, targets)
    }

    /// A dataset from one flat vector per sequence, `steps * num_features` values each
    /// (step-major); sequences may differ in length.
    ///
    /// # Errors
    /// [`EmptyDataset`](DataError::EmptyDataset) for no sequences,
    /// [`ShapeMismatch`](DataError::ShapeMismatch) when `num_features` is 0 or a sequence's
    /// length is not a multiple of `num_features`,
    /// [`EmptySequence`](DataError::EmptySequence) naming a sequence without values, and the
    /// target and value errors of [`new`](Self::new).
    pub fn from_sequences(
        sequences: Vec<Vec<f32>>,
        num_features: usize,
        targets: Targets,
    ) -> Result<Self, DataError> {
        if sequences.is_empty() {
            return Err(DataError::EmptyDataset);
        }
        if num_features == 0 {
            return Err(DataError::ShapeMismatch {
                what: "features per step",
                expected: "at least 1".into(),
                found: "0".into(),
            });
        }
        let mut lengths = Vec::with_capacity(sequences.len());
        for (i, sequence) in sequences.iter().enumerate() {
            if sequence.is_empty() {
                return Err(DataError::EmptySequence { sequence: i });
            }
            if !sequence.len().is_multiple_of(num_features) {
                return Err(DataError::ShapeMismatch {
                    what: "a sequence's values",
                    expected: format!(
                        "a multiple of num_features = {num_features} (steps * features)"
                    ),
                    found: format!("{} in sequence {i}", count(sequence.len(), "value")),
                });
            }
            lengths.push(sequence.len() / num_features);
        }
        Self::checked(sequences.concat(), lengths, num_features, targets)
    }

    /// A dataset from nested vectors: `sequences[i][t][f]`. Sequences may differ in length;
    /// every step must have the same number of features.
    ///
    /// # Errors
    /// [`RaggedSequences`](DataError::RaggedSequences) when steps differ in features,
    /// [`EmptyDataset`](DataError::EmptyDataset) for no sequences,
    /// [`EmptySequence`](DataError::EmptySequence) naming a sequence without steps, and the
    /// errors of [`from_sequences`](Self::from_sequences).
    pub fn from_vecs(sequences: Vec<Vec<Vec<f32>>>, targets: Targets) -> Result<Self, DataError> {
        let first = sequences.first().ok_or(DataError::EmptyDataset)?;
        let num_features = first.first().map_or(0, Vec::len);
        let mut flat = Vec::with_capacity(sequences.len());
        for (i, sequence) in sequences.iter().enumerate() {
            if sequence.is_empty() {
                return Err(DataError::EmptySequence { sequence: i });
            }
            let mut values = Vec::with_capacity(sequence.len() * num_features);
            for step in sequence {
                if step.len() != num_features {
                    return Err(DataError::RaggedSequences {
                        sequence: i,
                        what: "feature",
                        expected: num_features,
                        found: step.len(),
                    });
                }
                values.extend_from_slice(step);
            }
            flat.push(values);
        }
        Self::from_sequences(flat, num_features, targets)
    }

    /// The common end of every constructor: `lengths` are positive and sum to
    /// `inputs.len() / num_features`.
    fn checked(
        inputs: Vec<f32>,
        lengths: Vec<usize>,
        num_features: usize,
        targets: Targets,
    ) -> Result<Self, DataError> {
        let offsets = offsets(&lengths);
        if let Some(i) = inputs.iter().position(|v| !v.is_finite()) {
            let step = i / num_features;
            return Err(DataError::NonFiniteValue {
                what: "input",
                sequence: offsets.partition_point(|&o| o <= step) - 1,
                value: inputs[i],
            });
        }
        check_targets(&targets, &lengths)?;
        Ok(Self {
            inputs,
            lengths,
            offsets,
            num_features,
            targets,
        })
    }

    /// How many sequences there are.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether there are no sequences.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// Steps of the longest sequence (of every sequence when they are of equal length); 0 for
    /// an empty dataset.
    pub fn seq_len(&self) -> usize {
        self.lengths.iter().copied().max().unwrap_or(0)
    }

    /// Steps of each sequence.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// Whether every sequence has the same number of steps.
    pub fn is_equal_length(&self) -> bool {
        self.lengths.windows(2).all(|w| w[0] == w[1])
    }

    /// Features per step.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// The inputs, every sequence's `[steps, num_features]` values one after another
    /// (`[len, seq_len, num_features]` row-major when the sequences are of equal length).
    pub fn inputs(&self) -> &[f32] {
        &self.inputs
    }

    /// Sequence `index`'s `[steps, num_features]` values, step-major.
    ///
    /// # Panics
    /// If `index >= len()`.
    pub fn sequence(&self, index: usize) -> &[f32] {
        let f = self.num_features;
        &self.inputs[self.offsets[index] * f..self.offsets[index + 1] * f]
    }

    /// Every sequence's values, mutably, for transforms that keep the shapes
    /// (a [`Normalizer`](crate::data::Normalizer)).
    pub(crate) fn inputs_mut(&mut self) -> &mut [f32] {
        &mut self.inputs
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Sequence `index` and its target, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<SequenceItem> {
        (index < self.len()).then(|| SequenceItem {
            input: self.sequence(index).to_vec(),
            target: self.targets.target(index, &self.offsets),
        })
    }

    /// The sequences at `indices`, in that order.
    ///
    /// # Panics
    /// If an index is `>= len()`.
    pub fn select(&self, indices: &[usize]) -> Self {
        let inputs = indices
            .iter()
            .flat_map(|&i| self.sequence(i).iter().copied())
            .collect();
        let lengths: Vec<usize> = indices.iter().map(|&i| self.lengths[i]).collect();
        let offsets = offsets(&lengths);
        Self {
            inputs,
            lengths,
            offsets,
            num_features: self.num_features,
            targets: self.targets.select(indices, &self.offsets),
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
    /// [`InvalidSplitFraction`](DataError::InvalidSplitFraction) unless `0 < fraction < 1`
    /// and both parts get at least one sequence.
    pub fn split(&self, fraction: f64, seed: u64) -> Result<(Self, Self), DataError> {
        let first_len = (fraction * self.len() as f64).round() as usize;
        if !(fraction > 0.0 && fraction < 1.0) || first_len == 0 || first_len >= self.len() {
            return Err(DataError::InvalidSplitFraction {
                fraction,
                len: self.len(),
            });
        }
        let order = self.shuffled_order(seed);
        let (a, b) = order.split_at(first_len);
        Ok((self.select(a), self.select(b)))
    }

    /// Splits off a validation part: `(train, valid)`, with `round(valid_fraction * n_c)` of
    /// the `n_c` sequences of each class in `valid`, drawn from `seed` (stratified, so both
    /// parts keep the classes' proportions); for real-valued targets, `round(valid_fraction *
    /// len)` sequences. Each part keeps the dataset's order.
    ///
    /// ```
    /// use recurrent::data::{SequenceDataset, Targets};
    ///
    /// // 8 sequences of class 0, 4 of class 1, 2 of class 2.
    /// let labels: Vec<usize> = [vec![0; 8], vec![1; 4], vec![2; 2]].concat();
    /// let values: Vec<f32> = (0..labels.len()).map(|i| i as f32).collect();
    /// let data = SequenceDataset::new(values, [14, 1, 1], Targets::Class { labels, num_classes: 3 })?;
    /// let (train, valid) = data.split_validation(0.25, 7)?;
    /// let Targets::Class { labels, .. } = valid.targets() else { unreachable!() };
    /// let per_class: Vec<usize> = (0..3).map(|c| labels.iter().filter(|&&l| l == c).count()).collect();
    /// assert_eq!(per_class, [2, 1, 1]); // round(0.25 * 8), round(0.25 * 4), round(0.25 * 2)
    /// assert_eq!(train.len(), 10);
    /// assert_eq!(data.split_validation(0.25, 7)?, (train, valid)); // the same seed, the same split
    /// # Ok::<(), recurrent::data::DataError>(())
    /// ```
    ///
    /// # Errors
    /// [`InvalidValidationFraction`](DataError::InvalidValidationFraction) unless `0 <
    /// valid_fraction < 1`; [`EmptyValidationPart`](DataError::EmptyValidationPart) when no
    /// sequence would be in it (or, for real values, none left to train on);
    /// [`ClassLeftOutOfTraining`](DataError::ClassLeftOutOfTraining) when a class would have
    /// no training sequence left.
    pub fn split_validation(
        &self,
        valid_fraction: f64,
        seed: u64,
    ) -> Result<(Self, Self), DataError> {
        if !(valid_fraction > 0.0 && valid_fraction < 1.0) {
            return Err(DataError::InvalidValidationFraction {
                fraction: valid_fraction,
            });
        }
        let order = self.shuffled_order(seed);
        let mut valid: Vec<usize> = match self.class_labels() {
            Some((labels, num_classes)) => (0..num_classes)
                .map(|class| {
                    let members: Vec<usize> = order
                        .iter()
                        .copied()
                        .filter(|&i| labels[i] == class)
                        .collect();
                    let take = (valid_fraction * members.len() as f64).round() as usize;
                    if take > 0 && take == members.len() {
                        return Err(DataError::ClassLeftOutOfTraining {
                            class,
                            sequences: members.len(),
                            fraction: valid_fraction,
                        });
                    }
                    Ok(members[..take].to_vec())
                })
                .collect::<Result<Vec<_>, _>>()?
                .concat(),
            None => {
                let take = (valid_fraction * self.len() as f64).round() as usize;
                order[..take.min(self.len())].to_vec()
            }
        };
        if valid.is_empty() || valid.len() == self.len() {
            return Err(DataError::EmptyValidationPart {
                fraction: valid_fraction,
                len: self.len(),
            });
        }
        valid.sort_unstable();
        let train: Vec<usize> = (0..self.len())
            .filter(|i| valid.binary_search(i).is_err())
            .collect();
        Ok((self.select(&train), self.select(&valid)))
    }

    /// Each sequence's class and the number of classes, for classification targets.
    fn class_labels(&self) -> Option<(Vec<usize>, usize)> {
        match &self.targets {
            Targets::Binary(labels) => Some((labels.iter().map(|&l| l as usize).collect(), 2)),
            Targets::Class {
                labels,
                num_classes,
            } => Some((labels.clone(), *num_classes)),
            Targets::Real { .. } | Targets::PerStep { .. } => None,
        }
    }
}

/// Where each sequence starts, in steps, and the total at the end.
fn offsets(lengths: &[usize]) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(lengths.len() + 1);
    offsets.push(0);
    for length in lengths {
        offsets.push(offsets[offsets.len() - 1] + length);
    }
    offsets
}

fn check_targets(targets: &Targets, lengths: &[usize]) -> Result<(), DataError> {
    let n = lengths.len();
    if let Targets::Real { outputs: 0, .. } | Targets::PerStep { outputs: 0, .. } = targets {
        return Err(DataError::TargetCountMismatch {
            kind: targets.kind(),
            expected: "at least 1 output per target".into(),
            found: "outputs = 0".into(),
        });
    }
    let (expected, per) = match targets {
        Targets::Binary(_) | Targets::Class { .. } => (n, format!("{} x 1", count(n, "sequence"))),
        Targets::Real { outputs, .. } => {
            (n * outputs, format!("{} x {outputs}", count(n, "sequence")))
        }
        Targets::PerStep { outputs, .. } => {
            let steps: usize = lengths.iter().sum();
            (
                steps * outputs,
                format!("{} x {outputs}", count(steps, "step")),
            )
        }
    };
    let values = targets.value_count();
    if values != expected {
        return Err(DataError::TargetCountMismatch {
            kind: targets.kind(),
            expected: format!("{} ({per})", count(expected, "value")),
            found: count(values, "value"),
        });
    }
    match targets {
        Targets::Binary(labels) => {
            if let Some(i) = labels.iter().position(|&v| v != 0.0 && v != 1.0) {
                return Err(DataError::InvalidBinaryLabel {
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
                return Err(DataError::ClassOutOfRange {
                    sequence: i,
                    label: labels[i],
                    num_classes: *num_classes,
                });
            }
        }
        Targets::Real { values, outputs } | Targets::PerStep { values, outputs } => {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                let sequence = if matches!(targets, Targets::Real { .. }) {
                    i / outputs
                } else {
                    offsets(lengths).partition_point(|&o| o <= i / outputs) - 1
                };
                return Err(DataError::NonFiniteValue {
                    what: "target",
                    sequence,
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
            DatasetError::new(DataError::IndexOutOfRange {
                index,
                len: self.len(),
            })
        })
    }

    fn len(&self) -> usize {
        SequenceDataset::len(self)
    }
}
