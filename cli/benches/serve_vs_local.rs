//! `singletable serve` against DynamoDB Local, through the same aws-sdk-dynamodb
//! workload with 16 requests in flight (DESIGN.md "Performance", issue #15 item 7):
//!
//! 1. create a table with a GSI;
//! 2. 10,000 `PutItem`s (distinct items, each in the GSI);
//! 3. 10,000 `GetItem`s of those items;
//! 4. 1,000 `Query`s of the GSI (20 items each).
//!
//! For each phase: throughput, p50 and p99 latency, and the ratio of serve's throughput
//! to Local's. Then cold start: process start to the first successful `ListTables`,
//! the median of several starts. Targets are the release binary (`cargo bench` builds
//! it), in memory, and the same with `--data-dir` (every write synced before it is
//! acknowledged, group commit). Both servers get a warm-up of 1,000 puts on another
//! table first, so that Local's JIT is warm.
//!
//! One run, printed as a table: `cargo bench -p singletable-cli --bench serve_vs_local`.
//! Without Java or npm, the DynamoDB Local columns are skipped with a note.
//!
//! `SERVE_BENCH_ONLY=pitr` runs the in-memory serve workload with point-in-time recovery
//! off and on, twice each, alternating (the put rate PITR costs).
//! To iterate quickly, `SERVE_BENCH_ONLY=memory` runs only the in-memory serve workload
//! (no cold starts, no `--data-dir`, no DynamoDB Local). `SERVE_BENCH_BIN=PATH` runs
//! another `singletable` binary (to compare two builds back to back).
//! `SERVE_BENCH_LOG_LEVEL=info` runs serve with its default request log instead of
//! `--log-level warn`.
//!
//! Where the CPU goes: the `client µs` and `server µs` columns are CPU time (user +
//! system, from `/proc/<pid>/task/*/schedstat`) per operation of this process (the SDK
//! client, its tokio runtime and its side of loopback TCP) and of the server process
//! (not known for DynamoDB Local, which the testkit runs). On 2 cores the client is most
//! of the CPU; the server figure is the machine-independent cost of serve.
//!
//! # The client (one configuration, the same for every target)
//!
//! `client()` builds the one `aws-sdk-dynamodb` configuration every target gets, so the
//! comparison stays fair; a 2-worker tokio runtime runs 16 requests in flight. Settings,
//! and why:
//!
//! - `behavior_version(latest)`, region `us-east-1`, static credentials, `endpoint_url`:
//!   what any program pointed at a local DynamoDB sets. Requests are SigV4-signed as
//!   always (DynamoDB Local wants a signature; serve accepts any).
//! - `stalled_stream_protection(disabled)`: the protection watches the throughput of
//!   streaming bodies with a timer per request; request and response bodies here are a
//!   few hundred bytes sent in one write, where it can never trigger.
//! - `identity_cache(no_cache)`: the credentials are static; the default lazy cache adds
//!   a lookup (and a lock) per request for credentials that never expire.
//! - Retries, timeouts, checksums and the HTTP client are the SDK's defaults (standard
//!   retries never fire here; DynamoDB has no flexible-checksum operations, so
//!   `request_checksum_calculation` / `response_checksum_validation` do not apply; the
//!   default hyper client keeps a pool of keep-alive connections).
//! - The bench process's global allocator is mimalloc (glibc's malloc and free were
//!   ~14% of the client's CPU): the same client process for every target.
//!
//! # Measured
//!
//! 2026-11-25 21:10 UTC, full run, 2 shared cores, load average 1.4 before and 2.4 after:
//! put 15,991/s serve vs 1,163/s DynamoDB Local (13.8x; `--data-dir` 7.4x), get 6.1x,
//! query 8.6x; server CPU per request 25 µs (put), 24 µs (get), 50 µs (query of 20
//! items), client CPU 91–98 µs per put or get; cold start 2.34 ms (Local 1,640 ms). A
//! second run at 21:17 (a build started meanwhile): put 12,959/s vs 1,174/s (11.0x). With
//! the client configuration before these settings (SDK defaults, glibc malloc) serve
//! made 9.9–10.3k puts/s on the same machine. Tables and the before/after comparison:
//! docs/serve.md, "Performance".

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{IdentityCache, StalledStreamProtectionConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;
use singletable_testkit::DynamoDbLocal;

/// The client's allocator: the same for every target.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const IN_FLIGHT: usize = 16;
const PUTS: usize = 10_000;
const GETS: usize = 10_000;
const QUERIES: usize = 1_000;
const WARM_UP: usize = 1_000;
const PARTITIONS: usize = 1_000;
const GSI_PARTITIONS: usize = 100;
const SERVE_COLD_STARTS: usize = 15;
const LOCAL_COLD_STARTS: usize = 4;

/// One measured phase.
struct Phase {
    ops: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time (user + system) of this bench process, the SDK client, in the phase.
    client_cpu: Duration,
    /// CPU time of the server process in the phase, when its pid is known (not for
    /// DynamoDB Local, which the testkit runs).
    server_cpu: Option<Duration>,
}

impl Phase {
    fn throughput(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64()
    }

    /// Microseconds of CPU per operation.
    fn per_op(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e6 / self.ops as f64
    }

    /// The latency at `per_mille` / 1000 (nearest rank).
    fn percentile(&self, per_mille: usize) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * per_mille).div_ceil(1_000);
        sorted.get(rank.saturating_sub(1)).copied().unwrap_or_default()
    }
}

