//! The shared behaviour suite (singletable_testkit::behaviour) through `AwsBackend` (the AWS
//! SDK) against `singletable serve`, started in-process on a free port: the SDK, the
//! wire protocol, the expression parser and the engine together behave as DynamoDB.
//!
//! A custom harness (libtest-mimic) so that one server serves the whole binary and is
//! stopped when `main` returns. Tests are named `serve::<case>`.

use std::future::Future;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};
use singletable_aws::AwsBackend;
use singletable_server::{Server, ServerConfig};

use singletable_testkit::behaviour;

use behaviour::{Ctx, CASES};

/// A fresh current-thread runtime per test: the SDK's connection pool lives on the
/// runtime that made it, so each test also makes its own `AwsBackend`.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
        .block_on(future)
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let server = if args.list {
        None
    } else {
        let config = ServerConfig { port: 0, ..ServerConfig::default() };
        match Server::start_in_background(config) {
            Ok(server) => Some(server),
            Err(error) => {
                eprintln!("cannot start singletable serve: {error}");
                return ExitCode::FAILURE;
            }
        }
    };
    // The SDK signs every request; any credentials do for a server without
    // `--credentials`.
    std::env::set_var("AWS_ACCESS_KEY_ID", "singletable");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "singletable");
    std::env::set_var("AWS_REGION", "us-east-1");
    let endpoint = server.as_ref().map(|server| server.endpoint()).unwrap_or_default();
    let trials = CASES
        .iter()
        .map(|case| {
            let run = case.run;
            let endpoint = endpoint.clone();
            Trial::test(format!("serve::{}", case.name), move || {
                block_on(async {
                    let db = AwsBackend::from_endpoint(endpoint);
                    run(&Ctx { db: &db, prefix: "st-".to_owned() }).await;
                });
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(server) = server {
        if let Err(error) = server.stop() {
            eprintln!("singletable serve did not stop cleanly: {error}");
            return ExitCode::FAILURE;
        }
    }
    conclusion.exit_code()
}
