//! Key templates: `"ORDER#{placed_at}#{order_id}"`, literals and `{field}` placeholders.

use std::fmt;

use crate::span::Spanned;

/// One piece of a key template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text, copied as is.
    Literal(String),
    /// A field's value, by the field's Rust name (without `r#`).
    Field(String),
}

/// A parsed key template.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyTemplate {
    /// The template as written, where it was written.
    pub source: Spanned<String>,
    /// Its parts, in order.
    pub parts: Vec<TemplatePart>,
}

/// Why a key template does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// `""`.
    Empty,
    /// `"USER#{user_id"`.
    Unclosed,
    /// `"USER}"`.
    Unopened,
    /// `"USER#{}"`.
    EmptyPlaceholder,
    /// `"{user id}"`.
    NotAFieldName(String),
    /// `"{a}{b}"`, `"{a}-{b}"`: a placeholder followed by something other than the end
    /// or a literal starting with `#`.
    NotSeparated(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Empty => f.write_str("a key template cannot be empty"),
            TemplateError::Unclosed => {
                f.write_str("malformed key template: `{` is not closed by a `}`")
            }
            TemplateError::Unopened => {
                f.write_str("malformed key template: `}` without an opening `{`")
            }
            TemplateError::EmptyPlaceholder => f.write_str(
                "malformed key template: empty placeholder `{}`; write a field name, e.g. `{user_id}`",
            ),
            TemplateError::NotAFieldName(name) => write!(
                f,
                "malformed key template: `{{{name}}}` is not a field name"
            ),
            TemplateError::NotSeparated(name) => write!(
                f,
                "placeholder `{{{name}}}` must be followed by the end of the template or by a \
                 literal starting with `#` (e.g. `{{{name}}}#...`), so that stored keys can be \
                 parsed back into fields unambiguously"
            ),
        }
    }
}

impl KeyTemplate {
    /// Parses `source`.
    ///
    /// ```
    /// use singletable_codegen::model::{KeyTemplate, TemplatePart};
    /// use singletable_codegen::{SourceSpan, Spanned};
    /// let template = KeyTemplate::parse(Spanned::new("USER#{user_id}".to_owned(), SourceSpan::call_site())).unwrap();
    /// assert_eq!(template.parts, [TemplatePart::Literal("USER#".into()), TemplatePart::Field("user_id".into())]);
    /// ```
    pub fn parse(source: Spanned<String>) -> Result<Self, TemplateError> {
        let parts = parse_parts(&source.value)?;
        Ok(KeyTemplate { source, parts })
    }

    /// The field names of the placeholders, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Field(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }

    /// The field of a template that is exactly one placeholder (`"{user_id}"`).
    pub fn lone_field(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [TemplatePart::Field(name)] => Some(name),
            _ => None,
        }
    }
}

fn parse_parts(source: &str) -> Result<Vec<TemplatePart>, TemplateError> {
    if source.is_empty() {
        return Err(TemplateError::Empty);
    }
    let mut parts = Vec::new();
    let mut rest = source;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                parts.push(TemplatePart::Literal(rest.to_owned()));
                rest = "";
            }
            Some(at) if rest[at..].starts_with('}') => return Err(TemplateError::Unopened),
            Some(at) => {
                if at > 0 {
                    parts.push(TemplatePart::Literal(rest[..at].to_owned()));
                }
                let after = &rest[at + 1..];
                let close = after.find('}').ok_or(TemplateError::Unclosed)?;
                let name = &after[..close];
                if let Some(nested) = name.find('{') {
                    // `{a{b}`: the first `{` never closes before the next opens.
                    let _ = nested;
                    return Err(TemplateError::Unclosed);
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(TemplateError::EmptyPlaceholder);
                }
                let name = name.strip_prefix("r#").unwrap_or(name);
                if !is_identifier(name) {
                    return Err(TemplateError::NotAFieldName(name.to_owned()));
                }
                rest = &after[close + 1..];
                if !rest.is_empty() && !rest.starts_with('#') {
                    return Err(TemplateError::NotSeparated(name.to_owned()));
                }
                parts.push(TemplatePart::Field(name.to_owned()));
            }
        }
    }
    Ok(parts)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first == '_' || first.is_alphabetic() => {
            name != "_" && chars.all(|c| c == '_' || c.is_alphanumeric())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceSpan;

    fn parse(source: &str) -> Result<Vec<TemplatePart>, TemplateError> {
        KeyTemplate::parse(Spanned::new(source.to_owned(), SourceSpan::call_site()))
            .map(|t| t.parts)
    }

    fn lit(text: &str) -> TemplatePart {
        TemplatePart::Literal(text.to_owned())
    }

    fn field(name: &str) -> TemplatePart {
        TemplatePart::Field(name.to_owned())
    }

    #[test]
    fn parses_literals_and_placeholders() {
        assert_eq!(parse("PROFILE").unwrap(), [lit("PROFILE")]);
        assert_eq!(parse("USER#{user_id}").unwrap(), [lit("USER#"), field("user_id")]);
        assert_eq!(
            parse("ORDER#{placed_at}#{order_id}").unwrap(),
            [lit("ORDER#"), field("placed_at"), lit("#"), field("order_id")]
        );
        assert_eq!(parse("{id}").unwrap(), [field("id")]);
        assert_eq!(parse("{id}#END").unwrap(), [field("id"), lit("#END")]);
        assert_eq!(parse("{r#type}").unwrap(), [field("type")]);
    }

    #[test]
    fn refuses_malformed_templates() {
        assert_eq!(parse(""), Err(TemplateError::Empty));
        assert_eq!(parse("USER#{user_id"), Err(TemplateError::Unclosed));
        assert_eq!(parse("USER#{a{b}"), Err(TemplateError::Unclosed));
        assert_eq!(parse("USER}"), Err(TemplateError::Unopened));
        assert_eq!(parse("USER#{}"), Err(TemplateError::EmptyPlaceholder));
        assert_eq!(parse("USER#{a b}"), Err(TemplateError::NotAFieldName("a b".into())));
        assert_eq!(parse("{1a}"), Err(TemplateError::NotAFieldName("1a".into())));
    }

    #[test]
    fn placeholders_need_a_hash_after_them() {
        assert_eq!(parse("{a}{b}"), Err(TemplateError::NotSeparated("a".into())));
        assert_eq!(parse("{a}-{b}"), Err(TemplateError::NotSeparated("a".into())));
        assert!(parse("{a}#{b}").is_ok());
        let message = TemplateError::NotSeparated("a".into()).to_string();
        assert!(message.contains("literal starting with `#`"), "{message}");
        assert!(message.contains("unambiguously"), "{message}");
    }

    #[test]
    fn lone_field() {
        let template =
            KeyTemplate::parse(Spanned::new("{id}".to_owned(), SourceSpan::call_site())).unwrap();
        assert_eq!(template.lone_field(), Some("id"));
        let template =
            KeyTemplate::parse(Spanned::new("A#{id}".to_owned(), SourceSpan::call_site())).unwrap();
        assert_eq!(template.lone_field(), None);
        assert_eq!(template.fields().collect::<Vec<_>>(), ["id"]);
    }
}
