//! Durable storage for `singletable serve --data-dir DIR`: every acknowledged write
//! survives `kill -9` of the server (and a power loss, as far as the disk honours
//! `fsync`).
//!
//! # Design: a write-ahead log of requests, group commit, snapshots
//!
//! The engine ([`MemoryBackend`]) keeps everything in memory. [`Storage`] makes it
//! durable with a **write-ahead log of the mutating requests that succeeded** (their
//! `X-Amz-Target` and JSON body, as the client sent them) plus periodic **snapshots**
//! of the engine's state. An embedded store (SQLite, redb, sled) was the alternative;
//! a log of requests fits better here because
//!
//! - the engine stays the single source of truth for DynamoDB's semantics: recovery
//!   re-runs the same requests through the same dispatcher, so conditions, update
//!   expressions, index maintenance and transactions are never re-implemented against a
//!   second data model;
//! - a write costs one append to a memory buffer plus a share of one `fdatasync`, not
//!   a B-tree update with its own page writes; and there is no dependency to build.
//!
//! ## Ordering
//!
//! [`Storage::write`] holds one async mutex (the *order lock*) while it runs `apply`
//! and queues the log record, so the log order is the order in which the engine
//! applied the writes. Replaying a request against the state its predecessors left
//! gives the same result again, because the engine is deterministic for a given state
//! (requests that failed change nothing and are not logged). Reads do not take the
//! lock. Writes are serialized at the engine anyway (each takes its table's write
//! lock), so the lock costs little parallelism.
//!
//! ## Group commit
//!
//! A dedicated thread (the *syncer*) takes everything queued, appends it to the current
//! log segment, calls `fdatasync` once, and publishes the sequence number of the last
//! record covered. A writer returns once that number reaches its record: one sync
//! acknowledges every request that was queued while the previous sync ran, so the
//! number of syncs per second, not the number of writes, is what the disk limits.
//!
//! ## Records and recovery
//!
//! Records are framed as `length | CRC-32 | payload`, the CRC covering the length and
//! the payload (see `record`). At startup ([`Storage::open`]) the latest snapshot is
//! loaded ([`MemoryBackend::import_state`]), then every record of the log segments that
//! follow it is replayed in order. In the last segment, reading stops at the first
//! incomplete or checksum-failing record: those bytes were never synced, so no writer
//! was acknowledged for them (a torn tail); they are cut off before new records are
//! appended. The same damage in an earlier segment (which was synced whole before the
//! next began), in a snapshot, or a missing segment, fails `open` with a
//! [`RecoveryError`] instead of silently starting with less data.
//!
//! ## Snapshots
//!
//! When the current segment passes [`StorageOptions::snapshot_after_bytes`], the write
//! that crossed it takes a consistent cut under the order lock: it exports the engine's
//! state ([`MemoryBackend::export_state`], one pointer copy per item) and tells the
//! syncer to continue in a new segment. A background thread then writes
//! `snapshot-<seq>.snap` atomically (temporary file, `fsync`, rename, directory
//! `fsync`) and removes the older segments and snapshots. A crash at any point leaves
//! either the old snapshot with every segment after it, or the new snapshot with the
//! new segment: both recover the same state.
//!
//! ## Failures
//!
//! An acknowledged write must be on disk, and an applied write cannot be undone. When
//! the log cannot be written or synced (disk full, I/O error) the storage can neither
//! acknowledge nor roll back, so it stops the process (exit status 74, `EX_IOERR`,
//! after logging the error), as PostgreSQL does on a failed `fsync`; a restart recovers
//! every acknowledged write. A failed snapshot is only logged: the log still holds
//! everything, and the next snapshot is tried after another
//! [`StorageOptions::snapshot_after_bytes`].
//!
//! ## Layout of a data dir
//!
//! `LOCK` (held with an exclusive file lock while a server uses the directory),
//! `snapshot-<seq>.snap` (the state before segment `seq`) and `log-<seq>.wal` segments,
//! `seq` as 20 decimal digits.
//!
//! Not persisted: `ClientRequestToken`s of transactions (a retried token after a
//! restart runs again), and whatever the engine's [`EngineState`] leaves out.
//!
//! [`EngineState`]: singletable_engine::EngineState

mod clock;
mod log;
mod record;
mod snapshot;

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use singletable_engine::MemoryBackend;
use tokio::sync::{oneshot, watch, Mutex, OwnedMutexGuard};

use self::clock::PinnedClock;
use self::log::{FileKind, Queue};
use self::record::End;

