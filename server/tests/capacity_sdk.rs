//! `singletable serve` with `enforce_capacity` (`--enforce-capacity`), seen by boto3
//! (tests/python/test_capacity.py): DynamoDB's exception names and `ThrottlingReasons`,
//! throttled batch items unprocessed, `UpdateTable` raising capacity.

use std::path::Path;
use std::process::Command;

use singletable_server::{Server, ServerConfig, ServerError};

#[test]
fn boto3_sees_dynamodbs_throttling() {
    let python = ["python3", "python"].into_iter().find(|p| {
        Command::new(p).args(["-c", "import boto3"]).output().is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "CI=true but no Python with boto3"
        );
        eprintln!("skipping: no Python with boto3");
        return;
    };
    let config = ServerConfig { port: 0, enforce_capacity: true, ..ServerConfig::default() };
    let server = Server::start_in_background(config).unwrap_or_else(|e| panic!("server: {e}"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let output = Command::new(python)
        .args(["-m", "unittest", "-v", "tests/python/test_capacity.py"])
        .current_dir(root)
        .env("SINGLETABLE_ENDPOINT", format!("http://{}", server.local_addr()))
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "boto3 suite failed:\n{log}");
    assert!(log.contains("Ran 4 tests"), "{log}");
}

#[test]
fn enforcing_capacity_refuses_a_data_dir() {
    let dir = std::env::temp_dir().join(format!("capacity-{}", std::process::id()));
    let config = ServerConfig {
        port: 0,
        enforce_capacity: true,
        data_dir: Some(dir.clone()),
        ..ServerConfig::default()
    };
    let error = Server::start_in_background(config).expect_err("refused");
    assert!(
        matches!(&error, ServerError::Config(message) if message.contains("--data-dir")),
        "{error}"
    );
    assert!(!dir.exists(), "nothing was opened");
}
