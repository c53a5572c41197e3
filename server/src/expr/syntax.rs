//! The parser: tokens to a syntax tree, with DynamoDB's syntax errors.
//!
//! A recursive-descent parser with one token of lookahead. Precedence, lowest first:
//! `OR`, `AND`, `NOT`, then the comparisons (`= <> < <= > >=`, `BETWEEN … AND …`,
//! `IN (…)`), then operands (paths, `:values`, function calls, parenthesised operands).
//! The tree keeps parentheses and function names as written; the checks that DynamoDB
//! makes after parsing (function names, reserved words, placeholders, operand types)
//! live in [`super::check`].
//!
//! A syntax error names the offending token and the text `near` it: from the start of
//! the token before it to the end of the token after it, as written (DynamoDB's format).

use singletable_core::expr::Comparator;

use super::lexer::{lex, Keyword, Kind, Token};
use super::{ExprError, ExpressionKind, KindErrors};

/// At most this many operators and functions in one expression (DynamoDB's limit).
pub(crate) const MAX_OPERATORS: usize = 300;
/// The largest list index DynamoDB accepts (a Java `int`).
const MAX_INDEX: u64 = i32::MAX as u64;
/// Parentheses nested deeper than this cannot all be needed: every needed level adds an
/// operator or function, and there are at most [`MAX_OPERATORS`]. Deeper nesting is
/// refused as redundant before it can exhaust the stack.
const MAX_PAREN_DEPTH: usize = MAX_OPERATORS + 2;

/// One element of a path as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawElement {
    /// A bare name, as written.
    Name(String),
    /// An `#name` placeholder.
    Placeholder(String),
    /// `[n]`.
    Index(usize),
}

/// A document path as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawPath {
    pub(crate) elements: Vec<RawElement>,
}

/// `+` or `-` in a `SET` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Plus,
    Minus,
}

/// A node of a condition, or an operand of an update.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Or(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Compare(Box<Node>, Comparator, Box<Node>),
    Between(Box<Node>, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<Node>),
    /// A function call: its name as written and its arguments.
    Call(String, Vec<Node>),
    Path(RawPath),
    /// A `:value` placeholder.
    Value(String),
    Paren(Box<Node>),
    /// `left + right` or `left - right` (update `SET` values only).
    Arith(Box<Node>, Arith, Box<Node>),
}

impl Node {
    /// True for nodes that are conditions (not operands).
    pub(crate) fn is_condition(&self) -> bool {
        match self {
            Node::Or(..)
            | Node::And(..)
            | Node::Not(_)
            | Node::Compare(..)
            | Node::Between(..)
            | Node::In(..) => true,
            Node::Paren(inner) => inner.is_condition(),
            Node::Call(..) | Node::Path(_) | Node::Value(_) | Node::Arith(..) => false,
        }
    }
}

/// The four clauses of an update expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Set,
    Remove,
    Add,
    Delete,
}

impl Section {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Section::Set => "SET",
            Section::Remove => "REMOVE",
            Section::Add => "ADD",
            Section::Delete => "DELETE",
        }
    }
}

/// One action of an update expression as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawAction {
    Set(RawPath, Node),
    Remove(RawPath),
    Add(RawPath, String),
    Delete(RawPath, String),
}

