//! `singletable migrate plan|apply|status`: the difference between two schema files as a
//! plan (`singletable_runtime::migrate`), run on a table of any DynamoDB through
//! aws-sdk-dynamodb (`--endpoint URL` or `--aws`).
//!
//! The schema files are lowered to the runtime's schema types exactly as the generated
//! code's `SCHEMA` constants are (the table through [`table_schema`](crate::export::table_schema), the
//! entities here), so a plan from files and a plan from Rust constants are one plan. The
//! integer types of fields come from the files (`u32` → fixed-width key text of 10
//! digits), which the runtime needs to render a number into a new key.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use singletable_aws::AwsBackend;
use singletable_codegen::model::{
    EntityIndexKeys, EntityModel, KeyTemplate, ModelSet, TemplatePart, TypeClass,
};
use singletable_core::schema::{
    self, EntityIndexSchema, EntitySchema, FieldMarkers, FieldSchema, KeyTemplateSchema,
};
use singletable_runtime::migrate::{
    self, ApplyOptions, ApplyReport, IntegerType, MigrateError, Model, Plan, Progress,
};

use crate::export::table_schema;

/// `singletable migrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub command: MigrateCommand,
}

/// The subcommands of `migrate`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum MigrateCommand {
    /// Print the plan from one model to another: table changes, item rewrites, what
    /// cannot be done, and (with a table to ask) the cost.
    #[command(
        after_help = "Example: singletable migrate plan --from v1.toml --to v2.toml --endpoint http://127.0.0.1:8000"
    )]
    Plan(PlanArgs),
    /// Run the plan on the table: UpdateTable, then a parallel, checkpointed scan that
    /// rewrites the items; resumable and idempotent.
    #[command(
        after_help = "Example: singletable migrate apply --from v1.toml --to v2.toml --aws --segments 16"
    )]
    Apply(ApplyArgs),
    /// The migrations applied to the table, and where a started one stands.
    #[command(
        after_help = "Example: singletable migrate status --to v2.toml --from v1.toml --aws"
    )]
    Status(StatusArgs),
}

/// Which DynamoDB to ask, when one is asked at all.
#[derive(Debug, Clone, clap::Args)]
pub struct OptionalTarget {
    /// A DynamoDB endpoint (`http://127.0.0.1:8000` for `singletable serve` or DynamoDB
    /// Local); static dummy credentials, the region from AWS_REGION or us-east-1.
    #[arg(long, value_name = "URL", conflicts_with = "aws")]
    pub endpoint: Option<String>,
    /// AWS itself: credentials and region from the environment, profile or SSO.
    #[arg(long)]
    pub aws: bool,
}

/// The two models.
#[derive(Debug, Clone, clap::Args)]
pub struct Models {
    /// The schema file of the model the table holds now.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The schema file of the model to migrate to.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

/// `migrate plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub models: Models,
    #[command(flatten)]
    pub target: OptionalTarget,
    /// With a table: count the writes on the first N items of a scan (per entity) instead
    /// of assuming every item is rewritten.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub sample: Option<u32>,
}

/// `migrate apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub models: Models,
    #[command(flatten)]
    pub target: crate::transfer::Target,
    /// Parallel scan segments (a resumed run must give the same number).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub segments: u32,
    /// Only segment I of N (0-based), for runs split over processes or machines; they
    /// meet through the checkpoints in the table. Overrides --segments.
    #[arg(long, value_name = "I/N", value_parser = parse_segment)]
    pub segment: Option<(u32, u32)>,
    /// Compute and count everything, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Scan the whole table again though the plan is applied: rewrites items that code
    /// of the old model wrote meanwhile (no checkpoints; only changed items are written).
    #[arg(long)]
    pub rescan: bool,
    /// Items per scan page (DynamoDB's 1 MB pages otherwise).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: Option<u32>,
}

/// `migrate status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The schema file of the table's current model (names the table).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// With the model before: also where that plan's segments stand.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    #[command(flatten)]
    pub target: crate::transfer::Target,
}

/// `I/N` with `I < N`.
fn parse_segment(text: &str) -> Result<(u32, u32), String> {
    let (i, n) = text.split_once('/').ok_or("expected I/N, e.g. 3/16")?;
    let i: u32 = i.trim().parse().map_err(|e| format!("segment `{i}`: {e}"))?;
    let n: u32 = n.trim().parse().map_err(|e| format!("segment count `{n}`: {e}"))?;
    if n == 0 || i >= n {
        return Err(format!("segment {i}/{n}: segments count from 0 to N-1"));
    }
    Ok((i, n))
}

