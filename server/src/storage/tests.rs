//! Tests of [`Storage`] with a stand-in dispatcher: requests are `Put` / `Delete` of
//! items in DynamoDB JSON, applied to a real [`MemoryBackend`].

use std::sync::Mutex as StdMutex;

use singletable_core::backend::{
    AttributeDefinition, Backend, CreateTableInput, DeleteItemInput, KeySchemaElement, KeyType,
    PutItemInput,
};
use singletable_core::json::{item_from_json, item_to_json};
use singletable_core::schema::{BillingMode, ScalarType};
use singletable_core::{AttributeValue, Item};

use super::*;

const TABLE: &str = "Durable";

fn item(pk: &str, value: u64) -> Item {
    [
        ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
        ("v".to_owned(), AttributeValue::N(value.to_string().parse().expect("a number"))),
    ]
    .into()
}

fn key(pk: &str) -> Item {
    [("pk".to_owned(), AttributeValue::S(pk.to_owned()))].into()
}

fn body(item: &Item) -> Vec<u8> {
    item_to_json(item).to_string().into_bytes()
}

/// The stand-in dispatcher: what the server does with a logged request.
async fn dispatch(
    backend: &MemoryBackend,
    target: &str,
    body: &[u8],
) -> singletable_core::Result<()> {
    let json: serde_json::Value = serde_json::from_slice(body).expect("test bodies are JSON");
    let item = item_from_json(&json).expect("test bodies are items");
    match target {
        "Create" => {
            backend
                .create_table(CreateTableInput {
                    table_name: TABLE.to_owned(),
                    attribute_definitions: vec![AttributeDefinition {
                        name: "pk".to_owned(),
                        ty: ScalarType::S,
                    }],
                    key_schema: vec![KeySchemaElement {
                        attribute_name: "pk".to_owned(),
                        key_type: KeyType::Hash,
                    }],
                    global_secondary_indexes: Vec::new(),
                    local_secondary_indexes: Vec::new(),
                    billing_mode: BillingMode::PayPerRequest,
                    stream: None,
                })
                .await?;
        }
        "Put" => {
            let input = PutItemInput { table_name: TABLE.to_owned(), item, ..Default::default() };
            backend.put_item(input).await?;
        }
        "Delete" => {
            let input =
                DeleteItemInput { table_name: TABLE.to_owned(), key: item, ..Default::default() };
            backend.delete_item(input).await?;
        }
        other => panic!("unknown test target {other}"),
    }
    Ok(())
}

/// Opens `dir` into a new engine, replaying through [`dispatch`]; also returns the
/// targets replayed, in order.
async fn open(
    dir: &Path,
    options: StorageOptions,
) -> io::Result<(Storage, MemoryBackend, Vec<String>)> {
    let backend = MemoryBackend::new();
    let replayed = StdMutex::new(Vec::new());
    let storage = Storage::open_with_options(dir, &backend, options, |target, body| {
        replayed
            .lock()
            .expect("unpoisoned")
            .push(format!("{target} {}", String::from_utf8_lossy(&body)));
        let backend = backend.clone();
        async move {
            let _ = dispatch(&backend, &target, &body).await;
        }
    })
    .await?;
    let replayed = replayed.into_inner().expect("unpoisoned");
    Ok((storage, backend, replayed))
}

async fn write(
    storage: &Storage,
    backend: &MemoryBackend,
    target: &str,
    item: &Item,
) -> singletable_core::Result<()> {
    let body = body(item);
    storage.write(target, &body, || dispatch(backend, target, &body)).await
}

async fn create(storage: &Storage, backend: &MemoryBackend) {
    write(storage, backend, "Create", &Item::new()).await.expect("created");
}

