//! The parsed form of a statement: what the parser reads, before the statement is bound
//! to its parameters and lowered onto the engine's operations.

/// A document path as written: `a.b[0]`, `"a"['b']`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathExpr {
    /// The top-level attribute.
    pub root: String,
    /// The steps after it.
    pub steps: Vec<Step>,
}

/// One step after a path's root.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// `.name`, `."name"` or `['name']`.
    Key(String),
    /// `[n]`.
    Index(usize),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    /// `=`
    Eq,
    /// `<>` or `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// An expression: a `WHERE` condition, an operand, a literal or a `SET` value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A document path.
    Path(PathExpr),
    /// The `n`-th `?` (0-based).
    Param(usize),
    /// `'text'`.
    Str(String),
    /// A number, as written.
    Num(String),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// `NULL`.
    Null,
    /// `MISSING`.
    Missing,
    /// `<<a, b>>`: a set.
    Bag(Vec<Expr>),
    /// `[a, b]`: a list.
    List(Vec<Expr>),
    /// `{'k': v}`: a map.
    Map(Vec<(String, Expr)>),
    /// `f(args)`.
    Call(String, Vec<Expr>),
    /// `a op b`.
    Compare(Box<Expr>, CmpOp, Box<Expr>),
    /// `a [NOT] BETWEEN low AND high`.
    Between {
        /// The tested operand.
        operand: Box<Expr>,
        /// The lower bound.
        low: Box<Expr>,
        /// The upper bound.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `a [NOT] IN [list]`.
    In {
        /// The tested operand.
        operand: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `a IS [NOT] MISSING` (`null: false`) or `a IS [NOT] NULL` (`null: true`).
    Is {
        /// The tested operand.
        operand: Box<Expr>,
        /// `NULL` rather than `MISSING`.
        null: bool,
        /// `IS NOT`.
        negated: bool,
    },
    /// `a AND b`.
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`.
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`.
    Not(Box<Expr>),
    /// `a + b` (`true`) or `a - b` (`false`), in a `SET` value.
    Arith(Box<Expr>, bool, Box<Expr>),
}

/// `RETURNING …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Returning {
    /// `ALL OLD *`.
    AllOld,
    /// `MODIFIED OLD *`.
    ModifiedOld,
    /// `ALL NEW *`.
    AllNew,
    /// `MODIFIED NEW *`.
    ModifiedNew,
}

impl Returning {
    /// The clause as written.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Returning::AllOld => "RETURNING ALL OLD *",
            Returning::ModifiedOld => "RETURNING MODIFIED OLD *",
            Returning::AllNew => "RETURNING ALL NEW *",
            Returning::ModifiedNew => "RETURNING MODIFIED NEW *",
        }
    }
}

/// One action of an `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UpdateClause {
    /// `SET path = value`.
    Set(PathExpr, Expr),
    /// `REMOVE path`.
    Remove(PathExpr),
}

/// What a `FROM` (or `INTO`, or `UPDATE`) names: a table, or an index of one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    /// The table.
    pub table: String,
    /// The index, for `"Table"."Index"`.
    pub index: Option<String>,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Statement {
    /// `SELECT projection FROM source [WHERE …] [ORDER BY path [ASC|DESC]]`.
    Select {
        /// The projected paths; `None` for `*`.
        projection: Option<Vec<PathExpr>>,
        /// The table or index read.
        source: Source,
        /// The condition.
        condition: Option<Expr>,
        /// `ORDER BY … DESC`.
        descending: bool,
    },
    /// `INSERT INTO table VALUE {…}`.
    Insert {
        /// The table.
        source: Source,
        /// The item.
        value: Expr,
    },
    /// `UPDATE table SET …/REMOVE … WHERE … [RETURNING …]`.
    Update {
        /// The table.
        source: Source,
        /// The actions.
        clauses: Vec<UpdateClause>,
        /// The condition (key equality and more).
        condition: Expr,
        /// `RETURNING`.
        returning: Option<Returning>,
    },
    /// `DELETE FROM table WHERE … [RETURNING ALL OLD *]`.
    Delete {
        /// The table.
        source: Source,
        /// The condition.
        condition: Expr,
        /// `RETURNING`.
        returning: Option<Returning>,
    },
    /// `EXISTS(SELECT …)`: a condition check inside `ExecuteTransaction`.
    Exists(Box<Statement>),
}

impl Statement {
    /// True for reads (`SELECT`).
    pub(crate) fn is_read(&self) -> bool {
        matches!(self, Statement::Select { .. })
    }
}
