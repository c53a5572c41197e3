//! Compile time of the derives (DESIGN.md "Performance", last bullet): `cargo check` of a
//! 20-entity single-table model with `#[derive(Table, Entity, Collection)]` against the
//! same structs with `#[derive(serde::Serialize, serde::Deserialize)]`. Target: at most
//! 1.5x.
//!
//! ```sh
//! cargo bench --bench compile_time --profile dev     # dev: reuses the test build
//! COMPILE_TIME_RUNS=9 cargo bench --bench compile_time --profile dev
//! COMPILE_TIME_ROOT=/path/to/other/checkout cargo bench --bench compile_time --profile dev
//! ```
//!
//! It writes a throwaway workspace of two crates, `model_singletable` and `model_serde`,
//! under `$CARGO_TARGET_DIR/compile-time` (or `target/compile-time`): both depend on this
//! workspace's `singletable` (by path, without the AWS backend) and on `serde` alike, so
//! the only difference between them is the derives. They share one target directory and
//! this workspace's `Cargo.lock`, so dependencies are built once (the warm-up) and at the
//! versions the project uses. Then it times `cargo check -p <crate>` of each, after
//! touching its `lib.rs`, alternating the two so that the load of a shared machine falls
//! on both alike, and prints every run, the medians and their ratio: of the wall time,
//! and of the CPU time of the checks (Linux), which a busy machine disturbs far less.
//!
//! The checks run with `CARGO_INCREMENTAL=0`: a touch without a change would otherwise
//! let rustc reuse its previous results, and the figure wanted is the cost of the
//! generated code (what a clean build or CI pays for the model crate), not of a no-op.
//! Both crates use the default dev profile and the same flags.
//!
//! A bench binary rather than a script: speed claims in this project come from benches,
//! and Rust generates the 20-entity model more readably than a shell script would.
//! Without `--bench` (`cargo test --benches`) it only writes the two crates and says so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// Entity names; each gets the same eight field shapes and keys of one of three kinds.
const ENTITIES: [&str; 20] = [
    "Tenant",
    "User",
    "Team",
    "Project",
    "Task",
    "Comment",
    "Attachment",
    "Label",
    "Milestone",
    "Sprint",
    "Invoice",
    "Payment",
    "Subscription",
    "Plan",
    "Coupon",
    "Order",
    "OrderLine",
    "Product",
    "Review",
    "Shipment",
];

