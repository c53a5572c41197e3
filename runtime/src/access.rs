//! Named access patterns, runnable by name from text inputs.
//!
//! A schema file's `[[access_patterns]]` (and the patterns `singletable import` writes
//! for a NoSQL Workbench model) name the application's reads: "orders of a customer"
//! → entity `Order`, index `GSI1`, key field `c_id`. `singletable generate` turns them
//! into a registry, `pub const ACCESS_PATTERNS: &[AccessPattern<Table>]`, whose entries
//! run the typed query (`Order::by_gsi1().c_id(..)`, `db.get(Customer::key(..))`) from
//! text inputs. So tools that only know a pattern's name (an admin console, a REPL, a
//! smoke test of every pattern against a copy of production data) can run any of them
//! without code per pattern:
//!
//! ```text
//! let pattern = access::find(ACCESS_PATTERNS, "orders_by_gsi1")?;
//! let items = pattern.run(&db, &[("c_id", "12345")]).await?;
//! ```
//!
//! Inputs are the fields' values as text: a `String` field's text, an integer's decimal
//! digits, `true` / `false`, a timestamp in RFC 3339, a unit enum's stored name
//! ([`input`] reads the text as the field's `S`, `N` or `BOOL` value). Results are the
//! matching items as stored: whole items, each checked to decode as the entity, from the
//! table and from indexes that project everything; what the index holds (its keys and
//! projected attributes) from a `KEYS_ONLY` or `INCLUDE` index.

use crate::attr::Partial;
use crate::backend::{BoxFuture, GetItemInput};
use crate::client::TableClient;
use crate::codec::Attribute;
use crate::entity::{Entity, Key, Table};
use crate::error::{DecodeError, EncodeError, Error};
use crate::number::Number;
use crate::query::IntoQuery;
use crate::value::{AttributeValue, Item};

/// The DynamoDB operation a pattern runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GetItem` by the full primary key.
    Get,
    /// `Query` of one partition of the table or an index.
    Query,
    /// `Scan` of the entity's items.
    Scan,
}

/// What a runner returns: the future of the items read.
pub type Running<'a> = BoxFuture<'a, Result<Vec<Item>, PatternError>>;

/// Runs a pattern from its positional inputs (generated).
pub type Runner<T> = for<'a> fn(&'a TableClient<T>, &'a [String]) -> Running<'a>;

/// One named access pattern of a model (an entry of a generated `ACCESS_PATTERNS`).
pub struct AccessPattern<T: Table> {
    /// Its name (`orders_by_gsi1`).
    pub name: &'static str,
    /// What it is for, in words (empty when the schema gives none).
    pub description: &'static str,
    /// The entity it reads (Rust name).
    pub entity: &'static str,
    /// The index it reads; `None` for the table.
    pub index: Option<&'static str>,
    /// Get, query or scan.
    pub operation: Operation,
    /// The fields the caller supplies, in order (the partition key's, then the sort
    /// key's it narrows on).
    pub inputs: &'static [&'static str],
    /// Runs it from inputs in the order of [`inputs`](Self::inputs).
    pub run: Runner<T>,
}

impl<T: Table> std::fmt::Debug for AccessPattern<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessPattern")
            .field("name", &self.name)
            .field("entity", &self.entity)
            .field("index", &self.index)
            .field("operation", &self.operation)
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

/// Why a pattern did not run.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// No pattern of that name.
    #[error("no access pattern `{name}`; the model has: {}", known.join(", "))]
    UnknownPattern {
        /// The name asked for.
        name: String,
        /// The patterns there are.
        known: Vec<&'static str>,
    },
    /// An input the pattern needs was not given.
    #[error("access pattern `{pattern}` needs input `{input}` (it takes: {})", takes.join(", "))]
    MissingInput {
        /// The pattern.
        pattern: &'static str,
        /// The missing input.
        input: &'static str,
        /// Every input it takes.
        takes: &'static [&'static str],
    },
    /// An input the pattern does not take.
    #[error("access pattern `{pattern}` takes no input `{input}` (it takes: {})", takes.join(", "))]
    UnknownInput {
        /// The pattern.
        pattern: &'static str,
        /// The input given.
        input: String,
        /// Every input it takes.
        takes: &'static [&'static str],
    },
    /// An input's text is not a value of the field's type.
    #[error("input `{input}` = {text:?} is not a value of the field: {error}")]
    BadInput {
        /// The input (field) name.
        input: &'static str,
        /// The text given.
        text: String,
        /// Why it does not decode as the field's type.
        error: DecodeError,
    },
    /// The request failed, or a returned item does not decode as the entity.
    #[error(transparent)]
    Request(#[from] Error),
    /// The key does not render (an input too long for a key, …).
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// The pattern named `name` among `patterns`.
pub fn find<'p, T: Table>(
    patterns: &'p [AccessPattern<T>],
    name: &str,
) -> Result<&'p AccessPattern<T>, PatternError> {
    patterns.iter().find(|p| p.name == name).ok_or_else(|| PatternError::UnknownPattern {
        name: name.to_owned(),
        known: patterns.iter().map(|p| p.name).collect(),
    })
}

