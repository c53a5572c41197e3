//! Key templates: values in keys, escaping, and order-preserving text.
//!
//! A template such as `"ORDER#{placed_at}#{order_id}"` renders to one `S` attribute. Each
//! field is written with [`push_key_component`]:
//!
//! - its [`KeyComponent`] text: strings as they are, `bool` as `false`/`true`, UUIDs
//!   hyphenated lowercase, [`Timestamp`]s as fixed-width RFC 3339, and integers as
//!   **order-preserving fixed-width** text (see below), so that the string order of keys
//!   is the order of the values;
//! - escaped: `%` becomes `%25` and `#` becomes `%23`, so a value never contains the `#`
//!   delimiter, two different values never render to the same key, and
//!   [`parse_key_template`] can split a key back into its fields.
//!
//! Integers: unsigned values are zero-padded to the digit count of the type's `MAX` (`u8`
//! 3, `u16` 5, `u32` 10, `u64`/`usize` 20, `u128` 39). Signed non-negative values are
//! zero-padded to the digit count of the type's `MAX` (`i8` 3, `i16` 5, `i32` 10,
//! `i64`/`isize` 19, `i128` 39); negative values are `-` followed by `value - MIN`
//! zero-padded to the same width. `-` sorts before every digit and `value - MIN` grows with
//! `value`, so byte order is numeric order. `usize`/`isize` use the 64-bit widths on every
//! platform, so keys do not depend on the machine.
//!
//! Ordering caveats, both inherent to text keys: values that differ exactly at a `#` or
//! `%` character may sort differently from their raw text (the escape `%23` sorts after
//! `$`, `#` before it); and in a composite template the `#` after a field sorts after the
//! characters below it (space, `!`, `"`, control characters), so `"a"` sorts after
//! `"a!"` in `"A#{x}#{y}"`.
//!
//! ```
//! use singletable_runtime::key::{finish_key, push_key_component, KeyRole};
//! use singletable_runtime::AttributeValue;
//!
//! let mut text = String::from("ORDER#");
//! push_key_component(&mut text, &-5i32).unwrap();
//! text.push('#');
//! push_key_component(&mut text, &"a#b".to_string()).unwrap();
//! assert_eq!(text, "ORDER#-2147483643#a%23b");
//! assert_eq!(finish_key(text, KeyRole::Sort).unwrap(), AttributeValue::S("ORDER#-2147483643#a%23b".into()));
//! ```

use std::borrow::Cow;

use crate::codec::Attribute;
use crate::error::{DecodeError, EncodeError, EncodeErrorKind};
use crate::schema::{KeyTemplateSchema, ScalarType, TemplatePart};
use crate::timestamp::Timestamp;
use crate::value::AttributeValue;

/// Which key a value is for (the limits differ: 2048 bytes for a partition key,
/// 1024 for a sort key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// Partition key.
    Partition,
    /// Sort key.
    Sort,
}

impl KeyRole {
    /// DynamoDB's limit on a key value of this role, in bytes: 2048 for a partition key,
    /// 1024 for a sort key.
    pub const fn max_len(self) -> usize {
        match self {
            KeyRole::Partition => crate::limits::MAX_PARTITION_KEY_BYTES,
            KeyRole::Sort => crate::limits::MAX_SORT_KEY_BYTES,
        }
    }
}

/// A value usable in a key template.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in a key template",
    label = "not a key template type",
    note = "key templates take String, integers, bool, Timestamp, Uuid, unit enums and newtypes that derive `Attribute`"
)]
pub trait KeyComponent: Sized {
    /// Appends the value's key text, unescaped.
    fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError>;
    /// Parses key text (already unescaped) back.
    fn parse_key_text(text: &str) -> Result<Self, DecodeError>;
}

/// A type stored as a DynamoDB scalar (`S`, `N`, `B`): usable as a native key attribute.
pub trait ScalarAttribute: Attribute {
    /// Its scalar type.
    const SCALAR: ScalarType;
}

/// Appends `value`'s key text to `out`, escaped (`%` → `%25`, `#` → `%23`).
pub fn push_key_component<T: KeyComponent>(out: &mut String, value: &T) -> Result<(), EncodeError> {
    let start = out.len();
    value.write_key_text(out)?;
    if out.as_bytes()[start..].iter().any(|&b| b == b'#' || b == b'%') {
        let raw = out.split_off(start);
        out.reserve(raw.len() + 8);
        for c in raw.chars() {
            match c {
                '%' => out.push_str("%25"),
                '#' => out.push_str("%23"),
                c => out.push(c),
            }
        }
    }
    Ok(())
}