impl RawAction {
    pub(crate) fn path(&self) -> &RawPath {
        match self {
            RawAction::Set(path, _)
            | RawAction::Remove(path)
            | RawAction::Add(path, _)
            | RawAction::Delete(path, _) => path,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    position: usize,
    kind: ExpressionKind,
    operators: usize,
    depth: usize,
}

type Parsed<T> = Result<T, ExprError>;

impl<'a> Parser<'a> {
    fn new(text: &'a str, kind: ExpressionKind) -> Self {
        Parser { text, tokens: lex(text), position: 0, kind, operators: 0, depth: 0 }
    }

    fn peek(&self) -> Token {
        // `lex` always ends with `Eof`, and `advance` never moves past it.
        self.tokens.get(self.position).or(self.tokens.last()).copied().unwrap_or(Token {
            kind: Kind::Eof,
            start: self.text.len(),
            end: self.text.len(),
        })
    }

    fn advance(&mut self) -> Token {
        let token = self.peek();
        if token.kind != Kind::Eof {
            self.position += 1;
        }
        token
    }

    fn at(&self, kind: Kind) -> bool {
        self.peek().kind == kind
    }

    fn eat(&mut self, kind: Kind) -> bool {
        if self.at(kind) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: Kind) -> Parsed<Token> {
        if self.at(kind) {
            Ok(self.advance())
        } else {
            Err(self.syntax_error())
        }
    }

    fn slice(&self, token: Token) -> &'a str {
        self.text.get(token.start..token.end).unwrap_or_default()
    }

    /// `Syntax error; token: "x", near: "a x"` for the current token.
    fn syntax_error(&self) -> ExprError {
        let index = self.position.min(self.tokens.len().saturating_sub(1));
        let current = self.peek();
        let shown = if current.kind == Kind::Eof { "<EOF>" } else { self.slice(current) };
        let start = index
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(current.start, |previous| previous.start);
        let end = match current.kind {
            Kind::Eof => current.end,
            _ => self.tokens.get(index + 1).map_or(current.end, |next| next.end),
        };
        let near = self.text.get(start..end).unwrap_or_default();
        self.kind.error(format!("Syntax error; token: \"{shown}\", near: \"{near}\""))
    }

    /// Counts an operator or function; `too_many_operators` checks the total after the
    /// parentheses (DynamoDB's order).
    fn count_operator(&mut self) -> Parsed<()> {
        self.operators = self.operators.saturating_add(1);
        Ok(())
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_PAREN_DEPTH {
            return Err(self.kind.error("The expression has redundant parentheses;"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn finish(&self) -> Parsed<()> {
        if self.at(Kind::Eof) {
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    // condition := or
    fn or(&mut self) -> Parsed<Node> {
        let mut left = self.and()?;
        while self.eat(Kind::Keyword(Keyword::Or)) {
            self.count_operator()?;
            let right = self.and()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed<Node> {
        let mut left = self.not()?;
        while self.eat(Kind::Keyword(Keyword::And)) {
            self.count_operator()?;
            let right = self.not()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Parsed<Node> {
        let mut nots = 0usize;
        while self.eat(Kind::Keyword(Keyword::Not)) {
            self.count_operator()?;
            nots += 1;
        }
        let mut node = self.comparison()?;
        for _ in 0..nots {
            node = Node::Not(Box::new(node));
        }
        Ok(node)
    }

    fn comparator(kind: Kind) -> Option<Comparator> {
        Some(match kind {
            Kind::Eq => Comparator::Eq,
            Kind::Ne => Comparator::Ne,
            Kind::Lt => Comparator::Lt,
            Kind::Le => Comparator::Le,
            Kind::Gt => Comparator::Gt,
            Kind::Ge => Comparator::Ge,
            _ => return None,
        })
    }

    /// A comparison, BETWEEN, IN, a function used as a condition, or a parenthesised
    /// condition.
    fn comparison(&mut self) -> Parsed<Node> {
        let start = self.position;
        let left = self.atom(false)?;
        let next = self.peek().kind;
        // `(a)`: a parenthesised operand, e.g. the left side of `(a) = :v`.
        let opened = start.checked_sub(1).and_then(|i| self.tokens.get(i)).map(|t| t.kind);
        if next == Kind::RParen && opened == Some(Kind::LParen) && !left.is_condition() {
            return Ok(left);
        }
        if let Some(op) = Self::comparator(next) {
            if left.is_condition() {
                return Err(self.syntax_error());
            }
            self.advance();
            self.count_operator()?;
            let right = self.atom(true)?;
            return Ok(Node::Compare(Box::new(left), op, Box::new(right)));
        }
        match next {
            Kind::Keyword(Keyword::Between) if !left.is_condition() => {
                self.advance();
                self.count_operator()?;
                let low = self.atom(true)?;
                self.expect(Kind::Keyword(Keyword::And))?;
                let high = self.atom(true)?;
                Ok(Node::Between(Box::new(left), Box::new(low), Box::new(high)))
            }
            Kind::Keyword(Keyword::In) if !left.is_condition() => {
                self.advance();
                self.count_operator()?;
                self.expect(Kind::LParen)?;
                let mut list = vec![self.atom(true)?];
                while self.eat(Kind::Comma) {
                    list.push(self.atom(true)?);
                }
                self.expect(Kind::RParen)?;
                Ok(Node::In(Box::new(left), list))
            }
            _ if left.is_condition() || is_call(&left) => Ok(left),
            _ => Err(self.syntax_error()),
        }
    }

    /// An operand; outside operand-only positions, a parenthesis may also open a
    /// condition.
    fn atom(&mut self, operand_only: bool) -> Parsed<Node> {
        let token = self.peek();
        match token.kind {
            Kind::LParen => {
                self.advance();
                self.enter()?;
                let inner = if operand_only { self.atom(true)? } else { self.or()? };
                self.expect(Kind::RParen)?;
                self.leave();
                Ok(Node::Paren(Box::new(inner)))
            }
            Kind::Value => {
                self.advance();
                Ok(Node::Value(self.slice(token).to_owned()))
            }
            Kind::Ident
                if self.tokens.get(self.position + 1).map(|t| t.kind) == Some(Kind::LParen) =>
            {
                self.call()
            }
            Kind::Ident | Kind::Name => Ok(Node::Path(self.path()?)),
            _ => Err(self.syntax_error()),
        }
    }

    /// `name(operand, …)`, at least one operand.
    fn call(&mut self) -> Parsed<Node> {
        let token = self.advance();
        let name = self.slice(token).to_owned();
        self.advance(); // `(`
        self.count_operator()?;
        self.enter()?;
        let mut args = vec![self.atom(true)?];
        while self.eat(Kind::Comma) {
            args.push(self.atom(true)?);
        }
        self.expect(Kind::RParen)?;
        self.leave();
        Ok(Node::Call(name, args))
    }

    /// `name` or `#name`, then `.name`, `.#name` or `[n]` steps.
    fn path(&mut self) -> Parsed<RawPath> {
        let mut elements = vec![self.path_name()?];
        loop {
            if self.eat(Kind::Dot) {
                elements.push(self.path_name()?);
            } else if self.eat(Kind::LBracket) {
                let token = self.expect(Kind::Number)?;
                let digits = self.slice(token);
                let index = digits
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| n <= MAX_INDEX)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        self.kind.error(format!(
                            "List index is not within the allowable range; index: [{digits}]"
                        ))
                    })?;
                self.expect(Kind::RBracket)?;
                elements.push(RawElement::Index(index));
            } else {
                return Ok(RawPath { elements });
            }
        }
    }

    fn path_name(&mut self) -> Parsed<RawElement> {
        let token = self.peek();
        match token.kind {
            Kind::Ident => {
                self.advance();
                Ok(RawElement::Name(self.slice(token).to_owned()))
            }
            Kind::Name => {
                self.advance();
                Ok(RawElement::Placeholder(self.slice(token).to_owned()))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// A `SET` value: an operand, or `operand + operand`, or `operand - operand`.
    fn set_value(&mut self) -> Parsed<Node> {
        let left = if self.at(Kind::LParen) {
            // `(b + :n)` or `(b) + :n`.
            self.advance();
            self.enter()?;
            let inner = self.set_value()?;
            self.expect(Kind::RParen)?;
            self.leave();
            let arithmetic = matches!(inner, Node::Arith(..));
            let node = Node::Paren(Box::new(inner));
            if arithmetic {
                return Ok(node);
            }
            node
        } else {
            self.atom(true)?
        };
        let op = match self.peek().kind {
            Kind::Plus => Arith::Plus,
            Kind::Minus => Arith::Minus,
            _ => return Ok(left),
        };
        self.advance();
        self.count_operator()?;
        let right = self.atom(true)?;
        Ok(Node::Arith(Box::new(left), op, Box::new(right)))
    }

    fn section(&mut self) -> Option<Section> {
        match self.peek().kind {
            Kind::Keyword(Keyword::Set) => Some(Section::Set),
            Kind::Keyword(Keyword::Remove) => Some(Section::Remove),
            Kind::Keyword(Keyword::Add) => Some(Section::Add),
            Kind::Keyword(Keyword::Delete) => Some(Section::Delete),
            _ => None,
        }
    }

    fn action(&mut self, section: Section) -> Parsed<RawAction> {
        let path = self.path()?;
        Ok(match section {
            Section::Set => {
                self.expect(Kind::Eq)?;
                RawAction::Set(path, self.set_value()?)
            }
            Section::Remove => RawAction::Remove(path),
            Section::Add | Section::Delete => {
                let token = self.expect(Kind::Value)?;
                let value = self.slice(token).to_owned();
                if section == Section::Add {
                    RawAction::Add(path, value)
                } else {
                    RawAction::Delete(path, value)
                }
            }
        })
    }
}

fn is_call(node: &Node) -> bool {
    match node {
        Node::Call(..) => true,
        Node::Paren(inner) => is_call(inner),
        _ => false,
    }
}

/// DynamoDB's error for more than [`MAX_OPERATORS`] operators and functions (it stops
/// counting at the first one too many).
pub(crate) fn too_many_operators(count: usize, kind: ExpressionKind) -> Parsed<()> {
    if count > MAX_OPERATORS {
        return Err(kind.error(format!(
            "The expression contains too many operators; operator count: {}",
            MAX_OPERATORS + 1
        )));
    }
    Ok(())
}

/// Parses a condition, filter or key condition; also returns its operator count.
pub(crate) fn condition(text: &str, kind: ExpressionKind) -> Parsed<(Node, usize)> {
    let mut parser = Parser::new(text, kind);
    let node = parser.or()?;
    parser.finish()?;
    Ok((node, parser.operators))
}

/// The sections of an update expression, in the order written.
pub(crate) type Sections = Vec<(Section, Vec<RawAction>)>;

/// Parses an update expression into its sections; also returns its operator count.
pub(crate) fn update(text: &str) -> Parsed<(Sections, usize)> {
    let mut parser = Parser::new(text, ExpressionKind::Update);
    let mut sections = Vec::new();
    loop {
        let Some(section) = parser.section() else {
            return Err(parser.syntax_error());
        };
        parser.advance();
        let mut actions = vec![parser.action(section)?];
        while parser.eat(Kind::Comma) {
            actions.push(parser.action(section)?);
        }
        sections.push((section, actions));
        if parser.at(Kind::Eof) {
            return Ok((sections, parser.operators));
        }
    }
}

/// Parses a projection expression: paths separated by commas.
pub(crate) fn projection(text: &str) -> Parsed<Vec<RawPath>> {
    let mut parser = Parser::new(text, ExpressionKind::Projection);
    let mut paths = vec![parser.path()?];
    while parser.eat(Kind::Comma) {
        paths.push(parser.path()?);
    }
    parser.finish()?;
    Ok(paths)
}
