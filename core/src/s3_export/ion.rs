//! Amazon Ion text for `ExportFormat=ION` exports: one item per line, each line starting
//! with the Ion version marker, `$ion_1_0 {Item:{...}}`.
//!
//! The type mapping is the developer guide's ("DynamoDB table export output format",
//! Amazon Ion): S → string, N → decimal, B → blob, BOOL → bool, NULL → null, L → list,
//! M → struct, and SS / NS / BS → a list annotated `$dynamodb_SS`, `$dynamodb_NS`,
//! `$dynamodb_BS`. Numbers are written as DynamoDB writes them: the significant digits and
//! a `d` exponent (`600` → `6d2`, `103` → `103.`). Field names are bare symbols when they
//! are identifiers, else quoted strings. Only writing is supported: the layout's reader
//! refuses an Ion export with a typed error.

use base64::Engine as _;

use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// The Ion version marker every line starts with.
pub const ION_VERSION_MARKER: &str = "$ion_1_0";

/// A full export's line: `$ion_1_0 {Item:{...}}`.
pub fn item_line(item: &Item) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(ION_VERSION_MARKER);
    out.push_str(" {Item:");
    write_struct(&mut out, item);
    out.push('}');
    out
}

/// An incremental export's line: `$ion_1_0 {Metadata:{WriteTimestampMicros:…},
/// Keys:{…},NewImage:{…},OldImage:{…}}` (each image only when present).
pub fn change_line(
    keys: &Item,
    new_image: Option<&Item>,
    old_image: Option<&Item>,
    write_timestamp_micros: i64,
) -> String {
    let mut out = String::with_capacity(128);
    out.push_str(ION_VERSION_MARKER);
    out.push_str(" {Metadata:{WriteTimestampMicros:");
    out.push_str(&write_timestamp_micros.to_string());
    out.push_str(".},Keys:");
    write_struct(&mut out, keys);
    for (name, image) in [("NewImage", new_image), ("OldImage", old_image)] {
        if let Some(image) = image {
            out.push(',');
            out.push_str(name);
            out.push(':');
            write_struct(&mut out, image);
        }
    }
    out.push('}');
    out
}

fn write_struct(out: &mut String, item: &Item) {
    // Sorted field names: the same item always writes the same line.
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    out.push('{');
    for (index, name) in names.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_field_name(out, name);
        out.push(':');
        if let Some(value) = item.get(name) {
            write_value(out, value);
        }
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &AttributeValue) {
    match value {
        AttributeValue::S(text) => write_string(out, text),
        AttributeValue::N(number) => out.push_str(&decimal(number)),
        AttributeValue::B(bytes) => write_blob(out, bytes),
        AttributeValue::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        AttributeValue::Null => out.push_str("null"),
        AttributeValue::L(values) => {
            out.push('[');
            for (index, value) in values.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(out, value);
            }
            out.push(']');
        }
        AttributeValue::M(map) => write_struct(out, map),
        AttributeValue::Ss(texts) => {
            write_list(out, "$dynamodb_SS", texts, |out, text| write_string(out, text));
        }
        AttributeValue::Ns(numbers) => {
            write_list(out, "$dynamodb_NS", numbers, |out, n| out.push_str(&decimal(n)));
        }
        AttributeValue::Bs(blobs) => {
            write_list(out, "$dynamodb_BS", blobs, |out, bytes| write_blob(out, bytes));
        }
    }
}

fn write_list<T>(
    out: &mut String,
    annotation: &str,
    values: &[T],
    mut write: impl FnMut(&mut String, &T),
) {
    out.push_str(annotation);
    out.push_str("::[");
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write(out, value);
    }
    out.push(']');
}

fn write_blob(out: &mut String, bytes: &[u8]) {
    out.push_str("{{");
    out.push_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
    out.push_str("}}");
}

/// A bare symbol for identifiers (`[A-Za-z_][A-Za-z0-9_]*`, not an Ion keyword), else a
/// quoted string.
fn write_field_name(out: &mut String, name: &str) {
    let mut chars = name.chars();
    let identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(name, "null" | "true" | "false" | "nan");
    if identifier {
        out.push_str(name);
    } else {
        write_string(out, name);
    }
}

/// An Ion string: `"…"` with `\"`, `\\` and control characters escaped; other characters
/// as UTF-8.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An Ion decimal: the significant digits and a `d` exponent (`600` → `6d2`), or a
/// trailing `.` when the exponent is zero (`103` → `103.`, `0` → `0.`).
pub fn decimal(number: &Number) -> String {
    if number.is_zero() {
        return "0.".to_owned();
    }
    let digits: String =
        number.as_str().chars().filter(char::is_ascii_digit).skip_while(|&c| c == '0').collect();
    let digits = digits.trim_end_matches('0');
    // The value is 0.DIGITS × 10^point = DIGITS × 10^(point - len).
    let count = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let exponent = number.point() - count;
    let sign = if number.is_negative() { "-" } else { "" };
    if exponent == 0 {
        format!("{sign}{digits}.")
    } else {
        format!("{sign}{digits}d{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).expect("number")
    }

    #[test]
    fn decimals_as_dynamodb_writes_them() {
        for (text, ion) in [
            ("600", "6d2"),
            ("2000", "2d3"),
            ("103", "103."),
            ("0", "0."),
            ("1.5", "15d-1"),
            ("-0.001", "-1d-3"),
            ("1E+125", "1d125"),
            ("-1E-130", "-1d-130"),
            ("10.01", "1001d-2"),
        ] {
            assert_eq!(decimal(&n(text)), ion, "{text}");
        }
    }

    #[test]
    fn an_item_line_uses_the_guides_type_mapping() {
        let item: Item = [
            ("Id".to_owned(), AttributeValue::N(n("103"))),
            ("PageCount".to_owned(), AttributeValue::N(n("600"))),
            (
                "Authors".to_owned(),
                AttributeValue::Ss(vec!["Author1".to_owned(), "Author2".to_owned()]),
            ),
            ("InPublication".to_owned(), AttributeValue::Bool(false)),
            ("b".to_owned(), AttributeValue::B(b"hi".to_vec())),
            ("bs".to_owned(), AttributeValue::Bs(vec![b"up".to_vec()])),
            ("ns".to_owned(), AttributeValue::Ns(vec![n("103"), n("6")])),
            ("z".to_owned(), AttributeValue::Null),
            (
                "l".to_owned(),
                AttributeValue::L(vec![
                    AttributeValue::S("a\"b\\c\n\u{1}é".to_owned()),
                    AttributeValue::M(Item::new()),
                ]),
            ),
            ("my-attr".to_owned(), AttributeValue::S(String::new())),
            ("null".to_owned(), AttributeValue::Bool(true)),
        ]
        .into();
        assert_eq!(
            item_line(&item),
            r#"$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Id:103.,InPublication:false,PageCount:6d2,b:{{aGk=}},bs:$dynamodb_BS::[{{dXA=}}],l:["a\"b\\c\n\x01é",{}],"my-attr":"",ns:$dynamodb_NS::[103.,6.],"null":true,z:null}}"#
        );
        let keys: Item = [("pk".to_owned(), AttributeValue::S("a".to_owned()))].into();
        assert_eq!(
            change_line(&keys, None, Some(&keys), 1_700_000_000_000_000),
            r#"$ion_1_0 {Metadata:{WriteTimestampMicros:1700000000000000.},Keys:{pk:"a"},OldImage:{pk:"a"}}"#
        );
    }
}
