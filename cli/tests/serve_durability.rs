//! Durability of `singletable serve --data-dir`: every acknowledged write survives
//! `kill -9`.
//!
//! The real binary is started on a fresh data dir; 16 writers drive a mixed load
//! through aws-sdk-dynamodb (PutItem, UpdateItem, DeleteItem and TransactWriteItems,
//! each writer on its own keys), recording every acknowledged result and the one
//! request they have in flight. The server is killed with SIGKILL in the middle of the
//! load and started again on the same directory. Every key must then hold exactly its
//! last acknowledged value (an absent item for an acknowledged delete), or, for the
//! request in flight at the kill (never acknowledged), the value it would have left.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put,
    ScalarAttributeType, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use singletable_aws::local_config;

const TABLE: &str = "Durability";
const WRITERS: usize = 16;
const KEYS_PER_WRITER: usize = 12;
/// Acknowledged writes before the kill (the load keeps going while it lands).
const ACKED_BEFORE_KILL: usize = 600;

/// A running `singletable serve` and its endpoint.
struct Server {
    child: Child,
    endpoint: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `host:port` in a line the server prints on start (`http://127.0.0.1:41234`,
/// `listening on 127.0.0.1:41234`, ...).
fn address_in(line: &str) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || c == ',' || c == '"')
        .map(|token| token.trim_start_matches("http://").trim_end_matches('/'))
        .find_map(|token| {
            let (host, port) = token.rsplit_once(':')?;
            port.parse::<u16>().ok().filter(|port| *port != 0)?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let ip = host.parse::<std::net::IpAddr>().is_ok();
            (ip || host == "localhost").then(|| token.to_owned())
        })
}

/// Starts the binary on `dir`; `snapshot_after_bytes` makes it snapshot that often.
fn start(dir: &Path, snapshot_after_bytes: Option<u64>) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_singletable"));
    if let Some(bytes) = snapshot_after_bytes {
        command.env("SINGLETABLE_SNAPSHOT_AFTER_BYTES", bytes.to_string());
    }
    let mut child = command
        .args(["serve", "--log-level", "warn", "--port", "0", "--data-dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `singletable serve`: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("stdout is piped"));
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => {
                if let Some(address) = address_in(&line) {
                    return Server { child, endpoint: format!("http://{address}") };
                }
                seen.push(line);
            }
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                panic!("`singletable serve` printed no address within 20 s ({status:?}); stdout: {seen:?}");
            }
        }
    }
}

fn client(endpoint: &str) -> Client {
    let config = local_config(endpoint, "us-east-1", "durability")
        // A request cut by the kill must fail, not be retried against a dead server.
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    Client::from_conf(config)
}

/// What a key holds: `None` when absent, else its `v` and `n` attributes.
type State = Option<(u64, u64)>;

