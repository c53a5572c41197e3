//! `traffic.toml`: requests per second per access pattern, entity write rates, item sizes
//! and counts, a sample-data file, the utilisation target and price overrides. Every
//! mistake is a diagnostic at its `file:line:col` (the machinery `check` prints).

use std::collections::BTreeMap;
use std::rc::Rc;

use singletable_codegen::{Diagnostic, Diagnostics, FilePosition, SourceSpan};
use singletable_core::cost::ReadMode;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Traffic of one access pattern.
#[derive(Debug, Clone)]
pub struct PatternTraffic {
    /// Where the pattern's name was written.
    pub span: SourceSpan,
    /// Requests per second.
    pub rps: f64,
    /// Items one request returns (`Query`/`Scan`); `None` = from sample data, else 1.
    pub items: Option<f64>,
    /// How it reads; `None` = eventually consistent.
    pub consistency: Option<(ReadMode, SourceSpan)>,
}

/// Writes and sizes of one entity.
#[derive(Debug, Clone, Default)]
pub struct EntityTraffic {
    /// Where the entity's name was written.
    pub span: Option<SourceSpan>,
    /// Inserts per second.
    pub put: f64,
    /// Updates per second that keep every index key.
    pub update: f64,
    /// Updates per second that change every index key of the entity.
    pub update_index_keys: f64,
    /// Deletes per second.
    pub delete: f64,
    /// Writes go through `TransactWriteItems` (2x).
    pub transactional: bool,
    /// Item size in bytes, overriding sample data and the estimate.
    pub size: Option<u64>,
    /// Items stored, for the storage cost.
    pub count: Option<u64>,
}

/// A whole traffic file.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// Per access pattern, by name, with the name's span.
    pub patterns: BTreeMap<String, PatternTraffic>,
    /// Per entity, by Rust name.
    pub entities: BTreeMap<String, EntityTraffic>,
    /// Sample data to measure sizes from, as written (relative to the traffic file).
    pub sample_data: Option<(String, SourceSpan)>,
    /// Utilisation target (0.7 when absent).
    pub utilization: Option<f64>,
    /// Price overrides, by `Prices` field name.
    pub prices: BTreeMap<String, f64>,
    /// `[prices] region` / `as_of` overrides.
    pub price_labels: BTreeMap<String, String>,
}

/// The keys of `[prices]` that hold numbers.
pub const PRICE_KEYS: [&str; 5] = [
    "on_demand_read_per_million",
    "on_demand_write_per_million",
    "provisioned_read_per_hour",
    "provisioned_write_per_hour",
    "storage_per_gb_month",
];

struct Reader<'a> {
    file: Rc<str>,
    source: &'a str,
    diagnostics: Diagnostics,
}

type Table<'a> = DeTable<'a>;
type Value<'a> = Spanned<DeValue<'a>>;