/// A string for the `'static` schema types: the CLI lowers two models per run.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn template(template: &KeyTemplate) -> KeyTemplateSchema {
    let parts: Vec<schema::TemplatePart> = template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => schema::TemplatePart::Literal(leak(text)),
            TemplatePart::Field(name) => schema::TemplatePart::Field(leak(name)),
        })
        .collect();
    KeyTemplateSchema {
        source: leak(&template.source.value),
        parts: Box::leak(parts.into_boxed_slice()),
    }
}

/// An entity as the derive's `SCHEMA` constant describes it.
fn entity_schema(entity: &EntityModel) -> EntitySchema {
    let indexes: Vec<EntityIndexSchema> = entity
        .indexes
        .iter()
        .map(|index| EntityIndexSchema {
            index: leak(&index.name.value),
            keys: match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    schema::EntityIndexKeys::Templates {
                        partition: partition.as_ref().map(template),
                        sort: sort.as_ref().map(template),
                    }
                }
                EntityIndexKeys::Fields { .. } => schema::EntityIndexKeys::Fields,
            },
        })
        .collect();
    let fields: Vec<FieldSchema> = entity
        .fields
        .iter()
        .filter(|field| field.is_stored())
        .map(|field| FieldSchema {
            name: leak(&field.name()),
            attribute: leak(&field.attribute.value),
            markers: FieldMarkers {
                version: field.markers.version.is_some(),
                created_at: field.markers.created_at.is_some(),
                updated_at: field.markers.updated_at.is_some(),
                ttl: field.markers.ttl.is_some(),
                unique: field.markers.unique.is_some(),
                read_only: field.markers.read_only.is_some(),
                computed: field.computed.is_some(),
            },
            has_default: field.default.is_some(),
            // A schema file has no Rust to run: its plan notes the default instead of
            // writing it (`db.migrate` from Rust writes it).
            default: None,
            optional: singletable_codegen::model::option_inner(&field.ty).is_some()
                || singletable_codegen::model::is_set_type(&field.ty),
            key_only: entity.is_key_only(field),
        })
        .collect();
    EntitySchema {
        rust_name: leak(&entity.rust_name.to_string()),
        entity_type: leak(&entity.entity_type.value),
        partition_key: template(&entity.partition_key),
        sort_key: entity.sort_key.as_ref().map(template),
        indexes: Box::leak(indexes.into_boxed_slice()),
        fields: Box::leak(fields.into_boxed_slice()),
    }
}

/// The runtime's model of a schema file: the table, its entities, and the integer types
/// of integer fields.
pub fn model(models: &ModelSet) -> Model {
    let mut model = Model::new(table_schema(models), models.entities.iter().map(entity_schema));
    for entity in &models.entities {
        for field in entity.fields.iter().filter(|f| f.is_stored()) {
            if field.class != TypeClass::Integer {
                continue;
            }
            let syn::Type::Path(path) = &field.ty else { continue };
            let Some(last) = path.path.segments.last() else { continue };
            if let Some(ty) = IntegerType::from_name(&last.ident.to_string()) {
                model = model.integer_field(&entity.rust_name.to_string(), &field.name(), ty);
            }
        }
    }
    model
}

async fn backend(endpoint: Option<&str>) -> Result<AwsBackend, MigrateError> {
    match endpoint {
        Some(url) => Ok(AwsBackend::from_endpoint(url.to_owned())),
        None => AwsBackend::from_env().await.map_err(|source| MigrateError::Backend {
            table: "(connection)".into(),
            source: Box::new(source),
        }),
    }
}

