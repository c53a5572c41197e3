//! `singletable`: schema files to Rust, checks, docs, imports, exports, and a local
//! DynamoDB.

mod serve;

fn main() {
    let _ = serve::NAME;
}