/// One writer's view: the acknowledged state of its keys and the request in flight.
#[derive(Default)]
struct Ledger {
    acked: HashMap<String, State>,
    /// The states the keys touched by the request in flight would have if it applied.
    pending: Option<HashMap<String, State>>,
    acked_writes: usize,
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// `SET v = :v ADD n :one`: upserts, keeps a count of updates.
fn update_state(before: State, v: u64) -> State {
    Some((v, before.map_or(0, |(_, count)| count) + 1))
}

async fn writer(
    client: Client,
    id: usize,
    ledger: Arc<Mutex<Ledger>>,
    acked: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    let key = |j: usize| format!("w{id:02}-k{:02}", j % KEYS_PER_WRITER);
    let mut step: usize = 0;
    while !stop.load(Ordering::Relaxed) {
        step += 1;
        let value = u64::try_from(step).unwrap_or(u64::MAX);
        let k = key(step * 7 + id);
        let before = |ledger: &Ledger, k: &str| ledger.acked.get(k).copied().flatten();
        let (changes, result) = match step % 5 {
            0 | 1 => {
                let changes = HashMap::from([(k.clone(), Some((value, 0)))]);
                ledger.lock().unwrap_or_else(|e| e.into_inner()).pending = Some(changes.clone());
                let sent = client
                    .put_item()
                    .table_name(TABLE)
                    .item("pk", s(&k))
                    .item("v", n(value))
                    .item("n", n(0))
                    .send()
                    .await;
                (changes, sent.map(drop).map_err(|e| format!("{e:?}")))
            }
            2 => {
                let after = update_state(
                    before(&ledger.lock().unwrap_or_else(|e| e.into_inner()), &k),
                    value,
                );
                let changes = HashMap::from([(k.clone(), after)]);
                ledger.lock().unwrap_or_else(|e| e.into_inner()).pending = Some(changes.clone());
                let sent = client
                    .update_item()
                    .table_name(TABLE)
                    .key("pk", s(&k))
                    .update_expression("SET #v = :v ADD #n :one")
                    .expression_attribute_names("#v", "v")
                    .expression_attribute_names("#n", "n")
                    .expression_attribute_values(":v", n(value))
                    .expression_attribute_values(":one", n(1))
                    .send()
                    .await;
                (changes, sent.map(drop).map_err(|e| format!("{e:?}")))
            }
            3 => {
                let changes = HashMap::from([(k.clone(), None)]);
                ledger.lock().unwrap_or_else(|e| e.into_inner()).pending = Some(changes.clone());
                let sent = client.delete_item().table_name(TABLE).key("pk", s(&k)).send().await;
                (changes, sent.map(drop).map_err(|e| format!("{e:?}")))
            }
            _ => {
                // A transaction over two keys of this writer: both apply or neither.
                let other = key(step * 7 + id + 1);
                let after_other = update_state(
                    before(&ledger.lock().unwrap_or_else(|e| e.into_inner()), &other),
                    value,
                );
                let changes =
                    HashMap::from([(k.clone(), Some((value, 0))), (other.clone(), after_other)]);
                ledger.lock().unwrap_or_else(|e| e.into_inner()).pending = Some(changes.clone());
                let put = Put::builder()
                    .table_name(TABLE)
                    .item("pk", s(&k))
                    .item("v", n(value))
                    .item("n", n(0))
                    .build()
                    .unwrap_or_else(|e| panic!("a complete Put: {e}"));
                let update = Update::builder()
                    .table_name(TABLE)
                    .key("pk", s(&other))
                    .update_expression("SET #v = :v ADD #n :one")
                    .expression_attribute_names("#v", "v")
                    .expression_attribute_names("#n", "n")
                    .expression_attribute_values(":v", n(value))
                    .expression_attribute_values(":one", n(1))
                    .build()
                    .unwrap_or_else(|e| panic!("a complete Update: {e}"));
                let sent = client
                    .transact_write_items()
                    .transact_items(TransactWriteItem::builder().put(put).build())
                    .transact_items(TransactWriteItem::builder().update(update).build())
                    .send()
                    .await;
                (changes, sent.map(drop).map_err(|e| format!("{e:?}")))
            }
        };
        let mut ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(()) => {
                ledger.acked.extend(changes);
                ledger.pending = None;
                ledger.acked_writes += 1;
                acked.fetch_add(1, Ordering::Relaxed);
            }
            // The server was killed under this request: it stays pending.
            Err(_) if stop.load(Ordering::Relaxed) => return,
            Err(error) => panic!("writer {id}: a request failed before the kill: {error}"),
        }
    }
}

async fn create_table(client: &Client) {
    client
        .create_table()
        .table_name(TABLE)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable: {e:?}"));
}