/// Why a data dir could not be recovered. [`Storage::open`] reports these as
/// [`io::Error`]s of kind [`io::ErrorKind::InvalidData`] that wrap this type.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// A log segment other than the last is damaged or cut short (it was synced whole,
    /// so this is damage after the fact), or a file is not a log segment.
    #[error("log segment {file} is damaged: {reason}")]
    DamagedLog {
        /// The file name.
        file: String,
        /// What is wrong and where.
        reason: String,
    },
    /// The snapshot is damaged.
    #[error("snapshot {file} is damaged: {reason}")]
    DamagedSnapshot {
        /// The file name.
        file: String,
        /// What is wrong and where.
        reason: String,
    },
    /// A log segment that must exist is missing.
    #[error("log segment {missing} is missing (found {found})")]
    MissingSegment {
        /// The file name expected.
        missing: String,
        /// The file found instead.
        found: String,
    },
    /// The engine refused the snapshot's state.
    #[error("snapshot {file} cannot be loaded: {message}")]
    Import {
        /// The file name.
        file: String,
        /// The engine's error.
        message: String,
    },
    /// The state could not be encoded as a snapshot.
    #[error("cannot encode a snapshot: {0}")]
    Encode(String),
}

impl From<RecoveryError> for io::Error {
    fn from(error: RecoveryError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, error)
    }
}

/// State a program keeps beside the engine that snapshots must carry (the engine's own
/// state, tags and changed table definitions included, is in every snapshot already).
///
/// The log replays the requests that changed it (when they went through
/// [`Storage::write`]), but a snapshot replaces the log before it: without an
/// `ExtraState` given to [`Storage::open_with_extra_state`], such state is lost at the
/// first snapshot. `export` runs under the order lock, so it sees exactly the writes
/// logged before the snapshot.
pub trait ExtraState: Send + Sync + 'static {
    /// The state, as JSON.
    fn export(&self) -> serde_json::Value;
    /// Restores what `export` returned (into an empty state, before the log is
    /// replayed). An error fails [`Storage::open_with_extra_state`] with
    /// [`RecoveryError::Import`].
    fn import(&self, state: serde_json::Value) -> Result<(), String>;
}

/// Tuning of [`Storage::open_with_options`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageOptions {
    /// A snapshot is taken when the current log segment grows past this many bytes
    /// (default 64 MiB). Smaller values make restarts faster and snapshots more frequent.
    pub snapshot_after_bytes: u64,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions { snapshot_after_bytes: 64 << 20 }
    }
}

/// The environment variable that overrides [`StorageOptions::snapshot_after_bytes`] for
/// [`Storage::open`] (a number of bytes, at least 1).
pub const SNAPSHOT_AFTER_BYTES_VAR: &str = "SINGLETABLE_SNAPSHOT_AFTER_BYTES";

impl StorageOptions {
    /// The defaults, with [`SNAPSHOT_AFTER_BYTES_VAR`] applied when it is set. Fails
    /// with [`io::ErrorKind::InvalidInput`] when it is set to something else than a
    /// positive number.
    pub fn from_env() -> io::Result<StorageOptions> {
        let mut options = StorageOptions::default();
        if let Some(value) = std::env::var_os(SNAPSHOT_AFTER_BYTES_VAR) {
            let bytes =
                value.to_str().and_then(|text| text.parse::<u64>().ok()).filter(|bytes| *bytes > 0);
            options.snapshot_after_bytes = bytes.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{SNAPSHOT_AFTER_BYTES_VAR} must be a positive number of bytes, not {value:?}"),
                )
            })?;
        }
        Ok(options)
    }
}

/// Where the engine's writes go besides memory: nowhere ([`Storage::in_memory`]) or a
/// data dir ([`Storage::open`]). See the [module documentation](self) for the design.
pub struct Storage {
    durable: Option<Durable>,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.durable {
            None => f.write_str("Storage::InMemory"),
            Some(durable) => f.debug_tuple("Storage::Durable").field(&durable.dir).finish(),
        }
    }
}

