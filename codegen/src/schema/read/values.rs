//! Reading the values every part of a schema file is made of: maps (reporting the keys
//! nobody took), strings, flags, integers, lists, Rust identifiers, key templates and
//! function paths, each mistake at its position.

use crate::model::KeyTemplate;
use crate::schema::node::{Kind, Node, Pos};
use crate::span::{SourceSpan, Spanned};

use super::names::{did_you_mean, is_keyword};
use super::Reader;

/// A map being read: which keys were used, so the rest are reported as unknown.
pub(crate) struct Obj<'a> {
    entries: &'a [(Node, Node)],
    used: Vec<bool>,
    pub pos: Pos,
}

impl<'a> Obj<'a> {
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let at = self.entries.iter().position(|(k, _)| k.key() == key)?;
        self.used[at] = true;
        Some(&self.entries[at].1)
    }

    pub fn take_key(&mut self, key: &str) -> Option<(&'a Node, &'a Node)> {
        let at = self.entries.iter().position(|(k, _)| k.key() == key)?;
        self.used[at] = true;
        Some((&self.entries[at].0, &self.entries[at].1))
    }
}

impl Reader {
    pub fn span(&self, pos: Pos) -> SourceSpan {
        self.file.span(pos)
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        let span = self.span(pos);
        self.cx.error(span, message);
    }

    pub fn error_hint(&mut self, pos: Pos, message: impl Into<String>, hint: impl Into<String>) {
        let span = self.span(pos);
        self.cx.error_with_hint(span, message, hint);
    }

    pub(super) fn expected(&mut self, node: &Node, what: &str) {
        self.error(node.pos, format!("expected {what}, found {}", node.kind.type_name()));
    }

    pub fn obj<'a>(&mut self, node: &'a Node, what: &str) -> Option<Obj<'a>> {
        match &node.kind {
            Kind::Map(entries) => {
                Some(Obj { entries, used: vec![false; entries.len()], pos: node.pos })
            }
            _ => {
                self.expected(node, &format!("a table ({what})"));
                None
            }
        }
    }

    /// Reports every key of `obj` that was not taken.
    pub fn finish(&mut self, obj: Obj<'_>, what: &str, known: &[&str]) {
        for ((key, _), used) in obj.entries.iter().zip(obj.used) {
            if used {
                continue;
            }
            let name = key.key();
            let message = format!("unknown key `{name}` in {what}");
            match did_you_mean(&name, known) {
                Some(close) => {
                    self.error_hint(key.pos, message, format!("did you mean `{close}`?"))
                }
                None => self.error_hint(
                    key.pos,
                    message,
                    format!("the keys of {what} are: {}", known.join(", ")),
                ),
            }
        }
    }

    pub fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            Kind::Str(s) => Some(Spanned::new(s.clone(), self.span(node.pos))),
            _ => {
                self.expected(node, &format!("a string ({what})"));
                None
            }
        }
    }

    pub(super) fn flag(&mut self, node: &Node, what: &str) -> Option<SourceSpan> {
        match &node.kind {
            Kind::Bool(true) => Some(self.span(node.pos)),
            Kind::Bool(false) => None,
            _ => {
                self.expected(node, &format!("`true` or `false` ({what})"));
                None
            }
        }
    }

    pub(super) fn u64(&mut self, node: &Node, what: &str) -> Option<u64> {
        match &node.kind {
            Kind::Int(i) if *i >= 0 => u64::try_from(*i).ok(),
            _ => {
                self.expected(node, &format!("a non-negative integer ({what})"));
                None
            }
        }
    }

    pub(super) fn list<'a>(&mut self, node: &'a Node, what: &str) -> &'a [Node] {
        match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                self.expected(node, &format!("a list ({what})"));
                &[]
            }
        }
    }

    pub(super) fn strings(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        self.list(node, what).iter().filter_map(|item| self.string(item, what)).collect()
    }

    /// A Rust identifier (not a keyword).
    pub fn ident(&mut self, name: &Spanned<String>, what: &str) -> Option<syn::Ident> {
        match syn::parse_str::<syn::Ident>(&name.value) {
            Ok(ident) if !name.value.starts_with("r#") => Some(ident),
            _ => {
                let message = format!("`{}` is not a valid Rust {what} name", name.value);
                let hint = if is_keyword(&name.value) {
                    format!(
                        "`{}` is a Rust keyword; choose another name (a field can keep its \
                         attribute name with `rename = \"{}\"`)",
                        name.value, name.value
                    )
                } else {
                    "use letters, digits and `_`, not starting with a digit".to_owned()
                };
                self.cx.error_with_hint(name.span.clone(), message, hint);
                None
            }
        }
    }

    pub(super) fn template(&mut self, node: &Node, what: &str) -> Option<KeyTemplate> {
        let source = self.string(node, what)?;
        match KeyTemplate::parse(source.clone()) {
            Ok(template) => Some(template),
            Err(error) => {
                self.cx.error_with_hint(
                    source.span,
                    error.to_string(),
                    "a key template is literal text with `{field}` placeholders, e.g. \
                     \"USER#{user_id}\"",
                );
                None
            }
        }
    }

    pub(super) fn function_path(&mut self, node: &Node, key: &str) -> Option<syn::Path> {
        let text = self.string(node, "a function path")?;
        match syn::parse_str::<syn::Path>(&text.value) {
            Ok(path) => Some(path),
            Err(_) => {
                self.cx.error_with_hint(
                    text.span,
                    format!("`{}` is not a path to a function", text.value),
                    format!("write `{key} = \"path::to::function\"`"),
                );
                None
            }
        }
    }
}
