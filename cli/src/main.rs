//! `singletable`: schema files to Rust, checks, docs, imports, exports, and a local
//! DynamoDB.
//!
//! Exit codes: 0 success; 1 the input has errors (diagnostics were printed); 2 usage
//! errors (clap's); 66 an input file cannot be read (sysexits `EX_NOINPUT`); 73 an output
//! file cannot be written (`EX_CANTCREAT`); 74 writing to stdout failed (`EX_IOERR`).

mod cost;
mod doc;
mod export;
mod frontend;
mod html;
mod layout;
mod migrate;
mod render;
mod serve;
#[cfg(test)]
mod testmodel;
mod transfer;

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};
use singletable_codegen::{Diagnostic, Diagnostics};

use crate::frontend::{ImportFrom, SourceFile};
use crate::render::Sources;

/// mimalloc for the whole binary: `serve` allocates per request (hyper's buffers, the
/// request's item, the response), and glibc's malloc was a large share of its CPU
/// (docs/serve.md, "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: the input has errors.
const EXIT_INPUT: u8 = 1;
/// Exit code: usage error (as clap exits).
const EXIT_USAGE: u8 = 2;
/// Exit code: an input file cannot be read.
const EXIT_NO_INPUT: u8 = 66;
/// Exit code: an output file cannot be created.
const EXIT_CANT_CREATE: u8 = 73;
/// Exit code: writing to stdout failed.
const EXIT_IO: u8 = 74;

/// Typed DynamoDB models from schema files: generate Rust, check, document, import,
/// export, serve.
#[derive(Debug, Parser)]
#[command(name = "singletable", version, propagate_version = true, arg_required_else_help = true)]
#[command(after_help = "Exit codes: 0 ok, 1 the input has errors, 2 usage error, 66 an input \
                        file cannot be read, 73 an output file cannot be written, 74 writing \
                        to stdout failed.")]
struct Cli {
    /// When to colour diagnostics: `auto` (a terminal, unless NO_COLOR is set), `always`,
    /// `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether diagnostics on stderr get colours.
    fn enabled(self) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                    && std::io::stderr().is_terminal()
            }
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the Rust code of a schema file (the same API the derives generate).
    Generate(GenerateArgs),
    /// Validate schema files and print every error of every file.
    Check(CheckArgs),
    /// Document a schema: key design, access patterns, layout and relation diagrams.
    Doc(DocArgs),
    /// Turn an AWS NoSQL Workbench model or a OneTable schema into TOML schema files.
    Import(ImportArgs),
    /// Export the table as CreateTable JSON, a CloudFormation resource or an IAM policy.
    Export(ExportArgs),
    /// What a workload costs: RCU/WCU per access pattern (GSI writes included) and the
    /// monthly bill on-demand vs provisioned, with a recommendation.
    Cost(CostArgs),
    /// Serve the embedded engine over DynamoDB's HTTP API (a local DynamoDB).
    #[command(name = serve::NAME)]
    Serve(serve::ServeArgs),
    /// Dump a table of any DynamoDB into AWS's export-to-S3 layout (parallel, resumable).
    Dump(transfer::DumpArgs),
    /// Load an export (AWS's or a dump) into a table of any DynamoDB (resumable).
    Load(transfer::LoadArgs),
    /// Change a live model: plan the difference between two schema files, apply it to
    /// a table (resumable, idempotent), and show the table's migration history.
    Migrate(migrate::MigrateArgs),
}

/// `generate`.
#[derive(Debug, Args)]
#[command(after_help = "Example: singletable generate schema.toml -o src/model.rs")]
struct GenerateArgs {
    /// The schema file (`.toml`, `.yaml`/`.yml` or `.json`).
    schema: PathBuf,
    /// Where to write the Rust code; `-` (the default) is stdout.
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    output: PathBuf,
}

