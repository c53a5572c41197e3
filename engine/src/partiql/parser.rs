//! A recursive-descent parser for DynamoDB's PartiQL, with DynamoDB's error texts (see
//! docs/partiql.md for each text and its source). It never panics: every input is a
//! statement or an error, and nesting is bounded.

use super::ast::{CmpOp, Expr, PathExpr, Returning, Source, Statement, Step, UpdateClause};
use super::lexer::{malformed, tokenize, Token};
use singletable_core::error::{Error, Result};

/// The deepest nesting of parentheses, lists and maps a statement may have.
const MAX_DEPTH: usize = 64;

/// Keywords that cannot start a term.
const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "IN",
    "IS",
    "BETWEEN",
    "INSERT",
    "INTO",
    "VALUE",
    "VALUES",
    "UPDATE",
    "SET",
    "REMOVE",
    "DELETE",
    "RETURNING",
    "ORDER",
    "BY",
    "AS",
    "LIKE",
];

/// A parsed statement and the number of `?` placeholders it holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    /// The statement.
    pub statement: Statement,
    /// How many `?` it holds.
    pub parameters: usize,
}

/// Parses one statement.
pub(crate) fn parse(text: &str) -> Result<Parsed> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0, parameters: 0, depth: 0 };
    let statement = parser.statement()?;
    parser.eat_sym(";");
    if parser.peek().is_some() {
        return Err(malformed("Unexpected token after expression"));
    }
    Ok(Parsed { statement, parameters: parser.parameters })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    parameters: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_at(&self, offset: usize) -> Option<&Token> {
        self.tokens.get(self.at + offset)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        if token.is_some() {
            self.at += 1;
        }
        token
    }

    fn at_word(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_word(keyword))
    }

    fn eat_word(&mut self, keyword: &str) -> bool {
        let found = self.at_word(keyword);
        if found {
            self.at += 1;
        }
        found
    }

    fn at_sym(&self, symbol: &str) -> bool {
        matches!(self.peek(), Some(Token::Sym(s)) if *s == symbol)
    }

    fn eat_sym(&mut self, symbol: &str) -> bool {
        let found = self.at_sym(symbol);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect_sym(&mut self, symbol: &str) -> Result<()> {
        if self.eat_sym(symbol) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_word(&mut self, keyword: &str) -> Result<()> {
        if self.eat_word(keyword) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The error for the token at the cursor, where a term was expected.
    fn unexpected(&self) -> Error {
        match self.peek() {
            None | Some(Token::Sym(";")) => malformed("Unexpected term"),
            Some(Token::Word(word))
                if word.eq_ignore_ascii_case("IS") || word.eq_ignore_ascii_case("LIKE") =>
            {
                malformed("Unexpected operator")
            }
            Some(Token::Word(word)) if is_keyword(word) => malformed("Unexpected keyword"),
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("NOT") => {
                malformed("Unexpected keyword")
            }
            Some(Token::Sym(
                "=" | "<>" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/",
            )) => malformed("Unexpected operator"),
            Some(_) => malformed("Unexpected token"),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(malformed("Expression is nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // -----------------------------------------------------------------------------------
    // Statements
    // -----------------------------------------------------------------------------------

    fn statement(&mut self) -> Result<Statement> {
        match self.peek() {
            Some(t) if t.is_word("SELECT") => self.select(),
            Some(t) if t.is_word("INSERT") => self.insert(),
            Some(t) if t.is_word("UPDATE") => self.update(),
            Some(t) if t.is_word("DELETE") => self.delete(),
            Some(t) if t.is_word("EXISTS") => {
                self.at += 1;
                self.expect_sym("(")?;
                if !self.at_word("SELECT") {
                    return Err(malformed("Expected data manipulation"));
                }
                let select = self.select()?;
                self.expect_sym(")")?;
                Ok(Statement::Exists(Box::new(select)))
            }
            _ => Err(malformed("Expected data manipulation")),
        }
    }

    fn select(&mut self) -> Result<Statement> {
        self.expect_word("SELECT")?;
        let projection = if self.eat_sym("*") {
            None
        } else {
            let mut paths = vec![self.projected_path()?];
            while self.eat_sym(",") {
                paths.push(self.projected_path()?);
            }
            Some(paths)
        };
        self.expect_word("FROM")?;
        let source = self.source()?;
        self.no_alias()?;
        let condition = if self.eat_word("WHERE") { Some(self.expr()?) } else { None };
        let mut descending = false;
        if self.eat_word("ORDER") {
            self.expect_word("BY")?;
            self.path()?;
            if self.eat_word("DESC") {
                descending = true;
            } else {
                self.eat_word("ASC");
            }
        }
        Ok(Statement::Select { projection, source, condition, descending })
    }

    fn insert(&mut self) -> Result<Statement> {
        self.expect_word("INSERT")?;
        self.expect_word("INTO")?;
        let source = self.source()?;
        if !self.eat_word("VALUE") {
            return Err(if self.peek().is_none() {
                malformed("Unexpected term")
            } else {
                malformed("Unexpected token after expression")
            });
        }
        let value = self.operand()?;
        Ok(Statement::Insert { source, value })
    }

    fn update(&mut self) -> Result<Statement> {
        self.expect_word("UPDATE")?;
        let source = self.source()?;
        self.no_alias()?;
        let mut clauses = Vec::new();
        loop {
            if self.eat_word("SET") {
                loop {
                    let path = self.path()?;
                    self.expect_sym("=")?;
                    let value = self.additive()?;
                    clauses.push(UpdateClause::Set(path, value));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else if self.eat_word("REMOVE") {
                loop {
                    clauses.push(UpdateClause::Remove(self.path()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if clauses.is_empty() {
            return Err(self.unexpected());
        }
        self.expect_word("WHERE")?;
        let condition = self.expr()?;
        let returning = self.returning()?;
        Ok(Statement::Update { source, clauses, condition, returning })
    }

    fn delete(&mut self) -> Result<Statement> {
        self.expect_word("DELETE")?;
        self.expect_word("FROM")?;
        if !matches!(self.peek(), Some(Token::Word(_) | Token::Quoted(_))) || self.at_word("WHERE")
        {
            return Err(malformed("Expected identifier for simple path"));
        }
        let source = self.source()?;
        self.no_alias()?;
        self.expect_word("WHERE")?;
        let condition = self.expr()?;
        let returning = self.returning()?;
        Ok(Statement::Delete { source, condition, returning })
    }

    fn returning(&mut self) -> Result<Option<Returning>> {
        if !self.eat_word("RETURNING") {
            return Ok(None);
        }
        let all = if self.eat_word("ALL") {
            true
        } else if self.eat_word("MODIFIED") {
            false
        } else {
            return Err(self.unexpected());
        };
        let new = if self.eat_word("NEW") {
            true
        } else if self.eat_word("OLD") {
            false
        } else {
            return Err(self.unexpected());
        };
        self.expect_sym("*")?;
        Ok(Some(match (all, new) {
            (true, false) => Returning::AllOld,
            (false, false) => Returning::ModifiedOld,
            (true, true) => Returning::AllNew,
            (false, true) => Returning::ModifiedNew,
        }))
    }

    /// `"Table"` or `"Table"."Index"` (bare names too).
    fn source(&mut self) -> Result<Source> {
        let mut parts = vec![self.name()?];
        while self.at_sym(".") {
            self.at += 1;
            parts.push(self.name()?);
        }
        if parts.len() > 2 {
            return Err(Error::validation(
                "A path may contain at most 2 components in the FROM clause",
            ));
        }
        if parts.iter().any(String::is_empty) {
            return Err(Error::validation("Path component cannot be an empty string"));
        }
        let index = if parts.len() == 2 { parts.pop() } else { None };
        let table = parts.pop().unwrap_or_default();
        Ok(Source { table, index })
    }

    fn name(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::Quoted(name)) => {
                let name = name.clone();
                self.at += 1;
                Ok(name)
            }
            Some(Token::Word(word)) if !is_keyword(word) => {
                let word = word.clone();
                self.at += 1;
                Ok(word)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// DynamoDB refuses an alias after the table (`FROM "T" t`, `FROM "T" AS t`).
    fn no_alias(&self) -> Result<()> {
        match self.peek() {
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("AS") || !is_clause(word) => {
                Err(Error::validation("Aliasing is not supported"))
            }
            Some(Token::Quoted(_)) => Err(Error::validation("Aliasing is not supported")),
            _ => Ok(()),
        }
    }

    // -----------------------------------------------------------------------------------
    // Paths and expressions
    // -----------------------------------------------------------------------------------

    /// A projected path: a literal there (`SELECT missing`, `SELECT 1`, `SELECT ?`) is
    /// refused as DynamoDB Local refuses it ("Unexpected path component").
    fn projected_path(&mut self) -> Result<PathExpr> {
        match self.peek() {
            Some(Token::Num(_) | Token::Str(_) | Token::Param) => {
                Err(Error::validation("Unexpected path component"))
            }
            Some(Token::Word(word)) if is_literal_word(word) => {
                Err(Error::validation("Unexpected path component"))
            }
            _ => self.path(),
        }
    }

    fn path(&mut self) -> Result<PathExpr> {
        let root = self.name()?;
        let mut steps = Vec::new();
        loop {
            if self.at_sym(".") {
                self.at += 1;
                if matches!(self.peek(), Some(Token::Word(word)) if is_literal_word(word)) {
                    return Err(malformed("Unexpected keyword"));
                }
                steps.push(Step::Key(self.name()?));
            } else if self.at_sym("[") {
                self.at += 1;
                match self.next() {
                    Some(Token::Num(n)) => {
                        let index = n.parse().map_err(|_| malformed("Invalid path index"))?;
                        steps.push(Step::Index(index));
                    }
                    Some(Token::Str(key)) => steps.push(Step::Key(key)),
                    _ => return Err(malformed("Invalid path component")),
                }
                self.expect_sym("]")?;
            } else {
                return Ok(PathExpr { root, steps });
            }
        }
    }

    /// A condition: `OR` of `AND`s of (possibly negated) predicates.
    pub(crate) fn expr(&mut self) -> Result<Expr> {
        let mut left = self.and()?;
        while self.eat_word("OR") {
            self.right_side()?;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut left = self.not()?;
        while self.eat_word("AND") {
            self.right_side()?;
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// After an infix operator: something must follow.
    fn right_side(&self) -> Result<()> {
        match self.peek() {
            None | Some(Token::Sym(";")) => {
                Err(malformed("Missing right-hand side expression of infix operator"))
            }
            _ => Ok(()),
        }
    }

    fn not(&mut self) -> Result<Expr> {
        if self.eat_word("NOT") {
            self.enter()?;
            let inner = self.not();
            self.leave();
            return Ok(Expr::Not(Box::new(inner?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr> {
        let left = self.additive()?;
        let op = match self.peek() {
            Some(Token::Sym("=")) => Some(CmpOp::Eq),
            Some(Token::Sym("<>" | "!=")) => Some(CmpOp::Ne),
            Some(Token::Sym("<")) => Some(CmpOp::Lt),
            Some(Token::Sym("<=")) => Some(CmpOp::Le),
            Some(Token::Sym(">")) => Some(CmpOp::Gt),
            Some(Token::Sym(">=")) => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.at += 1;
            self.right_side()?;
            let right = self.additive()?;
            return Ok(Expr::Compare(Box::new(left), op, Box::new(right)));
        }
        let negated = self.at_word("NOT")
            && self.peek_at(1).is_some_and(|t| t.is_word("BETWEEN") || t.is_word("IN"));
        if negated {
            self.at += 1;
        }
        if self.eat_word("BETWEEN") {
            let low = self.additive()?;
            self.expect_word("AND")?;
            let high = self.additive()?;
            return Ok(Expr::Between {
                operand: Box::new(left),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            });
        }
        if self.eat_word("IN") {
            let close = if self.eat_sym("[") {
                "]"
            } else if self.eat_sym("(") {
                ")"
            } else {
                return Err(self.unexpected());
            };
            let list = self.items(close)?;
            return Ok(Expr::In { operand: Box::new(left), list, negated });
        }
        if self.eat_word("IS") {
            let negated = self.eat_word("NOT");
            let null = if self.eat_word("NULL") {
                true
            } else if self.eat_word("MISSING") {
                false
            } else {
                return Err(malformed("Expected type name"));
            };
            return Ok(Expr::Is { operand: Box::new(left), null, negated });
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr> {
        let mut left = self.operand()?;
        loop {
            let plus = if self.at_sym("+") {
                true
            } else if self.at_sym("-") {
                false
            } else {
                return Ok(left);
            };
            self.at += 1;
            self.right_side()?;
            let right = self.operand()?;
            left = Expr::Arith(Box::new(left), plus, Box::new(right));
        }
    }

    /// A term: a path, a literal, `?`, a function call, a parenthesised condition.
    fn operand(&mut self) -> Result<Expr> {
        self.enter()?;
        let term = self.term();
        self.leave();
        term
    }

    fn term(&mut self) -> Result<Expr> {
        match self.peek().cloned() {
            Some(Token::Str(text)) => {
                self.at += 1;
                Ok(Expr::Str(text))
            }
            Some(Token::Num(text)) => {
                self.at += 1;
                Ok(Expr::Num(text))
            }
            Some(Token::Sym("-")) if matches!(self.peek_at(1), Some(Token::Num(_))) => {
                self.at += 1;
                match self.next() {
                    Some(Token::Num(text)) => Ok(Expr::Num(format!("-{text}"))),
                    _ => Err(malformed("Unexpected term")),
                }
            }
            Some(Token::Param) => {
                self.at += 1;
                self.parameters += 1;
                Ok(Expr::Param(self.parameters - 1))
            }
            Some(Token::Sym("(")) => {
                self.at += 1;
                let inner = self.expr()?;
                self.expect_sym(")")?;
                Ok(inner)
            }
            Some(Token::Sym("[")) => {
                self.at += 1;
                Ok(Expr::List(self.items("]")?))
            }
            Some(Token::Sym("<<")) => {
                self.at += 1;
                Ok(Expr::Bag(self.items(">>")?))
            }
            Some(Token::Sym("{")) => {
                self.at += 1;
                self.map()
            }
            Some(Token::Word(word)) => {
                let upper = word.to_ascii_uppercase();
                match upper.as_str() {
                    "TRUE" | "FALSE" => {
                        self.at += 1;
                        Ok(Expr::Bool(upper == "TRUE"))
                    }
                    "NULL" => {
                        self.at += 1;
                        Ok(Expr::Null)
                    }
                    "MISSING" => {
                        self.at += 1;
                        Ok(Expr::Missing)
                    }
                    _ if matches!(self.peek_at(1), Some(Token::Sym("("))) => {
                        self.at += 2;
                        let args = self.items(")")?;
                        Ok(Expr::Call(word, args))
                    }
                    _ if is_keyword(&word) => Err(self.unexpected()),
                    _ => Ok(Expr::Path(self.path()?)),
                }
            }
            Some(Token::Quoted(_)) => Ok(Expr::Path(self.path()?)),
            _ => Err(self.unexpected()),
        }
    }

    /// Comma-separated terms up to `close` (possibly none).
    fn items(&mut self, close: &str) -> Result<Vec<Expr>> {
        let mut items = Vec::new();
        if self.eat_sym(close) {
            return Ok(items);
        }
        loop {
            items.push(self.additive()?);
            if self.eat_sym(close) {
                return Ok(items);
            }
            self.expect_sym(",")?;
        }
    }

    /// `{'k': v, …}` after the `{`.
    fn map(&mut self) -> Result<Expr> {
        let mut members = Vec::new();
        if self.eat_sym("}") {
            return Ok(Expr::Map(members));
        }
        loop {
            let key = match self.next() {
                Some(Token::Str(key)) => key,
                _ => return Err(malformed("Expected a string key in a tuple")),
            };
            self.expect_sym(":")?;
            members.push((key, self.additive()?));
            if self.eat_sym("}") {
                return Ok(Expr::Map(members));
            }
            self.expect_sym(",")?;
        }
    }
}

fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// The literal words `MISSING`, `NULL`, `TRUE` and `FALSE` (any case): never a bare
/// attribute name (quote it: `"missing"`).
fn is_literal_word(word: &str) -> bool {
    ["MISSING", "NULL", "TRUE", "FALSE"].iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Words that may follow a table name: the next clause, not an alias.
fn is_clause(word: &str) -> bool {
    ["WHERE", "SET", "REMOVE", "ORDER", "RETURNING"].iter().any(|k| k.eq_ignore_ascii_case(word))
}
