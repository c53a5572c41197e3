//! The durability layer, as the server uses it (see [`crate::storage`]).

pub(crate) use crate::storage::Storage;
