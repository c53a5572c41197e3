//! Queries and scans: typed access patterns.
//!
//! `#[derive(Entity)]` generates one query builder per access pattern: `Order::query()`
//! for the table's primary key and `Order::by_<index>()` for each index the entity is
//! in. A builder asks for the partition-key fields, in order, then accepts sort-key
//! conditions over the sort key's fields, in order: equality on a leading run of fields
//! (`.placed_at(t)`), then at most one range on the next, through its
//! `<field>_range()` and a [`SortRange`] (`lt`, `le`, `gt`, `ge`, `between`, and
//! `begins_with` on `String` fields): `.placed_at_range().ge(since)`. Each step
//! is its own type, so a field out of order does not compile, nor does `consistent()` on
//! a GSI query. Once the partition is complete, everything a [`Query`] does is available
//! through [`IntoQuery`]: `filter`, `project`, `limit`, `descending`, `cursor`, `before`,
//! `count`, `keys`, `hydrate`, and the terminal `send` (one page), `first`, `all`,
//! `pages` and `stream`. `<Entity>::find()` chooses the access pattern from the fields
//! given ([`Find`]).
//!
//! # What a query reads
//!
//! The key condition is narrowed to the entity's own keys: a composite sort key with no
//! condition becomes `begins_with(SK, <the template's literal prefix>)`, and range
//! conditions are computed as bounds over the rendered composite key that stay inside
//! that prefix (see `range`). On top, the filter always requires the table's entity-type
//! attribute to name the entity (where the index projects it: tables, `ALL` indexes,
//! `INCLUDE`s naming it; elsewhere items of other entities are left out on the client),
//! so items of other entities sharing a partition are never decoded as this one.
//! DynamoDB counts `Limit` in items *evaluated* before the filter, so a page can hold
//! fewer items than the limit (`count(n)` reads on until `n` passed); the key narrowing
//! keeps that rare.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::attr::{Cond, Partial, Projection};
use crate::backend::{BoxFuture, QueryInput, Select};
use crate::client::TableClient;
use crate::cursor::{self, Cursor, Fingerprint, FingerprintBuilder};
use crate::entity::{Entity, Key, Table};
use crate::error::{Error, Result};
use crate::expr::{Comparator, Condition, Operand, Path, PathElement};
use crate::schema::{IndexKind as SchemaIndexKind, Projection as IndexProjection, TableSchema};
use crate::value::{AttributeValue, Item};

mod find;
mod hydrate;
mod key;
mod native;
mod pages;
mod range;
mod scan;
pub(crate) mod shard;
mod sort;

pub use find::{
    Bool, Closest, Complete, False, FilterField, Find, Fit, Given, GivenValue, IsGiven, Missing,
    True,
};
pub(crate) use hydrate::{Fetch, Followed};
pub use hydrate::{Hydrate, HydratedItems, HydratedPages, PartialIndex};
pub use key::KeyQuery;
pub use native::{FilterOn, Native, NoNativeKeys};
pub use pages::{Items, Page, Pages};
pub use range::Range;
pub use scan::{ParallelScan, ReadsBackwards, Scan};
pub use sort::{SortField, SortRange};

pub(crate) use pages::{drain_all, Reader, Request};

/// The table's primary key: the index kind of `<Entity>::query()`.
#[derive(Debug, Clone, Copy)]
pub struct Primary;
/// A local secondary index.
#[derive(Debug, Clone, Copy)]
pub struct Local;
/// A global secondary index that projects every attribute of the entity (`ALL`, or an
/// `INCLUDE` list naming all of its fields).
#[derive(Debug, Clone, Copy)]
pub struct Global;
/// A global secondary index that projects only some attributes of the entity
/// (`KEYS_ONLY`, or an `INCLUDE` list that leaves a field out): its reads cannot decode
/// whole entities. Read it with [`Query::hydrate`] (the full items, fetched with
/// `BatchGetItem`), [`Query::keys`] (the items' primary keys) or [`Query::project`]
/// (a [`Partial`]); see [`Returns`].
#[derive(Debug, Clone, Copy)]
pub struct PartialGlobal;