/// Undoes the escaping of [`push_key_component`]; any `%` not starting `%25` or `%23` is an
/// error.
pub fn unescape_key_component(text: &str) -> Result<Cow<'_, str>, DecodeError> {
    if !text.contains('%') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        match rest.get(at..at + 3) {
            Some("%25") => out.push('%'),
            Some("%23") => out.push('#'),
            _ => {
                return Err(DecodeError::invalid(format!(
                    "invalid escape in key text `{text}`: `%` must start `%25` or `%23`"
                )))
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Checks a rendered key (non-empty, within the length limit of its role, counted in
/// UTF-8 bytes) and returns it as `S`.
pub fn finish_key(text: String, role: KeyRole) -> Result<AttributeValue, EncodeError> {
    check_key_len(text.len(), role)?;
    Ok(AttributeValue::S(text))
}

fn check_key_len(len: usize, role: KeyRole) -> Result<(), EncodeError> {
    if len == 0 {
        return Err(EncodeError::new(EncodeErrorKind::EmptyKey));
    }
    let max = role.max_len();
    if len > max {
        return Err(EncodeError::new(EncodeErrorKind::KeyTooLong { len, max }));
    }
    Ok(())
}

/// Checks a native key attribute value (a field stored as the key itself, not through a
/// template): `S` and `B` must be non-empty and within the role's length limit; `N` is
/// always fine (a [`Number`](crate::Number) is valid by construction); other types cannot
/// be key values.
pub fn check_key_value(
    value: AttributeValue,
    role: KeyRole,
) -> Result<AttributeValue, EncodeError> {
    match &value {
        AttributeValue::S(text) => check_key_len(text.len(), role)?,
        AttributeValue::B(bytes) => check_key_len(bytes.len(), role)?,
        AttributeValue::N(_) => {}
        other => {
            return Err(EncodeError::new(EncodeErrorKind::Invalid(format!(
                "a key attribute must be S, N or B, found {}",
                other.attribute_type()
            ))))
        }
    }
    Ok(value)
}

/// Splits key `text` by `template` into the unescaped texts of its fields, in order.
///
/// Literals must match exactly. A field's text runs to the next `#` (escaped values never
/// contain one) or, for the last part of the template, to the end of the key (which then
/// must not contain a `#` either). This needs
/// every field to be followed by the end of the template or by a literal starting with
/// `#`, which the derive macro and the schema checker enforce at compile time; a template
/// that breaks the rule anyway gives a [`DecodeError`], as does a key that does not match.
///
/// ```
/// use singletable_runtime::key::parse_key_template;
/// use singletable_runtime::schema::{KeyTemplateSchema, TemplatePart};
///
/// const T: KeyTemplateSchema = KeyTemplateSchema {
///     source: "ORDER#{placed_at}#{order_id}",
///     parts: &[
///         TemplatePart::Literal("ORDER#"),
///         TemplatePart::Field("placed_at"),
///         TemplatePart::Literal("#"),
///         TemplatePart::Field("order_id"),
///     ],
/// };
/// let fields = parse_key_template(&T, "ORDER#2024-01-01T00:00:00.000Z#o%231").unwrap();
/// assert_eq!(fields, ["2024-01-01T00:00:00.000Z", "o#1"]);
/// assert!(parse_key_template(&T, "USER#1").is_err());
/// ```
pub fn parse_key_template(
    template: &KeyTemplateSchema,
    text: &str,
) -> Result<Vec<String>, DecodeError> {
    let mismatch = || {
        DecodeError::invalid(format!(
            "key `{text}` does not match the key template `{}`",
            template.source
        ))
    };
    let mut fields = Vec::new();
    let mut rest = text;
    for (position, part) in template.parts.iter().enumerate() {
        match part {
            TemplatePart::Literal(literal) => {
                rest = rest.strip_prefix(literal).ok_or_else(mismatch)?;
            }
            TemplatePart::Field(name) => {
                let next = template.parts[position + 1..]
                    .iter()
                    .find(|part| !matches!(part, TemplatePart::Literal("")));
                let end = match next {
                    // Escaped values hold no `#`: one in the last field is not ours.
                    None if rest.contains('#') => return Err(mismatch()),
                    None => rest.len(),
                    Some(TemplatePart::Literal(literal)) if literal.starts_with('#') => {
                        rest.find('#').ok_or_else(mismatch)?
                    }
                    Some(_) => {
                        return Err(DecodeError::invalid(format!(
                            "the key template `{}` cannot be parsed: field `{name}` must be \
                             followed by the end of the template or by a literal starting \
                             with `#`",
                            template.source
                        )))
                    }
                };
                let (field, after) = rest.split_at(end);
                let field = unescape_key_component(field).map_err(|e| e.at_field(*name))?;
                fields.push(field.into_owned());
                rest = after;
            }
        }
    }
    if rest.is_empty() {
        Ok(fields)
    } else {
        Err(mismatch())
    }
}

impl KeyComponent for String {
    fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError> {
        out.push_str(self);
        Ok(())
    }

    fn parse_key_text(text: &str) -> Result<Self, DecodeError> {
        Ok(text.to_owned())
    }
}

impl KeyComponent for bool {
    fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError> {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
    }

    fn parse_key_text(text: &str) -> Result<Self, DecodeError> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(DecodeError::invalid(format!("invalid bool in key: `{text}`"))),
        }
    }
}

impl KeyComponent for uuid::Uuid {
    fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError> {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        out.push_str(self.hyphenated().encode_lower(&mut buf));
        Ok(())
    }

    fn parse_key_text(text: &str) -> Result<Self, DecodeError> {
        if text.len() == uuid::fmt::Hyphenated::LENGTH {
            if let Ok(uuid) = uuid::Uuid::try_parse(text) {
                return Ok(uuid);
            }
        }
        Err(DecodeError::invalid(format!("invalid UUID in key: `{text}`")))
    }
}

impl KeyComponent for Timestamp {
    fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError> {
        self.write_rfc3339(out)
            .map_err(|e| EncodeError::new(EncodeErrorKind::Invalid(e.to_string())))
    }

    fn parse_key_text(text: &str) -> Result<Self, DecodeError> {
        Timestamp::parse(text).map_err(|e| DecodeError::invalid(e.to_string()))
    }
}

/// Appends `digits` left-padded with zeros to `width`.
fn push_padded(out: &mut String, digits: &str, width: usize) {
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(digits);
}

/// The digits of fixed-width key text, or `None` when `text` is not exactly `width` ASCII
/// digits.
fn fixed_digits(text: &str, width: usize) -> Option<&str> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

fn bad_integer(text: &str, ty: &str, width: usize) -> DecodeError {
    DecodeError::invalid(format!(
        "invalid {ty} in key: `{text}` (expected {width} digits, or `-` and {width} digits for a negative value)"
    ))
}

macro_rules! unsigned_key {
    ($($t:ty => $wide:ty, $width:expr;)*) => {$(
        impl KeyComponent for $t {
            fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError> {
                let wide = <$wide>::try_from(*self)
                    .map_err(|e| EncodeError::new(EncodeErrorKind::Invalid(e.to_string())))?;
                let mut buf = itoa::Buffer::new();
                push_padded(out, buf.format(wide), $width);
                Ok(())
            }

            fn parse_key_text(text: &str) -> Result<Self, DecodeError> {
                fixed_digits(text, $width)
                    .and_then(|digits| digits.parse::<$wide>().ok())
                    .and_then(|wide| <$t>::try_from(wide).ok())
                    .ok_or_else(|| bad_integer(text, stringify!($t), $width))
            }
        }
    )*};
}

unsigned_key! {
    u8 => u8, 3;
    u16 => u16, 5;
    u32 => u32, 10;
    u64 => u64, 20;
    usize => u64, 20;
    u128 => u128, 39;
}

macro_rules! signed_key {
    ($($t:ty => $wide:ty, $width:expr;)*) => {$(
        impl KeyComponent for $t {
            fn write_key_text(&self, out: &mut String) -> Result<(), EncodeError> {
                let wide = <$wide>::try_from(*self)
                    .map_err(|e| EncodeError::new(EncodeErrorKind::Invalid(e.to_string())))?;
                let mut buf = itoa::Buffer::new();
                if wide < 0 {
                    out.push('-');
                    push_padded(out, buf.format(wide.abs_diff(<$wide>::MIN)), $width);
                } else {
                    push_padded(out, buf.format(wide), $width);
                }
                Ok(())
            }

            fn parse_key_text(text: &str) -> Result<Self, DecodeError> {
                let wide = match text.strip_prefix('-') {
                    // Negative: `value - MIN`, which is at most MAX.
                    Some(rest) => fixed_digits(rest, $width)
                        .and_then(|digits| digits.parse::<$wide>().ok())
                        .and_then(|offset| <$wide>::MIN.checked_add(offset))
                        .filter(|value| *value < 0),
                    None => fixed_digits(text, $width).and_then(|digits| digits.parse::<$wide>().ok()),
                };
                wide.and_then(|wide| <$t>::try_from(wide).ok())
                    .ok_or_else(|| bad_integer(text, stringify!($t), $width))
            }
        }
    )*};
}

signed_key! {
    i8 => i8, 3;
    i16 => i16, 5;
    i32 => i32, 10;
    i64 => i64, 19;
    isize => i64, 19;
    i128 => i128, 39;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key_text<T: KeyComponent>(value: T) -> String {
        let mut out = String::new();
        match push_key_component(&mut out, &value) {
            Ok(()) => out,
            Err(e) => panic!("{e}"),
        }
    }

    const TWO: KeyTemplateSchema = KeyTemplateSchema {
        source: "A#{x}#{y}",
        parts: &[
            TemplatePart::Literal("A#"),
            TemplatePart::Field("x"),
            TemplatePart::Literal("#"),
            TemplatePart::Field("y"),
        ],
    };

    fn render(x: &str, y: &str) -> String {
        let mut out = String::from("A#");
        let pushed = push_key_component(&mut out, &x.to_owned()).and_then(|()| {
            out.push('#');
            push_key_component(&mut out, &y.to_owned())
        });
        match pushed {
            Ok(()) => out,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn integer_texts() {
        assert_eq!(key_text(0u8), "000");
        assert_eq!(key_text(255u8), "255");
        assert_eq!(key_text(7u16), "00007");
        assert_eq!(key_text(42u32), "0000000042");
        assert_eq!(key_text(u64::MAX), "18446744073709551615");
        assert_eq!(key_text(1usize), "00000000000000000001");
        assert_eq!(key_text(u128::MAX), "340282366920938463463374607431768211455");
        assert_eq!(key_text(1u128), format!("{}1", "0".repeat(38)));
        assert_eq!(key_text(0i8), "000");
        assert_eq!(key_text(127i8), "127");
        assert_eq!(key_text(-1i8), "-127");
        assert_eq!(key_text(-128i8), "-000");
        assert_eq!(key_text(-2i16), "-32766");
        assert_eq!(key_text(5i32), "0000000005");
        assert_eq!(key_text(i64::MIN), "-0000000000000000000");
        assert_eq!(key_text(-1i64), "-9223372036854775807");
        assert_eq!(key_text(i64::MAX), "9223372036854775807");
        assert_eq!(key_text(3isize), "0000000000000000003");
        assert_eq!(key_text(-1i128), "-170141183460469231731687303715884105727");
        assert_eq!(key_text(i128::MIN), format!("-{}", "0".repeat(39)));
    }

    #[test]
    fn integer_parsing_is_strict() {
        assert_eq!(u8::parse_key_text("255"), Ok(255));
        assert_eq!(i8::parse_key_text("-000"), Ok(-128));
        assert_eq!(i8::parse_key_text("-127"), Ok(-1));
        assert_eq!(i64::parse_key_text("-9223372036854775807"), Ok(-1));
        assert_eq!(isize::parse_key_text("0000000000000000003"), Ok(3));
        for bad in ["", "25", "0255", "256", "+25", " 25", "2 5", "-", "-1", "abc"] {
            assert!(u8::parse_key_text(bad).is_err(), "{bad:?}");
        }
        for bad in ["-128", "-200", "128", "12", "-0000", "--12", "+12", "-+12"] {
            assert!(i8::parse_key_text(bad).is_err(), "{bad:?}");
        }
        // `-` followed by MAX + 1 would be a non-negative value written as negative.
        assert!(i64::parse_key_text("-9223372036854775808").is_err());
        let error = u16::parse_key_text("12").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid u16 in key: `12` (expected 5 digits, or `-` and 5 digits for a negative value)"
        );
    }

    #[test]
    fn other_components() {
        assert_eq!(key_text(true), "true");
        assert_eq!(key_text(false), "false");
        assert_eq!(bool::parse_key_text("true"), Ok(true));
        assert!(bool::parse_key_text("True").is_err());
        let id = uuid::Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
        assert_eq!(key_text(id), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!(uuid::Uuid::parse_key_text("67e55044-10b1-426f-9247-bb680e5fe0c8"), Ok(id));
        assert!(uuid::Uuid::parse_key_text("67e5504410b1426f9247bb680e5fe0c8").is_err());
        let t = Timestamp::from_unix_millis(1_700_000_000_123);
        assert_eq!(key_text(t), "2023-11-14T22:13:20.123Z");
        assert_eq!(Timestamp::parse_key_text("2023-11-14T22:13:20.123Z"), Ok(t));
        let far = Timestamp::from_unix_millis(i64::MAX);
        let mut out = String::new();
        assert!(matches!(
            push_key_component(&mut out, &far).map_err(|e| e.kind),
            Err(EncodeErrorKind::Invalid(_))
        ));
        assert_eq!(String::parse_key_text("a b"), Ok("a b".to_owned()));
    }

    #[test]
    fn escaping() {
        assert_eq!(key_text("a#b%c".to_owned()), "a%23b%25c");
        assert_eq!(key_text("%23".to_owned()), "%2523");
        assert_eq!(key_text("é#".to_owned()), "é%23");
        assert_eq!(unescape_key_component("a%23b%25c").as_deref(), Ok("a#b%c"));
        assert_eq!(unescape_key_component("%2523").as_deref(), Ok("%23"));
        assert!(matches!(unescape_key_component("plain"), Ok(Cow::Borrowed("plain"))));
        for bad in ["%", "%2", "%24", "a%41", "%%", "%2é", "%é"] {
            assert!(unescape_key_component(bad).is_err(), "{bad:?}");
        }
        // Only the new component is escaped.
        let mut out = String::from("A#");
        push_key_component(&mut out, &"x#y".to_owned()).unwrap();
        assert_eq!(out, "A#x%23y");
    }

    #[test]
    fn finishing_keys() {
        assert_eq!(finish_key("k".into(), KeyRole::Partition), Ok(AttributeValue::S("k".into())));
        assert_eq!(
            finish_key(String::new(), KeyRole::Sort).map_err(|e| e.kind),
            Err(EncodeErrorKind::EmptyKey)
        );
        assert!(finish_key("x".repeat(2048), KeyRole::Partition).is_ok());
        assert_eq!(
            finish_key("x".repeat(2049), KeyRole::Partition).map_err(|e| e.kind),
            Err(EncodeErrorKind::KeyTooLong { len: 2049, max: 2048 })
        );
        assert!(finish_key("é".repeat(512), KeyRole::Sort).is_ok());
        assert_eq!(
            finish_key("é".repeat(513), KeyRole::Sort).map_err(|e| e.kind),
            Err(EncodeErrorKind::KeyTooLong { len: 1026, max: 1024 })
        );
    }

    #[test]
    fn checking_native_key_values() {
        let n = AttributeValue::N(crate::Number::from(0u8));
        assert_eq!(check_key_value(n.clone(), KeyRole::Partition), Ok(n));
        assert_eq!(
            check_key_value(AttributeValue::B(vec![]), KeyRole::Partition).map_err(|e| e.kind),
            Err(EncodeErrorKind::EmptyKey)
        );
        assert_eq!(
            check_key_value(AttributeValue::B(vec![0; 1025]), KeyRole::Sort).map_err(|e| e.kind),
            Err(EncodeErrorKind::KeyTooLong { len: 1025, max: 1024 })
        );
        assert!(check_key_value(AttributeValue::B(vec![0; 1025]), KeyRole::Partition).is_ok());
        assert_eq!(
            check_key_value(AttributeValue::S(String::new()), KeyRole::Sort).map_err(|e| e.kind),
            Err(EncodeErrorKind::EmptyKey)
        );
        assert_eq!(
            check_key_value(AttributeValue::Bool(true), KeyRole::Sort).map_err(|e| e.kind),
            Err(EncodeErrorKind::Invalid("a key attribute must be S, N or B, found BOOL".into()))
        );
    }

    #[test]
    fn parsing_templates() {
        assert_eq!(parse_key_template(&TWO, "A#x#y"), Ok(vec!["x".to_owned(), "y".to_owned()]));
        assert_eq!(parse_key_template(&TWO, "A##"), Ok(vec![String::new(), String::new()]));
        assert_eq!(
            parse_key_template(&TWO, "A#a%23b#c%25"),
            Ok(vec!["a#b".to_owned(), "c%".to_owned()])
        );
        for bad in ["", "A#", "A#x", "B#x#y", "a#x#y", "A#x#y#z", "A#x%2#y"] {
            assert!(parse_key_template(&TWO, bad).is_err(), "{bad:?}");
        }
        let error = parse_key_template(&TWO, "B#x#y").unwrap_err();
        assert_eq!(error.to_string(), "key `B#x#y` does not match the key template `A#{x}#{y}`");
        let error = parse_key_template(&TWO, "A#x%2#y").unwrap_err();
        assert_eq!(
            error.to_string(),
            "x: invalid escape in key text `x%2`: `%` must start `%25` or `%23`"
        );

        const CONSTANT: KeyTemplateSchema =
            KeyTemplateSchema { source: "PROFILE", parts: &[TemplatePart::Literal("PROFILE")] };
        assert_eq!(parse_key_template(&CONSTANT, "PROFILE"), Ok(vec![]));
        assert!(parse_key_template(&CONSTANT, "PROFILES").is_err());

        const TRAILING: KeyTemplateSchema = KeyTemplateSchema {
            source: "{id}#META",
            parts: &[TemplatePart::Field("id"), TemplatePart::Literal("#META")],
        };
        assert_eq!(parse_key_template(&TRAILING, "u1#META"), Ok(vec!["u1".to_owned()]));
        assert!(parse_key_template(&TRAILING, "u1#META2").is_err());
        assert!(parse_key_template(&TRAILING, "u1#OTHER").is_err());

        const BROKEN: KeyTemplateSchema = KeyTemplateSchema {
            source: "A{x}{y}",
            parts: &[
                TemplatePart::Literal("A"),
                TemplatePart::Field("x"),
                TemplatePart::Field("y"),
            ],
        };
        let error = parse_key_template(&BROKEN, "Axy").unwrap_err();
        assert!(error.to_string().contains("cannot be parsed: field `x`"), "{error}");
        const NO_HASH: KeyTemplateSchema = KeyTemplateSchema {
            source: "{x}-{y}",
            parts: &[
                TemplatePart::Field("x"),
                TemplatePart::Literal("-"),
                TemplatePart::Field("y"),
            ],
        };
        assert!(parse_key_template(&NO_HASH, "a-b").is_err());
    }

    macro_rules! integer_order_props {
        ($($name:ident: $t:ty;)*) => {
            proptest! {$(
                #[test]
                fn $name(a in any::<$t>(), b in any::<$t>()) {
                    let (ta, tb) = (key_text(a), key_text(b));
                    prop_assert_eq!(ta.as_bytes().cmp(tb.as_bytes()), a.cmp(&b));
                    prop_assert_eq!(<$t>::parse_key_text(&ta), Ok(a));
                    prop_assert_eq!(<$t>::parse_key_text(&tb), Ok(b));
                }
            )*}
        };
    }

    integer_order_props! {
        order_u8: u8;
        order_u16: u16;
        order_u32: u32;
        order_u64: u64;
        order_usize: usize;
        order_u128: u128;
        order_i8: i8;
        order_i16: i16;
        order_i32: i32;
        order_i64: i64;
        order_isize: isize;
        order_i128: i128;
    }

    fn key_string() -> impl Strategy<Value = String> {
        prop_oneof!["[a#%2-5]{0,6}", any::<String>(), "[#%]{0,3}(%2[35])?.{0,3}",]
    }

    proptest! {
        #[test]
        fn templates_never_collide_and_parse_back(
            x1 in key_string(), y1 in key_string(), x2 in key_string(), y2 in key_string(),
        ) {
            let (k1, k2) = (render(&x1, &y1), render(&x2, &y2));
            prop_assert_eq!(k1 == k2, (x1.clone(), y1.clone()) == (x2.clone(), y2.clone()));
            prop_assert_eq!(parse_key_template(&TWO, &k1), Ok(vec![x1, y1]));
            prop_assert_eq!(parse_key_template(&TWO, &k2), Ok(vec![x2, y2]));
        }

        #[test]
        fn timestamp_text_sorts_like_time(
            a in -62_167_219_200_000i64..253_402_300_800_000,
            b in -62_167_219_200_000i64..253_402_300_800_000,
        ) {
            let (ta, tb) = (Timestamp::from_unix_millis(a), Timestamp::from_unix_millis(b));
            let (ka, kb) = (key_text(ta), key_text(tb));
            prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            prop_assert_eq!(Timestamp::parse_key_text(&ka), Ok(ta));
        }
    }
}
