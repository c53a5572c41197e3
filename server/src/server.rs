//! The HTTP server: hyper 1 (HTTP/1.1) on tokio, one route (`POST /`), DynamoDB's JSON
//! 1.0 protocol.
//!
//! hyper directly rather than a framework: the API is a single POST route dispatched on
//! the `X-Amz-Target` header, so a router would add compile time and nothing else.
//!
//! ```no_run
//! use singletable_server::{Server, ServerConfig};
//!
//! # async fn run() -> Result<(), singletable_server::ServerError> {
//! let server = Server::bind(ServerConfig { port: 0, ..ServerConfig::default() }).await?;
//! println!("listening on {}", server.local_addr());
//! server.run_until_signal().await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tracing::Instrument;

use crate::api_error::ApiError;
use crate::metrics::{ServerMetrics, TOP_PARTITIONS};
use crate::operation::{Operation, UnknownOperation};
use crate::regions::{request_region, Regions};
use crate::service::{Engine, Service};
use crate::sigv4::{self, Credentials, SignedRequest};
use crate::storage::Storage;
use crate::tls::{TlsError, TlsFiles};
use singletable_core::clock::Clock;
use tokio_rustls::TlsAcceptor;

/// The largest request body accepted: 16 MB, DynamoDB's largest request
/// (`BatchWriteItem`).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address to bind (default `127.0.0.1`: loopback only).
    pub host: String,
    /// The port (default 8000; 0 picks a free port, see [`Server::local_addr`]).
    pub port: u16,
    /// A directory for durable storage; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// The folder standing for S3 in `ExportTableToPointInTime` and `ImportTable` (a
    /// bucket is a subfolder); `None`: `DATA_DIR/s3` with a data directory, else a
    /// temporary folder made on first use.
    pub s3_dir: Option<PathBuf>,
    /// Verify SigV4 signatures against these credentials; `None` accepts any request.
    pub credentials: Option<Credentials>,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Serve HTTPS with this certificate and key (PEM files); `None` serves plain HTTP.
    pub tls: Option<TlsFiles>,
    /// The clock the engine reads (point-in-time recovery, TTL, streams); `None`: the
    /// system clock. Tests set a [`ManualClock`](singletable_core::clock::ManualClock)
    /// to move time (an incremental export needs a window of 15 minutes or more).
    pub clock: Option<Arc<dyn Clock>>,
    /// Throttle as DynamoDB does: the engine's capacity model (provisioned capacity with
    /// burst, on-demand ceilings, per-partition limits; docs/capacity.md). Off by
    /// default: the model then only watches, for `GET /metrics`. Not with `data_dir`: a
    /// replayed log would re-apply the items a throttled batch left unprocessed.
    pub enforce_capacity: bool,
    /// Host several regions with global tables (see [`crate::regions`]): a request signed
    /// for a region runs on that region's engine. Off by default: every request runs on
    /// the one engine, whatever its region.
    pub global_tables: bool,
    /// With `global_tables`, how long after a write its replication to the other
    /// replicas starts (0 by default: as soon as the replication task runs).
    pub replication_delay: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".to_owned(),
            port: 8000,
            data_dir: None,
            s3_dir: None,
            credentials: None,
            max_body_bytes: MAX_BODY_BYTES,
            tls: None,
            clock: None,
            enforce_capacity: false,
            global_tables: false,
            replication_delay: std::time::Duration::ZERO,
        }
    }
}

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// `host:port`.
        address: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The data directory could not be opened.
    #[error("cannot open data directory {dir}: {source}")]
    Storage {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Accepting connections failed.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be used (the error names the file).
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// Options that cannot go together.
    #[error("{0}")]
    Config(String),
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    address: SocketAddr,
    state: Arc<State>,
    tls: Option<TlsAcceptor>,
}

