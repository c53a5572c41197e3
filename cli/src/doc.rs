//! `singletable doc`: a Markdown page of the key design — the table and its indexes,
//! each entity's key templates, the access-pattern table, and two Mermaid diagrams (the
//! table layout and the entity relations).

use std::fmt::Write as _;

use singletable_codegen::model::{BillingModel, ModelSet, StreamView};

use crate::layout::{Cardinality, Layout};

/// Text inside a Markdown table cell: `|` escaped, newlines flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A Markdown code span around `text`, inside a table cell.
pub(crate) fn code(text: &str) -> String {
    let fence = if text.contains('`') { "``" } else { "`" };
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    cell(&format!("{fence}{pad}{text}{pad}{fence}"))
}

/// An ER entity name: letters, digits and `_` (Rust type names already are).
fn er_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// Text inside a quoted Mermaid label.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

/// A Mermaid node id: letters, digits and `_`.
pub(crate) fn node_id(prefix: &str, name: &str) -> String {
    let mut id = String::from(prefix);
    id.push('_');
    id.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
    id
}

/// Table facts in words: key schema, TTL, stream, billing.
pub(crate) fn table_facts(models: &ModelSet) -> Vec<(&'static str, String)> {
    let table = &models.table;
    let mut facts = vec![(
        "Partition key",
        format!("{} ({})", table.partition_key.name.value, table.partition_key.ty.as_str()),
    )];
    if let Some(sort) = &table.sort_key {
        facts.push(("Sort key", format!("{} ({})", sort.name.value, sort.ty.as_str())));
    }
    facts.push(("Entity type attribute", table.entity_type_attribute.value.clone()));
    facts.push((
        "TTL attribute",
        table.ttl_attribute.as_ref().map_or_else(|| "—".to_owned(), |t| t.value.clone()),
    ));
    facts.push((
        "Stream",
        match table.stream {
            None => "—".to_owned(),
            Some(StreamView::KeysOnly) => "KEYS_ONLY".to_owned(),
            Some(StreamView::NewImage) => "NEW_IMAGE".to_owned(),
            Some(StreamView::OldImage) => "OLD_IMAGE".to_owned(),
            Some(StreamView::NewAndOldImages) => "NEW_AND_OLD_IMAGES".to_owned(),
        },
    ));
    facts.push((
        "Billing",
        match table.billing {
            BillingModel::OnDemand => "on demand (PAY_PER_REQUEST)".to_owned(),
            BillingModel::Provisioned(t) => {
                format!("provisioned: {} RCU, {} WCU", t.read, t.write)
            }
        },
    ));
    facts
}

/// The Mermaid flowchart of the table layout: one subgraph for the table and one per
/// index, one node per entity with its key templates, dotted lines from an entity's
/// table item to its index entries.
pub fn layout_mermaid(layout: &Layout) -> String {
    let mut out = String::from("flowchart LR\n");
    for (at, column) in layout.columns.iter().enumerate() {
        let group = format!("c{at}");
        let _ = writeln!(
            out,
            "  subgraph {group}[\"{} — {}\"]",
            mermaid_text(&column.title()),
            mermaid_text(&column.key_text())
        );
        out.push_str("    direction TB\n");
        for row in &column.rows {
            let mut label = format!("<b>{}</b>", mermaid_text(&row.entity));
            for part in row.partition.iter().chain(&row.sort) {
                let _ = write!(
                    label,
                    "<br/>{}: {}",
                    mermaid_text(&part.attribute),
                    mermaid_text(&part.text)
                );
            }
            let _ = writeln!(out, "    {}[\"{label}\"]", node_id(&group, &row.entity));
        }
        out.push_str("  end\n");
    }
    for (at, column) in layout.columns.iter().enumerate().skip(1) {
        for row in &column.rows {
            let _ = writeln!(
                out,
                "  {} -.-> {}",
                node_id("c0", &row.entity),
                node_id(&format!("c{at}"), &row.entity)
            );
        }
    }
    out
}

/// The Mermaid ER diagram of the entities: their fields (key fields marked `PK`), and
/// their relations.
pub fn relations_mermaid(models: &ModelSet, layout: &Layout) -> String {
    let mut out = String::from("erDiagram\n");
    for entity in &models.entities {
        let key_fields = entity.key_fields();
        let _ = writeln!(out, "  {} {{", er_name(&entity.rust_name.to_string()));
        for field in entity.fields.iter().filter(|f| f.is_stored()) {
            let ty = quote_type(&field.ty);
            let marker = if key_fields.contains(&field.name()) { " PK" } else { "" };
            let _ = writeln!(out, "    {ty} {}{marker}", field.name());
        }
        out.push_str("  }\n");
    }
    for relation in &layout.relations {
        let arrow = match relation.cardinality {
            Cardinality::OneToMany => "||--o{",
            Cardinality::ManyToMany => "}o--o{",
            Cardinality::ZeroOrOne => "||--o|",
        };
        let _ = writeln!(
            out,
            "  {} {arrow} {} : \"{}\"",
            er_name(&relation.from),
            er_name(&relation.to),
            mermaid_text(&relation.label)
        );
    }
    out
}