/// What a query reads: the table, an LSI or a GSI.
pub trait IndexKind: Send + 'static {
    /// The index whose native key attributes a filter of the query may not read (see
    /// [`FilterOn`]): the generated query builder type of an index keyed by the entity's
    /// own fields ([`Native`]), else [`NoNativeKeys`].
    type Keys: 'static;
}
impl IndexKind for Primary {
    type Keys = NoNativeKeys;
}
impl IndexKind for Local {
    type Keys = NoNativeKeys;
}
impl IndexKind for Global {
    type Keys = NoNativeKeys;
}
impl IndexKind for PartialGlobal {
    type Keys = NoNativeKeys;
}

/// The kind of a GSI query, chosen at compile time from the table's projection of that
/// index and the entity's fields (`ALL` = `true`: [`Global`], else [`PartialGlobal`]).
#[doc(hidden)]
pub struct GlobalKind<const ALL: bool>;

/// Maps [`GlobalKind`] to the index kind. Not a public API.
#[doc(hidden)]
pub trait SelectKind {
    /// [`Global`] or [`PartialGlobal`].
    type Kind: IndexKind;
}
impl SelectKind for GlobalKind<true> {
    type Kind = Global;
}
impl SelectKind for GlobalKind<false> {
    type Kind = PartialGlobal;
}

/// Index kinds whose reads return `O`: every kind returns whole entities except
/// [`PartialGlobal`], which returns a [`Partial`] (after `project`) or a [`Key`]
/// (after `keys`), or whole entities through `hydrate`.
#[diagnostic::on_unimplemented(
    message = "this GSI does not project every attribute of the entity, so its items cannot be decoded as `{O}`",
    label = "a read of a KEYS_ONLY (or partial INCLUDE) index",
    note = "call `.hydrate()` to fetch the full items (one BatchGetItem per page), `.keys()` for their primary keys, or `.project(..)` for a `Partial` of the projected attributes"
)]
pub trait Returns<O> {}
impl<O> Returns<O> for Primary {}
impl<O> Returns<O> for Local {}
impl<O> Returns<O> for Global {}
impl<E> Returns<Partial<E>> for PartialGlobal {}
impl<E> Returns<Key<E>> for PartialGlobal {}

/// Index kinds that serve strongly consistent reads: the table and its LSIs.
#[diagnostic::on_unimplemented(
    message = "strongly consistent reads are not supported on global secondary indexes",
    label = "`consistent()` needs a table or LSI query",
    note = "DynamoDB answers `ConsistentRead` on a GSI with a ValidationException; GSIs are updated asynchronously. Query the table or an LSI for a consistent read"
)]
pub trait ConsistentRead {}
impl ConsistentRead for Primary {}
impl ConsistentRead for Local {}

/// How a query's items are returned: the whole entity (`E`) or, for a projected read,
/// a [`Partial<E>`].
pub trait Decode<E>: Sized + Send + 'static {
    /// Decodes one returned item.
    fn decode(item: Item) -> Result<Self>;
}

impl<E: Entity> Decode<E> for E {
    fn decode(item: Item) -> Result<Self> {
        E::from_item(item).map_err(|e| Error::Decode(e.at_field(E::SCHEMA.rust_name)))
    }
}

impl<E: Send + 'static> Decode<E> for Partial<E> {
    fn decode(item: Item) -> Result<Self> {
        Ok(Partial::new(item))
    }
}

/// A keys-only read ([`Query::keys`]): the item's primary key, from the table's key
/// attributes every index entry carries.
impl<E: Entity> Decode<E> for Key<E> {
    fn decode(item: Item) -> Result<Self> {
        let schema = E::Table::SCHEMA;
        let mut key = Item::new();
        for name in
            std::iter::once(schema.partition_key.name).chain(schema.sort_key.map(|k| k.name))
        {
            match item.get(name) {
                Some(value) => key.insert(name.to_owned(), value.clone()),
                None => {
                    return Err(Error::Decode(
                        crate::error::DecodeError::missing()
                            .at_field(name)
                            .at_field(E::SCHEMA.rust_name),
                    ))
                }
            };
        }
        Ok(Key::from_attributes(Ok(key)))
    }
}

/// Decodes a read item of entity `E`, leaving out an item without the entity-type
/// attribute whose key shape is not `E`'s (see [`adopt`](crate::adopt)), and an item
/// whose entity-type attribute names another entity (what the type filter does where
/// the index carries that attribute; an LSI that does not project it cannot filter on
/// it, yet fetches it from the table).
pub(crate) fn decode_read<E: Entity, O: Decode<E>>(item: Item) -> Result<Option<O>> {
    let attribute = <E::Table as Table>::SCHEMA.entity_type_attribute;
    if let Some(AttributeValue::S(entity_type)) = item.get(attribute) {
        if entity_type != E::SCHEMA.entity_type {
            return Ok(None);
        }
    }
    if crate::adopt::untyped_item_is::<E>(&item) {
        O::decode(item).map(Some)
    } else {
        Ok(None)
    }
}

