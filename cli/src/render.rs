//! Rendering diagnostics: `file:line:col`, a caret excerpt of the source line and a
//! `help:` line with the hint, through codespan-reporting. Colour only when asked for
//! (the caller decides: a terminal, `--color`, `NO_COLOR`).

use std::collections::HashMap;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};
use singletable_codegen::{Diagnostic, SourceSpan};

/// The sources diagnostics may point into, by the file name they print.
#[derive(Debug, Default)]
pub struct Sources {
    files: SimpleFiles<String, String>,
    ids: HashMap<String, usize>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Self {
        Sources::default()
    }

    /// Adds a file under the name its diagnostics print.
    pub fn add(&mut self, name: &str, text: &str) {
        let id = self.files.add(name.to_owned(), text.to_owned());
        self.ids.insert(name.to_owned(), id);
    }

    fn file(&self, name: &str) -> Option<(usize, &str)> {
        let id = *self.ids.get(name)?;
        let file = self.files.get(id).ok()?;
        Some((id, file.source().as_str()))
    }
}

/// The byte range of `length` characters from 1-based `line`/`column` (in characters) in
/// `text`, clamped to the line; `None` when the line does not exist.
pub fn byte_range(
    text: &str,
    line: u32,
    column: u32,
    length: u32,
) -> Option<std::ops::Range<usize>> {
    let index = usize::try_from(line.checked_sub(1)?).ok()?;
    let mut start = 0;
    for _ in 0..index {
        start += text[start..].find('\n')? + 1;
    }
    let end_of_line = text[start..].find('\n').map_or(text.len(), |at| start + at);
    let line_text = text[start..end_of_line].trim_end_matches('\r');
    let offset_of =
        |chars: usize| line_text.char_indices().nth(chars).map_or(line_text.len(), |(at, _)| at);
    let first = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    let count = usize::try_from(length.max(1)).unwrap_or(usize::MAX);
    let from = offset_of(first);
    let to = offset_of(first.saturating_add(count)).max(from);
    Some(start + from..start + to)
}

/// Renders `diagnostics` as text, with ANSI colours when `color` is true.
pub fn render(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let config = Config::default();
    let mut out: Vec<u8> = Vec::new();
    {
        let mut plain;
        let mut ansi;
        let writer: &mut dyn WriteColor = if color {
            ansi = Ansi::new(&mut out);
            &mut ansi
        } else {
            plain = NoColor::new(&mut out);
            &mut plain
        };
        for diagnostic in diagnostics {
            let (report, fallback) = to_report(diagnostic, sources);
            if fallback {
                // No source to excerpt: the position goes into the message.
                let _ = term::emit(writer, &config, &SimpleFiles::<String, String>::new(), &report);
            } else {
                let _ = term::emit(writer, &config, &sources.files, &report);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The report of one diagnostic, and whether it must be rendered without sources.
fn to_report(diagnostic: &Diagnostic, sources: &Sources) -> (Report<usize>, bool) {
    let notes: Vec<String> = diagnostic.hint.iter().map(|hint| format!("help: {hint}")).collect();
    match &diagnostic.span {
        SourceSpan::File(position) => {
            let located = sources.file(&position.file).and_then(|(id, text)| {
                byte_range(text, position.line, position.column, position.length)
                    .map(|range| (id, range))
            });
            match located {
                Some((id, range)) => (
                    Report::error()
                        .with_message(&diagnostic.message)
                        .with_labels(vec![Label::primary(id, range)])
                        .with_notes(notes),
                    false,
                ),
                None => (
                    Report::error()
                        .with_message(format!("{position}: {}", diagnostic.message))
                        .with_notes(notes),
                    true,
                ),
            }
        }
        SourceSpan::Tokens { .. } => {
            (Report::error().with_message(&diagnostic.message).with_notes(notes), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use singletable_codegen::FilePosition;

    use super::*;

    fn at(file: &str, line: u32, column: u32, length: u32) -> SourceSpan {
        SourceSpan::File(FilePosition { file: Rc::from(file), line, column, length })
    }

    #[test]
    fn byte_ranges_count_characters_and_clamp_to_the_line() {
        let text = "first\nsé = \"x\"\nlast";
        assert_eq!(byte_range(text, 1, 1, 5), Some(0..5));
        // `é` is two bytes: column 4 (`=`) starts at byte 4 of the line.
        assert_eq!(byte_range(text, 2, 4, 1), Some(10..11));
        // A length past the end of the line stops at the line's end.
        assert_eq!(byte_range(text, 3, 2, 99), Some(17..20));
        assert_eq!(byte_range(text, 4, 1, 1), None);
        assert_eq!(byte_range(text, 0, 1, 1), None);
        assert_eq!(byte_range("a\r\nb", 1, 1, 9), Some(0..1));
    }

    #[test]
    fn renders_position_caret_and_hint_without_colour() {
        let mut sources = Sources::new();
        sources.add("app.toml", "[table]\nname = \"App\"\npk = \"PK:Q\"\n");
        let diagnostic = Diagnostic::new(at("app.toml", 3, 7, 4), "unknown key type `Q`")
            .with_hint("write `PK:S`, `PK:N` or `PK:B`");
        let text = render(&[diagnostic], &sources, false);
        assert!(text.contains("error: unknown key type `Q`"), "{text}");
        assert!(text.contains("app.toml:3:7"), "{text}");
        assert!(text.contains("3 │ pk = \"PK:Q\""), "{text}");
        assert!(text.contains("│       ^^^^"), "{text}");
        assert!(text.contains("= help: write `PK:S`, `PK:N` or `PK:B`"), "{text}");
        assert!(!text.contains('\u{1b}'), "no escape codes without colour: {text:?}");
        let coloured = render(&[Diagnostic::new(at("app.toml", 1, 1, 1), "x")], &sources, true);
        assert!(coloured.contains('\u{1b}'), "{coloured:?}");
    }

    #[test]
    fn unknown_files_and_lines_keep_the_position_in_the_message() {
        let sources = Sources::new();
        let text = render(&[Diagnostic::new(at("gone.toml", 9, 2, 1), "bad")], &sources, false);
        assert!(text.contains("error: gone.toml:9:2: bad"), "{text}");
    }

    proptest::proptest! {
        /// Any position, in any text: a range on character boundaries inside the text, and
        /// rendering never panics.
        #[test]
        fn any_position_renders(text in "(?s).{0,80}", line in 0u32..8, column in 0u32..40, length in 0u32..40) {
            if let Some(range) = byte_range(&text, line, column, length) {
                proptest::prop_assert!(range.start <= range.end && range.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            }
            let mut sources = Sources::new();
            sources.add("f.toml", &text);
            let rendered = render(&[Diagnostic::new(at("f.toml", line, column, length), "m")], &sources, false);
            proptest::prop_assert!(rendered.contains("error: "), "{}", rendered);
        }
    }
}