#[derive(Debug)]
struct State {
    service: Service,
    /// Requests and latencies per operation, for `GET /metrics`.
    metrics: ServerMetrics,
    /// The regions, with global tables (`ServerConfig::global_tables`).
    regions: Option<Arc<Regions>>,
    credentials: Option<Credentials>,
    max_body_bytes: usize,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .field("state", &self.state)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Server {
    /// Opens the data directory (replaying its log) and binds the address.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        // The certificate first: a bad file is reported before anything is opened.
        let tls = config.tls.as_ref().map(crate::tls::acceptor).transpose()?;
        if config.enforce_capacity && config.data_dir.is_some() {
            return Err(ServerError::Config(
                "--enforce-capacity cannot be used with --data-dir: the write log would replay the items a throttled batch left unprocessed".to_owned(),
            ));
        }
        let engine = Arc::new(match &config.clock {
            Some(clock) => Engine::with_clock(Arc::clone(clock)),
            None => Engine::new(),
        });
        let storage = match &config.data_dir {
            None => Storage::in_memory(),
            Some(dir) => {
                let replayer = Arc::clone(&engine);
                // Tags are the engine's: its exported state, hence snapshots, holds them.
                Storage::open_with_options(
                    dir,
                    engine.backend(),
                    crate::storage::StorageOptions::from_env()?,
                    move |target, body| {
                        let engine = Arc::clone(&replayer);
                        async move { engine.replay(&target, &body).await }
                    },
                )
                .await
                .map_err(|source| ServerError::Storage { dir: dir.clone(), source })?
            }
        };
        // After the replay (which must never be throttled): the capacity model throttles
        // with --enforce-capacity, and otherwise watches, for `GET /metrics`.
        engine.backend().set_capacity_model(config.enforce_capacity);
        let s3_dir =
            config.s3_dir.clone().or_else(|| config.data_dir.as_ref().map(|d| d.join("s3")));
        engine.configure_s3(s3_dir.clone(), config.data_dir.as_deref()).map_err(|source| {
            ServerError::Storage {
                dir: s3_dir.or_else(|| config.data_dir.clone()).unwrap_or_default(),
                source,
            }
        })?;
        let address = format!("{}:{}", config.host, config.port);
        let listener = TcpListener::bind(&address)
            .await
            .map_err(|source| ServerError::Bind { address: address.clone(), source })?;
        let address = listener.local_addr()?;
        engine.set_address(address);
        let regions = config.global_tables.then(|| {
            let regions = Regions::new(config.replication_delay)
                .with_engine_settings(config.clock.clone(), config.enforce_capacity);
            regions.set_address(address);
            Arc::new(regions)
        });
        let state = Arc::new(State {
            service: Service::new(engine, storage),
            metrics: ServerMetrics::default(),
            regions,
            credentials: config.credentials,
            max_body_bytes: config.max_body_bytes,
        });
        Ok(Server { listener, address, state, tls })
    }

    /// The address the server listens on (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The endpoint URL for SDKs: `http://host:port`, or `https://host:port` with TLS.
    pub fn endpoint(&self) -> String {
        endpoint(self.tls.is_some(), self.address)
    }

    /// Serves until ctrl-c or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_signal(self) -> Result<(), ServerError> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then stops accepting connections and waits
    /// for the requests in flight.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            tracing::warn!(%error, "accept failed");
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let state = Arc::clone(&self.state);
                    let service = service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(handle(&state, request, peer).await) }
                    });
                    let watcher = graceful.watcher();
                    let tls = self.tls.clone();
                    tokio::spawn(async move {
                        let result = match tls {
                            None => watcher.watch(http1(stream, service)).await,
                            Some(tls) => match tls.accept(stream).await {
                                Ok(stream) => watcher.watch(http1(stream, service)).await,
                                Err(error) => {
                                    tracing::debug!(%error, %peer, "TLS handshake failed");
                                    return;
                                }
                            },
                        };
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection closed with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        graceful.shutdown().await;
        Ok(())
    }

    /// Runs the server on a background thread with its own runtime, for tests, benches
    /// and embedding. Dropping the handle (or [`BackgroundServer::stop`]) shuts it down.
    pub fn start_in_background(config: ServerConfig) -> Result<BackgroundServer, ServerError> {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let server = runtime.block_on(Server::bind(config))?;
        let address = server.local_addr();
        let https = server.tls.is_some();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread =
            std::thread::Builder::new().name("singletable-serve".to_owned()).spawn(move || {
                runtime.block_on(server.run_until(async {
                    let _ = stopped.await;
                }))
            })?;
        Ok(BackgroundServer { address, https, stop: Some(stop), thread: Some(thread) })
    }
}