/// The state of a durable storage.
struct Durable {
    dir: PathBuf,
    backend: MemoryBackend,
    /// The engine's clock, pinned while a write is applied (see `clock`).
    clock: Arc<PinnedClock>,
    extra: Option<Arc<dyn ExtraState>>,
    options: StorageOptions,
    /// The order lock: held while applying a write and queueing its record.
    order: Mutex<Order>,
    queue: Arc<Queue>,
    /// The sequence number of the last record synced.
    durable: watch::Receiver<u64>,
    /// Held while a snapshot is being written.
    snapshot_gate: Arc<Mutex<()>>,
    /// The threads writing snapshots in the background, and the syncer: closing the
    /// storage waits for them, so that nothing writes to the data dir once it is
    /// unlocked (a storage opened on it next would see a snapshot half done, or have a
    /// segment it needs removed under it).
    threads: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// The `LOCK` file, locked for as long as the storage is open.
    _lock: File,
}

/// What the order lock guards.
struct Order {
    /// The sequence number of the last record queued.
    last: u64,
    /// The current log segment.
    segment: u64,
    /// Bytes in the current log segment.
    segment_bytes: u64,
}

impl Drop for Durable {
    /// Closing: stops the syncer once it has written what is queued, and waits for it
    /// and for any snapshot being written, before the `LOCK` file is released.
    fn drop(&mut self) {
        self.queue.close();
        let threads = std::mem::take(
            &mut *self.threads.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for thread in threads {
            if thread.join().is_err() {
                tracing::error!("a storage thread panicked");
            }
        }
    }
}

/// Logs the failure and exits: see "Failures" in the module documentation.
fn fail_stop(what: &str, error: &dyn fmt::Display) -> ! {
    tracing::error!(%error, "{what}; stopping so that no unlogged write is acknowledged");
    eprintln!(
        "singletable serve: {what}: {error}; stopping so that no unlogged write is acknowledged"
    );
    std::process::exit(74)
}

fn lock_dir(dir: &Path) -> io::Result<File> {
    let file =
        OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("LOCK"))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!("the data dir {} is in use by another process", dir.display()),
        )),
        Err(fs::TryLockError::Error(error)) => Err(error),
    }
}

impl Storage {
    /// No persistence (the default).
    pub fn in_memory() -> Storage {
        Storage { durable: None }
    }

    /// Opens (creating) a data dir: loads the latest snapshot into `backend`, then
    /// replays the log by calling `replay(target, body)` for each logged request in
    /// order (the server passes its dispatcher). With [`StorageOptions::from_env`].
    ///
    /// Fails when the directory cannot be created or read, is in use by another
    /// process ([`io::ErrorKind::WouldBlock`]), holds damage that recovery must not
    /// paper over ([`io::ErrorKind::InvalidData`] wrapping a [`RecoveryError`]), or
    /// when [`SNAPSHOT_AFTER_BYTES_VAR`] is malformed.
    pub async fn open<F, Fut>(dir: &Path, backend: &MemoryBackend, replay: F) -> io::Result<Storage>
    where
        F: FnMut(String, Vec<u8>) -> Fut,
        Fut: Future<Output = ()>,
    {
        Self::open_with_options(dir, backend, StorageOptions::from_env()?, replay).await
    }

    /// [`Storage::open`] with explicit [`StorageOptions`].
    pub async fn open_with_options<F, Fut>(
        dir: &Path,
        backend: &MemoryBackend,
        options: StorageOptions,
        replay: F,
    ) -> io::Result<Storage>
    where
        F: FnMut(String, Vec<u8>) -> Fut,
        Fut: Future<Output = ()>,
    {
        Self::open_with_extra_state(dir, backend, None, options, replay).await
    }

    /// [`Storage::open_with_options`], with state kept beside the engine that snapshots
    /// must carry (see [`ExtraState`]): imported from the snapshot before the log is
    /// replayed, exported into every snapshot.
    pub async fn open_with_extra_state<F, Fut>(
        dir: &Path,
        backend: &MemoryBackend,
        extra: Option<Arc<dyn ExtraState>>,
        options: StorageOptions,
        mut replay: F,
    ) -> io::Result<Storage>
    where
        F: FnMut(String, Vec<u8>) -> Fut,
        Fut: Future<Output = ()>,
    {
        fs::create_dir_all(dir)?;
        let lock = lock_dir(dir)?;
        let clock = Arc::new(PinnedClock::new(backend.clock()));
        backend.set_clock(Arc::clone(&clock) as _);

        let mut snapshots = Vec::new();
        let mut segments = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            match log::parse_name(name) {
                Some((FileKind::Snapshot, seq)) => snapshots.push(seq),
                Some((FileKind::Segment, seq)) => segments.push(seq),
                // A snapshot that was being written when the process stopped.
                None if name.starts_with("snapshot-") && name.ends_with(".tmp") => {
                    fs::remove_file(entry.path())?;
                }
                None => {}
            }
        }