/// `#type = :entity`, when the index carries the entity-type attribute.
pub(crate) fn type_filter(
    schema: &TableSchema,
    index: Option<&str>,
    types: &[&str],
) -> Option<Condition> {
    let attribute = schema.entity_type_attribute;
    let carried = match index.and_then(|name| schema.index(name)) {
        None => true,
        // DynamoDB refuses a filter on an attribute an index does not project, an LSI's
        // too (though it fetches the rest of the item from the table).
        Some(index) => match index.projection {
            IndexProjection::All => true,
            IndexProjection::Include(names) => names.contains(&attribute),
            IndexProjection::KeysOnly => false,
        },
    };
    if !carried || types.is_empty() {
        return None;
    }
    let path = || Operand::Path(Path::attribute(attribute));
    let value = |t: &str| Operand::Value(AttributeValue::S(t.to_owned()));
    let typed = match types {
        [one] => Condition::Compare { left: path(), op: Comparator::Eq, right: value(one) },
        many => Condition::In { operand: path(), list: many.iter().map(|t| value(t)).collect() },
    };
    // Items without the attribute (data singletable did not write) are recognised by
    // their key shape on the client (`adopt`).
    Some(Condition::Or(
        Box::new(Condition::AttributeNotExists(Path::attribute(attribute))),
        Box::new(typed),
    ))
}

/// The attributes of a `LastEvaluatedKey` of the table or an index.
pub(crate) fn key_attributes(schema: &TableSchema, index: Option<&str>) -> Vec<&'static str> {
    let mut names = vec![schema.partition_key.name];
    names.extend(schema.sort_key.map(|k| k.name));
    if let Some(index) = index.and_then(|name| schema.index(name)) {
        for attribute in index.partition_key.iter().chain(index.sort_key) {
            if !names.contains(&attribute.name) {
                names.push(attribute.name);
            }
        }
    }
    names
}

/// DynamoDB refuses a query filter on a key attribute of the table or index queried
/// (`Filter Expression can only contain non-primary key attributes`): refused here,
/// before a request, with the same message. On a native multi-attribute index the key
/// attributes are the entity's own fields (`Member::SCORE`): a typed filter on one does
/// not compile ([`FilterOn`]), so this is the backstop for conditions built from an
/// untyped `Condition` ([`Cond::new`]); use the sort-key condition (`score_range()`).
fn check_filter(schema: &TableSchema, index: Option<&str>, filter: &Condition) -> Result<()> {
    let keys: Vec<&str> = match index.and_then(|name| schema.index(name)) {
        Some(index) => {
            let mut keys: Vec<&str> = index.sort_key.iter().map(|k| k.name).collect();
            match index.kind {
                SchemaIndexKind::Local => keys.push(schema.partition_key.name),
                SchemaIndexKind::Global => keys.extend(index.partition_key.iter().map(|k| k.name)),
            }
            keys
        }
        None => std::iter::once(schema.partition_key.name)
            .chain(schema.sort_key.map(|k| k.name))
            .collect(),
    };
    let mut paths = Vec::new();
    filter.collect_paths(&mut paths);
    for path in paths {
        if let Some(PathElement::Attribute(name)) = path.elements.first() {
            if keys.contains(&name.as_str()) {
                return Err(Error::validation(format!(
                    "Filter Expression can only contain non-primary key attributes: Primary key attribute: {name}"
                )));
            }
        }
    }
    Ok(())
}

fn and(a: Option<Condition>, b: Option<Condition>) -> Option<Condition> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.and(b)),
        (a, b) => a.or(b),
    }
}