/// `check`.
#[derive(Debug, Args)]
#[command(after_help = "Example: singletable check schema/*.toml")]
struct CheckArgs {
    /// The schema files.
    #[arg(required = true)]
    schemas: Vec<PathBuf>,
}

/// `doc`.
#[derive(Debug, Args)]
#[command(after_help = "Example: singletable doc schema.toml -o MODEL.md --html model.html")]
struct DocArgs {
    /// The schema file.
    schema: PathBuf,
    /// Where to write the Markdown page; `-` is stdout (the default unless `--html` is given).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write a self-contained HTML page with the diagrams drawn.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// `import`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  singletable import --from workbench AnOnlineShop.json -o schema/\n  \
                        singletable import --from onetable onetable.json -o app.toml"
)]
struct ImportArgs {
    /// The format of the input.
    #[arg(long, value_enum)]
    from: ImportFrom,
    /// The file to import.
    file: PathBuf,
    /// A directory (one `<table>.toml` per table) or, for a single table, a `.toml` file;
    /// stdout when absent (one table only).
    #[arg(short, long, value_name = "DIR|FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// The `CreateTable` request (`aws dynamodb create-table --cli-input-json`).
    CreateTable,
    /// A CloudFormation template with the `AWS::DynamoDB::Table` resource.
    Cloudformation,
    /// A least-privilege IAM policy for the access patterns.
    Iam,
}

/// `export`.
#[derive(Debug, Args)]
#[command(after_help = "Example: singletable export schema.toml --format iam --region eu-west-1 \
                        --account 123456789012")]
struct ExportArgs {
    /// The schema file.
    schema: PathBuf,
    /// What to export.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Where to write it; `-` (the default) is stdout.
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    output: PathBuf,
    /// IAM: the region in ARNs (default `${AWS::Region}`).
    #[arg(long)]
    region: Option<String>,
    /// IAM: the account id in ARNs (default `${AWS::AccountId}`).
    #[arg(long)]
    account: Option<String>,
    /// IAM: the partition in ARNs (default `${AWS::Partition}`).
    #[arg(long)]
    partition: Option<String>,
    /// IAM: the principal tag holding the caller's tenant, for `dynamodb:LeadingKeys`.
    #[arg(long, default_value = "tenant", value_name = "TAG")]
    tenant_tag: String,
    /// IAM: grant reads only (no write statement).
    #[arg(long)]
    read_only: bool,
}

/// `cost`.
#[derive(Debug, Args)]
#[command(after_help = "Example: singletable cost schema.toml --traffic traffic.toml --json\n\
                        The traffic file's format and the rules: docs/cost.md")]