        // The snapshot taken before segment `base`; without one, the log starts at 1.
        let base = match snapshots.iter().max() {
            Some(&seq) => {
                let name = log::snapshot_name(seq);
                let data = fs::read(dir.join(&name))?;
                let mut snapshot = snapshot::decode(&name, &data)?;
                let import =
                    |message: String| RecoveryError::Import { file: name.clone(), message };
                match (&extra, snapshot.extra) {
                    (Some(extra), Some(state)) => extra.import(state).map_err(import)?,
                    (None, Some(state)) => {
                        if !snapshot::legacy_tags(&mut snapshot.engine, &state) {
                            tracing::warn!(file = %name, "the snapshot holds extra state that nothing imports");
                        }
                    }
                    (_, None) => {}
                }
                backend.import_state(snapshot.engine).map_err(|error| import(error.to_string()))?;
                seq
            }
            None => 1,
        };
        segments.retain(|seq| *seq >= base);
        segments.sort_unstable();
        let mut expected = base;
        for &seq in &segments {
            if seq != expected {
                return Err(RecoveryError::MissingSegment {
                    missing: log::segment_name(expected),
                    found: log::segment_name(seq),
                }
                .into());
            }
            expected = seq.saturating_add(1);
        }

        let mut current = None;
        for (position, &seq) in segments.iter().enumerate() {
            let name = log::segment_name(seq);
            let data = fs::read(dir.join(&name))?;
            let segment = log::read_segment(&name, &data)?;
            drop(data);
            let last = position + 1 == segments.len();
            if !last && segment.end != End::Clean {
                return Err(RecoveryError::DamagedLog {
                    file: name,
                    reason: format!("it ends with {} and is not the last segment", segment.end),
                }
                .into());
            }
            if segment.end != End::Clean {
                tracing::warn!(file = %name, end = %segment.end, "ignoring the unsynced tail of the log");
            }
            for ((target, body), time) in segment.requests.into_iter().zip(segment.times) {
                clock.pin(time);
                replay(target, body).await;
            }
            clock.unpin();
            current = Some((seq, segment.valid_len));
        }
        let (segment, file, segment_bytes) = match current {
            Some((seq, valid_len)) => (seq, log::reopen_segment(dir, seq, valid_len)?, valid_len),
            None => (base, log::create_segment(dir, base)?, 0),
        };
        log::remove_obsolete(dir, base)?;

        let queue = Arc::new(Queue::default());
        let (sender, durable) = watch::channel(0);
        let syncer_queue = Arc::clone(&queue);
        let syncer_dir = dir.to_path_buf();
        let syncer =
            std::thread::Builder::new().name("singletable-wal".to_owned()).spawn(move || {
                if let Err(error) = log::run_syncer(syncer_dir, file, &syncer_queue, &sender) {
                    // With every `Storage` gone nobody waits for an acknowledgement, so no
                    // unlogged write can be acknowledged: end quietly (a data dir removed after
                    // its storage was dropped, as tests do) instead of stopping the process.
                    if sender.is_closed() {
                        tracing::warn!(%error, "write-ahead log failed after its storage closed");
                        return;
                    }
                    fail_stop("cannot write the write-ahead log", &error);
                }
            })?;