/// The options every query and collection query shares.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) filter: Option<Result<Condition, crate::error::EncodeError>>,
    pub(crate) projection: Option<Vec<Path>>,
    pub(crate) limit: Option<u32>,
    pub(crate) forward: bool,
    pub(crate) consistent: bool,
    pub(crate) cursor: Option<Cursor>,
    /// The cursor is read as a position to read *before* (`before(cursor)`).
    pub(crate) before: bool,
    /// Pages of exactly this many items (`count(n)`).
    pub(crate) count: Option<u32>,
    /// Hide expired items: `None` follows the client.
    pub(crate) hide_expired: Option<bool>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            filter: None,
            projection: None,
            limit: None,
            forward: true,
            consistent: false,
            cursor: None,
            before: false,
            count: None,
            hide_expired: None,
        }
    }
}

impl Options {
    pub(crate) fn add_filter(&mut self, condition: Result<Condition, crate::error::EncodeError>) {
        self.filter = Some(match (self.filter.take(), condition) {
            (None, c) => c,
            (Some(Ok(a)), Ok(b)) => Ok(a.and(b)),
            (Some(Err(e)), _) | (_, Err(e)) => Err(e),
        });
    }

    /// The request and the reader of a query over `key`, with the entity types to keep.
    pub(crate) fn query_reader(
        &self,
        schema: &TableSchema,
        key: &KeyQuery,
        types: &[&str],
        backend: Arc<dyn Backend>,
        secret: Option<Arc<[u8]>>,
        unexpired: Option<Condition>,
    ) -> Result<Option<(Reader, Option<Item>)>> {
        let mut input = self.query_input(schema, key, types)?;
        if key.empty {
            return Ok(None);
        }
        // The expiry filter moves with the clock: it is not part of the cursor's identity.
        let fingerprint = query_fingerprint(&input, types);
        input.filter = and(input.filter.take(), unexpired);
        let key_names = key_attributes(schema, key.index);
        let start = match &self.cursor {
            None => None,
            Some(c) => {
                let start = cursor::decode(c, &fingerprint, secret.as_deref())?;
                cursor::check_key(&start, &key_names, &key.partition)?;
                Some(start)
            }
        };
        // `before(cursor)`: the same query read the other way from the cursor; the
        // pages are turned back into the query's order, and every cursor keeps the
        // query's fingerprint, so it works with both `cursor` and `before`.
        if self.before && start.is_some() {
            input.scan_index_forward = !input.scan_index_forward;
        }
        if self.count == Some(0) {
            return Err(Error::validation(
                "`count(n)` needs n >= 1: the number of items each page holds",
            ));
        }
        if let Some(n) = self.count {
            // A page of exactly `n` resumes after its last item: the items need their
            // keys, whatever the projection.
            if let Some(paths) = &mut input.projection {
                for name in &key_names {
                    let path = Path::attribute(*name);
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                }
            }
            // Without a filter of the caller's, `n` items evaluated are (nearly always)
            // `n` items returned: ask for no more.
            if self.filter.is_none() && input.limit.is_none() {
                input.limit = Some(n);
            }
        }
        let pattern: Arc<str> = match key.index {
            Some(index) => format!("{}.query({index})", types.join("|")).into(),
            None => format!("{}.query", types.join("|")).into(),
        };
        let request = Request::Query(input);
        let mut reader = Reader::plain(backend, pattern, request, fingerprint, secret);
        reader.key_names = key_names;
        reader.reversed = self.before && start.is_some();
        reader.exact = self.count.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        Ok(Some((reader, start)))
    }

    pub(crate) fn query_input(
        &self,
        schema: &TableSchema,
        key: &KeyQuery,
        types: &[&str],
    ) -> Result<QueryInput> {
        if let Some(error) = &key.error {
            return Err(Error::Encode(error.clone()));
        }
        let user_filter = match &self.filter {
            None => None,
            Some(Ok(c)) => {
                check_filter(schema, key.index, c)?;
                Some(c.clone())
            }
            Some(Err(e)) => return Err(Error::Encode(e.clone())),
        };
        // An LSI that does not project everything fetches the rest from the table
        // (`Select=ALL_ATTRIBUTES`), as a read of whole entities needs.
        let fetch = match key.index.and_then(|name| schema.index(name)) {
            Some(index) => {
                index.kind == SchemaIndexKind::Local
                    && !matches!(index.projection, IndexProjection::All)
            }
            None => false,
        };
        let select = match &self.projection {
            Some(_) => Some(Select::SpecificAttributes),
            None if fetch => Some(Select::AllAttributes),
            None => None,
        };
        Ok(QueryInput {
            table_name: key.table.to_owned(),
            index_name: key.index.map(str::to_owned),
            key_condition: key.condition(),
            filter: and(type_filter(schema, key.index, types), user_filter),
            projection: self.projection.clone(),
            select,
            limit: self.limit,
            scan_index_forward: self.forward,
            exclusive_start_key: None,
            consistent_read: self.consistent,
            ..QueryInput::default()
        })
    }
}