fn only_segment(dir: &Path) -> PathBuf {
    let mut segments: Vec<PathBuf> = fs::read_dir(dir)
        .expect("listed")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wal"))
        .collect();
    assert_eq!(segments.len(), 1, "{segments:?}");
    segments.remove(0)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("listed")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn in_memory_storage_only_applies() {
    let storage = Storage::in_memory();
    assert!(!storage.is_durable());
    let result: Result<u32, &str> = storage.write("T", b"{}", || async { Ok(7) }).await;
    assert_eq!(result, Ok(7));
    let failed: Result<u32, &str> = storage.write("T", b"{}", || async { Err("no") }).await;
    assert_eq!(failed, Err("no"));
    storage.snapshot().await.expect("a no-op");
}

#[tokio::test]
async fn successful_writes_are_replayed_in_order_and_failed_ones_are_not_logged() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (storage, backend, replayed) =
            open(dir.path(), StorageOptions::default()).await.expect("opened");
        assert!(storage.is_durable());
        assert!(replayed.is_empty());
        create(&storage, &backend).await;
        // Fails (the table exists): not logged.
        assert!(write(&storage, &backend, "Create", &Item::new()).await.is_err());
        write(&storage, &backend, "Put", &item("a", 1)).await.expect("put");
        write(&storage, &backend, "Put", &item("b", 2)).await.expect("put");
        write(&storage, &backend, "Put", &item("a", 3)).await.expect("put");
        write(&storage, &backend, "Delete", &key("b")).await.expect("deleted");
    }
    let (_storage, backend, replayed) =
        open(dir.path(), StorageOptions::default()).await.expect("reopened");
    let targets: Vec<&str> = replayed.iter().map(|r| r.split(' ').next().unwrap_or("")).collect();
    assert_eq!(targets, ["Create", "Put", "Put", "Put", "Delete"]);
    let state = backend.export_state();
    assert_eq!(state.tables.len(), 1);
    let items: Vec<Item> = state.tables[0].items.iter().map(|i| (**i).clone()).collect();
    assert_eq!(items, [item("a", 3)]);
}

#[tokio::test]
async fn a_torn_tail_is_ignored_and_cut_off_before_new_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (storage, backend, _) =
            open(dir.path(), StorageOptions::default()).await.expect("opened");
        create(&storage, &backend).await;
        for n in 0..3 {
            write(&storage, &backend, "Put", &item(&format!("k{n}"), n)).await.expect("put");
        }
    }
    // The process died while appending the last record: half of it reached the disk.
    let segment = only_segment(dir.path());
    let length = fs::metadata(&segment).expect("stat").len();
    let file = OpenOptions::new().write(true).open(&segment).expect("opened");
    file.set_len(length - 5).expect("cut");
    drop(file);
    {
        let (storage, backend, replayed) =
            open(dir.path(), StorageOptions::default()).await.expect("reopened");
        assert_eq!(replayed.len(), 3, "{replayed:?}");
        assert_eq!(backend.export_state().tables[0].items.len(), 2);
        write(&storage, &backend, "Put", &item("after", 9)).await.expect("put");
    }
    let (_storage, backend, replayed) =
        open(dir.path(), StorageOptions::default()).await.expect("reopened");
    assert_eq!(replayed.len(), 4, "the record after the torn tail is read: {replayed:?}");
    let items = &backend.export_state().tables[0].items;
    let keys: Vec<&AttributeValue> = items.iter().map(|i| &i["pk"]).collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.contains(&&AttributeValue::S("after".to_owned())));
    assert!(!keys.contains(&&AttributeValue::S("k2".to_owned())));
}