async fn stored(client: &Client, key: &str) -> State {
    let got = client
        .get_item()
        .table_name(TABLE)
        .key("pk", s(key))
        .consistent_read(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetItem {key} after the restart: {e:?}"));
    let item = got.item?;
    let number = |name: &str| -> u64 {
        let text = item
            .get(name)
            .and_then(|v| v.as_n().ok())
            .unwrap_or_else(|| panic!("{key}: no number {name}: {item:?}"));
        text.parse().unwrap_or_else(|e| panic!("{key}: {name} = {text}: {e}"))
    };
    Some((number("v"), number("n")))
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    kill_and_check(None);
}

/// With a snapshot every 32 KiB of log, the load crosses several snapshots and the
/// kill can land while one is being written.
#[test]
fn every_acknowledged_write_survives_kill_9_during_snapshots() {
    let snapshots = kill_and_check(Some(32 << 10));
    assert!(snapshots, "a snapshot was taken during the load");
}

/// Runs the load, kills the server, restarts it and checks every key. Returns whether
/// the data dir held a snapshot after the kill.
fn kill_and_check(snapshot_after_bytes: Option<u64>) -> bool {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));

    let mut server = start(dir.path(), snapshot_after_bytes);
    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..WRITERS).map(|_| Arc::default()).collect();
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    runtime.block_on(async {
        let client = client(&server.endpoint);
        create_table(&client).await;
        let tasks: Vec<_> = ledgers
            .iter()
            .enumerate()
            .map(|(id, ledger)| {
                tokio::spawn(writer(
                    client.clone(),
                    id,
                    Arc::clone(ledger),
                    Arc::clone(&acked),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.load(Ordering::Relaxed) < ACKED_BEFORE_KILL {
            assert!(Instant::now() < deadline, "the load made too little progress: {acked:?}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // SIGKILL, in the middle of the load: the writers are still sending.
        stop.store(true, Ordering::Relaxed);
        server.child.kill().unwrap_or_else(|e| panic!("kill -9: {e}"));
        server.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
        for task in tasks {
            task.await.unwrap_or_else(|e| panic!("writer: {e}"));
        }
    });
    drop(server);

    let total: usize =
        ledgers.iter().map(|l| l.lock().unwrap_or_else(|e| e.into_inner()).acked_writes).sum();
    assert!(total >= ACKED_BEFORE_KILL, "{total} acknowledged writes");

    let snapshotted = std::fs::read_dir(dir.path())
        .unwrap_or_else(|e| panic!("data dir: {e}"))
        .filter_map(Result::ok)
        .any(|entry| entry.file_name().to_string_lossy().ends_with(".snap"));
    let server = start(dir.path(), snapshot_after_bytes);
    runtime.block_on(async {
        let client = client(&server.endpoint);
        let mut checked = 0;
        let mut in_flight_applied = 0;
        for (id, ledger) in ledgers.iter().enumerate() {
            let (acked_states, pending_states) = {
                let ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
                (ledger.acked.clone(), ledger.pending.clone())
            };
            for j in 0..KEYS_PER_WRITER {
                let key = format!("w{id:02}-k{j:02}");
                let acked = acked_states.get(&key).copied().flatten();
                let pending = pending_states.as_ref().and_then(|p| p.get(&key).copied());
                let found = stored(&client, &key).await;
                if Some(found) == pending && found != acked {
                    in_flight_applied += 1;
                } else {
                    assert_eq!(found, acked, "{key}: the acknowledged state (in flight: {pending:?})");
                }
                checked += 1;
            }
            // A transaction in flight applied to both of its keys or to neither.
            if let Some(pending) = pending_states.as_ref().filter(|p| p.len() == 2) {
                let mut applied = Vec::new();
                for (key, after) in pending {
                    if acked_states.get(key).copied().flatten() != *after {
                        applied.push(stored(&client, key).await == *after);
                    }
                }
                assert!(applied.windows(2).all(|w| w[0] == w[1]), "writer {id}: a transaction applied in part");
            }
        }
        assert_eq!(checked, WRITERS * KEYS_PER_WRITER);
        eprintln!("{total} acknowledged writes checked over {checked} keys; {in_flight_applied} in-flight writes had applied");
        // The restarted server takes writes again.
        client
            .put_item()
            .table_name(TABLE)
            .item("pk", s("after-restart"))
            .item("v", n(1))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutItem after the restart: {e:?}"));
    });
    drop(server);
    snapshotted
}

#[test]
fn addresses_are_found_in_start_lines() {
    assert_eq!(
        address_in("listening on http://127.0.0.1:40123").as_deref(),
        Some("127.0.0.1:40123")
    );
    assert_eq!(address_in("127.0.0.1:8000").as_deref(), Some("127.0.0.1:8000"));
    assert_eq!(address_in("{\"endpoint\": \"http://[::1]:9000/\"}").as_deref(), Some("[::1]:9000"));
    assert_eq!(address_in("singletable serve 0.1.0"), None);
    assert_eq!(address_in("listening on 127.0.0.1:0"), None);
}
