//! PartiQL's tokens: DynamoDB's subset of the language, read without panicking on any
//! input. A text the lexer cannot read (an unterminated quote or comment, a `#`, a
//! character PartiQL has no use for) is DynamoDB's "wasn't well formed" error with
//! nothing after the colon.

use singletable_core::error::{Error, Result};

/// DynamoDB's envelope of every syntax error.
pub(crate) const NOT_WELL_FORMED: &str = "Statement wasn't well formed, can't be processed: ";

/// A syntax error with DynamoDB's envelope and `detail` after it.
pub(crate) fn malformed(detail: &str) -> Error {
    Error::validation(format!("{NOT_WELL_FORMED}{detail}"))
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// A bare identifier or keyword, as written.
    Word(String),
    /// A double-quoted identifier (`"Table"`).
    Quoted(String),
    /// A single-quoted string literal.
    Str(String),
    /// A number literal, as written.
    Num(String),
    /// `?`.
    Param,
    /// Punctuation and operators: `( ) [ ] { } << >> , . : * = <> != < <= > >= + - ;`.
    Sym(&'static str),
}

impl Token {
    /// True when the token is the keyword `keyword` (any case).
    pub(crate) fn is_word(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(word) if word.eq_ignore_ascii_case(keyword))
    }
}

const SYMBOLS: [&str; 23] = [
    "<<", ">>", "<>", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "*", "=", "<",
    ">", "+", "-", ";", "/",
];

/// The tokens of `text`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        if c.is_ascii_whitespace() {
            at += 1;
        } else if text[at..].starts_with("--") {
            at = text[at..].find('\n').map_or(bytes.len(), |end| at + end + 1);
        } else if text[at..].starts_with("/*") {
            let end = text[at + 2..].find("*/").ok_or_else(|| malformed(""))?;
            at += 2 + end + 2;
        } else if c == b'\'' || c == b'"' {
            let (content, next) = quoted(text, at, c)?;
            tokens.push(if c == b'\'' { Token::Str(content) } else { Token::Quoted(content) });
            at = next;
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit))
        {
            let next = number_end(bytes, at);
            tokens.push(Token::Num(text[at..next].to_owned()));
            at = next;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let next = bytes[at..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$'))
                .map_or(bytes.len(), |n| at + n);
            tokens.push(Token::Word(text[at..next].to_owned()));
            at = next;
        } else if c == b'?' {
            tokens.push(Token::Param);
            at += 1;
        } else if let Some(symbol) = SYMBOLS.iter().find(|s| text[at..].starts_with(**s)) {
            tokens.push(Token::Sym(symbol));
            at += symbol.len();
        } else {
            return Err(malformed(""));
        }
    }
    Ok(tokens)
}

/// A quoted string starting at `start` (the quote), with doubled quotes as escapes:
/// its content and the position after the closing quote.
fn quoted(text: &str, start: usize, quote: u8) -> Result<(String, usize)> {
    let bytes = text.as_bytes();
    let mut content = String::new();
    let mut at = start + 1;
    let mut run = at;
    loop {
        match bytes.get(at) {
            None => return Err(malformed("")),
            Some(b) if *b == quote => {
                content.push_str(&text[run..at]);
                if bytes.get(at + 1) == Some(&quote) {
                    content.push(quote as char);
                    at += 2;
                    run = at;
                } else {
                    return Ok((content, at + 1));
                }
            }
            Some(_) => at += 1,
        }
    }
}

/// The end of a number literal: digits, a point, digits, an exponent.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digits = |mut at: usize| {
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        at
    };
    let mut at = digits(start);
    if bytes.get(at) == Some(&b'.') {
        at = digits(at + 1);
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let mut exponent = at + 1;
        if matches!(bytes.get(exponent), Some(b'+' | b'-')) {
            exponent += 1;
        }
        if bytes.get(exponent).is_some_and(u8::is_ascii_digit) {
            at = digits(exponent);
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_numbers_and_symbols() {
        let tokens = tokenize("SELECT \"a\"\"b\" FROM t WHERE x <= 'it''s' AND y = 1.5e3 -- c")
            .unwrap_or_default();
        assert_eq!(tokens[1], Token::Quoted("a\"b".into()));
        assert_eq!(tokens[6], Token::Sym("<="));
        assert_eq!(tokens[7], Token::Str("it's".into()));
        assert_eq!(tokens[11], Token::Num("1.5e3".into()));
        assert_eq!(tokens.len(), 12);
        assert!(tokenize("SELECT 'open").is_err());
        assert!(tokenize("SELECT # x").is_err());
        assert!(tokenize("/* open").is_err());
        assert!(tokenize("é").is_err());
    }
}
