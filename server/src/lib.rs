//! `singletable serve`: the embedded engine of
//! [singletable](https://docs.rs/singletable) behind DynamoDB's HTTP API (JSON 1.0), and
//! a parser for DynamoDB's expression language.

pub mod expr;
pub mod storage;

// The HTTP server (`singletable serve`): the target parsed into an operation, the
// request decoded, handled on the engine, the response encoded.
pub mod api_error;
pub mod decode;
pub mod encode;
mod handlers;
pub mod metrics;
pub mod operation;
pub mod regions;
pub mod server;
pub mod service;
pub mod sigv4;
pub mod tls;

pub use self::server::{BackgroundServer, Server, ServerConfig, ServerError};
pub use self::sigv4::Credentials;
pub use self::tls::{TlsError, TlsFiles};
