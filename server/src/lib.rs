//! `singletable serve`: the embedded engine of
//! [singletable](https://docs.rs/singletable) behind DynamoDB's HTTP API (JSON 1.0), and
//! a parser for DynamoDB's expression language.

pub mod expr;
pub mod storage;

// The HTTP server (`singletable serve`).
pub mod api_error;
mod exprs;
mod legacy;
pub mod operation;
mod parse;
pub mod server;
pub mod service;
pub mod sigv4;
mod storage_shim;
mod streams;
mod update_table;
pub mod wire;

pub use self::server::{BackgroundServer, Server, ServerConfig, ServerError};
pub use self::sigv4::Credentials;
