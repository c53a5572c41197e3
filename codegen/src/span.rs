//! Where a piece of the model came from: tokens of a derive input, or a position in a
//! schema file. Diagnostics point there.

use std::fmt;
use std::rc::Rc;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// A `file:line:col` position in a schema file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePosition {
    /// The file, as it should be printed.
    pub file: Rc<str>,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1 (in characters).
    pub column: u32,
    /// How many characters the offending text spans on that line (at least 1), for
    /// underlining it in an excerpt.
    pub length: u32,
}

impl fmt::Display for FilePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The source of a model element: a token range of a derive input or a file position.
#[derive(Debug, Clone)]
pub enum SourceSpan {
    /// Tokens of the Rust source, from the first to the last (as
    /// `syn::Error::new_spanned` keeps them, so the error underlines the whole range).
    Tokens {
        /// The span of the first token.
        start: Span,
        /// The span of the last token.
        end: Span,
    },
    /// A position in a schema file.
    File(FilePosition),
}

impl SourceSpan {
    /// The span of one token.
    pub fn token(span: Span) -> Self {
        SourceSpan::Tokens { start: span, end: span }
    }

    /// The span of the macro call: for model elements made up by the generator.
    pub fn call_site() -> Self {
        SourceSpan::token(Span::call_site())
    }

    /// The range covered by `tokens`, from its first to its last token.
    pub fn of(tokens: &dyn ToTokens) -> Self {
        let stream = tokens.to_token_stream();
        let mut iter = stream.into_iter();
        match iter.next() {
            None => SourceSpan::call_site(),
            Some(first) => {
                let start = first.span();
                let end = iter.last().map_or(start, |last| last.span());
                SourceSpan::Tokens { start, end }
            }
        }
    }

    /// The span to attach generated tokens to: the first token of the range, or the call
    /// site for a file position.
    pub fn span(&self) -> Span {
        match self {
            SourceSpan::Tokens { start, .. } => *start,
            SourceSpan::File(_) => Span::call_site(),
        }
    }

    /// Two tokens carrying the range's start and end spans, for `syn::Error::new_spanned`.
    pub(crate) fn range_tokens(&self) -> TokenStream {
        let (start, end) = match self {
            SourceSpan::Tokens { start, end } => (*start, *end),
            SourceSpan::File(_) => (Span::call_site(), Span::call_site()),
        };
        let mut open = proc_macro2::Punct::new('<', proc_macro2::Spacing::Alone);
        open.set_span(start);
        let mut close = proc_macro2::Punct::new('>', proc_macro2::Spacing::Alone);
        close.set_span(end);
        let mut tokens = TokenStream::new();
        tokens.extend([proc_macro2::TokenTree::Punct(open), proc_macro2::TokenTree::Punct(close)]);
        tokens
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> Self {
        SourceSpan::token(span)
    }
}

impl From<FilePosition> for SourceSpan {
    fn from(position: FilePosition) -> Self {
        SourceSpan::File(position)
    }
}

/// A value with the place it was written.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: SourceSpan,
}

impl<T> Spanned<T> {
    /// A value at `span`.
    pub fn new(value: T, span: impl Into<SourceSpan>) -> Self {
        Spanned { value, span: span.into() }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    /// Spans never take part in comparisons: two model elements are equal when their
    /// values are, wherever they were written.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
