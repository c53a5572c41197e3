//! The real `singletable serve` binary driven by Python's boto3
//! (tests/python/test_serve.py): a non-Rust client works unchanged, and SIGTERM stops the
//! server cleanly.
//!
//! boto3 comes from the Python on `PATH` when it has it, else from a virtualenv under
//! the cache dir (`$SINGLETABLE_CACHE`, else `~/.cache/singletable`), created with
//! `pip install boto3` the first time. Without Python the test is skipped, except under
//! `CI=true`, where it fails.

mod support {
    pub mod python;
}

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use std::sync::mpsc;
use std::time::Duration;
use support::python::{python_with_boto3, workspace_root};

/// Kills the server if the test panics before stopping it.
struct Server(Option<Child>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn boto3_drives_singletable_serve() {
    let Some(python) = python_with_boto3() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "Python is required under CI=true");
        eprintln!("skipped: no Python on PATH");
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_singletable"))
        .args(["serve", "--port", "0", "--log-level", "warn"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start singletable serve: {e}"));
    let stdout = child.stdout.take();
    let mut server = Server(Some(child));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        if let Some(stdout) = stdout {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let _ = sender.send(line);
    });
    let line = receiver
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("singletable serve printed no address within 30 s"));
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let status = Command::new(&python)
        .args(["-m", "unittest", "-v", "tests/python/test_serve.py"])
        .current_dir(workspace_root())
        .env("SINGLETABLE_ENDPOINT", &endpoint)
        .status()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(status.success(), "the boto3 tests failed: {status}");

    // SIGTERM: a clean shutdown with exit code 0.
    if cfg!(unix) {
        let mut child = server.0.take().unwrap_or_else(|| panic!("server already stopped"));
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(killed.success());
        let exit = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
        assert!(exit.success(), "singletable serve exited with {exit} after SIGTERM");
    }
}