        Ok(Storage {
            durable: Some(Durable {
                dir: dir.to_path_buf(),
                backend: backend.clone(),
                clock,
                extra,
                options,
                order: Mutex::new(Order { last: 0, segment, segment_bytes }),
                queue,
                durable,
                snapshot_gate: Arc::new(Mutex::new(())),
                threads: std::sync::Mutex::new(vec![syncer]),
                _lock: lock,
            }),
        })
    }

    /// Runs `apply` (a mutating request) so that log order equals apply order, logs
    /// `target`+`body` if `apply` succeeded, and returns only once the log record is
    /// durable (group commit). In-memory: just runs `apply`.
    ///
    /// Dropping the returned future while it waits for the sync is harmless (the record
    /// is synced all the same). `apply` itself must not be dropped half way after it
    /// changed the engine: the engine's operations complete in their first poll, so a
    /// dispatcher over them cannot be.
    pub async fn write<T, E, Fut: Future<Output = Result<T, E>>>(
        &self,
        target: &str,
        body: &[u8],
        apply: impl FnOnce() -> Fut,
    ) -> Result<T, E> {
        let Some(durable) = &self.durable else {
            return apply().await;
        };
        if !log::fits(target, body) {
            // The server refuses requests this large before they get here.
            fail_stop("a request is too large to log", &format!("{} bytes", body.len()));
        }
        let mut order = durable.order.lock().await;
        // The engine's clock shows one instant for the whole write, and the record keeps
        // it, so that a replay sees the same time (see `clock`).
        let time = durable.clock.base_now_ms();
        durable.clock.pin(Some(time));
        let applied = apply().await;
        durable.clock.unpin();
        let value = applied?;
        let Some(record) = log::encode_request(target, body, Some(time)) else {
            fail_stop("a request is too large to log", &format!("{} bytes", body.len()));
        };
        order.last += 1;
        let seq = order.last;
        durable.queue.append(&record, seq);
        order.segment_bytes =
            order.segment_bytes.saturating_add(u64::try_from(record.len()).unwrap_or(u64::MAX));
        if order.segment_bytes >= durable.options.snapshot_after_bytes {
            if let Ok(gate) = Arc::clone(&durable.snapshot_gate).try_lock_owned() {
                durable.snapshot(&mut order, gate, None);
            }
        }
        drop(order);
        durable.wait_durable(seq).await;
        Ok(value)
    }

    /// True when writes go to a data dir.
    pub fn is_durable(&self) -> bool {
        self.durable.is_some()
    }

    /// Takes a snapshot now and returns once it is on disk (and older log segments are
    /// removed): a restart then loads it instead of replaying the log. In-memory: does
    /// nothing.
    pub async fn snapshot(&self) -> io::Result<()> {
        let Some(durable) = &self.durable else {
            return Ok(());
        };
        let gate = Arc::clone(&durable.snapshot_gate).lock_owned().await;
        let (done, written) = oneshot::channel();
        {
            let mut order = durable.order.lock().await;
            durable.snapshot(&mut order, gate, Some(done));
        }
        written.await.map_err(|_| io::Error::other("the snapshot thread stopped"))?
    }
}

impl Durable {
    /// Waits until record `seq` is synced.
    async fn wait_durable(&self, seq: u64) {
        let mut durable = self.durable.clone();
        if durable.wait_for(|synced| *synced >= seq).await.is_err() {
            // The syncer only stops when the storage is dropped, or exits the process.
            fail_stop("the write-ahead log stopped", &"its thread ended");
        }
    }

    /// Takes a consistent cut (under the order lock): exports the state, starts a new
    /// segment, and writes the snapshot in the background, releasing `gate` when done.
    fn snapshot(
        &self,
        order: &mut Order,
        gate: OwnedMutexGuard<()>,
        done: Option<oneshot::Sender<io::Result<()>>>,
    ) {
        let state = snapshot::Snapshot {
            engine: self.backend.export_state(),
            extra: self.extra.as_ref().map(|extra| extra.export()),
        };
        let seq = order.segment.saturating_add(1);
        self.queue.rotate(seq);
        order.segment = seq;
        order.segment_bytes = 0;
        let dir = self.dir.clone();
        let spawned =
            std::thread::Builder::new().name("singletable-snapshot".to_owned()).spawn(move || {
                let result = write_snapshot(&dir, seq, &state);
                drop(state);
                if let Err(error) = &result {
                    tracing::error!(%error, "cannot write a snapshot; the log keeps every write");
                }
                drop(gate);
                if let Some(done) = done {
                    let _ = done.send(result);
                }
            });
        match spawned {
            Ok(thread) => {
                let mut threads =
                    self.threads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                // Finished snapshot threads need no waiting for (the syncer never
                // finishes before the storage closes).
                threads.retain(|thread| !thread.is_finished());
                threads.push(thread);
            }
            Err(error) => {
                tracing::error!(%error, "cannot start the snapshot thread; the log keeps every write");
            }
        }
    }
}

/// Writes `snapshot-<seq>.snap` atomically, then removes what it makes obsolete.
fn write_snapshot(dir: &Path, seq: u64, state: &snapshot::Snapshot) -> io::Result<()> {
    use std::io::Write as _;
    let bytes = snapshot::encode(state)?;
    let name = log::snapshot_name(seq);
    let temporary = dir.join(format!("{name}.tmp"));
    {
        let mut file = File::create(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    fs::rename(&temporary, dir.join(&name))?;
    log::sync_dir(dir)?;
    log::remove_obsolete(dir, seq)
}

#[cfg(test)]
mod tests;