/// Results of the workload on one target.
struct Run {
    name: &'static str,
    puts: Phase,
    gets: Phase,
    queries: Phase,
}

/// The one client configuration, for every target (see the module documentation for
/// each setting and why).
fn client(endpoint: &str) -> Client {
    let config = local_config(endpoint, "us-east-1", "bench")
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .identity_cache(IdentityCache::no_cache())
        .build();
    Client::from_conf(config)
}

fn s(text: String) -> AttributeValue {
    AttributeValue::S(text)
}

fn key_element(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn create_table(client: &Client, name: &str) {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let gsi = GlobalSecondaryIndex::builder()
        .index_name("GSI1")
        .key_schema(key_element("GSI1PK", KeyType::Hash))
        .key_schema(key_element("GSI1SK", KeyType::Range))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attribute("PK"))
        .attribute_definitions(attribute("SK"))
        .attribute_definitions(attribute("GSI1PK"))
        .attribute_definitions(attribute("GSI1SK"))
        .key_schema(key_element("PK", KeyType::Hash))
        .key_schema(key_element("SK", KeyType::Range))
        .global_secondary_indexes(gsi)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {name}: {e:?}"));
}

fn pk(i: usize) -> String {
    format!("USER#{:04}", i % PARTITIONS)
}

fn sk(i: usize) -> String {
    format!("ORDER#{i:06}")
}

/// The CPU time (user + system) of the live threads of process `pid`, or of this
/// process: the sum of the first field of `/proc/<pid>/task/<tid>/schedstat`
/// (nanoseconds on the CPU). Zero where it cannot be read (not Linux).
fn cpu_time(pid: Option<u32>) -> Duration {
    let dir = pid.map_or_else(|| "/proc/self/task".to_owned(), |pid| format!("/proc/{pid}/task"));
    let Ok(tasks) = std::fs::read_dir(dir) else { return Duration::ZERO };
    let nanos: u64 = tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// Runs `count` operations, `IN_FLIGHT` at a time: `op(i)` for each `i`; `server` is the
/// server's pid, for its CPU time.
async fn phase<F, Fut>(count: usize, server: Option<u32>, op: F) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let (client_before, server_before) = (cpu_time(None), server.map(|pid| cpu_time(Some(pid))));
    let start = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let op = Arc::clone(&op);
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(count / IN_FLIGHT + 1);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return latencies;
                    }
                    let sent = Instant::now();
                    op(i).await;
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(count);
    for worker in workers {
        latencies.extend(worker.await.unwrap_or_else(|e| panic!("worker: {e}")));
    }
    let elapsed = start.elapsed();
    let client_cpu = cpu_time(None).saturating_sub(client_before);
    let server_cpu =
        server.zip(server_before).map(|(pid, before)| cpu_time(Some(pid)).saturating_sub(before));
    Phase { ops: count, elapsed, latencies, client_cpu, server_cpu }
}

async fn puts(client: &Client, table: &'static str, count: usize, server: Option<u32>) -> Phase {
    let client = client.clone();
    phase(count, server, move |i| {
        let client = client.clone();
        async move {
            client
                .put_item()
                .table_name(table)
                .item("PK", s(pk(i)))
                .item("SK", s(sk(i)))
                .item("GSI1PK", s(format!("STATUS#{}", i % GSI_PARTITIONS)))
                .item("GSI1SK", s(sk(i)))
                .item("status", s("PLACED".to_owned()))
                .item("total_cents", AttributeValue::N((i * 7).to_string()))
                .item("note", s(format!("order {i} placed through the bench workload")))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutItem: {e:?}"));
        }
    })
    .await
}

