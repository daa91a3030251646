//! Models: [`SequenceModel`] (a recurrent layer, a readout and a linear head, in one line of
//! config), saved and loaded with its config; and [`Trainable`], the small trait through which
//! the trainer drives any model, yours included.

mod error;
mod file;
mod sequence_model;
mod trainable;

pub use crate::layers::{CellType, RecurrentLayer, RecurrentState};
pub use error::ModelError;
pub use sequence_model::{Readout, SequenceModel, SequenceModelConfig};
pub use trainable::{ModelOutput, Trainable};
