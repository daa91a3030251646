//! Models: [`SequenceModel`] (a recurrent layer, a readout and a linear head, in one line of
//! config), saved and loaded with its config; [`Trainable`], the small trait through which
//! the trainer drives any model, yours included; and the model folder any model saves to
//! ([`save`], [`save_with_config`]) and loads from ([`ModelFile`]).

mod conv_block;
mod error;
mod file;
mod front_end;
mod lstm_fcn;
mod sequence_model;
mod trainable;

pub use crate::layers::{CellType, RecurrentLayer, RecurrentState};
pub use error::ModelError;
pub use file::{ModelFile, save, save_with_config};
pub use front_end::{ConvFrontEnd, ConvFrontEndConfig};
pub use lstm_fcn::{LstmFcn, LstmFcnConfig};
pub use sequence_model::{Readout, SequenceModel, SequenceModelConfig};
pub use trainable::{ModelOutput, Trainable};