/// Enables point-in-time recovery on `table`.
async fn enable_pitr(client: &Client, table: &str) {
    let specification = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .unwrap_or_else(|e| panic!("PITR specification: {e}"));
    client
        .update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(specification)
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateContinuousBackups: {e:?}"));
}

/// The workload against `endpoint`; `server` is the server's pid when known.
async fn workload(name: &'static str, endpoint: &str, server: Option<u32>) -> Run {
    workload_with(name, endpoint, server, false).await
}

/// The workload, with point-in-time recovery enabled on its tables when `pitr` (every
/// write is then also kept in the table's history).
async fn workload_with(name: &'static str, endpoint: &str, server: Option<u32>, pitr: bool) -> Run {
    let client = client(endpoint);
    create_table(&client, "Warm").await;
    if pitr {
        enable_pitr(&client, "Warm").await;
    }
    puts(&client, "Warm", WARM_UP, server).await;
    create_table(&client, "Bench").await;
    if pitr {
        enable_pitr(&client, "Bench").await;
    }
    let puts = puts(&client, "Bench", PUTS, server).await;
    let get_client = client.clone();
    let gets = phase(GETS, server, move |i| {
        let client = get_client.clone();
        async move {
            let j = (i * 7_919) % PUTS;
            let got = client
                .get_item()
                .table_name("Bench")
                .key("PK", s(pk(j)))
                .key("SK", s(sk(j)))
                .send()
                .await
                .unwrap_or_else(|e| panic!("GetItem: {e:?}"));
            assert!(got.item.is_some(), "item {j} is missing");
        }
    })
    .await;
    let query_client = client.clone();
    let queries = phase(QUERIES, server, move |i| {
        let client = query_client.clone();
        async move {
            let page = client
                .query()
                .table_name("Bench")
                .index_name("GSI1")
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", "GSI1PK")
                .expression_attribute_values(":pk", s(format!("STATUS#{}", i % GSI_PARTITIONS)))
                .limit(20)
                .send()
                .await
                .unwrap_or_else(|e| panic!("Query: {e:?}"));
            assert_eq!(page.items().len(), 20);
        }
    })
    .await;
    Run { name, puts, gets, queries }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"));
    listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"))
}

