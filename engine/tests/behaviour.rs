//! The shared behaviour suite (`singletable_testkit::behaviour`) on the embedded engine:
//! the same cases `singletable-aws` runs on DynamoDB Local and `singletable-server` runs
//! through `singletable serve`.

use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};
use singletable_engine::MemoryBackend;
use singletable_testkit::behaviour::{Ctx, CASES};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let trials = CASES
        .iter()
        .map(|case| {
            let run = case.run;
            Trial::test(format!("memory::{}", case.name), move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("tokio runtime: {e}"))?
                    .block_on(async {
                        let db = MemoryBackend::new();
                        run(&Ctx { db: &db, prefix: "st-".to_owned() }).await;
                    });
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}