use crate::backend::Backend;

fn query_fingerprint(input: &QueryInput, types: &[&str]) -> Fingerprint {
    let mut b = FingerprintBuilder::default();
    b.text("query").text(&input.table_name).text(input.index_name.as_deref().unwrap_or(""));
    b.key_condition(&input.key_condition);
    match &input.filter {
        Some(filter) => b.tag(1).condition(filter),
        None => b.tag(0),
    };
    b.tag(u8::from(input.scan_index_forward)).number(types.len() as u64);
    for t in types {
        b.text(t);
    }
    b.finish()
}

/// The phantom of a [`Query`].
type Types<E, I, O> = fn() -> (E, I, O);

/// A query of entity `E` on the table or an index (`I`: [`Primary`], [`Local`],
/// [`Global`], [`PartialGlobal`], or [`Native`] around one of them for an index keyed by
/// the entity's own fields), returning `O` (`E`, or [`Partial<E>`] once projected).
///
/// Built by the generated `<Entity>::query()` / `<Entity>::by_<index>()` stages; see the
/// [module docs](self).
#[must_use = "a query does nothing until it is sent"]
pub struct Query<E, I, O = E> {
    key: KeyQuery,
    options: Options,
    marker: PhantomData<Types<E, I, O>>,
}

impl<E, I, O> Clone for Query<E, I, O> {
    fn clone(&self) -> Self {
        Query { key: self.key.clone(), options: self.options.clone(), marker: PhantomData }
    }
}

impl<E, I, O> fmt::Debug for Query<E, I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query").field("key", &self.key).field("options", &self.options).finish()
    }
}

impl<E: Entity, I: IndexKind> Query<E, I> {
    /// A query over a finished key condition (what the generated stages call).
    pub fn new(key: KeyQuery) -> Self {
        Query { key, options: Options::default(), marker: PhantomData }
    }
}

impl<E: Entity, I: IndexKind, O: Decode<E>> Query<E, I, O> {
    /// Keeps only items matching `condition` (a `FilterExpression`, applied after the
    /// read). Several filters are joined with `AND`.
    ///
    /// DynamoDB refuses a filter on the key attributes of the table or index queried.
    /// On an index keyed by the entity's own fields (a native key: `index(ByTeam, pk =
    /// [team], sk = [level])`) those are fields, and a filter reading one of them does
    /// not compile ([`FilterOn`]): narrow on it with the key condition instead
    /// (`Person::by_team().team("red").level_range().gt(1)`). A condition made from an
    /// untyped [`Condition`] with [`Cond::new`] is checked when the query is sent:
    /// [`Error::Validation`] with DynamoDB's message, before any request.
    pub fn filter<R: FilterOn<I::Keys>>(mut self, condition: Cond<E, R>) -> Self {
        self.options.add_filter(condition.into_condition());
        self
    }

    /// Adds `condition` to the filter without the compile-time rule of [`Self::filter`]
    /// (for `find()`, whose choice of index never filters its native key attributes).
    pub(crate) fn filter_unchecked<R>(mut self, condition: Cond<E, R>) -> Self {
        self.options.add_filter(condition.into_condition());
        self
    }

    /// Evaluates at most `limit` items per page (DynamoDB's `Limit`, counted before the
    /// filter).
    ///
    /// On the fan-out query of a sharded entity (`#[entity(shards = N)]`, the table's
    /// primary key) `limit` is instead the number of items in each merged page, *after*
    /// the filter: the merge reads ahead in every shard (each shard request has
    /// `Limit` = the items the page still needs), so a page holds exactly `limit` items
    /// unless the results end first. Without a limit, a merged page ends where a shard's
    /// DynamoDB page runs out.
    pub fn limit(mut self, limit: u32) -> Self {
        self.options.limit = Some(limit);
        self
    }

    /// Descending sort-key order (`ScanIndexForward=false`).
    pub fn descending(mut self) -> Self {
        self.options.forward = false;
        self
    }

    /// A strongly consistent read (tables and LSIs only; twice the read cost).
    pub fn consistent(mut self) -> Self
    where
        I: ConsistentRead,
    {
        self.options.consistent = true;
        self
    }

