//! The write-ahead log: segment files of logged requests, and the thread that appends
//! and syncs them (group commit).
//!
//! A segment is `log-<seq>.wal`: the magic `STWAL001`, then one framed record (see
//! `record`) per successful mutating request, whose payload is
//! `target length: u32 LE | target (UTF-8) | request body`.
//!
//! Writers never touch the file: they push encoded records onto a queue (in apply
//! order, under the storage's order lock) and wait for the durable sequence number to
//! reach theirs. One thread, the syncer, takes everything queued, writes it, calls
//! `fdatasync` once for the lot and publishes the last sequence number it covered, so
//! one sync acknowledges every request that arrived while the previous one ran.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use tokio::sync::watch;

use super::record::{append_frame, read_frames, End, MAX_PAYLOAD};
use super::RecoveryError;

/// The first bytes of a log segment.
pub(crate) const MAGIC: &[u8; 8] = b"STWAL001";

/// The file name of log segment `seq`.
pub(crate) fn segment_name(seq: u64) -> String {
    format!("log-{seq:020}.wal")
}

/// The file name of the snapshot taken before log segment `seq`.
pub(crate) fn snapshot_name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

/// The sequence number in a segment or snapshot file name, and which it is.
pub(crate) fn parse_name(name: &str) -> Option<(FileKind, u64)> {
    let (kind, digits) = if let Some(rest) = name.strip_prefix("log-") {
        (FileKind::Segment, rest.strip_suffix(".wal")?)
    } else {
        (FileKind::Snapshot, name.strip_prefix("snapshot-")?.strip_suffix(".snap")?)
    };
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((kind, digits.parse().ok()?))
}

/// What a data-dir file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A log segment.
    Segment,
    /// A snapshot.
    Snapshot,
}

/// The bit of a record's target length that says an 8-byte time follows the length
/// (records written before times were logged lack it, and still read).
const TIMED: u32 = 1 << 31;

/// True when a request of `target` and `body` fits in one record.
pub(crate) fn fits(target: &str, body: &[u8]) -> bool {
    4 + 8 + target.len() + body.len() <= MAX_PAYLOAD && target.len() < TIMED as usize
}

/// A logged request as a framed record, with the engine time (Unix epoch milliseconds)
/// it was applied at, when given; `None` when it is too large to log.
///
/// Payload: `target length: u32 LE` (its top bit set when a time follows) `| time: i64
/// LE` (only with that bit) `| target | body`.
pub(crate) fn encode_request(target: &str, body: &[u8], time_ms: Option<i64>) -> Option<Vec<u8>> {
    if !fits(target, body) {
        return None;
    }
    let mut target_len = u32::try_from(target.len()).ok()?;
    let payload_len = 4 + 8 + target.len() + body.len();
    let mut payload = Vec::with_capacity(payload_len);
    if time_ms.is_some() {
        target_len |= TIMED;
    }
    payload.extend_from_slice(&target_len.to_le_bytes());
    if let Some(time) = time_ms {
        payload.extend_from_slice(&time.to_le_bytes());
    }
    payload.extend_from_slice(target.as_bytes());
    payload.extend_from_slice(body);
    let mut framed = Vec::with_capacity(payload_len + super::record::FRAME_HEADER);
    append_frame(&mut framed, &payload);
    Some(framed)
}

/// The target, body and time (when logged) of a logged request's payload.
fn decode_request(payload: &[u8]) -> Option<(String, Vec<u8>, Option<i64>)> {
    let (length, mut rest) = payload.split_first_chunk::<4>()?;
    let length = u32::from_le_bytes(*length);
    let mut time = None;
    if length & TIMED != 0 {
        let (bytes, after) = rest.split_first_chunk::<8>()?;
        time = Some(i64::from_le_bytes(*bytes));
        rest = after;
    }
    let length = usize::try_from(length & !TIMED).ok()?;
    let target = rest.get(..length)?;
    let body = rest.get(length..)?;
    Some((std::str::from_utf8(target).ok()?.to_owned(), body.to_vec(), time))
}