/// A Rust type as short text: whitespace removed and paths cut to their last segment
/// (`::std::option::Option<::std::string::String>` → `Option<String>`).
pub(crate) fn type_text(ty: &syn::Type) -> String {
    let text: String = quote::ToTokens::to_token_stream(ty)
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("::") {
        // Drop the path segment written just before `::`, and the `::`.
        let before = &rest[..at];
        let keep = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(keep);
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// A Rust type as one Mermaid ER attribute-type word (`Option_String`).
fn quote_type(ty: &syn::Type) -> String {
    let word: String =
        type_text(ty).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let word = word.trim_matches('_').to_owned();
    if word.is_empty() {
        "value".to_owned()
    } else {
        word
    }
}

/// The whole Markdown page.
pub fn markdown(models: &ModelSet, layout: &Layout) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Data model: table `{}`\n", layout.table);
    out.push_str("Generated by `singletable doc` from the schema.\n\n## Key design\n\n");
    out.push_str("| | |\n|---|---|\n");
    for (name, value) in table_facts(models) {
        let _ = writeln!(out, "| {name} | {} |", cell(&value));
    }
    if layout.columns.len() > 1 {
        out.push_str("\n### Secondary indexes\n\n| Index | Kind | Partition key | Sort key | Projection |\n|---|---|---|---|---|\n");
        for column in layout.columns.iter().skip(1) {
            let sort = if column.sort_attributes.is_empty() {
                "—".to_owned()
            } else {
                column.sort_attributes.join(" + ")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&column.name),
                column.kind,
                cell(&column.partition_attributes.join(" + ")),
                cell(&sort),
                cell(&column.projection)
            );
        }
    }
    out.push_str(
        "\n### Entities\n\n| Entity | Stored in | Partition key | Sort key |\n|---|---|---|---|\n",
    );
    for column in &layout.columns {
        for row in &column.rows {
            let sort = if row.sort.is_empty() { "—".to_owned() } else { code(&row.sort_text()) };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&row.entity),
                cell(&column.title()),
                code(&row.partition_text()),
                sort
            );
        }
    }
    out.push_str("\n## Access patterns\n\n");
    if layout.patterns.is_empty() {
        out.push_str("The schema names no access patterns.\n");
    } else {
        out.push_str("| Pattern | Operation | Index | Key condition | Entity | Description |\n|---|---|---|---|---|---|\n");
        for pattern in &layout.patterns {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&pattern.name),
                pattern.operation,
                cell(&pattern.index),
                code(&pattern.condition),
                cell(&pattern.entity),
                cell(&pattern.description)
            );
        }
    }
    out.push_str("\n## Table layout\n\n```mermaid\n");
    out.push_str(&layout_mermaid(layout));
    out.push_str("```\n\n## Entity relations\n\n```mermaid\n");
    out.push_str(&relations_mermaid(models, layout));
    out.push_str("```\n");
    if !layout.collections.is_empty() {
        out.push_str("\n### Collections\n\n| Collection | Entities |\n|---|---|\n");
        for (name, members) in &layout.collections {
            let _ = writeln!(out, "| {} | {} |", cell(name), cell(&members.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::layout;
    use crate::testmodel;

    #[test]
    fn the_page_holds_key_design_patterns_and_diagrams() {
        let models = testmodel::shop();
        let page = markdown(&models, &layout(&models));
        assert!(page.starts_with("# Data model: table `Shop`\n"), "{page}");
        assert!(page.contains("| Partition key | PK (S) |"), "{page}");
        assert!(page.contains("| TTL attribute | expires_at |"), "{page}");
        assert!(page.contains("| Stream | NEW_AND_OLD_IMAGES |"), "{page}");
        assert!(page.contains("| `ByDate` | LSI | PK (S) | LSI1SK (S) | KEYS_ONLY |"), "{page}");
        assert!(
            page.contains("| Order | Table Shop | `CUSTOMER#{customer_id}` | `ORDER#{placed_at}#{order_id}` |"),
            "{page}"
        );
        assert!(page.contains(
            "| orders_of_customer | query | table | `PK = \"CUSTOMER#{customer_id}\" AND begins_with(SK, \"ORDER#\")` | Order | orders_of_customer description |"
        ), "{page}");
        assert!(page.contains("```mermaid\nflowchart LR\n"), "{page}");
        assert!(page.contains("  subgraph c1[\"GSI GSI1 — GSI1PK (S) / GSI1SK (S)\"]"), "{page}");
        assert!(page.contains("    c0_Order[\"<b>Order</b><br/>PK: CUSTOMER#{customer_id}<br/>SK: ORDER#{placed_at}#{order_id}\"]"), "{page}");
        assert!(page.contains("  c0_Customer -.-> c1_Customer\n"), "{page}");
        assert!(page.contains("```mermaid\nerDiagram\n"), "{page}");
        assert!(page.contains("    String customer_id PK\n"), "{page}");
        assert!(page.contains("    i64 total_cents\n"), "{page}");
        assert!(
            page.contains("  Customer ||--o{ Order : \"PK CUSTOMER#{customer_id}\"\n"),
            "{page}"
        );
        assert!(page.contains("  CustomerOrders ||--o| Customer : \"collection\"\n"), "{page}");
        assert!(page.contains("| CustomerOrders | Customer, Order |"), "{page}");
    }

    #[test]
    fn types_print_short() {
        let ty: syn::Type = syn::parse_quote!(::std::option::Option<::std::string::String>);
        assert_eq!(type_text(&ty), "Option<String>");
        assert_eq!(quote_type(&ty), "Option_String");
        let ty: syn::Type = syn::parse_quote!(std::collections::HashMap<String, crate::a::B>);
        assert_eq!(type_text(&ty), "HashMap<String,B>");
        let ty: syn::Type = syn::parse_quote!(i64);
        assert_eq!(type_text(&ty), "i64");
    }

    #[test]
    fn cells_and_labels_are_escaped() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(mermaid_text("say \"hi\" <b>"), "say #quot;hi#quot; #lt;b#gt;");
        assert_eq!(node_id("c0", "my-entity"), "c0_my_entity");
    }
}