/// One `ListTables` over a fresh connection; true on HTTP 200.
fn list_tables(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect(address) else { return false };
    let body = "{}";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// A running `singletable serve`, killed on drop.
struct Serve {
    child: Child,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the release binary and returns it with the time from spawning it to the
/// first successful `ListTables` (polled without pause).
fn start_serve(data_dir: Option<&Path>) -> (Serve, Duration) {
    let port = free_port();
    let binary = std::env::var_os("SERVE_BENCH_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_singletable").into());
    let mut command = Command::new(binary);
    let log_level = std::env::var("SERVE_BENCH_LOG_LEVEL").unwrap_or_else(|_| "warn".to_owned());
    command.args(["serve", "--log-level", &log_level, "--port", &port.to_string()]);
    if let Some(dir) = data_dir {
        command.arg("--data-dir").arg(dir);
    }
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start singletable: {e}"));
    loop {
        if list_tables(port) {
            return (Serve { child, port }, started.elapsed());
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("`singletable serve` exited with {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(20), "serve did not answer ListTables");
        std::hint::spin_loop();
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

fn print_runs(runs: &[Run]) {
    println!();
    println!(
        "{:<8} {:<24} {:>7} {:>8} {:>10} {:>9} {:>9} {:>11} {:>11}",
        "phase", "target", "ops", "secs", "ops/s", "p50 ms", "p99 ms", "client µs", "server µs"
    );
    for (label, pick) in [
        ("put", (|run: &Run| &run.puts) as fn(&Run) -> &Phase),
        ("get", |run: &Run| &run.gets),
        ("query", |run: &Run| &run.queries),
    ] {
        for run in runs {
            let phase = pick(run);
            let server = phase
                .server_cpu
                .map_or_else(|| "-".to_owned(), |cpu| format!("{:.1}", phase.per_op(cpu)));
            println!(
                "{:<8} {:<24} {:>7} {:>8.2} {:>10.0} {:>9.3} {:>9.3} {:>11.1} {:>11}",
                label,
                run.name,
                phase.ops,
                phase.elapsed.as_secs_f64(),
                phase.throughput(),
                ms(phase.percentile(500)),
                ms(phase.percentile(990)),
                phase.per_op(phase.client_cpu),
                server,
            );
        }
    }
    let Some(local) = runs.iter().find(|run| run.name == "DynamoDB Local") else { return };
    println!();
    for run in runs.iter().filter(|run| run.name != local.name) {
        println!(
            "throughput ratio {} / DynamoDB Local: put {:.1}x, get {:.1}x, query {:.1}x",
            run.name,
            run.puts.throughput() / local.puts.throughput(),
            run.gets.throughput() / local.gets.throughput(),
            run.queries.throughput() / local.queries.throughput(),
        );
    }
}

fn main() {
    // `cargo bench -- <filter>` passes arguments; this bench has one run and ignores them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    let mut runs = Vec::new();

    if std::env::var("SERVE_BENCH_ONLY").is_ok_and(|only| only == "pitr") {
        for (name, pitr) in [
            ("serve, PITR off", false),
            ("serve, PITR on", true),
            ("serve, PITR off", false),
            ("serve, PITR on", true),
        ] {
            let (serve, _) = start_serve(None);
            let endpoint = format!("http://127.0.0.1:{}", serve.port);
            let pid = Some(serve.child.id());
            runs.push(runtime.block_on(workload_with(name, &endpoint, pid, pitr)));
        }
        print_runs(&runs);
        return;
    }
    if std::env::var("SERVE_BENCH_ONLY").is_ok_and(|only| only == "memory") {
        let (serve, _) = start_serve(None);
        let endpoint = format!("http://127.0.0.1:{}", serve.port);
        runs.push(runtime.block_on(workload(
            "singletable serve",
            &endpoint,
            Some(serve.child.id()),
        )));
        print_runs(&runs);
        return;
    }

    // Cold starts of serve first, on an idle machine.
    let cold: Vec<Duration> = (0..SERVE_COLD_STARTS).map(|_| start_serve(None).1).collect();
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let cold_durable: Vec<Duration> = (0..SERVE_COLD_STARTS)
        .map(|n| start_serve(Some(&data.path().join(format!("cold-{n}")))).1)
        .collect();

    {
        let (serve, _) = start_serve(None);
        let endpoint = format!("http://127.0.0.1:{}", serve.port);
        runs.push(runtime.block_on(workload(
            "singletable serve",
            &endpoint,
            Some(serve.child.id()),
        )));
    }
    {
        let (serve, _) = start_serve(Some(&data.path().join("bench")));
        let endpoint = format!("http://127.0.0.1:{}", serve.port);
        runs.push(runtime.block_on(workload(
            "serve --data-dir",
            &endpoint,
            Some(serve.child.id()),
        )));
    }

    let mut local_cold = Vec::new();
    let mut local_note = None;
    for _ in 0..LOCAL_COLD_STARTS {
        let started = Instant::now();
        match DynamoDbLocal::start() {
            // The first start may fetch the jar; it is not counted.
            Ok(local) if local_cold.is_empty() && runs.len() == 2 => {
                let endpoint = local.endpoint();
                runs.push(runtime.block_on(workload("DynamoDB Local", &endpoint, None)));
                local_cold.push(None);
            }
            Ok(_) => local_cold.push(Some(started.elapsed())),
            Err(e) => {
                local_note = Some(e.to_string());
                break;
            }
        }
    }

    print_runs(&runs);
    println!();
    println!(
        "cold start, spawn to first successful ListTables (median of {SERVE_COLD_STARTS}): \
         singletable serve {:.2} ms, serve --data-dir (new dir) {:.2} ms",
        ms(median(cold)),
        ms(median(cold_durable)),
    );
    let local_cold: Vec<Duration> = local_cold.into_iter().flatten().collect();
    match local_note {
        Some(note) => println!("DynamoDB Local skipped: {note}"),
        None if !local_cold.is_empty() => println!(
            "cold start DynamoDB Local (median of {}, polled every 100 ms by the testkit): {:.0} ms",
            local_cold.len(),
            ms(median(local_cold)),
        ),
        None => {}
    }
}
