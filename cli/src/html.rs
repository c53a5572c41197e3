//! `singletable doc --html`: one self-contained page (no script, stylesheet or font from
//! the network) with the same content as the Markdown page, the table layout drawn as an
//! inline SVG computed here from the same [`Layout`], and the Mermaid sources for
//! copy-paste.

use std::fmt::Write as _;

use singletable_codegen::model::ModelSet;

use crate::doc::{layout_mermaid, relations_mermaid, table_facts, type_text};
use crate::layout::{Cardinality, Column, Layout};

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Width of one character of the diagram's monospace font at 12px, in pixels, with a
/// margin: DejaVu Sans Mono and Liberation Mono are about 7.2.
const CHAR_WIDTH: f64 = 7.6;
/// Height of one text line.
const LINE: f64 = 16.0;
/// Padding inside boxes.
const PAD: f64 = 8.0;
/// Space between columns and between rows.
const GAP: f64 = 36.0;

fn text_width(text: &str) -> f64 {
    f64::from(u32::try_from(text.chars().count()).unwrap_or(u32::MAX)) * CHAR_WIDTH
}

fn lines_height(lines: usize) -> f64 {
    f64::from(u32::try_from(lines).unwrap_or(u32::MAX)) * LINE + 2.0 * PAD
}

/// The lines of an entity's box in a column.
fn box_lines(column: &Column, entity: &str) -> Option<Vec<String>> {
    let row = column.row(entity)?;
    let mut lines = vec![row.entity.clone()];
    lines.extend(
        row.partition
            .iter()
            .chain(&row.sort)
            .map(|part| format!("{}: {}", part.attribute, part.text)),
    );
    Some(lines)
}

/// The table layout as an SVG: a column for the table and for each index, a header box
/// with the key schema, one box per entity stored there (rows aligned by entity), and
/// dashed lines joining an entity's boxes from column to column.
pub fn layout_svg(layout: &Layout) -> String {
    let entities: Vec<String> = match layout.columns.first() {
        Some(table) => table.rows.iter().map(|row| row.entity.clone()).collect(),
        None => Vec::new(),
    };
    // Column widths: the widest line of the header or of any box.
    let widths: Vec<f64> = layout
        .columns
        .iter()
        .map(|column| {
            let mut widest = text_width(&column.title()).max(text_width(&column.key_text()));
            for entity in &entities {
                for line in box_lines(column, entity).unwrap_or_default() {
                    widest = widest.max(text_width(&line));
                }
            }
            widest + 2.0 * PAD
        })
        .collect();
    let header_height = lines_height(2);
    // Row heights: the tallest box of the entity across columns.
    let heights: Vec<f64> = entities
        .iter()
        .map(|entity| {
            layout
                .columns
                .iter()
                .filter_map(|column| box_lines(column, entity))
                .map(|lines| lines_height(lines.len()))
                .fold(0.0, f64::max)
        })
        .collect();
    let mut xs = Vec::with_capacity(widths.len());
    let mut x = GAP / 2.0;
    for width in &widths {
        xs.push(x);
        x += width + GAP;
    }
    let total_width = x - GAP / 2.0;
    let mut ys = Vec::with_capacity(heights.len());
    let mut y = GAP / 2.0 + header_height + GAP / 2.0;
    for height in &heights {
        ys.push(y);
        y += height + GAP / 2.0;
    }
    let total_height = y + GAP / 2.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"layout\" role=\"img\" width=\"{total_width:.0}\" height=\"{total_height:.0}\" viewBox=\"0 0 {total_width:.0} {total_height:.0}\" font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\" font-size=\"12\">"
    );
    let _ = writeln!(svg, "<title>Table layout of {}</title>", escape(&layout.table));
    // Connectors first, under the boxes.
    for (row, entity) in entities.iter().enumerate() {
        let mut previous: Option<usize> = None;
        for (at, column) in layout.columns.iter().enumerate() {
            if column.row(entity).is_none() {
                continue;
            }
            if let Some(before) = previous {
                let y = ys[row] + LINE / 2.0 + PAD;
                let _ = writeln!(
                    svg,
                    "<line class=\"link\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#8a94a6\" stroke-dasharray=\"5 4\"/>",
                    xs[before] + widths[before],
                    xs[at]
                );
            }
            previous = Some(at);
        }
    }
    for (at, column) in layout.columns.iter().enumerate() {
        let (fill, stroke) = match column.kind {
            "table" => ("#e8f0fe", "#3b6fd8"),
            "GSI" => ("#e6f4ea", "#2e8b57"),
            _ => ("#fef7e0", "#c28a00"),
        };
        let _ = writeln!(
            svg,
            "<g class=\"column\" data-kind=\"{}\" data-name=\"{}\">",
            escape(column.kind),
            escape(&column.name)
        );
        let _ = writeln!(
            svg,
            "<rect class=\"column-head\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{header_height:.1}\" rx=\"6\" fill=\"{stroke}\"/>",
            xs[at],
            GAP / 2.0,
            widths[at]
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#fff\" font-weight=\"bold\">{}</text>",
            xs[at] + PAD,
            GAP / 2.0 + PAD + LINE - 4.0,
            escape(&column.title())
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#fff\">{}</text>",
            xs[at] + PAD,
            GAP / 2.0 + PAD + 2.0 * LINE - 4.0,
            escape(&column.key_text())
        );
        for (row, entity) in entities.iter().enumerate() {
            let Some(lines) = box_lines(column, entity) else { continue };
            let _ = writeln!(
                svg,
                "<g class=\"entity\" data-entity=\"{}\" data-column=\"{}\">",
                escape(entity),
                escape(&column.name)
            );
            let _ = writeln!(
                svg,
                "<rect class=\"entity-box\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\"/>",
                xs[at],
                ys[row],
                widths[at],
                lines_height(lines.len())
            );
            for (number, line) in lines.iter().enumerate() {
                let weight = if number == 0 { " font-weight=\"bold\"" } else { "" };
                let _ = writeln!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\"{weight}>{}</text>",
                    xs[at] + PAD,
                    ys[row] + PAD + LINE * f64::from(u32::try_from(number + 1).unwrap_or(u32::MAX))
                        - 4.0,
                    escape(line)
                );
            }
            svg.push_str("</g>\n");
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    svg
}

