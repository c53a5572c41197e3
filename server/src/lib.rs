//! `singletable serve`: the embedded engine of
//! [singletable](https://docs.rs/singletable) behind DynamoDB's HTTP API (JSON 1.0), and
//! a parser for DynamoDB's expression language.

pub mod expr;
