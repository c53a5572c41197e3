//! Inference from sample items in DynamoDB JSON (the Workbench importer's `TableData`):
//! the shape of a key value, `#`-separated segments that are literals, values or a
//! non-key attribute's value, and key templates with named fields (field types are
//! inferred in [`super::types`]).

use serde_json::Value;

use super::naming::{field_name, unique};

/// How one `#`-separated segment of a key value looks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Seg {
    /// The same text on every item of the group: a literal.
    Lit(String),
    /// A value, after a literal head (possibly empty).
    Val(String),
    /// The whole segment is the value of this non-key attribute on every item.
    Attr(String),
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

/// Every item's segment `index` of a key value (`None` where the item has no such key).
pub(super) fn segments<'a>(values: &[Option<&'a str>], index: usize) -> Vec<Option<&'a str>> {
    values.iter().map(|v| v.and_then(|v| v.split('#').nth(index))).collect()
}

/// Two per-item value lists hold one value: equal on every item where both are present,
/// and both present on at least one.
pub(super) fn aligned(a: &[Option<String>], b: &[Option<String>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).any(|(x, y)| x.is_some() && y.is_some())
        && a.iter().zip(b).all(|(x, y)| x.is_none() || y.is_none() || x == y)
}

/// Values too specific to be equal by chance (timestamps, uuids, long text): equal
/// values of these in different literal contexts are still one field. Short numbers are
/// not: `o#12345` and `c#12345` are an order and a customer.
fn distinctive(samples: &[Option<String>]) -> bool {
    let present: Vec<&String> = samples.iter().flatten().collect();
    !present.is_empty() && present.iter().all(|s| s.contains(['-', ':']) || s.len() >= 16)
}

/// A one-letter key literal expanded to a word: from the key attribute's name when the
/// letter is its first (`DeviceID` with `d#…` → `Device`), else from the one declared
/// non-key attribute that starts with the letter and names an id (`customer_id` with
/// `c#…` → `Customer`).
pub(super) fn expand_letter(
    letter: &str,
    key_attribute: &str,
    declared: &[String],
) -> Option<String> {
    let letter = letter.to_ascii_lowercase();
    if letter.len() != 1 || !letter.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let stem = |name: &str| -> Option<String> {
        let snake = field_name(name);
        let stem = snake.strip_suffix("_id").or_else(|| snake.strip_suffix("id"))?;
        let stem = stem.trim_end_matches('_');
        (stem.len() >= 2).then(|| stem.to_owned())
    };
    if key_attribute.to_ascii_lowercase().starts_with(&letter) {
        if let Some(stem) = stem(key_attribute) {
            return Some(stem);
        }
    }
    let candidates: Vec<String> = declared
        .iter()
        .filter(|a| a.to_ascii_lowercase().starts_with(&letter))
        .filter_map(|a| stem(a))
        .collect();
    match candidates.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Builds a template from the key values of a group's items, segment by segment as
/// `shape` says, naming its fields; fields already made for another key of the group
/// are reused when they hold the same values.
pub(super) struct KeyBuilder<'a> {
    /// Non-key attributes of the group: (field name, attribute, values per item).
    pub(super) attributes: &'a [(String, String, Vec<Option<String>>)],
    /// Attribute names the table declares (for one-letter literals).
    pub(super) declared: &'a [String],
    /// Fields made for templates: (name, values per item, the context before them).
    pub(super) made: Vec<(String, Vec<Option<String>>, String)>,
    pub(super) taken: Vec<String>,
}

impl KeyBuilder<'_> {
    /// `values`: the key value of each item of the group (`None` where absent: sparse
    /// index keys), `shape` their common shape; `fallback` the key attribute's name.
    pub(super) fn build(
        &mut self,
        values: &[Option<&str>],
        shape: &[Seg],
        aliases: &[String],
        fallback: &str,
    ) -> String {
        let open = shape.iter().filter(|s| !matches!(s, Seg::Lit(_))).count();
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
            let alias = if by_segment {
                all_aliases.get(i).map(String::as_str)
            } else {
                aliases.get(open_seen).filter(|_| aliases.len() == open).map(|a| a.as_str())
            };
            match seg {
                Seg::Lit(text) => {
                    out.push_str(text);
                    previous_literal = text.clone();
                }
                Seg::Attr(attribute) => {
                    let samples: Vec<Option<String>> =
                        segments(values, i).into_iter().map(|s| s.map(str::to_owned)).collect();
                    let name = match self.attributes.iter().find(|(_, a, _)| a == attribute) {
                        Some((name, _, _)) => {
                            let context = previous_literal.clone();
                            self.made.push((name.clone(), samples, context));
                            name.clone()
                        }
                        // The attribute sits on another item of the partition.
                        None => {
                            let name = match self.made.iter().find(|(_, v, _)| *v == samples) {
                                Some((name, _, _)) => name.clone(),
                                None => unique(field_name(attribute), &self.taken),
                            };
                            if !self.taken.contains(&name) {
                                self.taken.push(name.clone());
                            }
                            let context = previous_literal.clone();
                            self.made.push((name.clone(), samples, context));
                            name
                        }
                    };
                    out.push('{');
                    out.push_str(&name);
                    out.push('}');
                    open_seen += 1;
                }
                Seg::Val(head) => {
                    let samples: Vec<Option<String>> = segments(values, i)
                        .into_iter()
                        .map(|s| s.map(|s| s.strip_prefix(head.as_str()).unwrap_or(s).to_owned()))
                        .collect();
                    let name = self.name_for(&samples, head, &previous_literal, alias, fallback);
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
        samples: &[Option<String>],
        head: &str,
        literal: &str,
        alias: Option<&str>,
        fallback: &str,
    ) -> String {
        let head = head.trim_end_matches(':');
        let context = if head.is_empty() { literal.to_owned() } else { head.to_owned() };
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
        if samples.iter().any(Option::is_some) {
            // The same values after the same literal (`c#{c_id}` twice), or distinctive
            // values after any literal: the same field.
            if let Some((name, _, _)) = self
                .made
                .iter()
                .find(|(_, v, c)| aligned(v, samples) && (*c == context || distinctive(samples)))
            {
                return name.clone();
            }
            // A non-key attribute holding the value on every item the key is on.
            if let Some((name, _, _)) = self.attributes.iter().find(|(_, _, values)| {
                values.len() == samples.len()
                    && aligned(values, samples)
                    && samples.iter().zip(values).all(|(s, v)| s.is_none() || v.is_some())
            }) {
                self.made.push((name.clone(), samples.to_vec(), context));
                return name.clone();
            }
        }
        let word = |text: &str| text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let base = if !head.is_empty() {
            field_name(&format!("{head}_id"))
        } else if let Some(stem) = expand_letter(literal, fallback, self.declared) {
            field_name(&format!("{stem}_id"))
        } else if !literal.is_empty() && word(literal) {
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