/// How many fields an entity box of the relation diagram lists before `…`.
const MAX_FIELDS: usize = 10;

/// The entity relations as an SVG: the entities (with their stored fields, key fields
/// marked) and collections side by side, each relation an arc under them from one box to
/// the other, labelled with what makes it and with its cardinality at both ends.
pub fn relations_svg(models: &ModelSet, layout: &Layout) -> String {
    // (name, lines) of every node: entities, then collections.
    let mut nodes: Vec<(String, Vec<String>)> = Vec::new();
    for entity in &models.entities {
        let keys = entity.key_fields();
        let mut lines = vec![entity.rust_name.to_string()];
        let stored: Vec<_> = entity.fields.iter().filter(|f| f.is_stored()).collect();
        for field in stored.iter().take(MAX_FIELDS) {
            let marker = if keys.contains(&field.name()) { "  PK" } else { "" };
            lines.push(format!("{}: {}{marker}", field.name(), type_text(&field.ty)));
        }
        if stored.len() > MAX_FIELDS {
            lines.push(format!("… {} more", stored.len() - MAX_FIELDS));
        }
        nodes.push((entity.rust_name.to_string(), lines));
    }
    for (name, members) in &layout.collections {
        nodes.push((name.clone(), vec![format!("«collection» {name}"), members.join(", ")]));
    }
    let widths: Vec<f64> = nodes
        .iter()
        .map(|(_, lines)| lines.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 2.0 * PAD)
        .collect();
    let mut xs = Vec::with_capacity(widths.len());
    let mut x = GAP / 2.0;
    for width in &widths {
        xs.push(x);
        x += width + GAP;
    }
    let top = GAP / 2.0;
    let bottom = top + nodes.iter().map(|(_, lines)| lines_height(lines.len())).fold(0.0, f64::max);
    let depth_of = |k: usize| 40.0 + 26.0 * f64::from(u32::try_from(k).unwrap_or(u32::MAX));
    let deepest =
        if layout.relations.is_empty() { 0.0 } else { depth_of(layout.relations.len() - 1) };
    // The widest label may stick out to the right of the last box.
    let label_room = layout.relations.iter().map(|r| text_width(&r.label)).fold(0.0, f64::max);
    let total_width = (x - GAP / 2.0).max(label_room + GAP);
    let total_height = bottom + deepest + GAP;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"er\" role=\"img\" width=\"{total_width:.0}\" height=\"{total_height:.0}\" viewBox=\"0 0 {total_width:.0} {total_height:.0}\" font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\" font-size=\"12\">"
    );
    let _ = writeln!(svg, "<title>Entity relations of {}</title>", escape(&layout.table));
    // Each relation ends at its own point along the bottom of a box: the n ends of a
    // box spread evenly over its width.
    let mut ends: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let position = |name: &str| nodes.iter().position(|(n, _)| n == name);
    for (k, relation) in layout.relations.iter().enumerate() {
        if let (Some(a), Some(b)) = (position(&relation.from), position(&relation.to)) {
            ends[a].push(k);
            ends[b].push(k);
        }
    }
    let end_x = |node: usize, relation: usize| {
        let slots = &ends[node];
        let slot = slots.iter().position(|&k| k == relation).unwrap_or(0);
        let count = f64::from(u32::try_from(slots.len()).unwrap_or(1));
        let slot = f64::from(u32::try_from(slot).unwrap_or(0));
        xs[node] + widths[node] * (slot + 1.0) / (count + 1.0)
    };
    for (k, relation) in layout.relations.iter().enumerate() {
        let (Some(a), Some(b)) = (position(&relation.from), position(&relation.to)) else {
            continue;
        };
        let (x1, x2) = (end_x(a, k), end_x(b, k));
        let depth = depth_of(k);
        let (near, far) = match relation.cardinality {
            Cardinality::OneToMany => ("1", "*"),
            Cardinality::ManyToMany => ("*", "*"),
            Cardinality::ZeroOrOne => ("1", "0..1"),
        };
        let _ = writeln!(
            svg,
            "<g class=\"relation\" data-from=\"{}\" data-to=\"{}\">",
            escape(&relation.from),
            escape(&relation.to)
        );
        let _ = writeln!(
            svg,
            "<path d=\"M {x1:.1} {bottom:.1} C {x1:.1} {:.1}, {x2:.1} {:.1}, {x2:.1} {bottom:.1}\" fill=\"none\" stroke=\"#57606a\" stroke-width=\"1.5\"/>",
            bottom + depth * 1.3,
            bottom + depth * 1.3
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#57606a\">{near}</text><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#57606a\">{far}</text>",
            x1 + 4.0,
            bottom + 14.0,
            x2 + 4.0,
            bottom + 14.0
        );
        let _ = writeln!(
            svg,
            "<text class=\"relation-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"4\">{}</text>",
            (x1 + x2) / 2.0,
            bottom + depth + 4.0,
            escape(&relation.label)
        );
        svg.push_str("</g>\n");
    }
    for (at, (name, lines)) in nodes.iter().enumerate() {
        let collection = at >= models.entities.len();
        let (fill, stroke) =
            if collection { ("#f3e8fd", "#8250df") } else { ("#e8f0fe", "#3b6fd8") };
        let _ = writeln!(svg, "<g class=\"er-node\" data-name=\"{}\">", escape(name));
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\"/>",
            xs[at],
            widths[at],
            lines_height(lines.len())
        );
        for (number, line) in lines.iter().enumerate() {
            let weight = if number == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\"{weight}>{}</text>",
                xs[at] + PAD,
                top + PAD + LINE * f64::from(u32::try_from(number + 1).unwrap_or(u32::MAX)) - 4.0,
                escape(line)
            );
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    svg
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328;max-width:1400px}\
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}\
pre{background:#f6f8fa;padding:1rem;overflow:auto}.diagram{overflow:auto;border:1px solid #d0d7de;padding:0.5rem;margin-bottom:1rem}\
details{margin-bottom:1rem}";

/// The whole HTML page.
pub fn page(models: &ModelSet, layout: &Layout) -> String {
    let mut out = String::new();
    let title = format!("Data model: table {}", layout.table);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p>Generated by <code>singletable doc</code> from the schema.</p>\n",
        escape(&title),
        escape(&title)
    );
    out.push_str("<h2>Key design</h2>\n<table class=\"facts\">\n");
    for (name, value) in table_facts(models) {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(name), escape(&value));
    }
    out.push_str("</table>\n");
    if layout.columns.len() > 1 {
        out.push_str("<h3>Secondary indexes</h3>\n<table class=\"indexes\">\n<tr><th>Index</th><th>Kind</th><th>Partition key</th><th>Sort key</th><th>Projection</th></tr>\n");
        for column in layout.columns.iter().skip(1) {
            let sort = if column.sort_attributes.is_empty() {
                "—".to_owned()
            } else {
                column.sort_attributes.join(" + ")
            };
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&column.name),
                escape(column.kind),
                escape(&column.partition_attributes.join(" + ")),
                escape(&sort),
                escape(&column.projection)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h3>Entities</h3>\n<table class=\"entities\">\n<tr><th>Entity</th><th>Stored in</th><th>Partition key</th><th>Sort key</th></tr>\n");
    for column in &layout.columns {
        for row in &column.rows {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(&row.entity),
                escape(&column.title()),
                escape(&row.partition_text()),
                escape(&row.sort_text())
            );
        }
    }
    out.push_str("</table>\n");
    out.push_str("<h2>Table layout</h2>\n<div class=\"diagram\">\n");
    out.push_str(&layout_svg(layout));
    out.push_str("</div>\n");
    let _ = writeln!(
        out,
        "<details><summary>Mermaid source</summary>\n<pre class=\"mermaid-source\"><code>{}</code></pre>\n</details>",
        escape(&layout_mermaid(layout))
    );
    out.push_str("<h2>Access patterns</h2>\n");
    if layout.patterns.is_empty() {
        out.push_str("<p>The schema names no access patterns.</p>\n");
    } else {
        out.push_str("<table class=\"patterns\">\n<tr><th>Pattern</th><th>Operation</th><th>Index</th><th>Key condition</th><th>Entity</th><th>Description</th></tr>\n");
        for pattern in &layout.patterns {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&pattern.name),
                escape(pattern.operation),
                escape(&pattern.index),
                escape(&pattern.condition),
                escape(&pattern.entity),
                escape(&pattern.description)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>Entity relations</h2>\n<div class=\"diagram\">\n");
    out.push_str(&relations_svg(models, layout));
    out.push_str("</div>\n");
    if layout.relations.is_empty() {
        out.push_str("<p>No two entities share a partition.</p>\n");
    } else {
        out.push_str("<table class=\"relations\">\n<tr><th>From</th><th>Cardinality</th><th>To</th><th>Through</th></tr>\n");
        for relation in &layout.relations {
            let cardinality = match relation.cardinality {
                Cardinality::OneToMany => "one to many",
                Cardinality::ManyToMany => "many to many",
                Cardinality::ZeroOrOne => "one to zero or one",
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{cardinality}</td><td>{}</td><td><code>{}</code></td></tr>",
                escape(&relation.from),
                escape(&relation.to),
                escape(&relation.label)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "<details><summary>Mermaid source</summary>\n<pre class=\"mermaid-source\"><code>{}</code></pre>\n</details>",
        escape(&relations_mermaid(models, layout))
    );
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::layout;
    use crate::testmodel;

    #[test]
    fn the_svg_has_one_box_per_entity_and_column() {
        let svg = layout_svg(&layout(&testmodel::shop()));
        assert_eq!(svg.matches("<g class=\"entity\" data-entity=\"Customer\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("<g class=\"entity\" data-entity=\"Order\"").count(), 3, "{svg}");
        assert_eq!(svg.matches("<g class=\"column\"").count(), 3, "{svg}");
        // Order is in all three columns: two links; Customer in two: one.
        assert_eq!(svg.matches("<line class=\"link\"").count(), 3, "{svg}");
        assert!(svg.contains("&gt;") || !svg.contains("<b>"), "no raw markup in text");
        assert!(svg.contains(">SK: ORDER#{placed_at}#{order_id}</text>"), "{svg}");
    }

    #[test]
    fn the_relation_svg_has_a_node_per_entity_and_collection_and_an_arc_per_relation() {
        let models = testmodel::shop();
        let svg = relations_svg(&models, &layout(&models));
        assert_eq!(svg.matches("<g class=\"er-node\"").count(), 3, "{svg}");
        assert_eq!(svg.matches("<g class=\"relation\"").count(), 3, "{svg}");
        assert!(
            svg.contains("<g class=\"relation\" data-from=\"Customer\" data-to=\"Order\">"),
            "{svg}"
        );
        assert!(svg.contains(">customer_id: String  PK</text>"), "{svg}");
        assert!(svg.contains(">total_cents: i64</text>"), "{svg}");
        assert!(svg.contains(">«collection» CustomerOrders</text>"), "{svg}");
        assert!(svg.contains(">PK CUSTOMER#{customer_id}</text>"), "{svg}");
    }

    #[test]
    fn the_page_is_self_contained_and_escaped() {
        let models = testmodel::shop();
        let page = page(&models, &layout(&models));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("<script"), "no script at all");
        assert_eq!(
            page.matches("http://").count(),
            page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
            "no URL but the SVG namespace"
        );
        assert_eq!(page.matches("<svg ").count(), 2, "layout and relations");
        assert!(
            page.contains("<tr><td>Order</td><td>LSI ByDate</td><td><code>CUSTOMER#{customer_id}</code></td><td><code>{placed_at}</code></td></tr>"),
            "{page}"
        );
        assert!(!page.contains("https://"));
        assert!(page.contains("<pre class=\"mermaid-source\"><code>flowchart LR"), "{page}");
        assert!(page.contains("c0_Order -.-&gt; c1_Order"), "{page}");
        assert!(page.contains("<td><code>PK = &quot;CUSTOMER#{customer_id}&quot; AND begins_with(SK, &quot;ORDER#&quot;)</code></td>"), "{page}");
        assert_eq!(escape("<a href='x'>&\""), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
    }
}
