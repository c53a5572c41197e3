//! `AwsBackend` against DynamoDB Local, and the shared behaviour suite
//! (`singletable_testkit::behaviour`) on DynamoDB Local through `AwsBackend` (the engine
//! runs the same suite in `engine/tests/behaviour.rs`).
//!
//! A custom harness (libtest-mimic: libtest's command line, filters and output) so that
//! one DynamoDB Local serves the whole binary and is stopped when `main` returns. Tests
//! are named `aws::<case>`, `memory::<case>` and `aws_only::<case>`. Without Java or npm
//! the `aws::` tests are reported ignored, except under `CI=true` where that fails.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use singletable_aws::AwsBackend;
use singletable_core::backend::{
    Backend, GetItemInput, ListTablesInput, PutItemInput, QueryInput, ScanInput, UpdateItemInput,
};
use singletable_core::expr::KeyCondition;
use singletable_core::{AttributeValue, Error};
use singletable_testkit::DynamoDbLocal;

use singletable_testkit::behaviour;

use behaviour::{create, item, ok, s, simple_table, Ctx, CASES};

/// A fresh current-thread runtime per test: the SDK's connection pool lives on the
/// runtime that made it, so each test also makes its own `AwsBackend`.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
        .block_on(future)
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    // Listing (`--list`, as nextest does) must not start a JVM.
    let local = if args.list { None } else { DynamoDbLocal::start_or_skip().map(Arc::new) };
    if let Some(local) = &local {
        // For `from_env`: the endpoint and dummy credentials through the standard
        // variables, set before any test thread starts.
        std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", local.endpoint());
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "singletable");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "singletable");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let endpoint = local.as_ref().map(|local| local.endpoint());
    let skipped = endpoint.is_none() && !args.list;

    let mut trials = Vec::new();
    for case in CASES {
        let run = case.run;
        let endpoint_for_case = endpoint.clone();
        trials.push(
            Trial::test(format!("aws::{}", case.name), move || {
                let Some(endpoint) = endpoint_for_case else { return Ok(()) };
                block_on(async {
                    let db = AwsBackend::from_endpoint(endpoint);
                    run(&Ctx { db: &db, prefix: "st-".to_owned() }).await;
                });
                Ok(())
            })
            .with_ignored_flag(skipped),
        );
    }
    type AwsTest = fn(String) -> Result<(), Failed>;
    let aws_only: [(&str, AwsTest); 5] = [
        ("requests_run_in_a_dynamodb_span", requests_run_in_a_dynamodb_span),
        ("from_env_honours_aws_endpoint_url_dynamodb", from_env_honours_endpoint_variables),
        ("unreachable_endpoint_is_a_transport_error", unreachable_endpoint_is_a_transport_error),
        (
            "service_errors_keep_code_message_and_source",
            service_errors_keep_code_message_and_source,
        ),
        ("client_is_exposed_for_other_operations", client_is_exposed_for_other_operations),
    ];
    for (name, test) in aws_only {
        let endpoint = endpoint.clone();
        trials.push(
            Trial::test(format!("aws_only::{name}"), move || match endpoint {
                Some(endpoint) => test(endpoint),
                None => Ok(()),
            })
            .with_ignored_flag(skipped),
        );
    }

    let conclusion = libtest_mimic::run(&args, trials);
    drop(local); // Stops DynamoDB Local.
    conclusion.exit_code()
}

fn from_env_honours_endpoint_variables(_endpoint: String) -> Result<(), Failed> {
    block_on(async {
        let db = ok(AwsBackend::from_env().await);
        let name = "st-from-env".to_owned();
        create(&db, simple_table(name.clone())).await;
        let listed = ok(db.list_tables(ListTablesInput::default()).await);
        assert!(listed.table_names.contains(&name), "{listed:?}");
        behaviour::drop_table(&db, &name).await;
    });
    Ok(())
}

fn unreachable_endpoint_is_a_transport_error(_endpoint: String) -> Result<(), Failed> {
    // A port nothing listens on: bind one, note it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| Failed::from(format!("no free port: {e}")))?;
    block_on(async {
        let db = AwsBackend::from_endpoint(format!("http://127.0.0.1:{port}"));
        match db.list_tables(ListTablesInput::default()).await {
            Err(Error::Service { code, message, source }) => {
                assert_eq!(code, "TransportError", "{message}");
                assert!(source.is_some(), "the SDK error is kept");
                assert!(!message.is_empty());
            }
            other => panic!("expected a transport error, got {other:?}"),
        }
    });
    Ok(())
}