impl<T: Table> AccessPattern<T> {
    /// Runs the pattern with named inputs (`[("c_id", "12345")]`): every input it takes,
    /// and no other.
    pub async fn run(
        &self,
        db: &TableClient<T>,
        inputs: &[(&str, &str)],
    ) -> Result<Vec<Item>, PatternError> {
        if let Some((input, _)) = inputs.iter().find(|(name, _)| !self.inputs.contains(name)) {
            return Err(PatternError::UnknownInput {
                pattern: self.name,
                input: (*input).to_owned(),
                takes: self.inputs,
            });
        }
        let mut positional = Vec::with_capacity(self.inputs.len());
        for &name in self.inputs {
            match inputs.iter().find(|(given, _)| *given == name) {
                Some((_, text)) => positional.push((*text).to_owned()),
                None => {
                    return Err(PatternError::MissingInput {
                        pattern: self.name,
                        input: name,
                        takes: self.inputs,
                    })
                }
            }
        }
        (self.run)(db, &positional).await
    }
}

/// Input `position` (named `name`) as a value of the field's type `V`: the text read as
/// the `S` value, else as the `N` value (when it is a number), else as the `BOOL` value
/// (`true` / `false`), whichever the type accepts first. Called by generated runners.
pub fn input<V: Attribute>(
    inputs: &[String],
    position: usize,
    name: &'static str,
) -> Result<V, PatternError> {
    let text = inputs.get(position).map(String::as_str).unwrap_or_default();
    let first = match V::from_attribute_value(AttributeValue::S(text.to_owned())) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if let Ok(number) = Number::parse(text) {
        if let Ok(value) = V::from_attribute_value(AttributeValue::N(number)) {
            return Ok(value);
        }
    }
    if let Ok(flag) = text.parse::<bool>() {
        if let Ok(value) = V::from_attribute_value(AttributeValue::Bool(flag)) {
            return Ok(value);
        }
    }
    Err(PatternError::BadInput { input: name, text: text.to_owned(), error: first })
}

/// Checks that every item decodes as `E` (a read of the table or of an index that
/// projects everything), and returns them as read.
fn decoded<E: Entity>(items: Vec<Item>, whole: bool) -> Result<Vec<Item>, PatternError> {
    if whole {
        for item in &items {
            E::from_item(item.clone())
                .map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name)))?;
        }
    }
    Ok(items)
}

/// Every page of a query, its items as read. `whole`: the read returns whole items (the
/// table, an LSI, an index projecting `ALL`), each checked to decode as the entity; an
/// index projecting less returns what it holds. Called by generated runners.
pub async fn query<Q: IntoQuery>(
    db: &TableClient<<Q::Entity as Entity>::Table>,
    query: Q,
    whole: bool,
) -> Result<Vec<Item>, PatternError>
where
    Q::Index: crate::query::Returns<Partial<Q::Entity>>,
{
    let read = query.into_query().partial().all(db).await?;
    decoded::<Q::Entity>(read.into_iter().map(Partial::into_item).collect(), whole)
}

/// Every item of the entity (a scan), as read and checked to decode. Called by generated
/// runners.
pub async fn scan<E: Entity>(db: &TableClient<E::Table>) -> Result<Vec<Item>, PatternError> {
    let read = crate::query::Scan::<E>::new().partial().all(db).await?;
    decoded::<E>(read.into_iter().map(Partial::into_item).collect(), true)
}

/// The item under `key`, as read (none or one), checked to decode. Called by generated
/// runners.
pub async fn get<E: Entity>(
    db: &TableClient<E::Table>,
    key: Key<E>,
) -> Result<Vec<Item>, PatternError> {
    let key = key.into_attributes()?;
    let input = GetItemInput {
        table_name: <E::Table as Table>::SCHEMA.name.to_owned(),
        key,
        ..GetItemInput::default()
    };
    let found = db.backend().get_item(input).await?.item;
    decoded::<E>(found.into_iter().collect(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_read_as_the_field_type() {
        let inputs: Vec<String> = ["abc", "42", "-7", "true", "x"].map(String::from).to_vec();
        assert_eq!(input::<String>(&inputs, 0, "a").unwrap(), "abc");
        assert_eq!(input::<String>(&inputs, 1, "b").unwrap(), "42");
        assert_eq!(input::<u32>(&inputs, 1, "b").unwrap(), 42);
        assert_eq!(input::<i64>(&inputs, 2, "c").unwrap(), -7);
        assert!(input::<bool>(&inputs, 3, "d").unwrap());
        match input::<u32>(&inputs, 4, "e") {
            Err(PatternError::BadInput { input: "e", text, .. }) => assert_eq!(text, "x"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(input::<u8>(&inputs, 2, "c"), Err(PatternError::BadInput { .. })));
    }
}