struct CostArgs {
    /// The schema file.
    schema: PathBuf,
    /// Requests per second per access pattern, entity writes, sizes, prices (TOML).
    #[arg(long, value_name = "FILE")]
    traffic: PathBuf,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// What went wrong in a command, with its exit code.
#[derive(Debug)]
struct Failure {
    code: u8,
}

type Outcome = Result<(), Failure>;

/// Prints `message` as an `error:` line on stderr and fails with `code`.
fn fail(code: u8, message: impl std::fmt::Display) -> Failure {
    eprintln!("error: {message}");
    Failure { code }
}

/// Reports diagnostics of one file (rendered against its text) and fails with 1.
fn report(diagnostics: Diagnostics, file: &SourceFile, color: bool) -> Failure {
    let errors: Vec<Diagnostic> = diagnostics.into_errors();
    let mut sources = Sources::new();
    sources.add(&file.name, &file.text);
    eprint!("{}", render::render(&errors, &sources, color));
    eprintln!("error: {} has {}", file.name, plural(errors.len(), "error"));
    Failure { code: EXIT_INPUT }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes `text` to `path`, or stdout for `-`.
fn write_output(path: &Path, text: &str) -> Outcome {
    if is_stdout(path) {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|error| fail(EXIT_IO, format!("cannot write to stdout: {error}")));
    }
    std::fs::write(path, text).map_err(|error| {
        fail(EXIT_CANT_CREATE, format!("cannot write `{}`: {error}", path.display()))
    })
}

/// Reads and validates a schema file.
fn load(
    path: &Path,
    color: bool,
) -> Result<(SourceFile, singletable_codegen::model::ModelSet), Failure> {
    let format = frontend::format_of(path).map_err(|error| fail(EXIT_NO_INPUT, error))?;
    let file = frontend::read(path).map_err(|error| fail(EXIT_NO_INPUT, error))?;
    match frontend::parse(&file, format) {
        Ok(models) => Ok((file, models)),
        Err(diagnostics) => Err(report(diagnostics, &file, color)),
    }
}

fn generate(args: &GenerateArgs, color: bool) -> Outcome {
    let (file, models) = load(&args.schema, color)?;
    let code =
        frontend::generate(&models).map_err(|diagnostics| report(diagnostics, &file, color))?;
    write_output(&args.output, &code)
}

fn check(args: &CheckArgs, color: bool) -> Outcome {
    let mut sources = Sources::new();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut unreadable = 0usize;
    let mut failed_files = 0usize;
    let mut passed: Vec<String> = Vec::new();
    for path in &args.schemas {
        let loaded = frontend::format_of(path)
            .and_then(|format| frontend::read(path).map(|file| (format, file)));
        let (format, file) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("error: {error}");
                unreadable += 1;
                continue;
            }
        };
        sources.add(&file.name, &file.text);
        match frontend::parse(&file, format) {
            Ok(models) => passed.push(format!(
                "{}: ok (table `{}`, {}, {})",
                file.name,
                models.table.name.value,
                plural(models.entities.len(), "entity").replace("entitys", "entities"),
                plural(models.access_patterns.len(), "access pattern")
            )),
            Err(diagnostics) => {
                failed_files += 1;
                errors.extend(diagnostics.into_errors());
            }
        }
    }
    eprint!("{}", render::render(&errors, &sources, color));
    for line in &passed {
        println!("{line}");
    }
    if !errors.is_empty() {
        eprintln!("error: {} in {}", plural(errors.len(), "error"), plural(failed_files, "file"));
    }
    if unreadable > 0 {
        Err(Failure { code: EXIT_NO_INPUT })
    } else if !errors.is_empty() {
        Err(Failure { code: EXIT_INPUT })
    } else {
        Ok(())
    }
}

fn doc(args: &DocArgs, color: bool) -> Outcome {
    let (_, models) = load(&args.schema, color)?;
    let layout = layout::layout(&models);
    match &args.output {
        Some(path) => write_output(path, &doc::markdown(&models, &layout))?,
        None if args.html.is_none() => {
            write_output(Path::new("-"), &doc::markdown(&models, &layout))?
        }
        None => {}
    }
    if let Some(path) = &args.html {
        write_output(path, &html::page(&models, &layout))?;
    }
    Ok(())
}

