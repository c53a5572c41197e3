//! One positioned value tree for the three formats: TOML (`toml::de::DeTable`, byte
//! spans), YAML (`yaml-rust2` parser events with markers) and JSON (`jsonc-parser` AST,
//! byte ranges, comments and trailing commas refused). The reader works on this tree
//! alone, so every format gets the same checks and the same positions.

use std::rc::Rc;

use crate::diagnostic::Diagnostics;
use crate::span::{FilePosition, SourceSpan};

/// A position in the file: 1-based line and column (in characters), and a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
    pub length: u32,
}

/// A value of the file with its position.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

/// What a value is.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Seq(Vec<Node>),
    /// Entries in file order; keys are `Str` nodes.
    Map(Vec<(Node, Node)>),
    /// A value the schema never uses (a TOML datetime), by its type name.
    Other(&'static str),
}

impl Kind {
    /// The type's name, for "expected a string, found …" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Str(_) => "a string",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Bool(_) => "a boolean",
            Kind::Null => "null",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a table",
            Kind::Other(name) => name,
        }
    }
}

impl Node {
    /// The key text of a map key node.
    pub fn key(&self) -> String {
        match &self.kind {
            Kind::Str(s) => s.clone(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Null => "null".to_owned(),
            other => other.type_name().to_owned(),
        }
    }
}

/// Byte offsets → line and column.
pub(crate) struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { source, starts }
    }

    /// The position of the byte range `start..end` (clamped to the text and to the
    /// first line of the range).
    pub fn pos(&self, start: usize, end: usize) -> Pos {
        let start = floor_boundary(self.source, start.min(self.source.len()));
        let end = floor_boundary(self.source, end.clamp(start, self.source.len()));
        let line = self.starts.partition_point(|&s| s <= start).saturating_sub(1);
        let line_start = self.starts.get(line).copied().unwrap_or(0);
        let column = self.source[line_start..start].chars().count() + 1;
        let line_end = self.starts.get(line + 1).map_or(self.source.len(), |next| next - 1);
        let stop = end.min(line_end).max(start);
        let length = self.source[start..stop].chars().count().max(1);
        Pos { line: to_u32(line + 1), column: to_u32(column), length: to_u32(length) }
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub(crate) fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Turns positions into spans of one file.
#[derive(Clone)]
pub(crate) struct FileRef(pub Rc<str>);

impl FileRef {
    pub fn span(&self, pos: Pos) -> SourceSpan {
        SourceSpan::File(FilePosition {
            file: self.0.clone(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            length: pos.length.max(1),
        })
    }
}

/// TOML → tree.
pub(crate) fn from_toml(source: &str, file: &FileRef, cx: &mut Diagnostics) -> Option<Node> {
    let index = LineIndex::new(source);
    match toml::de::DeTable::parse(source) {
        Ok(table) => {
            let span = table.span();
            Some(toml_table(table.get_ref(), index.pos(span.start, span.start), &index))
        }
        Err(error) => {
            let pos = error.span().map_or(Pos { line: 1, column: 1, length: 1 }, |span| {
                index.pos(span.start, span.end)
            });
            cx.error(file.span(pos), format!("invalid TOML: {}", error.message().trim_end()));
            None
        }
    }
}

fn toml_table(table: &toml::de::DeTable<'_>, pos: Pos, index: &LineIndex<'_>) -> Node {
    let entries = table
        .iter()
        .map(|(key, value)| {
            let span = key.span();
            let key = Node {
                kind: Kind::Str(key.get_ref().to_string()),
                pos: index.pos(span.start, span.end),
            };
            (key, toml_value(value, index))
        })
        .collect();
    Node { kind: Kind::Map(entries), pos }
}

fn toml_value(value: &toml::Spanned<toml::de::DeValue<'_>>, index: &LineIndex<'_>) -> Node {
    use toml::de::DeValue;
    let span = value.span();
    let pos = index.pos(span.start, span.end);
    let kind = match value.get_ref() {
        DeValue::String(s) => Kind::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Kind::Int(n),
                Err(_) => Kind::Other("an out-of-range integer"),
            }
        }
        DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
            Ok(n) => Kind::Float(n),
            Err(_) => Kind::Other("a float"),
        },
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(_) => Kind::Other("a datetime"),
        DeValue::Array(items) => Kind::Seq(items.iter().map(|v| toml_value(v, index)).collect()),
        DeValue::Table(table) => return toml_table(table, pos, index),
    };
    Node { kind, pos }
}