/// Which of the two model crates a piece of source is for.
#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    Singletable,
    Serde,
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The model: one table with three GSIs, 20 entities of eight fields (keys with composite
/// templates, one to three GSIs each, one to three sort-key fields), two collections.
fn model(flavor: Flavor) -> String {
    let mut src = String::from(
        "//! A 20-entity single-table model (written by benches/compile_time.rs).\n\
         #![allow(dead_code, missing_docs)]\n\n",
    );
    let derive = |extra: &str| match flavor {
        Flavor::Singletable => format!("#[derive({extra})]\n"),
        Flavor::Serde => "#[derive(serde::Serialize, serde::Deserialize)]\n".to_owned(),
    };
    if flavor == Flavor::Singletable {
        src.push_str("use singletable::prelude::*;\n\n");
    }
    src.push_str(&derive("Table"));
    if flavor == Flavor::Singletable {
        src.push_str(
            "#[table(name = \"Shop\", pk = \"PK\", sk = \"SK\",\n    \
             gsi(name = \"GSI1\", pk = \"GSI1PK\", sk = \"GSI1SK\"),\n    \
             gsi(name = \"GSI2\", pk = \"GSI2PK\", sk = \"GSI2SK\"),\n    \
             gsi(name = \"GSI3\", pk = \"GSI3PK\", sk = \"GSI3SK\"))]\n",
        );
    }
    src.push_str("pub struct Shop;\n\n");
    for (i, name) in ENTITIES.iter().enumerate() {
        let id = format!("{}_id", snake(name));
        let upper = snake(name).to_uppercase();
        src.push_str(&derive("Entity"));
        if flavor == Flavor::Singletable {
            let sk = match i % 3 {
                0 => format!("{upper}#{{{id}}}"),
                1 => format!("{upper}#{{created_at}}#{{{id}}}"),
                _ => format!("{upper}#{{status}}#{{position}}#{{{id}}}"),
            };
            let mut indexes =
                vec![format!("index(GSI1, pk = \"{upper}#{{{id}}}\", sk = \"{upper}\")")];
            if i % 3 >= 1 {
                indexes.push(format!(
                    "index(GSI2, pk = \"ACCOUNT#{{account_id}}#STATUS#{{status}}\", \
                     sk = \"{upper}#{{created_at}}\")"
                ));
            }
            if i % 3 == 2 {
                indexes.push(format!(
                    "index(GSI3, pk = \"{upper}#{{status}}\", sk = \"AMOUNT#{{amount}}#{{{id}}}\")"
                ));
            }
            let _ = writeln!(
                src,
                "#[entity(table = Shop, pk = \"ACCOUNT#{{account_id}}\", sk = \"{sk}\",\n    {})]",
                indexes.join(",\n    ")
            );
        }
        let _ = write!(
            src,
            "pub struct {name} {{\n    \
             pub account_id: String,\n    \
             pub {id}: String,\n    \
             pub created_at: String,\n    \
             pub status: String,\n    \
             pub amount: i64,\n    \
             pub position: u32,\n    \
             pub note: Option<String>,\n    \
             pub tags: Vec<String>,\n}}\n\n"
        );
    }
    let collections: [(&str, &[&str]); 2] = [
        ("TenantOverview", &["Tenant", "User", "Team"]),
        ("Billing", &["Invoice", "Payment", "Subscription", "Plan"]),
    ];
    for (name, members) in collections {
        src.push_str(&derive("Collection"));
        if flavor == Flavor::Singletable {
            src.push_str("#[collection(table = Shop)]\n");
        }
        let _ = writeln!(src, "pub struct {name} {{");
        for member in members {
            let _ = writeln!(src, "    pub {}s: Vec<{member}>,", snake(member));
        }
        src.push_str("}\n\n");
    }
    src
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Unchanged files keep their mtime, so a second run starts warm.
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text)
}