impl Reader<'_> {
    fn span(&self, range: std::ops::Range<usize>) -> SourceSpan {
        let start = range.start.min(self.source.len());
        let before = &self.source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let column = self.source[line_start..start].chars().count() + 1;
        let end = range.end.clamp(start, self.source.len());
        let end = self.source[start..end].find('\n').map_or(end, |at| start + at);
        let length = self.source.get(start..end).map_or(1, |s| s.chars().count().max(1));
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        SourceSpan::File(FilePosition {
            file: self.file.clone(),
            line: to_u32(line),
            column: to_u32(column),
            length: to_u32(length),
        })
    }

    fn error(&mut self, range: std::ops::Range<usize>, message: String, hint: Option<String>) {
        let mut diagnostic = Diagnostic::new(self.span(range), message);
        if let Some(hint) = hint {
            diagnostic = diagnostic.with_hint(hint);
        }
        self.diagnostics.push(diagnostic);
    }

    fn type_name(value: &DeValue<'_>) -> &'static str {
        match value {
            DeValue::String(_) => "a string",
            DeValue::Integer(_) => "an integer",
            DeValue::Float(_) => "a float",
            DeValue::Boolean(_) => "a boolean",
            DeValue::Datetime(_) => "a datetime",
            DeValue::Array(_) => "a list",
            DeValue::Table(_) => "a table",
        }
    }

    /// A non-negative number (integer or float).
    fn number(&mut self, key: &str, value: &Value<'_>) -> Option<f64> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok().map(|n| n as f64)
            }
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                let found = Self::type_name(other);
                self.error(value.span(), format!("`{key}` must be a number, found {found}"), None);
                return None;
            }
        };
        match parsed {
            Some(n) if n.is_finite() && n >= 0.0 => Some(n),
            _ => {
                self.error(value.span(), format!("`{key}` must be a finite number >= 0"), None);
                None
            }
        }
    }

    fn count(&mut self, key: &str, value: &Value<'_>) -> Option<u64> {
        let n = self.number(key, value)?;
        if n.fract() != 0.0 {
            self.error(
                value.span(),
                format!("`{key}` must be a whole number of bytes or items"),
                None,
            );
            return None;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole, >= 0
        Some(n as u64)
    }

    fn string(&mut self, key: &str, value: &Value<'_>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let found = Self::type_name(other);
                self.error(value.span(), format!("`{key}` must be a string, found {found}"), None);
                None
            }
        }
    }

    fn table<'v, 'a>(&mut self, key: &str, value: &'v Value<'a>) -> Option<&'v Table<'a>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                let found = Self::type_name(other);
                self.error(value.span(), format!("`{key}` must be a table, found {found}"), None);
                None
            }
        }
    }

    fn unknown(&mut self, range: std::ops::Range<usize>, key: &str, place: &str, known: &[&str]) {
        self.error(
            range,
            format!("unknown key `{key}` in {place}"),
            Some(format!("expected one of: {}", known.join(", "))),
        );
    }

    fn pattern(
        &mut self,
        name: &str,
        value: &Value<'_>,
        span: SourceSpan,
    ) -> Option<PatternTraffic> {
        let mut traffic = PatternTraffic { span, rps: 0.0, items: None, consistency: None };
        if !matches!(value.get_ref(), DeValue::Table(_)) {
            traffic.rps = self.number(name, value)?;
            return Some(traffic);
        }
        let table = self.table(name, value)?;
        let mut rps = None;
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "rps" => rps = self.number("rps", value),
                "items" => traffic.items = self.number("items", value),
                "consistency" => {
                    let text = self.string("consistency", value)?;
                    let mode = match text.as_str() {
                        "eventual" => ReadMode::Eventual,
                        "strong" => ReadMode::Strong,
                        "transactional" => ReadMode::Transactional,
                        _ => {
                            self.error(
                                value.span(),
                                format!("unknown consistency `{text}`"),
                                Some("write `eventual`, `strong` or `transactional`".to_owned()),
                            );
                            continue;
                        }
                    };
                    traffic.consistency = Some((mode, self.span(value.span())));
                }
                other => self.unknown(
                    key.span(),
                    other,
                    &format!("pattern `{name}`"),
                    &["rps", "items", "consistency"],
                ),
            }
        }
        match rps {
            Some(rps) => traffic.rps = rps,
            None => {
                self.error(
                    value.span(),
                    format!("pattern `{name}` needs `rps` (requests per second)"),
                    None,
                );
                return None;
            }
        }
        Some(traffic)
    }

    fn entity(&mut self, name: &str, table: &Table<'_>, span: SourceSpan) -> EntityTraffic {
        let mut traffic = EntityTraffic { span: Some(span), ..EntityTraffic::default() };
        for (key, value) in table.iter() {
            let key_text = key.get_ref().as_ref();
            match key_text {
                "put" => traffic.put = self.number(key_text, value).unwrap_or(0.0),
                "update" => traffic.update = self.number(key_text, value).unwrap_or(0.0),
                "update_index_keys" => {
                    traffic.update_index_keys = self.number(key_text, value).unwrap_or(0.0);
                }
                "delete" => traffic.delete = self.number(key_text, value).unwrap_or(0.0),
                "size" => traffic.size = self.count(key_text, value),
                "count" => traffic.count = self.count(key_text, value),
                "transactional" => match value.get_ref() {
                    DeValue::Boolean(b) => traffic.transactional = *b,
                    other => {
                        let found = Self::type_name(other);
                        self.error(
                            value.span(),
                            format!("`transactional` must be a boolean, found {found}"),
                            None,
                        );
                    }
                },
                other => self.unknown(
                    key.span(),
                    other,
                    &format!("entity `{name}`"),
                    &[
                        "put",
                        "update",
                        "update_index_keys",
                        "delete",
                        "transactional",
                        "size",
                        "count",
                    ],
                ),
            }
        }
        traffic
    }
}