    /// Starts after the page that returned `cursor` (from this same query), or right
    /// after the item of an [item cursor](Page::item_cursor).
    pub fn cursor(mut self, cursor: impl Into<Cursor>) -> Self {
        self.options.cursor = Some(cursor.into());
        self.options.before = false;
        self
    }

    /// Reads the items *before* `cursor` (a cursor of this same query: a page's
    /// [`cursor`](Page::cursor) or an [item cursor](Page::item_cursor)): the query is
    /// sent in the other direction from that position, and each page is turned back
    /// into the query's order. With [`count(n)`](Self::count) the page holds the `n`
    /// items right before the cursor (a GraphQL connection's `last: n, before: c`).
    ///
    /// The page's own [`cursor`](Page::cursor) continues backwards (hand it to
    /// `before` again); its [`end_cursor`](Page::end_cursor) goes forward again.
    /// Not available on the fan-out query of a sharded entity (an
    /// [`Error::InvalidCursor`]): its cursor holds, per shard, the last item returned
    /// from that shard, which a backwards read must include on every shard but the
    /// cursor item's own, while DynamoDB's `ExclusiveStartKey` always leaves out the key
    /// it names. (Scans have no `before`: DynamoDB scans forward only.)
    ///
    /// (A compiling example: the crate docs' "Reads" section.)
    pub fn before(mut self, cursor: impl Into<Cursor>) -> Self {
        self.options.cursor = Some(cursor.into());
        self.options.before = true;
        self
    }

    /// Pages of exactly `n` items that passed the filter (ElectroDB's `count`): reads
    /// as many DynamoDB pages as it takes (each `Query` stops at 1 MB or `limit` items
    /// *evaluated*), and a page's [`cursor`](Page::cursor) resumes right after its
    /// `n`-th item. Only the last page may hold fewer. Without a filter each request
    /// asks for `Limit = n` (unless [`limit`](Self::limit) says otherwise); with one,
    /// `send` may read past the `n`-th item and leave the rest unreturned (the cursor
    /// still resumes right after the `n`-th).
    ///
    /// `count(0)` is refused ([`Error::Validation`]), before any request.
    /// A projected read also returns the key attributes, which the cursor needs. On the
    /// fan-out query of a sharded entity `count(n)` is [`limit(n)`](Self::limit) (its
    /// merged pages already hold exactly `limit` items).
    ///
    /// (A compiling example: the crate docs' "Reads" section.)
    pub fn count(mut self, n: u32) -> Self {
        self.options.count = Some(n);
        self
    }

    /// Reads only these attributes; items come back as [`Partial<E>`].
    pub fn project<P: Projection<E>>(self, projection: P) -> Query<E, I, Partial<E>> {
        let mut options = self.options;
        options.projection = Some(projection.paths());
        Query { key: self.key, options, marker: PhantomData }
    }

    /// Leaves out items whose TTL attribute is at or before the clock's current second
    /// (a filter: `attribute_not_exists(ttl) OR ttl > :now`). See
    /// [`lifecycle`](crate::lifecycle).
    pub fn hide_expired(mut self) -> Self {
        self.options.hide_expired = Some(true);
        self
    }

    /// Keeps expired items (overrides the client's
    /// [`hide_expired`](TableClient::hide_expired)).
    pub fn show_expired(mut self) -> Self {
        self.options.hide_expired = Some(false);
        self
    }

    /// The items' primary keys only ([`Key<E>`], from the table key attributes every
    /// index entry carries): the plain read of a `KEYS_ONLY` index. Decode the key
    /// fields with [`Entity::decode_key`].
    pub fn keys(self) -> Query<E, I, Key<E>> {
        Query { key: self.key, options: self.options, marker: PhantomData }
    }

    /// The `Query` request this builder sends (for the first page).
    pub fn input(&self) -> Result<QueryInput> {
        self.options.query_input(&E::Table::SCHEMA, &self.key, &[E::SCHEMA.entity_type])
    }

    /// The pages, as a stream holding one page at a time.
    ///
    /// On the table's primary key of a sharded entity (`#[entity(shards = N)]`) the
    /// query fans out over every shard and each page is a k-way merge of the shards in
    /// sort-key order, with a cursor that holds one position per shard (see
    /// [`limit`](Self::limit) for what a page holds). A projected sharded query also
    /// reads the table's key attributes (the merge needs them) and leaves them out of the
    /// returned items.
    pub fn pages(self, db: &TableClient<E::Table>) -> Pages<O>
    where
        I: Returns<O>,
    {
        self.read(db)
    }

