//! Migrations on DynamoDB Local through `AwsBackend`: the scenarios of `tests/migrate.rs`
//! (shared in `tests/migrate_support`), run one at a time (they share the table name).
//!
//! Sizes: the index backfill runs on 10,000 items as on the engine; the other scenarios
//! on 2,000 (each seeds and rewrites its whole table through DynamoDB Local; the five
//! together took 95 s and 159 s in two runs on the busy 2-core development machine).
//!
//! A custom harness (libtest-mimic) so that one DynamoDB Local serves the whole binary.
//! Without Java or npm the tests are reported ignored, except under `CI=true` where that
//! fails (see `singletable_testkit`).

mod migrate_support;

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use migrate_support as support;
use singletable::{AwsBackend, Backend};
use singletable_testkit::DynamoDbLocal;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
        .block_on(future)
}

fn local(endpoint: &str) -> Arc<dyn Backend> {
    Arc::new(AwsBackend::from_endpoint(endpoint.to_owned()))
}

type Case = fn(&str) -> Result<(), Failed>;

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // One table name for every scenario: one at a time.
    args.test_threads = Some(1);
    let local_db = if args.list { None } else { DynamoDbLocal::start_or_skip() };
    let endpoint = local_db.as_ref().map(DynamoDbLocal::endpoint);
    let skipped = endpoint.is_none() && !args.list;
    let cases: [(&str, Case); 7] = [
        ("a_table_of_10000_items_gains_a_gsi", |e| {
            block_on(support::gains_an_index(local(e), 10_000));
            Ok(())
        }),
        ("a_killed_run_resumes_and_misses_nothing", |e| {
            block_on(support::killed_and_resumed(local(e), 2_000));
            Ok(())
        }),
        ("concurrent_writers_lose_nothing", |e| {
            block_on(support::concurrent_writers(local(e), 2_000));
            Ok(())
        }),
        ("a_key_template_change_moves_every_item", |e| {
            block_on(support::moves_every_item(local(e), 2_000));
            Ok(())
        }),
        ("a_second_apply_sends_no_write", |e| {
            block_on(support::second_apply_writes_nothing(
                AwsBackend::from_endpoint(e.to_owned()),
                1_000,
            ));
            Ok(())
        }),
        ("a_rescan_rewrites_what_old_code_wrote_after_the_apply", |e| {
            block_on(support::rescan_catches_late_old_writes(
                AwsBackend::from_endpoint(e.to_owned()),
                1_000,
            ));
            Ok(())
        }),
        ("a_migration_writes_new_fields_defaults_into_old_items", |e| {
            block_on(support::defaults_fill_old_items(
                AwsBackend::from_endpoint(e.to_owned()),
                1_000,
            ));
            Ok(())
        }),
    ];
    let trials = cases
        .into_iter()
        .map(|(name, run)| {
            let endpoint = endpoint.clone();
            Trial::test(name, move || match endpoint {
                Some(endpoint) => run(&endpoint),
                None => Ok(()),
            })
            .with_ignored_flag(skipped)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(local_db);
    conclusion.exit_code()
}