#[tokio::test]
async fn a_checksum_failure_in_the_last_segment_ends_the_log_there() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut offsets = Vec::new();
    {
        let (storage, backend, _) =
            open(dir.path(), StorageOptions::default()).await.expect("opened");
        create(&storage, &backend).await;
        for n in 0..4 {
            offsets.push(fs::metadata(only_segment(dir.path())).expect("stat").len());
            write(&storage, &backend, "Put", &item(&format!("k{n}"), n)).await.expect("put");
        }
    }
    // Damage the payload of the third put: it and everything after it are dropped.
    let segment = only_segment(dir.path());
    let mut data = fs::read(&segment).expect("read");
    let at = usize::try_from(offsets[2]).expect("small") + 12;
    data[at] ^= 0xff;
    fs::write(&segment, &data).expect("written");
    let (_storage, backend, replayed) =
        open(dir.path(), StorageOptions::default()).await.expect("reopened");
    assert_eq!(replayed.len(), 3, "{replayed:?}");
    assert_eq!(backend.export_state().tables[0].items.len(), 2);
    assert_eq!(
        fs::metadata(&segment).expect("stat").len(),
        offsets[2],
        "the damaged tail is cut off"
    );
}

#[tokio::test]
async fn snapshot_then_log_replays_to_the_same_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = {
        let (storage, backend, _) =
            open(dir.path(), StorageOptions::default()).await.expect("opened");
        create(&storage, &backend).await;
        for n in 0..50 {
            write(&storage, &backend, "Put", &item(&format!("k{n}"), n)).await.expect("put");
        }
        storage.snapshot().await.expect("snapshot");
        // After the snapshot: overwrite, delete, add. Replayed on top of the snapshot,
        // in order, these give the final state only if the order is kept.
        for n in 0..10 {
            write(&storage, &backend, "Put", &item(&format!("k{n}"), 100 + n)).await.expect("put");
            write(&storage, &backend, "Delete", &key(&format!("k{}", 10 + n)))
                .await
                .expect("delete");
        }
        write(&storage, &backend, "Put", &item("k0", 1_000)).await.expect("put");
        backend.export_state()
    };
    assert_eq!(
        names(dir.path()),
        ["LOCK", "log-00000000000000000002.wal", "snapshot-00000000000000000002.snap"]
    );
    let (_storage, backend, replayed) =
        open(dir.path(), StorageOptions::default()).await.expect("reopened");
    assert_eq!(replayed.len(), 21, "only the log after the snapshot is replayed");
    assert_eq!(backend.export_state(), expected);
    assert_eq!(expected.tables[0].items.len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_with_automatic_snapshots_lose_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Small segments: several snapshots are taken while writes go on.
    let options = StorageOptions { snapshot_after_bytes: 4_096 };
    let expected = {
        let (storage, backend, _) = open(dir.path(), options).await.expect("opened");
        let storage = Arc::new(storage);
        create(&storage, &backend).await;
        let mut tasks = Vec::new();
        for writer in 0..16u64 {
            let storage = Arc::clone(&storage);
            let backend = backend.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..40u64 {
                    let key = format!("w{writer}-{}", n % 10);
                    write(&storage, &backend, "Put", &item(&key, n)).await.expect("put");
                    if n % 7 == 6 {
                        write(&storage, &backend, "Delete", &self::key(&key))
                            .await
                            .expect("delete");
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("writer finished");
        }
        // Let the last background snapshot finish, so the directory is in a steady state.
        storage.snapshot().await.expect("snapshot");
        backend.export_state()
    };
    let snapshots = names(dir.path()).iter().filter(|n| n.ends_with(".snap")).count();
    assert_eq!(snapshots, 1, "older snapshots are removed: {:?}", names(dir.path()));
    let automatic = names(dir.path())
        .iter()
        .filter_map(|name| log::parse_name(name))
        .any(|(kind, seq)| kind == FileKind::Snapshot && seq > 2);
    assert!(automatic, "snapshots were taken during the load: {:?}", names(dir.path()));
    let (_storage, backend, _) = open(dir.path(), options).await.expect("reopened");
    assert_eq!(backend.export_state(), expected);
    // Each writer ends with keys 0..9 written last at n = 30..39, and key 4 deleted (n = 34).
    assert_eq!(expected.tables[0].items.len(), 144);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_order_is_apply_order_under_contention() {
    let dir = tempfile::tempdir().expect("temp dir");
    let applied = Arc::new(StdMutex::new(Vec::new()));
    {
        let (storage, _, _) = open(dir.path(), StorageOptions::default()).await.expect("opened");
        let storage = Arc::new(storage);
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let storage = Arc::clone(&storage);
            let applied = Arc::clone(&applied);
            tasks.push(tokio::spawn(async move {
                for n in 0..50 {
                    let tag = format!("{writer}:{n}");
                    let body = tag.clone().into_bytes();
                    let applied = Arc::clone(&applied);
                    let result: Result<(), ()> = storage
                        .write("Tag", &body, || async move {
                            tokio::task::yield_now().await;
                            applied.lock().expect("unpoisoned").push(tag);
                            Ok(())
                        })
                        .await;
                    assert_eq!(result, Ok(()));
                }
            }));
        }
        for task in tasks {
            task.await.expect("writer finished");
        }
    }
    let mut logged = Vec::new();
    let backend = MemoryBackend::new();
    let storage = Storage::open(dir.path(), &backend, |target, body| {
        assert_eq!(target, "Tag");
        logged.push(String::from_utf8(body).expect("utf-8"));
        async {}
    })
    .await
    .expect("reopened");
    drop(storage);
    let applied = applied.lock().expect("unpoisoned").clone();
    assert_eq!(applied.len(), 400);
    assert_eq!(logged, applied);
}

#[tokio::test]
async fn a_data_dir_is_used_by_one_process_at_a_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (first, _, _) = open(dir.path(), StorageOptions::default()).await.expect("opened");
    let error = open(dir.path(), StorageOptions::default()).await.expect_err("locked");
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    assert!(error.to_string().contains("in use by another process"), "{error}");
    drop(first);
    open(dir.path(), StorageOptions::default()).await.expect("free again");
}

fn recovery_error(error: &io::Error) -> &RecoveryError {
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<RecoveryError>())
        .expect("a recovery error")
}

