//! The tokens of DynamoDB's expression language, with their byte spans in the text.
//!
//! The token set follows what DynamoDB's parser reports in its syntax errors (observed on
//! DynamoDB Local 3.3): a name is an ASCII letter followed by letters, digits and `_`;
//! `#name` and `:value` take one or more letters, digits or `_`; a list index is `0` or
//! a digit string without a leading zero (`01` is the two tokens `0` and `1`); any other
//! character (`!`, `'`, `_` at the start of a word, `é`, a lone `#` or `:`) is a token of
//! its own, which no rule accepts. Whitespace is space, tab, carriage return, line feed
//! and form feed.

/// The keywords of the grammar, matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    Between,
    In,
    Set,
    Remove,
    Add,
    Delete,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Keyword> {
        const ALL: [(&str, Keyword); 9] = [
            ("AND", Keyword::And),
            ("OR", Keyword::Or),
            ("NOT", Keyword::Not),
            ("BETWEEN", Keyword::Between),
            ("IN", Keyword::In),
            ("SET", Keyword::Set),
            ("REMOVE", Keyword::Remove),
            ("ADD", Keyword::Add),
            ("DELETE", Keyword::Delete),
        ];
        ALL.iter().find(|(text, _)| text.eq_ignore_ascii_case(word)).map(|(_, keyword)| *keyword)
    }
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An attribute or function name.
    Ident,
    /// `#name`.
    Name,
    /// `:value`.
    Value,
    /// A list index.
    Number,
    Keyword(Keyword),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    /// A character no rule accepts.
    Other,
    /// The end of the text.
    Eof,
}

/// One token: its kind and its byte span in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0c')
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `text` into tokens; the last one is always [`Kind::Eof`], spanning from the end
/// of the previous token to the end of the text (DynamoDB's `near:` text includes
/// trailing whitespace after the last token).
pub(crate) fn lex(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut last_end = 0;
    while let Some((start, c)) = chars.next() {
        if is_space(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut take_while = |end: &mut usize, pred: fn(char) -> bool| {
            while let Some(&(i, next)) = chars.peek() {
                if !pred(next) {
                    break;
                }
                *end = i + next.len_utf8();
                chars.next();
            }
        };
        let kind = match c {
            'a'..='z' | 'A'..='Z' => {
                take_while(&mut end, is_word);
                match Keyword::from_word(&text[start..end]) {
                    Some(keyword) => Kind::Keyword(keyword),
                    None => Kind::Ident,
                }
            }
            '#' | ':' => {
                take_while(&mut end, is_word);
                match (c, end - start) {
                    (_, 1) => Kind::Other,
                    ('#', _) => Kind::Name,
                    _ => Kind::Value,
                }
            }
            '0' => Kind::Number,
            '1'..='9' => {
                take_while(&mut end, |c| c.is_ascii_digit());
                Kind::Number
            }
            '(' => Kind::LParen,
            ')' => Kind::RParen,
            '[' => Kind::LBracket,
            ']' => Kind::RBracket,
            ',' => Kind::Comma,
            '.' => Kind::Dot,
            '=' => Kind::Eq,
            '+' => Kind::Plus,
            '-' => Kind::Minus,
            '<' | '>' => {
                let (two, kind) = match (c, chars.peek().map(|&(_, next)| next)) {
                    ('<', Some('>')) => (true, Kind::Ne),
                    ('<', Some('=')) => (true, Kind::Le),
                    ('>', Some('=')) => (true, Kind::Ge),
                    ('<', _) => (false, Kind::Lt),
                    _ => (false, Kind::Gt),
                };
                if two {
                    chars.next();
                    end += 1;
                }
                kind
            }
            _ => Kind::Other,
        };
        tokens.push(Token { kind, start, end });
        last_end = end;
    }
    tokens.push(Token { kind: Kind::Eof, start: last_end, end: text.len() });
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        lex(text).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn words_placeholders_and_operators() {
        assert_eq!(
            kinds("a_1 = :v AND #n <> :w"),
            [
                Kind::Ident,
                Kind::Eq,
                Kind::Value,
                Kind::Keyword(Keyword::And),
                Kind::Name,
                Kind::Ne,
                Kind::Value,
                Kind::Eof
            ]
        );
        assert_eq!(kinds("<=>="), [Kind::Le, Kind::Ge, Kind::Eof]);
        assert_eq!(
            kinds("between In"),
            [Kind::Keyword(Keyword::Between), Kind::Keyword(Keyword::In), Kind::Eof]
        );
    }

    #[test]
    fn odd_characters_are_single_tokens() {
        assert_eq!(kinds("_a"), [Kind::Other, Kind::Ident, Kind::Eof]);
        assert_eq!(kinds("é!"), [Kind::Other, Kind::Other, Kind::Eof]);
        assert_eq!(kinds("# :"), [Kind::Other, Kind::Other, Kind::Eof]);
        assert_eq!(kinds("01 10"), [Kind::Number, Kind::Number, Kind::Number, Kind::Eof]);
        assert_eq!(kinds("1a"), [Kind::Number, Kind::Ident, Kind::Eof]);
    }

    #[test]
    fn eof_spans_trailing_whitespace() {
        let tokens = lex("a =  ");
        let eof = tokens[2];
        assert_eq!((eof.kind, eof.start, eof.end), (Kind::Eof, 3, 5));
        let empty = lex("   ");
        assert_eq!((empty[0].start, empty[0].end), (0, 3));
    }
}
