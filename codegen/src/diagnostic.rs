//! Errors in a model, each with the place it points at. Front ends collect every error
//! of an input in [`Diagnostics`] (serde's `Ctxt`), so the user sees all mistakes at once.

use std::fmt;

use crate::span::SourceSpan;

/// One error in a model.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Where it points.
    pub span: SourceSpan,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is more to say than the message (printed as `help:`).
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn new(span: impl Into<SourceSpan>, message: impl Into<String>) -> Self {
        Diagnostic { span: span.into(), message: message.into(), hint: None }
    }

    /// The same error with a hint on how to fix it.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error as a `syn::Error` covering the whole token range.
    pub fn to_syn_error(&self) -> syn::Error {
        syn::Error::new_spanned(self.span.range_tokens(), &self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span {
            SourceSpan::File(position) => write!(f, "{position}: {}", self.message),
            SourceSpan::Tokens { .. } => f.write_str(&self.message),
        }
    }
}

/// Collects every error found in one input.
#[derive(Debug, Default)]
pub struct Diagnostics {
    errors: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No errors yet.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// Records an error at `span`.
    pub fn error(&mut self, span: impl Into<SourceSpan>, message: impl Into<String>) {
        self.errors.push(Diagnostic::new(span, message));
    }

    /// Records an error at `span` with a hint on how to fix it.
    pub fn error_with_hint(
        &mut self,
        span: impl Into<SourceSpan>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.errors.push(Diagnostic::new(span, message).with_hint(hint));
    }

    /// Records every error of a `syn::Error` (a parse error of the attribute syntax).
    pub fn syn_error(&mut self, error: syn::Error) {
        for single in error {
            self.errors.push(Diagnostic::new(single.span(), single.to_string()));
        }
    }

    /// True when no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, in the order they were found.
    pub fn errors(&self) -> &[Diagnostic] {
        &self.errors
    }

    /// The errors, consuming the collector.
    pub fn into_errors(self) -> Vec<Diagnostic> {
        self.errors
    }

    /// `Ok(())` when no error was recorded, else every error combined into one
    /// `syn::Error` (one `compile_error!` each).
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.iter().map(Diagnostic::to_syn_error);
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                for error in errors {
                    first.combine(error);
                }
                Err(first)
            }
        }
    }
}

impl Diagnostics {
    /// Records a diagnostic made elsewhere (with its hint).
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }
}
