//! Inference from sample items in DynamoDB JSON (the Workbench importer's `TableData`):
//! the shape of a key value, `#`-separated segments that are literals or values, key
//! templates with named fields, and the Rust type of a DynamoDB type descriptor.

use serde_json::Value;

use super::naming::{field_name, unique};

/// A DynamoDB type descriptor → the generated Rust type.
pub(super) fn rust_type(dynamo: &str, krate: &syn::Path) -> syn::Type {
    let string: syn::Type = syn::parse_quote!(::std::string::String);
    let decimal: syn::Type = syn::parse_quote!(#krate::Decimal);
    match dynamo {
        "N" => decimal,
        "B" => syn::parse_quote!(::std::vec::Vec<u8>),
        "BOOL" => syn::parse_quote!(bool),
        "SS" => syn::parse_quote!(::std::collections::HashSet<#string>),
        "NS" => syn::parse_quote!(::std::collections::HashSet<#decimal>),
        "BS" => syn::parse_quote!(::std::collections::HashSet<::std::vec::Vec<u8>>),
        "L" => syn::parse_quote!(::std::vec::Vec<#string>),
        "M" => syn::parse_quote!(::std::collections::HashMap<#string, #string>),
        _ => string,
    }
}

/// How one `#`-separated segment of a key value looks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Seg {
    /// The same text on every item of the group: a literal.
    Lit(String),
    /// A value, after a literal head (possibly empty).
    Val(String),
}

fn classify(segment: &str) -> Seg {
    let head: String = segment.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let rest = &segment[head.len()..];
    if let Some(after) = rest.strip_prefix(':') {
        if !head.is_empty() && !after.is_empty() {
            return Seg::Val(format!("{head}:"));
        }
    }
    if segment.bytes().any(|b| b.is_ascii_digit()) {
        return if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            Seg::Val(head)
        } else {
            Seg::Val(String::new())
        };
    }
    if segment.contains([':', '-', '.', '@', ' ', '/']) {
        return Seg::Val(String::new());
    }
    Seg::Lit(segment.to_owned())
}

pub(super) fn shape(value: &str) -> Vec<Seg> {
    value.split('#').map(classify).collect()
}

/// The string value of attribute `name` in a Workbench item (`{"S": "…"}`, `{"N": "…"}`).
pub(super) fn scalar_value<'a>(item: &'a Value, name: &str) -> Option<&'a str> {
    let value = item.get(name)?;
    value.get("S").or_else(|| value.get("N")).and_then(Value::as_str)
}

pub(super) fn dynamo_type(item: &Value, name: &str) -> Option<String> {
    item.get(name)?.as_object()?.keys().next().cloned()
}

/// Builds a template from sample values of one shape, naming its fields; fields already
/// named in `known` (name → the samples' values) are reused when the values match.
pub(super) struct KeyBuilder<'a> {
    /// Non-key attributes of the group: (field name, attribute, values per item).
    pub(super) attributes: &'a [(String, String, Vec<Option<String>>)],
    /// Fields made for templates: (name, values per item, the literal before them).
    pub(super) made: Vec<(String, Vec<String>, String)>,
    pub(super) taken: Vec<String>,
}

impl KeyBuilder<'_> {
    pub(super) fn build(&mut self, values: &[&str], aliases: &[String], fallback: &str) -> String {
        let shape = values.first().map(|v| shape(v)).unwrap_or_default();
        let open = shape.iter().filter(|s| matches!(s, Seg::Val(_))).count();
        let by_segment = aliases.len() == shape.len();
        let all_aliases = aliases;
        let aliases: Vec<&String> = aliases.iter().filter(|a| !a.is_empty()).collect();
        let mut out = String::new();
        let mut previous_literal = String::new();
        let mut open_seen = 0;
        for (i, seg) in shape.iter().enumerate() {
            if i > 0 {
                out.push('#');
            }
            match seg {
                Seg::Lit(text) => {
                    out.push_str(text);
                    previous_literal = text.clone();
                }
                Seg::Val(head) => {
                    let samples: Vec<String> = values
                        .iter()
                        .map(|v| {
                            let seg = v.split('#').nth(i).unwrap_or("");
                            seg.strip_prefix(head.as_str()).unwrap_or(seg).to_owned()
                        })
                        .collect();
                    let name = self.name_for(
                        &samples,
                        head,
                        &previous_literal,
                        if by_segment {
                            all_aliases.get(i).map(String::as_str)
                        } else {
                            aliases
                                .get(open_seen)
                                .filter(|_| aliases.len() == open)
                                .map(|a| a.as_str())
                        },
                        fallback,
                    );
                    out.push_str(&head.replace(['{', '}'], ""));
                    out.push('{');
                    out.push_str(&name);
                    out.push('}');
                    open_seen += 1;
                }
            }
        }
        if out.is_empty() {
            let name = self.name_for(&[], "", "", None, fallback);
            out = format!("{{{name}}}");
        }
        out
    }

    fn name_for(
        &mut self,
        samples: &[String],
        head: &str,
        literal: &str,
        alias: Option<&str>,
        fallback: &str,
    ) -> String {
        let context = format!("{literal}|{head}");
        // A facet's key alias names the field, unless it only repeats the attribute name.
        if let Some(alias) = alias.filter(|a| !a.eq_ignore_ascii_case(fallback)) {
            let name = field_name(alias);
            if !self.taken.contains(&name) {
                self.taken.push(name.clone());
            }
            if !self.made.iter().any(|(n, _, _)| *n == name) {
                self.made.push((name.clone(), samples.to_vec(), context.clone()));
            }
            return name;
        }
        if !samples.is_empty() {
            // The same values after the same literal: the same field (`c#{c_id}` twice).
            if let Some((name, _, _)) =
                self.made.iter().find(|(_, v, c)| v.as_slice() == samples && *c == context)
            {
                return name.clone();
            }
            if let Some((name, _, _)) = self.attributes.iter().find(|(_, _, values)| {
                values.len() == samples.len()
                    && values.iter().zip(samples).all(|(v, s)| v.as_deref() == Some(s.as_str()))
            }) {
                self.made.push((name.clone(), samples.to_vec(), context));
                return name.clone();
            }
        }
        let base = if !head.trim_end_matches(':').is_empty() {
            field_name(&format!("{}_id", head.trim_end_matches(':')))
        } else if !literal.is_empty()
            && literal.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            field_name(&format!("{literal}_id"))
        } else {
            field_name(fallback)
        };
        let name = unique(base, &self.taken);
        self.taken.push(name.clone());
        self.made.push((name.clone(), samples.to_vec(), context));
        name
    }
}