/// `migrate plan`: the plan's text, and the estimate when a table was given. Refusals
/// make it an error after printing.
pub async fn plan(
    plan: &Plan,
    target: &OptionalTarget,
    sample: Option<u32>,
) -> Result<String, MigrateError> {
    let mut text = plan.to_string();
    if target.endpoint.is_some() || target.aws {
        let backend = backend(target.endpoint.as_deref()).await?;
        let estimate = match sample {
            Some(n) => migrate::estimate_sampled(&backend, plan, n).await?,
            None => migrate::estimate(&backend, plan).await?,
        };
        text.push_str(&estimate.to_string());
    }
    Ok(text)
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template(
        "migrate {bar:40} {pos}/{len} items ({per_sec}, {eta} left) {msg}",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    Some(bar)
}

/// `migrate apply`: the report as text.
pub async fn apply(plan: &Plan, args: &ApplyArgs) -> Result<String, MigrateError> {
    let backend = backend(args.target.endpoint.as_deref()).await?;
    let bar = progress_bar();
    let progress: migrate::ProgressFn = match &bar {
        Some(bar) => {
            let bar = bar.clone();
            Arc::new(move |p: &Progress| {
                bar.set_length(p.total_items.max(p.scanned));
                bar.set_position(p.scanned);
                bar.set_message(format!(
                    "{} written, {}/{} segments done",
                    p.written, p.segments_done, p.segments
                ));
            })
        }
        None => Arc::new(|p: &Progress| {
            tracing::info!(
                scanned = p.scanned,
                written = p.written,
                segments_done = p.segments_done,
                segments = p.segments,
                total_items = p.total_items,
                "migrate progress"
            );
        }),
    };
    let (segment, segments) = match args.segment {
        Some((i, n)) => (Some(i), n),
        None => (None, args.segments),
    };
    let options = ApplyOptions {
        segments,
        segment,
        dry_run: args.dry_run,
        rescan: args.rescan,
        page_size: args.page_size,
        progress: Some(progress),
        ..ApplyOptions::default()
    };
    let report = migrate::apply(&backend, plan, &options).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(describe_report(&report?, args.dry_run, args.rescan, segments))
}

fn describe_report(report: &ApplyReport, dry_run: bool, rescan: bool, segments: u32) -> String {
    if report.already_applied && !rescan {
        return format!("migration {} is already applied: nothing to do", report.plan_id);
    }
    let mut text = String::new();
    if report.already_applied {
        text.push_str(&format!("migration {} is applied; scanned again:\n", report.plan_id));
    }
    let verb = if dry_run { "would make" } else { "made" };
    for change in &report.table_changes {
        text.push_str(&format!("{verb} table change: {change}\n"));
    }
    text.push_str(&format!(
        "{} items scanned: {} updated, {} moved, {} unchanged, {} not of the model; {} read \
         again (changed meanwhile), {} deleted meanwhile{}\n",
        report.scanned,
        report.updated,
        report.moved,
        report.unchanged,
        report.not_entities,
        report.reread,
        report.vanished,
        if dry_run { " (dry run: nothing written)" } else { "" }
    ));
    for conflict in &report.conflicts {
        text.push_str(&format!("conflict: {conflict}\n"));
    }
    if report.completed && report.already_applied {
        text.push_str("rescan complete");
    } else if report.completed {
        text.push_str(&format!(
            "migration {} complete and recorded in the table's history",
            report.plan_id
        ));
    } else if !dry_run {
        text.push_str(&format!(
            "migration {}: {} of {segments} segments done; run apply again (same --segments) to go on",
            report.plan_id, report.segments_done
        ));
    }
    text
}

/// `migrate status`.
pub async fn status(
    table: &Model,
    plan: Option<&Plan>,
    target: &crate::transfer::Target,
) -> Result<String, MigrateError> {
    let backend = backend(target.endpoint.as_deref()).await?;
    let status = migrate::status(&backend, &table.table, plan.map(|p| p.id.as_str())).await?;
    let mut text = String::new();
    if status.applied.is_empty() {
        text.push_str(&format!("table {}: no migration applied\n", table.table.name));
    }
    for applied in &status.applied {
        text.push_str(&format!(
            "applied {} at {}: {} items scanned, {} written\n{}",
            applied.id, applied.completed_at, applied.scanned, applied.written, applied.summary
        ));
    }
    if let Some(plan) = plan {
        if status.applied.iter().any(|a| a.id == plan.id) {
            text.push_str(&format!("migration {}: applied\n", plan.id));
        } else if status.in_progress.is_empty() {
            text.push_str(&format!("migration {}: not started\n", plan.id));
        } else {
            let done = status.in_progress.iter().filter(|s| s.done).count();
            text.push_str(&format!(
                "migration {}: in progress, {done} of {} segments done\n",
                plan.id,
                status.in_progress.len()
            ));
            for segment in &status.in_progress {
                text.push_str(&format!(
                    "  segment {}/{}: {}, {} scanned, {} written\n",
                    segment.segment,
                    segment.segments,
                    if segment.done { "done" } else { "open" },
                    segment.scanned,
                    segment.written
                ));
            }
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_parse() {
        assert_eq!(parse_segment("3/16"), Ok((3, 16)));
        assert_eq!(parse_segment("0/1"), Ok((0, 1)));
        assert!(parse_segment("16/16").is_err());
        assert!(parse_segment("1/0").is_err());
        assert!(parse_segment("x/2").is_err());
        assert!(parse_segment("3").is_err());
    }
}
