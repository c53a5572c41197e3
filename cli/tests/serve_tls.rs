//! `singletable serve --tls-cert FILE --tls-key FILE`: HTTPS with a self-signed
//! certificate made here (rcgen), driven by a rustls client that trusts it and by boto3
//! (tests/python/test_serve_tls.py, `verify=` the certificate); and the errors for a
//! certificate or key that cannot be read or used, each naming the file.
//!
//! The boto3 part needs Python (see tests/support/python.rs): without it the part is
//! skipped, except under `CI=true`, where it fails.

mod support {
    pub mod python;
}

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use support::python::{python_with_boto3, workspace_root};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

/// A certificate for `localhost` and 127.0.0.1, and its key, as PEM files in `dir`.
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, CertificateDer<'static>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap_or_else(|e| panic!("rcgen: {e}"));
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, certified.cert.der().clone())
}

/// Kills the server if the test panics before stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_singletable"));
    command.args(["serve", "--port", "0", "--log-level", "warn"]).args(args);
    command
}

/// Starts the server; returns it and the endpoint it printed.
fn start(args: &[&str]) -> (Server, String) {
    let mut child = serve(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start singletable serve: {e}"));
    let stdout = child.stdout.take();
    let server = Server(child);
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
    (server, endpoint)
}

/// `GET /` over TLS with a client that trusts `root` only; the response text.
async fn https_get(address: &str, root: CertificateDer<'static>) -> std::io::Result<String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root).map_err(std::io::Error::other)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(address).await?;
    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await?;
    let mut response = String::new();
    tls.read_to_string(&mut response).await?;
    Ok(response)
}

#[tokio::test]
async fn https_with_a_trusted_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed(dir.path());
    let (cert, key) = (cert.to_string_lossy().into_owned(), key.to_string_lossy().into_owned());
    let (server, endpoint) = start(&["--tls-cert", &cert, "--tls-key", &key]);
    let address = endpoint
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("not an https endpoint: {endpoint}"))
        .to_owned();

    let response = https_get(&address, der).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("healthy: singletable serve"), "{response}");

    // A client that does not trust the certificate fails the handshake.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    assert!(https_get(&address, other.cert.der().clone()).await.is_err());

    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"HTTP/1.1 200"));

    let Some(python) = python_with_boto3() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "Python is required under CI=true");
        eprintln!("skipped the boto3 part: no Python on PATH");
        return;
    };
    let status = Command::new(&python)
        .args(["-m", "unittest", "-v", "tests/python/test_serve_tls.py"])
        .current_dir(workspace_root())
        .env("SINGLETABLE_ENDPOINT", &endpoint)
        .env("SINGLETABLE_CA", &cert)
        .status()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(status.success(), "the boto3 tests failed: {status}");
    drop(server);
}

/// Runs `serve` expecting it to refuse to start; its stderr.
fn refused(args: &[&str]) -> String {
    let output = serve(args).stdin(Stdio::null()).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn unreadable_or_invalid_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = self_signed(dir.path());
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a PEM file\n").unwrap();
    let text = |p: &Path| p.to_string_lossy().into_owned();
    let (cert, key, missing, garbage) = (text(&cert), text(&key), text(&missing), text(&garbage));

    let stderr = refused(&["--tls-cert", &missing, "--tls-key", &key]);
    assert!(stderr.contains("cannot read TLS certificate file") && stderr.contains(&missing));
    let stderr = refused(&["--tls-cert", &cert, "--tls-key", &missing]);
    assert!(stderr.contains("cannot read TLS private key file") && stderr.contains(&missing));
    let stderr = refused(&["--tls-cert", &garbage, "--tls-key", &key]);
    assert!(stderr.contains("invalid TLS certificate file") && stderr.contains(&garbage));
    // A certificate where the key should be: no private key section.
    let stderr = refused(&["--tls-cert", &cert, "--tls-key", &cert]);
    assert!(stderr.contains("invalid TLS private key file") && stderr.contains(&cert), "{stderr}");
    // A key that is not the certificate's.
    let other = dir.path().join("other-key.pem");
    let stranger = rcgen::KeyPair::generate().unwrap();
    std::fs::write(&other, stranger.serialize_pem()).unwrap();
    let other = text(&other);
    let stderr = refused(&["--tls-cert", &cert, "--tls-key", &other]);
    assert!(stderr.contains("refused") && stderr.contains(&other), "{stderr}");

    // One of the two flags alone is a usage error.
    let output = serve(&["--tls-cert", &cert]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