/// A segment as read at recovery.
#[derive(Debug)]
pub(crate) struct Segment {
    /// The logged requests, in order.
    pub requests: Vec<(String, Vec<u8>)>,
    /// The engine time each request was applied at (epoch milliseconds), when logged.
    pub times: Vec<Option<i64>>,
    /// Bytes of the file that hold the magic and sound records.
    pub valid_len: u64,
    /// How the records ended (anything but `Clean` is a torn or damaged tail).
    pub end: End,
}

/// Reads the segment `data` of the file `file` (for errors). A file shorter than the
/// magic (created, then the process died) is an empty segment.
pub(crate) fn read_segment(file: &str, data: &[u8]) -> Result<Segment, RecoveryError> {
    let Some(body) = data.strip_prefix(MAGIC) else {
        if (data.len() < MAGIC.len() && MAGIC.starts_with(data)) || data.iter().all(|b| *b == 0) {
            let end = if data.is_empty() { End::Clean } else { End::Torn { offset: 0 } };
            return Ok(Segment { requests: Vec::new(), times: Vec::new(), valid_len: 0, end });
        }
        return Err(RecoveryError::DamagedLog {
            file: file.to_owned(),
            reason: "it does not start with the log magic".to_owned(),
        });
    };
    let frames = read_frames(body);
    let mut requests = Vec::with_capacity(frames.payloads.len());
    let mut times = Vec::with_capacity(frames.payloads.len());
    for (position, payload) in frames.payloads.iter().enumerate() {
        let request = decode_request(payload).ok_or_else(|| RecoveryError::DamagedLog {
            file: file.to_owned(),
            reason: format!("record {position} is not a logged request"),
        })?;
        let (target, body, time) = request;
        requests.push((target, body));
        times.push(time);
    }
    let valid_len = u64::try_from(MAGIC.len() + frames.valid_len).unwrap_or(u64::MAX);
    let end = match frames.end {
        End::Clean => End::Clean,
        End::Torn { offset } => End::Torn { offset: offset + MAGIC.len() },
        End::Corrupt { offset } => End::Corrupt { offset: offset + MAGIC.len() },
    };
    Ok(Segment { requests, times, valid_len, end })
}

/// Syncs the directory `dir`, so that files created, renamed or removed in it stay so
/// after a crash.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates log segment `seq` in `dir` with its magic, synced, and syncs the directory.
pub(crate) fn create_segment(dir: &Path, seq: u64) -> io::Result<File> {
    let path = dir.join(segment_name(seq));
    let mut file = OpenOptions::new().create(true).truncate(true).write(true).open(&path)?;
    file.write_all(MAGIC)?;
    file.sync_all()?;
    sync_dir(dir)?;
    Ok(file)
}

/// Opens log segment `seq` for appending after its first `valid_len` bytes, cutting off
/// (and syncing away) anything after them: a torn tail must not sit between the sound
/// records and the next ones.
pub(crate) fn reopen_segment(dir: &Path, seq: u64, valid_len: u64) -> io::Result<File> {
    if valid_len < u64::try_from(MAGIC.len()).unwrap_or(u64::MAX) {
        return create_segment(dir, seq);
    }
    let file = OpenOptions::new().append(true).open(dir.join(segment_name(seq)))?;
    if file.metadata()?.len() != valid_len {
        file.set_len(valid_len)?;
        file.sync_all()?;
    }
    Ok(file)
}

/// What the syncer is asked to do, in order.
enum Op {
    /// Append these framed records.
    Append(Vec<u8>),
    /// Sync the current segment, then continue in a new segment with this number.
    Rotate(u64),
}

#[derive(Default)]
struct Pending {
    ops: Vec<Op>,
    /// The sequence number of the last record queued.
    last: u64,
    closed: bool,
}

/// The queue between writers and the syncer.
#[derive(Default)]
pub(crate) struct Queue {
    pending: Mutex<Pending>,
    ready: Condvar,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues record number `seq` (numbers increase by one per record).
    pub fn append(&self, record: &[u8], seq: u64) {
        let mut pending = self.lock();
        match pending.ops.last_mut() {
            Some(Op::Append(buffer)) => buffer.extend_from_slice(record),
            _ => pending.ops.push(Op::Append(record.to_vec())),
        }
        pending.last = seq;
        drop(pending);
        self.ready.notify_one();
    }

    /// Queues a switch to log segment `seq`.
    pub fn rotate(&self, seq: u64) {
        self.lock().ops.push(Op::Rotate(seq));
        self.ready.notify_one();
    }