/// A server running on its own thread; see [`Server::start_in_background`].
#[derive(Debug)]
pub struct BackgroundServer {
    address: SocketAddr,
    https: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl BackgroundServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The endpoint URL for SDKs: `http://host:port`, or `https://host:port` with TLS.
    pub fn endpoint(&self) -> String {
        endpoint(self.https, self.address)
    }

    /// Shuts the server down and waits for it.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ServerError::Io(std::io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

fn endpoint(https: bool, address: SocketAddr) -> String {
    format!("{}://{address}", if https { "https" } else { "http" })
}

/// One HTTP/1.1 connection over `stream` (TCP, or TLS over TCP).
fn http1<S, F>(stream: S, service: F) -> hyper::server::conn::http1::Connection<TokioIo<S>, F>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    F: hyper::service::HttpService<Incoming, ResBody = Full<Bytes>>,
{
    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service)
}

/// Completes on ctrl-c, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn respond(status: u16, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
    response
}

/// `GET /metrics`: Prometheus text (see `metrics`).
fn metrics_response(state: &State) -> Response<Full<Bytes>> {
    let usage = state.service.engine().backend().capacity_usage(TOP_PARTITIONS);
    let text = state.metrics.render(usage.as_ref());
    let mut response = respond(200, text.into_bytes());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

fn error_response(error: &ApiError) -> Response<Full<Bytes>> {
    let mut response = respond(error.status, error.body().to_string().into_bytes());
    if let Ok(value) = HeaderValue::from_str(&error.name) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

async fn handle(
    state: &State,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    // Borrowed from the headers, not copied: with the request log off (`--log-level
    // warn`), the span below is disabled and the request costs no allocation for it.
    let target =
        parts.headers.get("x-amz-target").and_then(|value| value.to_str().ok()).unwrap_or_default();
    let operation = Operation::from_target(target);
    // An unknown operation is logged by the name it was sent under.
    let name = match operation {
        Ok(operation) => operation.as_str(),
        Err(_) => target.rsplit('.').next().unwrap_or_default(),
    };
    if parts.method == Method::GET && parts.uri.path() == "/metrics" {
        return metrics_response(state);
    }
    let span = tracing::info_span!("request", op = %name, %peer);
    let parts = &parts;
    async move {
        let (response, outcome) = match serve(state, parts, body, operation).await {
            Ok(body) => (respond(200, body), None),
            Err(error) => (error_response(&error), Some(error.name)),
        };
        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        if !name.is_empty() {
            state.metrics.record(name, outcome.as_deref().unwrap_or("ok"), elapsed.as_secs_f64());
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        tracing::info!(status, micros, "request");
        response
    }
    .instrument(span)
    .await
}

async fn serve(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: Incoming,
    operation: Result<Operation, UnknownOperation>,
) -> Result<Vec<u8>, ApiError> {
    if parts.method == Method::GET && parts.uri.path() == "/" {
        // DynamoDB answers a bare GET with a health line; SDKs never send one.
        return Ok(b"healthy: singletable serve".to_vec());
    }
    if parts.method != Method::POST {
        return Err(ApiError::unknown_operation());
    }
    let body = match Limited::new(body, state.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            if error.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                return Err(ApiError::dynamodb(
                    "RequestEntityTooLarge",
                    format!("Request size exceeded {} bytes", state.max_body_bytes),
                )
                .with_status(413));
            }
            return Err(ApiError::serialization(format!(
                "could not read the request body: {error}"
            )));
        }
    };
    if let Some(credentials) = &state.credentials {
        let headers: Vec<(String, &str)> = parts
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?)))
            .collect();
        let signed = SignedRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers,
            body: &body,
        };
        sigv4::verify(&signed, credentials)?;
    }
    if let Some(regions) = &state.regions {
        let authorization =
            parts.headers.get("authorization").and_then(|value| value.to_str().ok());
        if let Some(region) = request_region(authorization) {
            return regions.handle(region, operation, &body).await;
        }
    }
    state.service.handle(operation, &body).await
}