/// Writes the throwaway workspace; returns its directory.
fn write_workspace(root: &Path, dir: &Path) -> std::io::Result<()> {
    let singletable = root.display().to_string().replace('\\', "/");
    write(
        &dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"model_singletable\", \"model_serde\"]\nresolver = \"2\"\n",
    )?;
    for (crate_name, flavor) in
        [("model_singletable", Flavor::Singletable), ("model_serde", Flavor::Serde)]
    {
        write(
            &dir.join(crate_name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{crate_name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[dependencies]\n\
                 singletable = {{ path = \"{singletable}\", default-features = false }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\n"
            ),
        )?;
        write(&dir.join(crate_name).join("src/lib.rs"), &model(flavor))?;
    }
    // This workspace's lock file: the same dependency versions, nothing to resolve.
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    write(&dir.join("Cargo.lock"), &lock)
}

/// The CPU time (user + system) of this process's waited-for children, from
/// `/proc/self/stat` (Linux; `None` elsewhere). Linux reports it in `USER_HZ` = 100 ticks
/// per second, a fixed ABI.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; `cutime`
    // and `cstime` are fields 16 and 17.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Duration::from_millis((ticks(13)? + ticks(14)?) * 10))
}

/// One timed check: wall time, and CPU time when the platform tells it.
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
}

fn cargo_check(cargo: &str, dir: &Path, target: &Path, name: &str) -> Result<(), String> {
    let output = Command::new(cargo)
        .args(["check", "--quiet", "-p", name])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .map_err(|e| format!("running {cargo}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("cargo check -p {name} failed:\n{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// `cargo check -p <name>` in `dir` after touching its `lib.rs`. A check without the
/// touch first brings the dependencies up to date (a path dependency edited meanwhile is
/// rebuilt there, not in the timed run).
fn check(cargo: &str, dir: &Path, target: &Path, name: &str) -> Result<Sample, String> {
    cargo_check(cargo, dir, target, name)?;
    let lib = dir.join(name).join("src/lib.rs");
    std::fs::File::options()
        .append(true)
        .open(&lib)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| format!("touching {}: {e}", lib.display()))?;
    let cpu_before = children_cpu();
    let start = Instant::now();
    cargo_check(cargo, dir, target, name)?;
    let wall = start.elapsed();
    let cpu = match (cpu_before, children_cpu()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    Ok(Sample { wall, cpu })
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), String> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // `COMPILE_TIME_ROOT`: measure another checkout of the project (a before/after
    // comparison), with its model crates in their own directory.
    let root = std::env::var_os("COMPILE_TIME_ROOT").map_or_else(|| here.clone(), PathBuf::from);
    let target_root = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { here.join(t) } else { t })
        .unwrap_or_else(|| here.join("target"));
    let dir = if root == here {
        target_root.join("compile-time")
    } else {
        let name = root.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        target_root.join(format!("compile-time-{name}"))
    };
    let target = dir.join("target");
    write_workspace(&root, &dir).map_err(|e| format!("writing {}: {e}", dir.display()))?;
    if !std::env::args().any(|a| a == "--bench") {
        println!("compile_time: wrote {} (run with `cargo bench` to time it)", dir.display());
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let runs: usize = match std::env::var("COMPILE_TIME_RUNS") {
        Ok(n) => n.parse().map_err(|e| format!("COMPILE_TIME_RUNS={n}: {e}"))?,
        Err(_) => 5,
    };
    println!("compile_time: workspace {}", dir.display());
    println!("warm-up (dependencies, once)...");
    for name in ["model_serde", "model_singletable"] {
        check(&cargo, &dir, &target, name)?;
    }
    let (mut ours, mut serde) = (Vec::new(), Vec::new());
    let secs = |d: Duration| d.as_secs_f64();
    let cpu = |s: &Sample| s.cpu.map_or_else(|| "-".to_owned(), |c| format!("{:.2}", secs(c)));
    for run in 1..=runs.max(1) {
        let a = check(&cargo, &dir, &target, "model_singletable")?;
        let b = check(&cargo, &dir, &target, "model_serde")?;
        println!(
            "run {run}: singletable {:>6.2} s wall ({} s cpu)   serde {:>6.2} s wall ({} s cpu)",
            secs(a.wall),
            cpu(&a),
            secs(b.wall),
            cpu(&b)
        );
        ours.push(a);
        serde.push(b);
    }
    let n = runs.max(1);
    let wall = |v: &[Sample]| median(v.iter().map(|s| s.wall).collect());
    let (a, b) = (wall(&ours), wall(&serde));
    println!(
        "median of {n}, wall: singletable {:.2} s, serde {:.2} s, ratio {:.2}x (target <= 1.50x)",
        secs(a),
        secs(b),
        secs(a) / secs(b)
    );
    let cpu_of = |v: &[Sample]| -> Option<Duration> {
        v.iter().map(|s| s.cpu).collect::<Option<Vec<_>>>().map(median)
    };
    if let (Some(a), Some(b)) = (cpu_of(&ours), cpu_of(&serde)) {
        // On a loaded machine the wall time also counts waiting for a core; the CPU time
        // of the checks does not.
        println!(
            "median of {n}, cpu:  singletable {:.2} s, serde {:.2} s, ratio {:.2}x",
            secs(a),
            secs(b),
            secs(a) / secs(b)
        );
    }
    Ok(())
}