fn service_errors_keep_code_message_and_source(endpoint: String) -> Result<(), Failed> {
    block_on(async {
        let db = AwsBackend::from_endpoint(endpoint);
        let name = "st-service-errors".to_owned();
        create(&db, simple_table(name.clone())).await;
        // DynamoDB's own message comes through unchanged.
        let input = PutItemInput {
            table_name: name.clone(),
            item: item([("pk", s("")), ("sk", s("s"))]),
            ..PutItemInput::default()
        };
        // Every typed error keeps the SDK's error (with the request id) as its source.
        fn sdk_source(error: &Error) -> String {
            let source = std::error::Error::source(error)
                .unwrap_or_else(|| panic!("{error:?} has no source"));
            format!("{source:?}")
        }
        match db.put_item(input).await {
            Err(e @ Error::Validation { .. }) => {
                let Error::Validation { message, .. } = &e else { unreachable!() };
                assert!(message.contains("empty string value"), "{message}");
                assert!(sdk_source(&e).contains("ValidationException"), "{e:?}");
            }
            other => panic!("expected ValidationException, got {other:?}"),
        }
        match db.describe_table("st-nope".to_owned()).await {
            Err(e @ Error::ResourceNotFound { .. }) => {
                assert_eq!(e.dynamodb_type(), Some("ResourceNotFoundException"));
                assert!(sdk_source(&e).contains("ResourceNotFound"), "{e:?}");
            }
            other => panic!("expected ResourceNotFoundException, got {other:?}"),
        }
        match db.create_table(simple_table(name.clone())).await {
            Err(e @ Error::ResourceInUse { .. }) => {
                assert!(sdk_source(&e).contains("ResourceInUse"), "{e:?}");
            }
            other => panic!("expected ResourceInUseException, got {other:?}"),
        }
        let input = PutItemInput {
            table_name: name.clone(),
            item: item([("pk", s("p")), ("sk", s("s"))]),
            condition: Some(singletable_core::expr::Condition::AttributeExists(
                singletable_core::expr::Path::attribute("pk"),
            )),
            ..PutItemInput::default()
        };
        match db.put_item(input).await {
            Err(e @ Error::ConditionalCheckFailed { .. }) => {
                assert!(sdk_source(&e).contains("ConditionalCheckFailed"), "{e:?}");
            }
            other => panic!("expected ConditionalCheckFailedException, got {other:?}"),
        }
        let input = GetItemInput {
            table_name: name.clone(),
            key: item([("pk", s("p")), ("sk", s("s"))]),
            ..GetItemInput::default()
        };
        assert_eq!(ok(db.get_item(input).await).item, None);
        behaviour::drop_table(&db, &name).await;
    });
    Ok(())
}

fn client_is_exposed_for_other_operations(endpoint: String) -> Result<(), Failed> {
    block_on(async {
        let db = AwsBackend::from_endpoint(endpoint);
        let name = "st-raw-client".to_owned();
        create(&db, simple_table(name.clone())).await;
        let backend: &dyn Backend = &db;
        let input = PutItemInput {
            table_name: name.clone(),
            item: item([("pk", s("p")), ("sk", s("s")), ("v", AttributeValue::Bool(true))]),
            ..PutItemInput::default()
        };
        ok(backend.put_item(input).await);
        match db.client().scan().table_name(&name).send().await {
            Ok(scanned) => assert_eq!(scanned.count(), 1),
            Err(e) => panic!("scan: {e}"),
        }
        behaviour::drop_table(&db, &name).await;
    });
    Ok(())
}

/// Records the `dynamodb` spans created on one thread as `operation table`.
///
/// It is installed as the *global* subscriber and ignores other threads: a thread-scoped
/// subscriber (`with_default`) races with the other tests, which register the same span
/// callsites on threads without a subscriber, and tracing can then cache "never" for a
/// callsite (with a single registered dispatcher, interest is computed from the
/// registering thread's default).
struct SpanRecorder {
    thread: std::thread::ThreadId,
    spans: std::sync::Mutex<Vec<String>>,
    next_id: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Fields(Vec<String>);

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for SpanRecorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        if span.metadata().name() == "dynamodb" && std::thread::current().id() == self.thread {
            let mut fields = Fields::default();
            span.record(&mut fields);
            let mut spans = self.spans.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            spans.push(format!("{} {}", span.metadata().level(), fields.0.join(" ")));
        }
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::span::Id::from_u64(id + 1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn requests_run_in_a_dynamodb_span(endpoint: String) -> Result<(), Failed> {
    let recorder = Arc::new(SpanRecorder {
        thread: std::thread::current().id(),
        spans: std::sync::Mutex::default(),
        next_id: std::sync::atomic::AtomicU64::default(),
    });
    tracing::subscriber::set_global_default(Arc::clone(&recorder))
        .map_err(|e| Failed::from(format!("no global subscriber: {e}")))?;
    block_on(async {
        let db = AwsBackend::from_endpoint(endpoint);
        let name = "st-traced".to_owned();
        ok(db.create_table(simple_table(name.clone())).await);
        let input = PutItemInput {
            table_name: name.clone(),
            item: item([("pk", s("p")), ("sk", s("s"))]),
            ..PutItemInput::default()
        };
        ok(db.put_item(input).await);
        let key = item([("pk", s("p")), ("sk", s("s"))]);
        let update =
            UpdateItemInput { table_name: name.clone(), key, ..UpdateItemInput::default() };
        ok(db.update_item(update).await);
        let query = QueryInput {
            table_name: name.clone(),
            key_condition: KeyCondition {
                partition: vec![("pk".to_owned(), s("p"))],
                sort: vec![],
            },
            ..QueryInput::default()
        };
        assert_eq!(ok(db.query(query).await).count, 1);
        let scan = ScanInput { table_name: name.clone(), ..ScanInput::default() };
        assert_eq!(ok(db.scan(scan).await).count, 1);
        ok(db.list_tables(ListTablesInput::default()).await);
        ok(db.delete_table(name).await);
    });
    let spans = recorder.spans.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(
        *spans,
        [
            "DEBUG operation=CreateTable table=st-traced",
            "DEBUG operation=PutItem table=st-traced",
            "DEBUG operation=UpdateItem table=st-traced",
            "DEBUG operation=Query table=st-traced",
            "DEBUG operation=Scan table=st-traced",
            "DEBUG operation=ListTables",
            "DEBUG operation=DeleteTable table=st-traced",
        ]
    );
    Ok(())
}
