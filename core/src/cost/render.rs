//! The report as aligned text columns (no table crate: a few columns, right-aligned
//! numbers).

use std::fmt::Write as _;

use super::{Mode, Monthly, Report};

/// A number with at most two decimals, trailing zeros dropped (`0.5`, `12`, `3.33`).
pub(super) fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    if text == "-0" {
        "0".to_owned()
    } else {
        text
    }
}

/// Dollars with cents.
fn dollars(value: f64) -> String {
    format!("${value:.2}")
}

/// Rows as columns padded to their widest cell; `right[i]` right-aligns column `i`.
/// Trailing spaces are trimmed.
fn grid(rows: &[Vec<String>], right: &[bool]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c].saturating_sub(cell.chars().count());
            if right.get(c).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn strings<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

pub(super) fn table(report: &Report) -> String {
    let mut out = String::new();
    let mut rows = vec![strings([
        "pattern / write",
        "target",
        "req/s",
        "RCU/req",
        "WCU/req",
        "RCU/s",
        "WCU/s",
        "how",
    ])];
    for line in &report.lines {
        rows.push(vec![
            line.name.clone(),
            line.target.clone(),
            number(line.requests_per_second),
            number(line.read_units_per_request),
            number(line.write_units_per_request),
            number(line.read_units_per_second()),
            number(line.write_units_per_second()),
            line.note.clone(),
        ]);
    }
    rows.push(vec![
        "total".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        number(report.read_units_per_second),
        number(report.write_units_per_second),
        String::new(),
    ]);
    let right = [false, false, true, true, true, true, true, false];
    out.push_str(&grid(&rows, &right));

    let percent = |u: f64| format!("{}%", number(u * 100.0));
    let _ = writeln!(out, "\ncapacity to provision at {} utilisation", percent(report.utilization));
    let mut rows = vec![strings(["target", "RCU/s", "WCU/s", "RCU", "WCU"])];
    for target in &report.provisioned {
        rows.push(vec![
            target.target.clone(),
            number(target.read_units_per_second),
            number(target.write_units_per_second),
            target.read_capacity.to_string(),
            target.write_capacity.to_string(),
        ]);
    }
    out.push_str(&grid(&rows, &[false, true, true, true, true]));

    let prices = &report.prices;
    let _ = writeln!(out, "\nmonthly cost ({}, prices as of {})", prices.region, prices.as_of);
    let money = |name: String, monthly: &Monthly| {
        vec![
            name,
            dollars(monthly.reads),
            dollars(monthly.writes),
            dollars(monthly.storage),
            dollars(monthly.total),
        ]
    };
    let rows = vec![
        strings(["mode", "reads", "writes", "storage", "total"]),
        money("on-demand".to_owned(), &report.on_demand),
        money("provisioned at 100%".to_owned(), &report.provisioned_full),
        money(
            format!("provisioned at {}", percent(report.utilization)),
            &report.provisioned_target,
        ),
    ];
    out.push_str(&grid(&rows, &[false, true, true, true, true]));
    if let Some(bytes) = report.storage_bytes {
        let _ = writeln!(out, "storage: {} GB", number(bytes as f64 / super::BYTES_PER_GB));
    }
    out.push('\n');
    if let Some(break_even) = report.break_even_utilization {
        let _ = writeln!(out, "break-even utilisation: {}", percent(break_even));
    }
    let mode = match report.recommendation {
        Mode::OnDemand => "on-demand",
        Mode::Provisioned => "provisioned",
    };
    let _ = writeln!(out, "recommendation: {mode}: {}", report.reason);
    out
}