    /// Tells the syncer to finish what is queued and stop.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }
}

/// The syncer thread's loop: writes and syncs what is queued, publishing on `durable`
/// the sequence number of the last record synced. Returns when the queue is closed
/// and drained, or with the first I/O error.
pub(crate) fn run_syncer(
    dir: PathBuf,
    mut file: File,
    queue: &Queue,
    durable: &watch::Sender<u64>,
) -> io::Result<()> {
    loop {
        let (ops, last, closed) = {
            let mut pending = queue.lock();
            while pending.ops.is_empty() && !pending.closed {
                pending = queue.ready.wait(pending).unwrap_or_else(PoisonError::into_inner);
            }
            (std::mem::take(&mut pending.ops), pending.last, pending.closed)
        };
        if ops.is_empty() && closed {
            return Ok(());
        }
        for op in ops {
            match op {
                Op::Append(bytes) => file.write_all(&bytes)?,
                Op::Rotate(seq) => {
                    file.sync_data()?;
                    file = create_segment(&dir, seq)?;
                }
            }
        }
        file.sync_data()?;
        durable.send_replace(last);
    }
}

/// Removes the files of `dir` that a snapshot taken before segment `seq` makes
/// obsolete: older segments and snapshots. Best effort: a file that stays is removed
/// at the next opening.
pub(crate) fn remove_obsolete(dir: &Path, seq: u64) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some((_, file_seq)) = name.to_str().and_then(parse_name) {
            if file_seq < seq {
                fs::remove_file(entry.path())?;
            }
        }
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_strangers_are_ignored() {
        assert_eq!(parse_name(&segment_name(42)), Some((FileKind::Segment, 42)));
        assert_eq!(parse_name(&snapshot_name(u64::MAX)), Some((FileKind::Snapshot, u64::MAX)));
        for stranger in [
            "log-1.wal",
            "LOCK",
            "snapshot-00000000000000000001.snap.tmp",
            "log-0000000000000000000x.wal",
        ] {
            assert_eq!(parse_name(stranger), None, "{stranger}");
        }
    }

    #[test]
    fn requests_round_trip_and_a_torn_tail_is_reported() {
        let mut data = MAGIC.to_vec();
        data.extend(
            encode_request("DynamoDB_20120810.PutItem", b"{\"a\":1}", None).expect("small"),
        );
        data.extend(
            encode_request("DynamoDB_20120810.DeleteItem", b"", Some(1_700_000_000_123))
                .expect("small"),
        );
        let whole = read_segment("f", &data).expect("read");
        assert_eq!(whole.end, End::Clean);
        assert_eq!(whole.valid_len, u64::try_from(data.len()).expect("small"));
        assert_eq!(
            whole.requests,
            [
                ("DynamoDB_20120810.PutItem".to_owned(), b"{\"a\":1}".to_vec()),
                ("DynamoDB_20120810.DeleteItem".to_owned(), Vec::new()),
            ]
        );
        assert_eq!(whole.times, [None, Some(1_700_000_000_123)]);
        let torn = read_segment("f", &data[..data.len() - 3]).expect("read");
        assert_eq!(torn.requests.len(), 1);
        assert!(matches!(torn.end, End::Torn { .. }));
        assert!(torn.valid_len < whole.valid_len);
    }

    #[test]
    fn a_segment_cut_in_its_magic_is_empty_and_a_stranger_is_refused() {
        for cut in 0..MAGIC.len() {
            let segment = read_segment("f", &MAGIC[..cut]).expect("empty");
            assert!(segment.requests.is_empty());
            assert_eq!(segment.valid_len, 0);
        }
        assert!(read_segment("f", &[0; 5]).expect("zeros").requests.is_empty());
        let error = read_segment("f", b"PK\x03\x04 not a log").expect_err("refused");
        assert!(error.to_string().contains("log magic"), "{error}");
    }

    #[test]
    fn payloads_that_are_not_requests_are_damage() {
        let mut data = MAGIC.to_vec();
        // A sound frame whose target length points past the payload.
        append_frame(&mut data, &[200, 0, 0, 0, b'x']);
        let error = read_segment("f", &data).expect_err("refused");
        assert!(error.to_string().contains("record 0 is not a logged request"), "{error}");
    }
}