fn import(args: &ImportArgs, color: bool) -> Outcome {
    let file = frontend::read(&args.file).map_err(|error| fail(EXIT_NO_INPUT, error))?;
    let tables = frontend::import(&file, args.from)
        .map_err(|diagnostics| report(diagnostics, &file, color))?;
    if tables.is_empty() {
        return Err(fail(EXIT_INPUT, format!("{} holds no table", file.name)));
    }
    let single_file = args.output.as_deref().filter(|path| {
        is_stdout(path) || path.extension().is_some_and(|ext| ext == "toml") && !path.is_dir()
    });
    match (&args.output, single_file) {
        (None, _) | (Some(_), Some(_)) => {
            let [table] = tables.as_slice() else {
                return Err(fail(
                    EXIT_USAGE,
                    format!(
                        "{} holds {} tables ({}): give a directory with -o to write one schema \
                         file per table",
                        file.name,
                        tables.len(),
                        tables.iter().map(|t| t.table_name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            let path = single_file.unwrap_or(Path::new("-"));
            write_output(path, &frontend::to_toml(&table.models))?;
            if !is_stdout(path) {
                eprintln!("wrote {} (table `{}`)", path.display(), table.table_name);
            }
        }
        (Some(dir), None) => {
            std::fs::create_dir_all(dir).map_err(|error| {
                fail(
                    EXIT_CANT_CREATE,
                    format!("cannot create directory `{}`: {error}", dir.display()),
                )
            })?;
            let mut written: Vec<PathBuf> = Vec::new();
            for table in &tables {
                let stem = frontend::file_stem(&table.table_name);
                let mut path = dir.join(format!("{stem}.toml"));
                let mut n = 2;
                while written.contains(&path) {
                    path = dir.join(format!("{stem}-{n}.toml"));
                    n += 1;
                }
                write_output(&path, &frontend::to_toml(&table.models))?;
                eprintln!("wrote {} (table `{}`)", path.display(), table.table_name);
                written.push(path);
            }
        }
    }
    Ok(())
}

fn export(args: &ExportArgs, color: bool) -> Outcome {
    let (_, models) = load(&args.schema, color)?;
    let document = match args.format {
        ExportFormat::CreateTable => export::create_table_json(&models),
        ExportFormat::Cloudformation => export::cloudformation_json(&models),
        ExportFormat::Iam => {
            let options = export::IamOptions {
                partition: args.partition.clone(),
                region: args.region.clone(),
                account: args.account.clone(),
                tenant_tag: args.tenant_tag.clone(),
                read_only: args.read_only,
            };
            export::iam_policy(&models, &options).map_err(|errors| {
                for error in &errors {
                    eprintln!("error: {error}");
                }
                Failure { code: EXIT_INPUT }
            })?
        }
    };
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|error| fail(EXIT_IO, format!("cannot encode JSON: {error}")))?;
    text.push('\n');
    write_output(&args.output, &text)
}

fn cost(args: &CostArgs, color: bool) -> Outcome {
    let (_, models) = load(&args.schema, color)?;
    let file = frontend::read(&args.traffic).map_err(|error| fail(EXIT_NO_INPUT, error))?;
    let traffic = cost::traffic::parse(&file.text, &file.name)
        .map_err(|diagnostics| report(diagnostics, &file, color))?;
    let workload = cost::workload(&models, &traffic, &args.traffic)
        .map_err(|diagnostics| report(diagnostics, &file, color))?;
    let prices = cost::prices(&traffic);
    let report =
        singletable_core::cost::report(&workload, &prices, traffic.utilization.unwrap_or(0.7))
            .map_err(|error| fail(EXIT_INPUT, error))?;
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&report)
            .map_err(|error| fail(EXIT_IO, format!("cannot encode JSON: {error}")))?;
        text.push('\n');
        text
    } else {
        report.to_table()
    };
    write_output(Path::new("-"), &text)
}

/// The colour clap's own help and errors use: `--color` as given on the command line
/// (clap parses it only after printing those), else clap's detection (a terminal, and
/// `NO_COLOR`).
fn clap_color(args: &[std::ffi::OsString]) -> clap::ColorChoice {
    let mut value = None;
    let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if let Some(given) = arg.strip_prefix("--color=") {
            value = Some(given.to_owned());
        } else if arg == "--color" {
            value = iter.next().map(|v| v.into_owned());
        }
    }
    match value.as_deref() {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    }
}

/// Runs `dump`, `load` or `migrate` on a runtime: prints the outcome, or the error
/// (exit code 1).
fn transfer_main<F, Fut, E>(run: F) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<String, E>>,
    E: std::fmt::Display,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run()) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