/// Parses a traffic file's text; `file` is the name its diagnostics print.
pub fn parse(source: &str, file: &str) -> Result<Traffic, Diagnostics> {
    let mut reader = Reader { file: Rc::from(file), source, diagnostics: Diagnostics::new() };
    let root = match DeTable::parse(source) {
        Ok(root) => root,
        Err(error) => {
            let range = error.span().unwrap_or(0..1);
            reader.error(range, format!("invalid TOML: {}", error.message().trim_end()), None);
            return Err(reader.diagnostics);
        }
    };
    let mut traffic = Traffic::default();
    for (key, value) in root.get_ref().iter() {
        let key_text = key.get_ref().as_ref();
        match key_text {
            "utilization" | "utilisation" => {
                if let Some(u) = reader.number(key_text, value) {
                    if u > 0.0 && u <= 1.0 {
                        traffic.utilization = Some(u);
                    } else {
                        reader.error(
                            value.span(),
                            format!("utilisation target {u} is not in (0, 1]"),
                            Some("give a fraction: 0.7 for 70%".to_owned()),
                        );
                    }
                }
            }
            "sample_data" => {
                if let Some(path) = reader.string(key_text, value) {
                    traffic.sample_data = Some((path, reader.span(value.span())));
                }
            }
            "patterns" => {
                let Some(table) = reader.table(key_text, value) else { continue };
                for (name, value) in table.iter() {
                    let span = reader.span(name.span());
                    if let Some(pattern) = reader.pattern(name.get_ref(), value, span) {
                        traffic.patterns.insert(name.get_ref().to_string(), pattern);
                    }
                }
            }
            "entities" => {
                let Some(table) = reader.table(key_text, value) else { continue };
                for (name, value) in table.iter() {
                    let Some(body) = reader.table(name.get_ref(), value) else { continue };
                    let span = reader.span(name.span());
                    let entity = reader.entity(name.get_ref(), body, span);
                    traffic.entities.insert(name.get_ref().to_string(), entity);
                }
            }
            "prices" => {
                let Some(table) = reader.table(key_text, value) else { continue };
                for (name, value) in table.iter() {
                    let name_text = name.get_ref().as_ref();
                    if PRICE_KEYS.contains(&name_text) {
                        if let Some(price) = reader.number(name_text, value) {
                            traffic.prices.insert(name_text.to_owned(), price);
                        }
                    } else if matches!(name_text, "region" | "as_of" | "source") {
                        if let Some(label) = reader.string(name_text, value) {
                            traffic.price_labels.insert(name_text.to_owned(), label);
                        }
                    } else {
                        let mut known = PRICE_KEYS.to_vec();
                        known.extend(["region", "as_of", "source"]);
                        reader.unknown(name.span(), name_text, "[prices]", &known);
                    }
                }
            }
            other => reader.unknown(
                key.span(),
                other,
                "the traffic file",
                &["patterns", "entities", "sample_data", "utilization", "prices"],
            ),
        }
    }
    if reader.diagnostics.is_empty() {
        Ok(traffic)
    } else {
        Err(reader.diagnostics)
    }
}
