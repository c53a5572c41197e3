//! `singletable serve`: the embedded engine as a local DynamoDB (DynamoDB's JSON 1.0 API
//! over HTTP), for any SDK, the AWS CLI and NoSQL Workbench.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use singletable_server::{Credentials, Server, ServerConfig, TlsFiles};

/// The subcommand's name.
pub const NAME: &str = "serve";

/// Exit code: the server could not start (address in use, data directory unreadable,
/// TLS certificate or key unreadable or invalid).
const EXIT_START: u8 = 1;

/// Runs a local DynamoDB: the embedded engine behind DynamoDB's HTTP API.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (loopback by default; `0.0.0.0` for every interface).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The port (0 picks a free one; the address is printed on stdout).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Keep data in this directory: every acknowledged write survives a crash. Without
    /// it, data lives in memory only.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The folder standing for S3 in ExportTableToPointInTime and ImportTable: a bucket
    /// is a subfolder, S3Prefix a path inside it. Default: DATA_DIR/s3 with --data-dir,
    /// else a temporary folder removed when the server stops.
    #[arg(long, value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,
    /// Verify SigV4 signatures against these credentials and refuse other requests, as
    /// DynamoDB does. Without it, any signed request is accepted (as DynamoDB Local does).
    #[arg(long, value_name = "KEY:SECRET")]
    pub credentials: Option<Credentials>,
    /// Serve HTTPS with this certificate chain (PEM: the server's certificate first, then
    /// any intermediates). Needs --tls-key. Without both, the server speaks plain HTTP.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC). Needs
    /// --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Throttle as DynamoDB does: provisioned tables and GSIs at their capacity units
    /// (with 300 s of burst), on-demand tables at their current ceiling, every partition
    /// key value at 3,000 read / 1,000 write units a second, answered with DynamoDB's
    /// exceptions and ThrottlingReasons (docs/capacity.md). Not with --data-dir.
    #[arg(long, conflicts_with = "data_dir")]
    pub enforce_capacity: bool,
    /// Host several regions with global tables (version 2019.11.21): a request runs on
    /// the engine of the region its SigV4 signature names (requests without one on the
    /// default engine), and UpdateTable's ReplicaUpdates adds and removes replicas in
    /// other regions, replicated asynchronously (last writer wins). Regional tables are
    /// kept in memory only.
    #[arg(long)]
    pub global_tables: bool,
    /// With --global-tables, how long (milliseconds) after a write its replication to
    /// the other replicas starts: DynamoDB usually replicates within a second.
    #[arg(long, default_value_t = 0, value_name = "MS", requires = "global_tables")]
    pub replication_delay_ms: u64,
    /// The log level of the request log on stderr: error, warn, info (one line per
    /// request), debug, trace or off.
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    pub log_level: LogLevel,
}

/// `--log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// One line per request.
    Info,
    /// Connection details.
    Debug,
    /// Everything.
    Trace,
}

fn init_logging(level: LogLevel) {
    let filter = match level {
        LogLevel::Off => return,
        LogLevel::Error => tracing::Level::ERROR,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
        LogLevel::Trace => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Starts the server, prints `listening on http://HOST:PORT` (`https://` with TLS) on
/// stdout, and serves until ctrl-c or SIGTERM.
pub fn run(args: ServeArgs) -> ExitCode {
    init_logging(args.log_level);
    // One thread: the engine's work per request is a few microseconds, so a work-stealing
    // pool mostly adds cross-thread wake-ups (futex and eventfd round trips) and leaves
    // less CPU to the clients on the same machine. Durable writes sync on their own
    // thread (the storage layer's), so they do not block this one.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_START);
        }
    };
    let config = ServerConfig {
        host: args.host,
        port: args.port,
        data_dir: args.data_dir,
        s3_dir: args.s3_dir,
        credentials: args.credentials,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            _ => None,
        },
        enforce_capacity: args.enforce_capacity,
        global_tables: args.global_tables,
        replication_delay: std::time::Duration::from_millis(args.replication_delay_ms),
        ..ServerConfig::default()
    };
    runtime.block_on(async move {
        let server = match Server::bind(config).await {
            Ok(server) => server,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(EXIT_START);
            }
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on {}", server.endpoint());
        let _ = stdout.flush();
        drop(stdout);
        match server.run_until_signal().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(EXIT_START)
            }
        }
    })
}
