//! The Rust naming rules of schema files, shared with the whole-model checks and the
//! importers: type names generated code cannot define, Rust keywords, the Rust type name
//! of a table name, and "did you mean" suggestions.

/// Type names the generated module cannot define: they would shadow the prelude or the
/// facade types the generated code names.
pub(crate) const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Into",
    "From",
    "ToString",
    "ToOwned",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "Timestamp",
    "Uuid",
    "Decimal",
    "Self",
    "Entity",
    "Table",
    "Attribute",
    "Collection",
];

/// The closest of `known` to `word`, if close enough to suggest.
pub(crate) fn did_you_mean<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(word, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// `game-player-profiles` → `GamePlayerProfiles`; empty when nothing is left.
pub(crate) fn rust_type_name(name: &str) -> String {
    use heck::ToUpperCamelCase;
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let mut camel = cleaned.to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        camel.insert(0, 'T');
    }
    camel
}

/// True for Rust keywords (strict and reserved, 2021 edition).
pub(crate) fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];
    KEYWORDS.contains(&name)
}
