//! `ConfusionMatrix`: how often each class was predicted as each other class.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::TrainError;

/// Counts of (true class, predicted class) pairs, with per-class recall and precision.
///
/// Rows are true classes, columns predicted ones. [`Display`](fmt::Display) prints it as a
/// table with the class names.
///
/// ```
/// use recurrent::train::ConfusionMatrix;
///
/// let truth = [0, 0, 1, 1, 1, 2];
/// let predicted = [0, 1, 1, 1, 0, 2];
/// let m = ConfusionMatrix::from_predictions(&truth, &predicted, 3)?;
/// assert_eq!(m.count(1, 0), 1); // one sequence of class 1 predicted as class 0
/// assert_eq!(m.correct(), 4);
/// assert_eq!(m.accuracy(), 4.0 / 6.0);
/// assert_eq!(m.recall(1), Some(2.0 / 3.0));
/// assert_eq!(m.precision(0), Some(0.5));
/// # Ok::<(), recurrent::RecurrentError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// `counts[true][predicted]`.
    counts: Vec<Vec<usize>>,
    class_names: Vec<String>,
}

impl ConfusionMatrix {
    /// An empty matrix for `num_classes` classes named `"0"`, `"1"`, ...
    pub fn new(num_classes: usize) -> Self {
        Self {
            counts: vec![vec![0; num_classes]; num_classes],
            class_names: (0..num_classes).map(|c| c.to_string()).collect(),
        }
    }

    /// The matrix of `truth[i]` against `predicted[i]`.
    ///
    /// # Errors
    /// [`PredictionCountMismatch`](TrainError::PredictionCountMismatch) when the slices differ
    /// in length, [`ClassOutOfRange`](TrainError::ClassOutOfRange) for a class `>=
    /// num_classes`.
    pub fn from_predictions(
        truth: &[usize],
        predicted: &[usize],
        num_classes: usize,
    ) -> Result<Self, TrainError> {
        if truth.len() != predicted.len() {
            return Err(TrainError::PredictionCountMismatch {
                expected: truth.len(),
                found: predicted.len(),
            });
        }
        let mut matrix = Self::new(num_classes);
        for (sequence, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            if let Some(&label) = [t, p].iter().find(|&&c| c >= num_classes) {
                return Err(TrainError::ClassOutOfRange {
                    sequence,
                    label,
                    num_classes,
                });
            }
            matrix.counts[t][p] += 1;
        }
        Ok(matrix)
    }

    /// The same counts with class names for display.
    ///
    /// # Errors
    /// [`ClassNameCountMismatch`](TrainError::ClassNameCountMismatch) unless there is one name
    /// per class.
    pub fn with_class_names(mut self, names: &[String]) -> Result<Self, TrainError> {
        if names.len() != self.num_classes() {
            return Err(TrainError::ClassNameCountMismatch {
                expected: self.num_classes(),
                found: names.len(),
            });
        }
        self.class_names = names.to_vec();
        Ok(self)
    }

    /// How many classes there are.
    pub fn num_classes(&self) -> usize {
        self.counts.len()
    }

    /// The class names (`"0"`, `"1"`, ... unless set).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// `counts()[true][predicted]`.
    pub fn counts(&self) -> &[Vec<usize>] {
        &self.counts
    }

    /// How many sequences of class `truth` were predicted as `predicted`.
    ///
    /// # Panics
    /// If a class is `>= num_classes()`.
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        self.counts[truth][predicted]
    }

    /// How many predictions there are.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// How many predictions are right (the diagonal).
    pub fn correct(&self) -> usize {
        (0..self.num_classes()).map(|c| self.counts[c][c]).sum()
    }

    /// `correct() / total()` (0 for an empty matrix).
    pub fn accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            total => self.correct() as f64 / total as f64,
        }
    }

    /// The share of class `class`'s sequences predicted as `class`; `None` when it has none.
    pub fn recall(&self, class: usize) -> Option<f64> {
        let row: usize = self.counts[class].iter().sum();
        (row > 0).then(|| self.counts[class][class] as f64 / row as f64)
    }

    /// The share of predictions of `class` that are right; `None` when it was never predicted.
    pub fn precision(&self, class: usize) -> Option<f64> {
        let column: usize = self.counts.iter().map(|row| row[class]).sum();
        (column > 0).then(|| self.counts[class][class] as f64 / column as f64)
    }
}

impl fmt::Display for ConfusionMatrix {
    /// Rows are true classes, columns predicted ones, then each class's recall:
    ///
    /// ```text
    /// true \ predicted    Standing  Running  recall
    /// Standing                  10        0   1.000
    /// Running                    1        9   0.900
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let corner = "true \\ predicted";
        let label_width = self
            .class_names
            .iter()
            .map(String::len)
            .chain([corner.len()])
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = self
            .class_names
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let widest = self.counts.iter().map(|row| row[c].to_string().len());
                widest.chain([name.len()]).max().unwrap_or(1)
            })
            .collect();
        write!(f, "{corner:<label_width$}")?;
        for (name, width) in self.class_names.iter().zip(&widths) {
            write!(f, "  {name:>width$}")?;
        }
        writeln!(f, "  recall")?;
        for (class, (name, row)) in self.class_names.iter().zip(&self.counts).enumerate() {
            write!(f, "{name:<label_width$}")?;
            for (count, width) in row.iter().zip(&widths) {
                write!(f, "  {count:>width$}")?;
            }
            match self.recall(class) {
                Some(recall) => writeln!(f, "   {recall:.3}")?,
                None => writeln!(f, "       -")?,
            }
        }
        Ok(())
    }
}