/// `migrate plan|apply|status`: the schema files read (diagnostics as `check` prints
/// them), then the plan run on a runtime.
fn migrate_main(args: &migrate::MigrateArgs, color: bool) -> ExitCode {
    use singletable_runtime::migrate::Plan;
    let model = |path: &Path| load(path, color).map(|(_, models)| migrate::model(&models));
    let plan_of = |models: &migrate::Models| -> Result<Plan, Failure> {
        Ok(Plan::between(model(&models.from)?, model(&models.to)?))
    };
    let outcome = match &args.command {
        migrate::MigrateCommand::Plan(args) => plan_of(&args.models).map(|plan| {
            let refused = !plan.refused.is_empty();
            let code =
                transfer_main(|| async { migrate::plan(&plan, &args.target, args.sample).await });
            if refused {
                ExitCode::from(EXIT_INPUT)
            } else {
                code
            }
        }),
        migrate::MigrateCommand::Apply(args) => plan_of(&args.models).map(|plan| {
            if !std::io::stderr().is_terminal() {
                let _ = tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::INFO)
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .try_init();
            }
            transfer_main(|| async { migrate::apply(&plan, args).await })
        }),
        migrate::MigrateCommand::Status(args) => (|| {
            let table = model(&args.to)?;
            let plan = match &args.from {
                Some(from) => Some(Plan::between(model(from)?, table.clone())),
                None => None,
            };
            Ok(transfer_main(|| async {
                migrate::status(&table, plan.as_ref(), &args.target).await
            }))
        })(),
    };
    outcome.unwrap_or_else(|failure| ExitCode::from(failure.code))
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = Cli::command().color(clap_color(&args)).get_matches_from(&args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let color = cli.color.enabled();
    let outcome = match &cli.command {
        // `serve` runs until stopped and has exit codes of its own.
        Command::Serve(args) => return serve::run(args.clone()),
        Command::Dump(args) => {
            return transfer_main(|| async {
                transfer::dump(args).await.map(|dir| format!("dumped into {}", dir.display()))
            })
        }
        Command::Load(args) => {
            return transfer_main(|| async {
                transfer::load(args).await.map(|loaded| {
                    format!(
                        "loaded {} items ({} data files already loaded)",
                        loaded.written, loaded.skipped_files
                    )
                })
            })
        }
        Command::Migrate(args) => return migrate_main(args, color),
        Command::Generate(args) => generate(args, color),
        Command::Check(args) => check(args, color),
        Command::Doc(args) => doc(args, color),
        Command::Import(args) => import(args, color),
        Command::Export(args) => export(args, color),
        Command::Cost(args) => cost(args, color),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => ExitCode::from(failure.code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn clap_colour_follows_the_flag() {
        let args = |list: &[&str]| list.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            clap_color(&args(&["st", "--color", "never", "check"])),
            clap::ColorChoice::Never
        );
        assert_eq!(
            clap_color(&args(&["st", "check", "--color=always"])),
            clap::ColorChoice::Always
        );
        assert_eq!(clap_color(&args(&["st", "check", "x.toml"])), clap::ColorChoice::Auto);
        assert_eq!(clap_color(&args(&["st", "--", "--color=always"])), clap::ColorChoice::Auto);
    }

    #[test]
    fn export_and_import_arguments_parse() {
        let cli =
            Cli::try_parse_from(["singletable", "export", "s.toml", "--format", "create-table"])
                .unwrap();
        match cli.command {
            Command::Export(args) => {
                assert_eq!(args.format, ExportFormat::CreateTable);
                assert!(is_stdout(&args.output));
            }
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from([
            "singletable",
            "--color",
            "never",
            "import",
            "--from",
            "onetable",
            "x.json",
            "-o",
            "out",
        ])
        .unwrap();
        assert_eq!(cli.color, ColorWhen::Never);
        assert!(matches!(
            cli.command,
            Command::Import(ImportArgs { from: ImportFrom::Onetable, .. })
        ));
        assert!(
            Cli::try_parse_from(["singletable", "export", "s.toml", "--format", "yaml"]).is_err()
        );
    }
}
