//! One of the three layers, chosen at run time: [`CellType`] names it, [`RecurrentLayer`]
//! holds it.

use burn::config::Config;
use burn::module::Module;

use super::error::LayerError;
use super::sealed::Stacked;
use super::stack::RecurrentStack;
use super::{Gru, Lstm, Recurrent, SimpleRnn};

/// Which recurrent layer to build, by name at run time.
///
/// ```
/// use recurrent::{CellType, LayerError};
///
/// assert_eq!("lstm".parse::<CellType>(), Ok(CellType::Lstm));
/// assert_eq!(
///     "elman".parse::<CellType>(),
///     Err(LayerError::UnknownCell { name: "elman".into() })
/// );
/// ```
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum CellType {
    /// [`SimpleRnn`].
    Rnn,
    /// [`Lstm`].
    Lstm,
    /// [`Gru`].
    Gru,
}

impl std::str::FromStr for CellType {
    type Err = LayerError;

    /// `"rnn"`, `"lstm"` or `"gru"` (for command lines and config files).
    fn from_str(name: &str) -> Result<Self, LayerError> {
        match name {
            "rnn" => Ok(CellType::Rnn),
            "lstm" => Ok(CellType::Lstm),
            "gru" => Ok(CellType::Gru),
            _ => Err(LayerError::UnknownCell { name: name.into() }),
        }
    }
}

/// A [`SimpleRnn`], [`Lstm`] or [`Gru`] chosen at run time (as inside a
/// [`SequenceModel`](crate::SequenceModel)); it is itself a [`Recurrent`] layer.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum RecurrentLayer {
    /// An Elman RNN.
    Rnn(SimpleRnn),
    /// An LSTM.
    Lstm(Lstm),
    /// A GRU.
    Gru(Gru),
}

impl RecurrentLayer {
    /// Which of the three layers this is.
    pub fn cell_type(&self) -> CellType {
        match self {
            RecurrentLayer::Rnn(_) => CellType::Rnn,
            RecurrentLayer::Lstm(_) => CellType::Lstm,
            RecurrentLayer::Gru(_) => CellType::Gru,
        }
    }
}

impl Stacked for RecurrentLayer {
    fn stack(&self) -> &RecurrentStack {
        match self {
            RecurrentLayer::Rnn(layer) => layer.stack(),
            RecurrentLayer::Lstm(layer) => layer.stack(),
            RecurrentLayer::Gru(layer) => layer.stack(),
        }
    }

    fn stack_mut(&mut self) -> &mut RecurrentStack {
        match self {
            RecurrentLayer::Rnn(layer) => layer.stack_mut(),
            RecurrentLayer::Lstm(layer) => layer.stack_mut(),
            RecurrentLayer::Gru(layer) => layer.stack_mut(),
        }
    }
}

impl Recurrent for RecurrentLayer {}

impl From<SimpleRnn> for RecurrentLayer {
    fn from(layer: SimpleRnn) -> Self {
        RecurrentLayer::Rnn(layer)
    }
}

impl From<Lstm> for RecurrentLayer {
    fn from(layer: Lstm) -> Self {
        RecurrentLayer::Lstm(layer)
    }
}

impl From<Gru> for RecurrentLayer {
    fn from(layer: Gru) -> Self {
        RecurrentLayer::Gru(layer)
    }
}