#[tokio::test]
async fn damage_that_recovery_must_not_hide_fails_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (storage, backend, _) =
            open(dir.path(), StorageOptions::default()).await.expect("opened");
        create(&storage, &backend).await;
        write(&storage, &backend, "Put", &item("a", 1)).await.expect("put");
        storage.snapshot().await.expect("snapshot");
        write(&storage, &backend, "Put", &item("b", 2)).await.expect("put");
    }
    let snapshot = dir.path().join(log::snapshot_name(2));
    let segment = dir.path().join(log::segment_name(2));

    // A segment that is not the last one, cut short.
    let next = dir.path().join(log::segment_name(3));
    fs::write(&next, log::MAGIC).expect("written");
    let length = fs::metadata(&segment).expect("stat").len();
    let original = fs::read(&segment).expect("read");
    fs::write(&segment, &original[..usize::try_from(length).expect("small") - 2]).expect("cut");
    let error = open(dir.path(), StorageOptions::default()).await.expect_err("refused");
    assert!(
        matches!(recovery_error(&error), RecoveryError::DamagedLog { file, reason }
            if file == &log::segment_name(2) && reason.contains("not the last segment")),
        "{error}"
    );
    fs::write(&segment, &original).expect("restored");

    // A gap in the segments.
    fs::remove_file(&next).expect("removed");
    fs::write(dir.path().join(log::segment_name(4)), log::MAGIC).expect("written");
    let error = open(dir.path(), StorageOptions::default()).await.expect_err("refused");
    assert!(matches!(recovery_error(&error), RecoveryError::MissingSegment { .. }), "{error}");
    fs::remove_file(dir.path().join(log::segment_name(4))).expect("removed");

    // A damaged snapshot.
    let original = fs::read(&snapshot).expect("read");
    let mut damaged = original.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    fs::write(&snapshot, &damaged).expect("written");
    let error = open(dir.path(), StorageOptions::default()).await.expect_err("refused");
    assert!(matches!(recovery_error(&error), RecoveryError::DamagedSnapshot { .. }), "{error}");
    fs::write(&snapshot, &original).expect("restored");

    // Everything restored: both items are back.
    let (_storage, backend, replayed) =
        open(dir.path(), StorageOptions::default()).await.expect("reopened");
    assert_eq!(replayed.len(), 1);
    assert_eq!(backend.export_state().tables[0].items.len(), 2);
}