    /// The pages, whatever the index returns (`hydrate` reads keys through it).
    pub(crate) fn read(mut self, db: &TableClient<E::Table>) -> Pages<O> {
        if E::SHARDS > 1 && self.key.index.is_none() {
            if self.options.before {
                let refused = Err(Error::InvalidCursor {
                    reason: "`before(cursor)` is not available on the fan-out query of a \
                             sharded entity: its cursor holds one position per shard"
                        .to_owned(),
                });
                return Pages::new(refused, decode_read::<E, O>);
            }
            if let Some(n) = self.options.count.take() {
                self.options.limit = Some(n);
            }
            let fan_out = shard::FanOut {
                schema: E::Table::SCHEMA,
                unexpired: db.unexpired_filter(self.options.hide_expired),
                key: self.key,
                options: self.options,
                entity_type: E::SCHEMA.entity_type,
                shards: E::SHARDS,
                backend: Arc::clone(db.backend()),
                secret: db.cursor_secret(),
            };
            if let Some(refused) = fan_out.zero_limit() {
                return Pages::single(refused, decode_read::<E, O>);
            }
            return Pages::new(fan_out.reader(), decode_read::<E, O>);
        }
        let reader = self.options.query_reader(
            &E::Table::SCHEMA,
            &self.key,
            &[E::SCHEMA.entity_type],
            Arc::clone(db.backend()),
            db.cursor_secret(),
            db.unexpired_filter(self.options.hide_expired),
        );
        Pages::new(reader, decode_read::<E, O>)
    }

    /// The items, as a stream reading one page at a time.
    pub fn stream(self, db: &TableClient<E::Table>) -> Items<O>
    where
        I: Returns<O>,
    {
        self.pages(db).items()
    }

    /// One page and the cursor to the next.
    pub async fn send(self, db: &TableClient<E::Table>) -> Result<Page<O>>
    where
        I: Returns<O>,
    {
        let mut pages = self.pages(db);
        match pages.next().await {
            Some(page) => page,
            None => Ok(Page::new(Vec::new(), None, 0)),
        }
    }

    /// The first item, reading pages until one passes the filter (`Limit=1` per page
    /// when there is no filter and no limit).
    pub async fn first(mut self, db: &TableClient<E::Table>) -> Result<Option<O>>
    where
        I: Returns<O>,
    {
        if self.options.filter.is_none() && self.options.limit.is_none() {
            self.options.limit = Some(1);
        }
        let mut items = self.stream(db);
        items.next().await.transpose()
    }

    /// Every item of every page.
    pub async fn all(self, db: &TableClient<E::Table>) -> Result<Vec<O>>
    where
        I: Returns<O>,
    {
        let mut pages = self.pages(db);
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            out.extend(page?.items);
        }
        Ok(out)
    }
}

/// Everything a query does, available on every query stage whose partition key is
/// complete (through [`KeyStage`]) and on [`Query`]. In the prelude.
pub trait IntoQuery: Sized {
    /// The entity queried.
    type Entity: Entity;
    /// The table, an LSI or a GSI.
    type Index: IndexKind;

    /// The query, with the sort-key condition given so far.
    fn into_query(self) -> Query<Self::Entity, Self::Index>;

    /// See [`Query::filter`].
    fn filter<R: FilterOn<<Self::Index as IndexKind>::Keys>>(
        self,
        condition: Cond<Self::Entity, R>,
    ) -> Query<Self::Entity, Self::Index> {
        self.into_query().filter(condition)
    }

    /// See [`Query::limit`].
    fn limit(self, limit: u32) -> Query<Self::Entity, Self::Index> {
        self.into_query().limit(limit)
    }

    /// See [`Query::descending`].
    fn descending(self) -> Query<Self::Entity, Self::Index> {
        self.into_query().descending()
    }

    /// See [`Query::consistent`].
    fn consistent(self) -> Query<Self::Entity, Self::Index>
    where
        Self::Index: ConsistentRead,
    {
        self.into_query().consistent()
    }

