//! A malformed schema never panics: random text, random bytes and mutations of the valid
//! fixtures in all three formats give `Ok` or diagnostics, every one with a file
//! position. (cargo-fuzz needs a nightly toolchain, absent here, so the parser is fuzzed
//! with proptest-generated input instead.) The importers get the same treatment.
#![cfg(feature = "schema")]

use proptest::prelude::*;
use singletable_codegen::schema::{self, Format};
use singletable_codegen::SourceSpan;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const FORMATS: [Format; 3] = [Format::Toml, Format::Yaml, Format::Json];

/// Parses, and when the input is accepted, generates and writes it back too.
fn exercise(source: &str, format: Format) {
    match schema::parse_str(source, "fuzz", format) {
        Ok(models) => {
            let _ = schema::generate(&models);
            let _ = schema::parse_str(&schema::to_toml(&models), "again", Format::Toml);
        }
        Err(cx) => {
            assert!(!cx.is_empty());
            for error in cx.errors() {
                assert!(matches!(error.span, SourceSpan::File(_)), "no file position: {error}");
            }
        }
    }
}

/// One edit of a valid file: delete, insert or replace a run of characters.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Replace(usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let text = prop_oneof![
        "[{}\\[\\]#\"':,=\\-<>\n ]{1,4}",
        "[a-z_]{1,8}",
        Just("{user_id}".to_owned()),
        Just("\"\u{0}\"".to_owned()),
        Just("é☃".to_owned()),
    ];
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), text.clone()).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), text).prop_map(|(at, s)| Edit::Replace(at, s)),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for edit in edits {
        let len = chars.len().max(1);
        match edit {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                if at < end {
                    chars.drain(at..end);
                }
            }
            Edit::Insert(at, text) => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, text.chars());
            }
            Edit::Replace(at, text) => {
                let at = at % len;
                let end = (at + text.chars().count()).min(chars.len());
                chars.splice(at.min(end)..end, text.chars());
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(source in "\\PC{0,200}", format in 0usize..3) {
        exercise(&source, FORMATS[format]);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), format in 0usize..3) {
        exercise(&String::from_utf8_lossy(&bytes), FORMATS[format]);
    }

    #[test]
    fn mutated_fixtures_never_panic(edits in proptest::collection::vec(edit(), 1..6), which in 0usize..3) {
        let (name, format) = [("app.toml", Format::Toml), ("app.yaml", Format::Yaml), ("app.json", Format::Json)][which];
        exercise(&apply(&fixture(name), &edits), format);
    }

    #[test]
    fn importers_never_panic(edits in proptest::collection::vec(edit(), 0..6)) {
        let source = apply(&fixture("onetable_crm.json"), &edits);
        let _ = schema::import_onetable(&source, "fuzz.json");
        let _ = schema::import_workbench(&source, "fuzz.json");
    }
}