#[tokio::test]
async fn leftovers_of_an_interrupted_snapshot_are_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (storage, backend, _) =
            open(dir.path(), StorageOptions::default()).await.expect("opened");
        create(&storage, &backend).await;
        write(&storage, &backend, "Put", &item("a", 1)).await.expect("put");
    }
    // Died while writing snapshot 2: a temporary file, and segment 2 already begun.
    fs::write(dir.path().join("snapshot-00000000000000000002.snap.tmp"), b"STSNAP01 half")
        .expect("written");
    fs::write(dir.path().join(log::segment_name(2)), log::MAGIC).expect("written");
    let (_storage, backend, replayed) =
        open(dir.path(), StorageOptions::default()).await.expect("reopened");
    assert_eq!(replayed.len(), 2);
    assert_eq!(backend.export_state().tables[0].items.len(), 1);
    assert_eq!(
        names(dir.path()),
        ["LOCK", "log-00000000000000000001.wal", "log-00000000000000000002.wal"]
    );
}

/// Stand-in for the server's tags: a list of strings kept beside the engine.
#[derive(Default)]
struct Tags(StdMutex<Vec<String>>);

impl ExtraState for Tags {
    fn export(&self) -> serde_json::Value {
        serde_json::json!(*self.0.lock().expect("unpoisoned"))
    }

    fn import(&self, state: serde_json::Value) -> Result<(), String> {
        let tags: Vec<String> = serde_json::from_value(state).map_err(|e| e.to_string())?;
        if tags.iter().any(|tag| tag == "refused") {
            return Err("a refused tag".to_owned());
        }
        *self.0.lock().expect("unpoisoned") = tags;
        Ok(())
    }
}

async fn open_tagged(dir: &Path, tags: &Arc<Tags>) -> io::Result<Storage> {
    let extra: Arc<dyn ExtraState> = Arc::clone(tags) as Arc<dyn ExtraState>;
    let replay_tags = Arc::clone(tags);
    Storage::open_with_extra_state(
        dir,
        &MemoryBackend::new(),
        Some(extra),
        StorageOptions::default(),
        move |_, body| {
            replay_tags.0.lock().expect("unpoisoned").push(String::from_utf8(body).expect("utf-8"));
            async {}
        },
    )
    .await
}

async fn tag(storage: &Storage, tags: &Tags, tag: &str) {
    let result: Result<(), ()> = storage
        .write("TagResource", tag.as_bytes(), || async {
            tags.0.lock().expect("unpoisoned").push(tag.to_owned());
            Ok(())
        })
        .await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn extra_state_is_carried_by_snapshots_and_replayed_after_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let tags = Arc::new(Tags::default());
        let storage = open_tagged(dir.path(), &tags).await.expect("opened");
        tag(&storage, &tags, "before").await;
        storage.snapshot().await.expect("snapshot");
        tag(&storage, &tags, "after").await;
    }
    let tags = Arc::new(Tags::default());
    let storage = open_tagged(dir.path(), &tags).await.expect("reopened");
    assert_eq!(*tags.0.lock().expect("unpoisoned"), ["before", "after"]);
    tag(&storage, &tags, "refused").await;
    storage.snapshot().await.expect("snapshot");
    drop(storage);
    let error = open_tagged(dir.path(), &Arc::new(Tags::default())).await.expect_err("refused");
    assert!(
        matches!(recovery_error(&error), RecoveryError::Import { message, .. } if message == "a refused tag"),
        "{error}"
    );
}
