//! Reading and writing weight files.

pub(crate) mod pytorch;