    /// See [`Query::cursor`].
    fn cursor(self, cursor: impl Into<Cursor>) -> Query<Self::Entity, Self::Index> {
        self.into_query().cursor(cursor)
    }

    /// See [`Query::before`].
    fn before(self, cursor: impl Into<Cursor>) -> Query<Self::Entity, Self::Index> {
        self.into_query().before(cursor)
    }

    /// See [`Query::count`].
    fn count(self, n: u32) -> Query<Self::Entity, Self::Index> {
        self.into_query().count(n)
    }

    /// See [`Query::keys`].
    fn keys(self) -> Query<Self::Entity, Self::Index, Key<Self::Entity>> {
        self.into_query().keys()
    }

    /// See [`Query::hydrate`].
    fn hydrate(self) -> Hydrate<Self::Entity>
    where
        Self::Index: PartialIndex,
    {
        self.into_query().hydrate()
    }

    /// See [`Query::project`].
    fn project<P: Projection<Self::Entity>>(
        self,
        projection: P,
    ) -> Query<Self::Entity, Self::Index, Partial<Self::Entity>> {
        self.into_query().project(projection)
    }

    /// See [`Query::hide_expired`].
    fn hide_expired(self) -> Query<Self::Entity, Self::Index> {
        self.into_query().hide_expired()
    }

    /// See [`Query::send`].
    fn send(
        self,
        db: &TableClient<<Self::Entity as Entity>::Table>,
    ) -> BoxFuture<'_, Result<Page<Self::Entity>>>
    where
        Self::Index: Returns<Self::Entity>,
    {
        Box::pin(self.into_query().send(db))
    }

    /// See [`Query::first`].
    fn first(
        self,
        db: &TableClient<<Self::Entity as Entity>::Table>,
    ) -> BoxFuture<'_, Result<Option<Self::Entity>>>
    where
        Self::Index: Returns<Self::Entity>,
    {
        Box::pin(self.into_query().first(db))
    }

    /// See [`Query::all`].
    fn all(
        self,
        db: &TableClient<<Self::Entity as Entity>::Table>,
    ) -> BoxFuture<'_, Result<Vec<Self::Entity>>>
    where
        Self::Index: Returns<Self::Entity>,
    {
        Box::pin(self.into_query().all(db))
    }

    /// See [`Query::pages`].
    fn pages(self, db: &TableClient<<Self::Entity as Entity>::Table>) -> Pages<Self::Entity>
    where
        Self::Index: Returns<Self::Entity>,
    {
        self.into_query().pages(db)
    }

    /// See [`Query::stream`].
    fn stream(self, db: &TableClient<<Self::Entity as Entity>::Table>) -> Items<Self::Entity>
    where
        Self::Index: Returns<Self::Entity>,
    {
        self.into_query().stream(db)
    }
}

/// A generated query stage whose partition key is complete: what [`IntoQuery`] (when
/// the stage was started by the entity, `Target = Entity`) and
/// [`IntoCollectionQuery`](crate::IntoCollectionQuery) (when a collection's `query()`
/// started it) need of it. One impl per access pattern covers all of its sort stages;
/// the two traits are implemented once, here, for every stage.
#[doc(hidden)]
pub trait KeyStage: Sized {
    /// The entity queried.
    type Entity: Entity;
    /// The table, an LSI or a GSI.
    type Index: IndexKind;
    /// The entity, or the collection whose `query()` started the stage.
    type Target;

    /// The key condition built so far.
    fn key_query(self) -> KeyQuery;
}

impl<S, E> IntoQuery for S
where
    S: KeyStage<Entity = E, Target = E>,
    E: Entity,
{
    type Entity = E;
    type Index = S::Index;
    fn into_query(self) -> Query<E, S::Index> {
        Query::new(self.key_query().finish())
    }
}

impl<E: Entity, I: IndexKind> IntoQuery for Query<E, I> {
    type Entity = E;
    type Index = I;
    fn into_query(self) -> Query<E, I> {
        self
    }
}

impl<E: Entity, I: IndexKind> Query<E, I> {
    /// The same query, returning each item as read, undecoded ([`Partial<E>`]): what a
    /// `KEYS_ONLY` or `INCLUDE` index holds of an entity, or items whose stored
    /// attributes are wanted as they are (the [`access`](crate::access) registry).
    pub fn partial(self) -> Query<E, I, Partial<E>> {
        Query { key: self.key, options: self.options, marker: PhantomData }
    }
}
