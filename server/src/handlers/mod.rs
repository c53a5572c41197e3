//! The operations' handlers, by group. Each handler reads its request with
//! [`crate::decode`], runs it on the engine and writes the response with
//! [`crate::encode`]; [`crate::service::Engine::execute`] dispatches to them by
//! [`Operation`](crate::operation::Operation).

pub(crate) mod account;
pub(crate) mod backups;
pub(crate) mod batches;
pub(crate) mod exports;
pub(crate) mod imports;
pub(crate) mod items;
pub(crate) mod partiql;
pub(crate) mod reads;
pub(crate) mod streams;
pub(crate) mod tables;
pub(crate) mod tags;
pub(crate) mod transactions;
pub(crate) mod ttl;