/// JSON → tree (strict JSON: no comments, no trailing commas, quoted keys).
pub(crate) fn from_json(source: &str, file: &FileRef, cx: &mut Diagnostics) -> Option<Node> {
    let index = LineIndex::new(source);
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
    };
    let collect = jsonc_parser::CollectOptions {
        comments: jsonc_parser::CommentCollectionStrategy::Off,
        tokens: false,
    };
    match jsonc_parser::parse_to_ast(source, &collect, &options) {
        Ok(result) => match result.value {
            Some(value) => Some(json_value(&value, &index, file, cx)),
            None => {
                cx.error(
                    file.span(Pos { line: 1, column: 1, length: 1 }),
                    "the JSON file is empty",
                );
                None
            }
        },
        Err(error) => {
            let range = error.range();
            cx.error(
                file.span(index.pos(range.start, range.end)),
                format!("invalid JSON: {}", error.kind()),
            );
            None
        }
    }
}

fn json_value(
    value: &jsonc_parser::ast::Value<'_>,
    index: &LineIndex<'_>,
    file: &FileRef,
    cx: &mut Diagnostics,
) -> Node {
    use jsonc_parser::ast::{ObjectPropName, Value};
    use jsonc_parser::common::Ranged;
    let range = value.range();
    let pos = index.pos(range.start, range.end);
    let kind = match value {
        Value::StringLit(s) => Kind::Str(s.value.to_string()),
        Value::NumberLit(n) => match n.value.parse::<i64>() {
            Ok(i) => Kind::Int(i),
            Err(_) => match n.value.parse::<f64>() {
                Ok(f) => Kind::Float(f),
                Err(_) => Kind::Other("a number"),
            },
        },
        Value::BooleanLit(b) => Kind::Bool(b.value),
        Value::NullKeyword(_) => Kind::Null,
        Value::Array(array) => {
            Kind::Seq(array.elements.iter().map(|v| json_value(v, index, file, cx)).collect())
        }
        Value::Object(object) => {
            let mut entries: Vec<(Node, Node)> = Vec::new();
            for prop in &object.properties {
                let (name, range) = match &prop.name {
                    ObjectPropName::String(s) => (s.value.to_string(), s.range),
                    ObjectPropName::Word(w) => (w.value.to_owned(), w.range),
                };
                let key =
                    Node { kind: Kind::Str(name.clone()), pos: index.pos(range.start, range.end) };
                if entries.iter().any(|(k, _)| k.key() == name) {
                    cx.error(file.span(key.pos), format!("duplicate key `{name}`"));
                    continue;
                }
                entries.push((key, json_value(&prop.value, index, file, cx)));
            }
            Kind::Map(entries)
        }
    };
    Node { kind, pos }
}

/// YAML → tree (the first document; anchors and aliases are refused).
pub(crate) fn from_yaml(source: &str, file: &FileRef, cx: &mut Diagnostics) -> Option<Node> {
    let mut builder =
        YamlBuilder { stack: Vec::new(), root: None, errors: Vec::new(), done: false };
    let mut parser = yaml_rust2::parser::Parser::new_from_str(source);
    if let Err(error) = parser.load(&mut builder, false) {
        let mark = error.marker();
        let pos = Pos { line: to_u32(mark.line()), column: to_u32(mark.col() + 1), length: 1 };
        cx.error(file.span(pos), format!("invalid YAML: {}", error.info()));
        return None;
    }
    for (pos, message) in builder.errors {
        cx.error(file.span(pos), message);
    }
    match builder.root {
        Some(root) => Some(root),
        None => {
            cx.error(file.span(Pos { line: 1, column: 1, length: 1 }), "the YAML file is empty");
            None
        }
    }
}

enum Frame {
    Seq(Vec<Node>, Pos),
    Map(Vec<(Node, Node)>, Option<Node>, Pos),
}

struct YamlBuilder {
    stack: Vec<Frame>,
    root: Option<Node>,
    errors: Vec<(Pos, String)>,
    done: bool,
}

impl YamlBuilder {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
                self.done = true;
            }
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, pending, _)) => match pending.take() {
                None => {
                    let name = node.key();
                    if entries.iter().any(|(k, _)| k.key() == name) {
                        self.errors.push((node.pos, format!("duplicate key `{name}`")));
                    }
                    *pending = Some(node);
                }
                Some(key) => entries.push((key, node)),
            },
        }
    }
}

fn yaml_scalar(text: String, style: yaml_rust2::scanner::TScalarStyle) -> Kind {
    use yaml_rust2::scanner::TScalarStyle;
    if style != TScalarStyle::Plain {
        return Kind::Str(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ => {
            if let Ok(i) = text.parse::<i64>() {
                Kind::Int(i)
            } else if text
                .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
                && text.parse::<f64>().is_ok()
            {
                text.parse::<f64>().map_or(Kind::Str(text), Kind::Float)
            } else {
                Kind::Str(text)
            }
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for YamlBuilder {
    fn on_event(&mut self, event: yaml_rust2::parser::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::parser::Event;
        if self.done {
            return;
        }
        let pos = Pos { line: to_u32(mark.line()), column: to_u32(mark.col() + 1), length: 1 };
        match event {
            Event::Scalar(text, style, anchor, _) => {
                if anchor != 0 {
                    self.errors
                        .push((pos, "YAML anchors are not supported in schema files".into()));
                }
                let length = to_u32(text.chars().count().max(1));
                let kind = yaml_scalar(text, style);
                self.push(Node { kind, pos: Pos { length, ..pos } });
            }
            Event::Alias(_) => {
                self.errors.push((pos, "YAML aliases are not supported in schema files".into()));
                self.push(Node { kind: Kind::Null, pos });
            }
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Vec::new(), pos)),
            Event::MappingStart(..) => self.stack.push(Frame::Map(Vec::new(), None, pos)),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(items, pos)) => Node { kind: Kind::Seq(items), pos },
                    Some(Frame::Map(entries, _, pos)) => Node { kind: Kind::Map(entries), pos },
                    None => return,
                };
                self.push(node);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(source: &str, format: fn(&str, &FileRef, &mut Diagnostics) -> Option<Node>) -> Node {
        let mut cx = Diagnostics::new();
        match format(source, &FileRef(Rc::from("t")), &mut cx) {
            Some(node) => node,
            None => panic!("{:?}", cx.errors()),
        }
    }

    fn value<'a>(node: &'a Node, key: &str) -> &'a Node {
        match &node.kind {
            Kind::Map(entries) => match entries.iter().find(|(k, _)| k.key() == key) {
                Some((_, v)) => v,
                None => panic!("no {key}"),
            },
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn line_index_counts_characters() {
        let index = LineIndex::new("ab\néé = 1\n");
        assert_eq!(index.pos(0, 2), Pos { line: 1, column: 1, length: 2 });
        // `=` is byte 8 (each é is two bytes) but column 4.
        assert_eq!(index.pos(8, 9), Pos { line: 2, column: 4, length: 1 });
        // Out of range and mid-character offsets are clamped, never a panic.
        assert_eq!(index.pos(4, 100).line, 2);
        assert_eq!(index.pos(1000, 2000).line, 3);
    }

    #[test]
    fn the_three_formats_give_positions() {
        let toml = tree("[table]\nname = \"App\"\n", from_toml);
        let name = value(value(&toml, "table"), "name");
        assert_eq!(name.pos, Pos { line: 2, column: 8, length: 5 });
        let yaml =
            tree("table:\n  name: App\n  n: 3\n  f: 1.5\n  b: true\n  q: \"3\"\n", from_yaml);
        let table = value(&yaml, "table");
        assert_eq!(value(table, "name").pos, Pos { line: 2, column: 9, length: 3 });
        assert!(matches!(value(table, "n").kind, Kind::Int(3)));
        assert!(matches!(value(table, "f").kind, Kind::Float(f) if f == 1.5));
        assert!(matches!(value(table, "b").kind, Kind::Bool(true)));
        assert!(matches!(&value(table, "q").kind, Kind::Str(s) if s == "3"));
        let json = tree("{\n  \"table\": {\"name\": \"App\", \"n\": 3}\n}", from_json);
        let table = value(&json, "table");
        assert_eq!(value(table, "name").pos, Pos { line: 2, column: 21, length: 5 });
        assert!(matches!(value(table, "n").kind, Kind::Int(3)));
    }

    #[test]
    fn refusals_are_diagnostics() {
        let file = FileRef(Rc::from("t"));
        let mut cx = Diagnostics::new();
        assert!(from_yaml("a: &x 1\nb: *x\n", &file, &mut cx).is_some());
        assert!(cx.errors().iter().any(|e| e.message.contains("aliases")), "{:?}", cx.errors());
        let mut cx = Diagnostics::new();
        assert!(from_json("{\"a\": 1,}", &file, &mut cx).is_none());
        assert!(cx.errors()[0].message.starts_with("invalid JSON"));
        let mut cx = Diagnostics::new();
        assert!(from_json("", &file, &mut cx).is_none());
        let mut cx = Diagnostics::new();
        assert!(from_yaml("", &file, &mut cx).is_none());
    }
}
