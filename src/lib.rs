#![doc = include_str!("../README.md")]
//!
//! # Reference
//!
//! ## `#[derive(Table)]`
//!
//! ```text
//! #[table(
//!     name = "App",                       // required; 3–255 of [a-zA-Z0-9_.-]
//!     pk = "PK",                          // required; "Name" or "Name:S|N|B" (S by default)
//!     sk = "SK",
//!     gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),        // synthetic keys
//!     gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N", "created_at"],
//!         projection = keys_only),        // native multi-attribute key: 1–4 + 0–4
//!     gsi(name = "GSI2", pk = "GSI2PK", read = 5, write = 5),  // provisioned tables
//!     lsi(name = "LSI1", sk = "LSI1SK", projection = include("name")),
//!     ttl = "expires_at",
//!     stream = new_and_old_images,        // keys_only | new_image | old_image | new_and_old_images
//!     billing = on_demand,                // or provisioned(read = 5, write = 5)
//!     entity_type = "_type",              // the attribute naming each item's entity (default)
//!     crate = "::singletable",            // path override when the facade is re-exported
//! )]
//! ```
//!
//! It implements [`Table`] (the model as a `const` [`schema::TableSchema`]) and adds
//! `App::client(backend) -> TableClient<App>`. Over 20 GSIs, over 5 LSIs, over 4 key
//! attributes per side, an LSI with another partition key: compile errors.
//!
//! ## `#[derive(Entity)]`
//!
//! ```text
//! #[entity(
//!     table = App,                        // required: a type deriving Table
//!     pk = "USER#{user_id}",              // required: literals and {field} placeholders
//!     sk = "PROFILE",                     // exactly when the table has a sort key
//!     name = "User",                      // entity-type value; the struct name by default
//!     index(GSI1, pk = "EMAIL#{email}", sk = "USER"),          // synthetic index: templates
//!     index(ByTenant, pk = [tenant_id, region], sk = [score]), // native: fields in key order
//!     index(LSI1, sk = "NAME#{name}"),    // an LSI takes no pk
//!     index(name = "my-index", pk = "…"), // for index names that are not identifiers
//!     shards = 8,                         // write sharding of the partition key
//!     find,                               // `Entity::find()`: the access pattern from the fields given
//!     schema_version = 2, upgrade = "path::to::fn", // lazy upgrade of older items (`upgrade`)
//!     compact,                            // key fields only inside keys (*Compact entities*)
//! )]
//! // fields: #[entity(rename = "attr", skip, default, default = "path::to::fn", serde,
//! //                  version, created_at, updated_at, ttl, unique, read_only,
//! //                  computed = "path::to::fn", from(field, ..))]
//! ```
//!
//! It implements [`Entity`] and adds `User::key(..)` (the key fields, partition template
//! first) and one `User::<index>_key(..)` per index (`gsi1_key`, `by_tenant_key`). An
//! entity not listed in an index is absent from it (sparse). Every item carries the
//! table's entity-type attribute, so a mixed read decodes each item into its own entity.
//!
//! Key templates: a placeholder must be followed by the end of the template or by a
//! literal starting with `#`. Values are escaped (`%` → `%25`, `#` → `%23`), so a `#`
//! in a value never makes two keys equal, and [`Entity::decode_key`] parses a stored key
//! back into its fields. Integers are written with a fixed width (negative numbers with
//! an offset), so their text sorts in numeric order; [`Timestamp`]s in their fixed-width
//! RFC 3339 form sort in time order. Floats, `Option`s, collections and maps cannot be
//! in templates (compile errors); newtypes and unit enums deriving [`Attribute`] can.
//!
//! Markers `version`, `created_at`, `updated_at`, `ttl` and `unique` are checked at
//! compile time (types, one version field, a TTL field needs the table's TTL attribute;
//! `ttl` fields are stored as epoch seconds) and drive every write (see *Lifecycle*).
//!
//! A live model changes with a plan between two models ([`migrate::Plan::between`]) run
//! by [`TableClient::migrate`] (`docs/migrations.md`), or lazily, item by item as they are
//! read ([`upgrade`]).
//!
//! It also generates, per stored field, a typed path `User::EMAIL`
//! ([`Attr<User, String, _>`](Attr)), a query builder per access pattern
//! (`User::query()`, `User::by_<index>()`), `User::scan()`, and for fields that share an
//! index key template with others, `User::<index>_composite(..)` (see *Updates*).
//!
//! ## Compact entities
//!
//! `#[entity(compact)]` (`compact = true` in a schema file) stores every field of the
//! entity's key templates (table and index keys) only inside those keys, as hand-written
//! single-table designs do: `PK = "USER#u1"`, `GSI1PK = "EMAIL#ann@x.io"` and no
//! `user_id` or `email` attribute. Reads (get, queries, scans, batches, transactions,
//! collections, stream images) decode those fields from the keys, which are the only copy:
//! an attribute of the same name left by a non-compact past is ignored. Fields the client
//! writes itself (`version`, `created_at`, `updated_at`, `ttl`) keep their attribute, and
//! the entity-type attribute is still written.
//!
//! A key-only field has no document path, so its const is a [`KeyOnly`], not an [`Attr`]:
//! a filter, condition, projection or update naming it does not compile (a condition
//! reports "kept only inside keys"). Narrow on it with the query's key conditions. A
//! primary-key field never changes (as for any entity); a field of an index key template
//! changes with `<index>_composite(..)`, generated for every index template holding a
//! key-only field (even a lone one), which rewrites the index key and writes no attribute.
//! A migration from the non-compact model ([`migrate::Plan::between`]) removes the key
//! fields' attributes from stored items; the way back writes nothing (items decode their
//! fields from the keys).
//!
//! ```
//! use singletable::prelude::*;
//! #[derive(Table)]
//! #[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
//! struct App;
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, compact, pk = "USER#{user_id}", sk = "PROFILE",
//!          index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
//! struct User { user_id: String, email: String, name: String }
//!
//! # async fn run() -> singletable::Result<()> {
//! let db = App::client(MemoryBackend::new());
//! db.create_table().await?;
//! db.put(&User { user_id: "u1".into(), email: "a@x.io".into(), name: "Ann".into() }).await?;
//! db.update(User::key("u1")).set_composite(User::gsi1_composite("b@x.io")).await?;
//! let ann = User::by_gsi1().email("b@x.io").first(&db).await?.expect("moved");
//! assert_eq!((ann.user_id.as_str(), ann.email.as_str()), ("u1", "b@x.io"));
//! // User::EMAIL.eq("b@x.io") does not compile: `email` is kept only inside keys.
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
//! ```
//!
//! ## `#[derive(Attribute)]`
//!
//! ```text
//! #[derive(Attribute)] struct Address { street: String, #[attribute(rename = "zip")] postcode: String }  // M
//! #[derive(Attribute)] enum Status { Active, #[attribute(rename = "gone")] Deleted }                    // S
//! #[derive(Attribute)] #[attribute(tag = "kind")] enum Payment { Card { last4: String }, Cash }         // {"kind": "Card", "last4": ".."}
//! #[derive(Attribute)] struct UserId(String);                                                          // transparent, usable in keys
//! ```
//!
//! ## Typed paths and conditions
//!
//! Every stored field has an associated const: `Order::TOTAL_CENTS: Attr<Order, i64, _>`
//! (an `Option<T>` field is typed `T`; a TTL field is `i64` epoch seconds). Nested
//! structs deriving [`Attribute`] have their own consts, composed with `then`; list
//! elements with `at(i)`, map values with `key("k")`. Conditions are [`Cond<E>`]:
//! `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `between`, `is_in`, `begins_with`, `contains`,
//! `size()`, `exists`, `not_exists`, `is_type`, combined with `&`, `|`, `!`. A value must
//! have the attribute's type (string literals for `String`, integer literals infer the
//! field's integer type); comparing a `String` with an integer, ordering a list, or
//! filtering an `Order` query with a `User` attribute does not compile. Nor does a query
//! filter on a key attribute of the index queried, where those are the entity's own
//! fields (a native multi-attribute key, which DynamoDB would refuse): a field's
//! conditions then carry a marker of the field (`Cond<E, K>`; plain conditions stay
//! `Cond<E>`), see [`query::FilterOn`].
//!
//! ```
//! use singletable::prelude::*;
//!
//! # #[derive(Table)] #[table(name = "App", pk = "PK", sk = "SK")] struct App;
//! #[derive(Attribute, Debug, Clone, PartialEq)]
//! struct Address { city: String, zip: String }
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}")]
//! struct Order {
//!     user_id: String,
//!     order_id: String,
//!     placed_at: Timestamp,
//!     total_cents: i64,
//!     tags: Vec<String>,
//!     shipping: Option<Address>,
//! }
//!
//! let big_parisian = Order::TOTAL_CENTS.gt(1_000)
//!     & Order::SHIPPING.then(Address::CITY).eq("Paris")
//!     & !Order::TAGS.contains("gift")
//!     | Order::TAGS.size().ge(3);
//! assert!(big_parisian.condition().is_ok());
//! ```
//!
//! ## Queries
//!
//! One builder per access pattern: `Order::query()` for the table's key,
//! `Order::by_gsi1()`, `Member::by_tenant()` (index `ByTenant`) for each index the entity
//! is in. The builder takes the partition-key fields in order (`.user_id("u1")`), then
//! sort-key conditions over the sort key's fields in order: equality on a leading run
//! (`.placed_at(t)`), then at most one range on the next field through its `_range()`
//! ([`query::SortRange`]: `lt`, `le`, `gt`, `ge`, `between`, and `begins_with` on
//! `String` fields: `.placed_at_range().ge(t)`), or the full key with the last field's
//! equality. Each step is its own type: a field out of order, a skipped sort attribute of
//! a native multi-attribute key, `.consistent()` on a GSI, or `.send` before the
//! partition is complete do not compile. Then (trait [`IntoQuery`], in the prelude):
//! `.filter(cond)`, `.project(attrs)`, `.limit(n)`, `.descending()`, `.consistent()`,
//! `.cursor(c)`, `.before(c)`, `.count(n)`, `.keys()`, `.hydrate()` (partially projected
//! GSIs), and `.send(&db)` (one [`Page`]), `.first(&db)`, `.all(&db)`,
//! `.pages(&db)` / `.stream(&db)` (async streams holding one page at a time).
//!
//! ```no_run
//! use singletable::prelude::*;
//! # #[derive(Table)]
//! # #[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
//! # struct App;
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE", index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
//! # struct User { user_id: String, email: String, name: String }
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{placed_at}#{order_id}")]
//! # struct Order { user_id: String, order_id: String, placed_at: Timestamp, total_cents: i64 }
//! # async fn run(db: TableClient<App>, a: Timestamp, b: Timestamp) -> singletable::Result<()> {
//! let recent = Order::query()
//!     .user_id("u1")
//!     .placed_at_range().between(a, b)
//!     .filter(Order::TOTAL_CENTS.gt(1_000))
//!     .limit(20)
//!     .send(&db)
//!     .await?;
//! let next_page = recent.cursor.map(|c| c.to_string()); // hand it to a web client
//! let by_email: Option<User> = User::by_gsi1().email("a@b.c").first(&db).await?;
//! let names: Vec<singletable::Partial<User>> =
//!     User::by_gsi1().email("a@b.c").project(User::NAME).all(&db).await?;
//! let mut pages = Order::query().user_id("u1").pages(&db);
//! while let Some(page) = pages.next().await {
//!     for order in page?.items { /* one page in memory at a time */ }
//! }
//! # Ok(()) }
//! ```
//!
//! **Key ranges on composite keys.** A sort key rendered from `"ORDER#{placed_at}#{order_id}"`
//! is queried as bounds over the rendered text: `placed_at_range().gt(t)` is
//! `SK BETWEEN "ORDER#<t>$" AND <the greatest key starting "ORDER#">` (`$` follows `#`, so
//! every order placed at exactly `t` is excluded whatever its id), `placed_at_range().le(t)` is
//! `SK BETWEEN "ORDER#" AND <the greatest key starting "ORDER#<t>#">`, and so on: ranges
//! never leave the entity's own keys, so items of other entities in the partition are not
//! even read. Values sharing a prefix (`"ab"` and `"abc"`) are ordered as strings. The one
//! caveat is inherent to text keys (see [`key`]): values differing at a character below
//! `#` (space, `!`, `"`) may sort differently from their raw text.
//!
//! **Entity filtering.** With no sort condition a query reads
//! `begins_with(SK, <the template's literal prefix>)`; on top, the filter requires the
//! entity-type attribute to name the entity wherever the index projects it (tables,
//! `ALL` indexes, `INCLUDE`s that name it), so other entities in a shared partition are
//! never decoded; where it cannot (DynamoDB refuses filters on unprojected attributes),
//! items naming another entity are left out on the client. An LSI that does not project
//! everything is read with `Select=ALL_ATTRIBUTES` (DynamoDB fetches the rest from the
//! table). `Limit` counts items *evaluated* before the filter (DynamoDB's rule), so a page
//! may hold fewer items than the limit, or none, and still have a cursor.
//!
//! **Projections** return [`Partial<E>`], read with typed paths
//! (`partial.get(&User::NAME)?`): a projected read never pretends to be a whole entity. A
//! `KEYS_ONLY` GSI (or an `INCLUDE` one that leaves a field out) carries only part of the
//! entity: its builder's index kind is [`query::PartialGlobal`], and a plain read of
//! whole entities does not compile; read it with `.hydrate()`, `.keys()` or `.project(..)`
//! (see "Reads" below).
//!
//! **Scans**: `Order::scan()` (filtered to the entity type) with `.filter`, `.project`,
//! `.limit`, `.consistent`, `.segment(i, n)`, `.cursor`, `.send` / `.all` / `.pages` /
//! `.stream`, and `.parallel(n).all(&db)` reading `n` segments concurrently (or
//! `.parallel(n).segments()` to hand to workers).
//!
//! ## Reads: `find()`, exact pages, both directions, keys-only indexes
//!
//! `Entity::find()` (generated for `#[entity(find, ..)]`) takes key fields in any order
//! and picks, at compile time, the access pattern they complete (ElectroDB's `find` /
//! `match`): the table, an LSI or a GSI. The
//! pattern using the most given fields wins (ties: the table, then indexes in the order
//! the entity lists them); given fields it does not use are filtered on. Fields that
//! complete no partition key do not compile, and the error names the nearest pattern
//! (`Closest<UserQuery>`). The rule in full: [`query::Find`].
//!
//! `.count(n)` reads on until `n` items passed the filter (pages of exactly `n`);
//! `.before(cursor)` reads backwards from a cursor (results still in the query's order);
//! [`Page::item_cursor`] / [`Page::edges`] give each item's own cursor (GraphQL
//! connections; on scans and sharded fan-outs too). On a `KEYS_ONLY` GSI, `.hydrate()`
//! follows each page with one `BatchGetItem` per 100 keys (also for a collection on a
//! GSI); `.keys()` returns the primary keys. See `docs/reads.md`.
//!
//! ```
//! use singletable::prelude::*;
//! #[derive(Table)]
//! #[table(name = "App", pk = "PK", sk = "SK",
//!         gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
//!         gsi(name = "ByCity", pk = "CPK", projection = keys_only))]
//! struct App;
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "ORG#{org}", sk = "USER#{user_id}", find,
//!          index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
//!          index(ByCity, pk = "CITY#{city}"))]
//! struct User { org: String, user_id: String, email: String, city: String }
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "LOG#{stream}", sk = "AT#{at}")]
//! struct Line { stream: String, at: u32, text: String }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let db = App::client(MemoryBackend::new());
//! db.create_table().await?;
//! let ann = User { org: "o1".into(), user_id: "u1".into(), email: "ann@o1.io".into(), city: "Oslo".into() };
//! db.put(&ann).await?;
//!
//! // The email completes GSI1; the org (a table key field) is filtered on.
//! let found = User::find().org("o1").email("ann@o1.io").first(&db).await?;
//! assert_eq!(found.as_ref(), Some(&ann));
//! assert_eq!(User::find().email("x").query().input()?.index_name.as_deref(), Some("GSI1"));
//!
//! // A KEYS_ONLY index: whole users through one BatchGetItem per page.
//! assert_eq!(User::by_city().city("Oslo").hydrate().all(&db).await?, [ann.clone()]);
//! let keys = User::by_city().city("Oslo").keys().all(&db).await?;
//! assert_eq!(User::decode_key(keys[0].attributes().unwrap())?, ("o1".to_owned(), "u1".to_owned()));
//!
//! for at in 1..=10 {
//!     let text = if at % 3 == 0 { "fizz" } else { "plain" };
//!     db.put(&Line { stream: "s".into(), at, text: text.into() }).await?;
//! }
//! let fizz = || Line::query().stream("s").filter(Line::TEXT.eq("fizz"));
//! // `limit(2)` evaluates two lines per request; `count(2)` reads on until two passed.
//! let page = fizz().limit(2).count(2).send(&db).await?;
//! assert_eq!(page.items.iter().map(|l| l.at).collect::<Vec<_>>(), [3, 6]);
//! let next = fizz().count(2).cursor(page.cursor.clone().unwrap()).send(&db).await?;
//! assert_eq!(next.items.iter().map(|l| l.at).collect::<Vec<_>>(), [9]);
//!
//! // Backwards from an item's own cursor (a cursor of the same query: another
//! // filter or order refuses it): `last: 2, before: <line 9>`.
//! let nine = next.end_cursor().unwrap();
//! let before = fizz().before(nine).count(2).send(&db).await?;
//! assert_eq!(before.items.iter().map(|l| l.at).collect::<Vec<_>>(), [3, 6]);
//! # Ok::<(), singletable::Error>(()) }).unwrap();
//! ```
//!
//! ## Pagination cursors
//!
//! A [`Cursor`] is an opaque URL-safe string holding the page's `LastEvaluatedKey`, a
//! fingerprint of the query (table, index, key condition, filter, direction, entity,
//! scan segment) and an integrity tag. A cursor from another query, or one altered in any
//! way, is refused with [`Error::InvalidCursor`] before anything is sent. By default the
//! tag is a SHA-256 digest (tamper-*evident*); with
//! [`TableClient::with_cursor_secret`] it is an HMAC-SHA256 under the server's secret
//! (tamper-*proof*: clients cannot mint cursors). The key values inside are readable.
//!
//! ## Updates
//!
//! `db.update(key)` builds one `UpdateItem`: `.set(attr, v)`, `.set_if_not_exists`,
//! `.add` / `.subtract` (numbers; absent counts as 0), `.append` / `.prepend` (lists),
//! `.add_to_set` / `.delete_from_set`, `.remove` (optional fields, list elements, map
//! values), `.set_composite(..)`, `.condition(cond)`, and `.return_new()` /
//! `.return_old()` (the whole entity) or `.return_updated_new()` /
//! `.return_updated_old()` (a [`Partial<E>`]).
//!
//! - **An update never creates an item**: it carries the condition that the item exists
//!   as this entity, and a missing item fails with [`Error::ConditionalCheckFailed`].
//!   (DynamoDB's `UpdateItem` would upsert a partial item that no longer decodes.) Create
//!   with `put`.
//! - **Index keys stay consistent.** A key field cannot be updated (compile error). A
//!   field that is the only changing part of index key templates (the rest being literals
//!   or primary-key fields) is updated by `set` only, which rewrites those index keys in
//!   the same request. A field sharing a template with other changing fields cannot be
//!   set alone (compile error): `Entity::<index>_composite(..)` takes every field of the
//!   template (and of templates sharing fields with it) and rewrites all their keys.
//!   `add`, `append`, `remove` and the like on such fields do not compile either.
//!
//! ```no_run
//! use singletable::prelude::*;
//! # #[derive(Table)]
//! # #[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
//! #         gsi(name = "GSI2", pk = "GSI2PK", sk = "GSI2SK"))]
//! # struct App;
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE",
//!          index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
//!          index(GSI2, pk = "ORG#{org}", sk = "{role}#{user_id}"))]
//! struct User {
//!     user_id: String,
//!     email: String,
//!     org: String,
//!     role: String,
//!     name: String,
//!     visits: u64,
//!     nickname: Option<String>,
//!     #[entity(version)]
//!     version: u64,
//! }
//! # async fn run(db: TableClient<App>) -> singletable::Result<()> {
//! db.update(User::key("u1")).set(User::NAME, "Ann").condition(User::VERSION.eq(3)).await?;
//! // Also sets GSI1PK = "EMAIL#ann@new.io" in the same request.
//! let user: User = db.update(User::key("u1")).set(User::EMAIL, "ann@new.io").return_new().await?;
//! // `org` and `role` make the GSI2 key together: set them together.
//! db.update(User::key("u1")).set_composite(User::gsi2_composite("acme", "admin")).await?;
//! db.update(User::key("u1")).add(User::VISITS, 1).remove(User::NICKNAME).await?;
//! # Ok(()) }
//! ```
//!
//! ## Upserts, rejected items, nested updates, computed fields
//!
//! `db.upsert(&entity)` and `db.upsert(key)` (then the update actions) create or update in
//! one `UpdateItem` ([`upsert`]): `#[entity(read_only)]` fields and `created_at` are
//! written with `if_not_exists`, index keys follow the fields, counters (`add`) start at
//! 0, and an upsert from a key must write every required field ([`Error::Invalid`]
//! otherwise, before sending). One writing a `#[entity(unique)]` value moves its guard
//! items as an update does (a read, then a transaction); `db.transact().upsert(..)` joins
//! a transaction. `.return_on_condition_failure()` on a put, update, upsert
//! or delete turns its error into a [`Rejected<E>`] holding the item as it was when the
//! condition failed ([`rejected`]). `.set_creating_parents(path, v)` sets a nested path
//! whose parent maps may be missing, `.merge(attr, &partial)` writes only the leaves a
//! nested struct holds ([`nested`]). A `#[entity(computed = "fn", from(a, b))]` field is
//! `fn(&a, &b)` on every write, indexable; `set` of its only changing input, or the
//! generated `<field>_composite(a, b)`, recomputes it in the same request.
//!
//! ```no_run
//! use singletable::prelude::*;
//! use singletable::Rejected;
//! # #[derive(Table)]
//! # #[table(name = "App", pk = "PK", sk = "SK", gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"))]
//! # struct App;
//! fn slugify(title: &str) -> String {
//!     title.to_lowercase().replace(' ', "-")
//! }
//!
//! #[derive(Attribute, Debug, Clone, PartialEq, Default)]
//! struct Address { street: Option<String>, city: Option<String> }
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "POST#{id}", sk = "POST", index(GSI1, pk = "SLUG#{slug}", sk = "POST"))]
//! struct Post {
//!     id: String,
//!     title: String,
//!     #[entity(computed = "slugify", from(title))]
//!     slug: String,                       // stored and indexed; recomputed when `title` is set
//!     #[entity(read_only)]
//!     author: String,                     // kept by upserts once written
//!     #[entity(default)]
//!     views: u64,
//!     venue: Option<Address>,
//! }
//! # async fn run(db: TableClient<App>, post: Post) -> singletable::Result<()> {
//! db.upsert(&post).await?;                                       // creates or updates
//! db.upsert(Post::key("p1")).set(Post::TITLE, "Hello").set(Post::AUTHOR, "ann")
//!     .add(Post::VIEWS, 1).await?;                               // counters on new items
//! match db.put(&post).if_not_exists().return_on_condition_failure().await {
//!     Err(Rejected::Condition { current: Some(stored), .. }) => println!("taken: {stored:?}"),
//!     other => other?,
//! }
//! db.update(Post::key("p1"))
//!     .set_creating_parents(Post::VENUE.then(Address::CITY), "Oslo") // builds `venue` if missing
//!     .await?;
//! db.update(Post::key("p1"))
//!     .merge(Post::VENUE, &Address { street: Some("Main 1".into()), ..Address::default() })
//!     .await?;                                                   // `city` stays
//! # Ok(()) }
//! ```
//!
//! ## Collections
//!
//! `#[derive(Collection)]` on a struct of member fields (`Option<E>`: at most one item,
//! `Vec<E>`: any number) reads entities that share a partition with one query, grouped by
//! entity type. `#[collection(table = App)]` uses the table's partition;
//! `#[collection(table = App, index = GSI1)]` an index's. The generated `query()` takes the
//! partition-key fields of the first member's pattern, then `.send(&db)` (one
//! [`CollectionPage`]), `.all(&db)`, `.limit`, `.descending`, `.consistent`, `.cursor`
//! (trait [`IntoCollectionQuery`], in the prelude). A member of another table, not in the
//! index, with another partition template, or that is not an entity: compile errors.
//!
//! ```no_run
//! use singletable::prelude::*;
//! # #[derive(Table)] #[table(name = "App", pk = "PK", sk = "SK")] struct App;
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
//! # struct User { user_id: String, name: String }
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
//! # struct Order { user_id: String, order_id: String }
//! #[derive(Collection, Debug, Default)]
//! #[collection(table = App)]
//! struct UserWithOrders {
//!     user: Option<User>,
//!     orders: Vec<Order>,
//! }
//! # async fn run(db: TableClient<App>) -> singletable::Result<()> {
//! let everything = UserWithOrders::query().user_id("u1").all(&db).await?;
//! # Ok(()) }
//! ```
//!
//! ## Transactions
//!
//! `db.transact()` builds one `TransactWriteItems` ([`Transaction`]): `.put(&e)`,
//! `.put_if_not_exists(&e)`, `.put_with_condition(&e, cond)`, `.update(db.update(key)…)`
//! (any update builder, its conditions included), `.delete(key)`, `.delete_if(key, cond)`,
//! `.condition_check(key, cond)`, `.return_old_on_failure()` (for the action just added),
//! `.token("idem-123")` (`ClientRequestToken`: a retry within 10 minutes applies nothing
//! twice), then `.commit().await`. Actions may be on entities of **any table of the same
//! backend**: clients of several tables share one backend with
//! [`TableClient::from_shared`]. `User::exists()` and `User::not_exists()` (trait
//! [`EntityCond`], in the prelude) test a whole item.
//!
//! DynamoDB's limits are checked before anything is sent, as [`Error::Limit`]
//! ([`LimitError`]): 1–100 actions, one action per item (same table and key), no item
//! over 400 KB ([`size::item_size`], DynamoDB's rules), 4 MB in all, a token of 1–36
//! characters. A failed condition cancels everything ([`Error::TransactionCanceled`]);
//! `.commit_detailed()` returns a [`CommitError`] that pairs each reason with its action
//! (index, kind, entity, key) and decodes the old item of the failed action as its
//! entity. `db.transact_get()` reads from one snapshot into a typed tuple (up to 12).
//!
//! ```no_run
//! use singletable::prelude::*;
//! # #[derive(Table)] #[table(name = "App", pk = "PK", sk = "SK")] struct App;
//! # #[derive(Table)] #[table(name = "Ledger", pk = "id")] struct Ledger;
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
//! # struct User { user_id: String, balance: i64 }
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
//! # struct Order { user_id: String, order_id: String, total: i64 }
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = Ledger, pk = "ENTRY#{entry_id}")]
//! # struct Entry { entry_id: String, amount: i64 }
//! # async fn run(db: TableClient<App>, order: Order, entry: Entry) -> singletable::Result<()> {
//! db.transact()
//!     .put_if_not_exists(&order)
//!     .update(db.update(User::key("u1")).subtract(User::BALANCE, 30).condition(User::BALANCE.ge(30)))
//!     .return_old_on_failure()
//!     .put(&entry)                                   // another table, same backend
//!     .token("order-o1")
//!     .commit()
//!     .await?;
//!
//! let failure = db
//!     .transact()
//!     .condition_check(User::key("u1"), User::exists())
//!     .delete_if(Order::key("u1", "o1"), Order::TOTAL.lt(100))
//!     .return_old_on_failure()
//!     .commit_detailed()
//!     .await;
//! if let Err(failure) = failure {
//!     for failed in failure.failed() {
//!         println!("action {} on {}: {}", failed.action.index, failed.action.entity, failed.code());
//!         let was: Option<Order> = failed.old::<Order>()?;
//!     }
//! }
//!
//! let (user, order): (Option<User>, Option<Order>) =
//!     db.transact_get().get(User::key("u1")).get(Order::key("u1", "o1")).send().await?;
//! # Ok(()) }
//! ```
//!
//! ## Batches
//!
//! `db.batch_write()` ([`BatchWrite`]: `.put(&e)`, `.put_all(&es)`, `.delete(key)`,
//! `.delete_all(keys)`, entities of any table) and `db.batch_get(keys)` ([`BatchGet`]:
//! `.consistent()`; the entities found, in key order) take any number of items and send
//! the fewest requests DynamoDB allows: 25 writes (under 16 MB) per `BatchWriteItem`,
//! 100 keys per `BatchGetItem` — 1,000 writes are 40 requests. The same item twice or an
//! item over 400 KB is refused before sending ([`Error::Limit`]). `UnprocessedItems`,
//! `UnprocessedKeys`, `ThrottlingException` and `ProvisionedThroughputExceededException`
//! are retried with exponential backoff and full jitter under a [`RetryPolicy`]
//! (`.retry(policy)`; default 10 attempts, 25 ms base, 5 s cap). When retries run out (or
//! a request fails for good), [`Error::BatchIncomplete`] carries an [`Unprocessed`]
//! naming exactly the writes and keys not done — everything else was —
//! with `keys_of::<E>()` decoding them to key fields.
//! `db.batch_get_many().keys(user_keys).keys(order_keys).await?` reads several entities
//! (of any tables) with shared requests into a typed `(Vec<User>, Vec<Order>)`
//! ([`BatchGetMany`]). [`CountingBackend`] wraps any backend and counts requests and
//! consumed capacity per operation; [`CachedBackend`] puts a DAX-style cache in front of
//! any backend (item and query caches with TTLs, write-through of the client's own
//! writes, consistent reads passed through: see [`backend::cached`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use singletable::prelude::*;
//! # #[derive(Table)] #[table(name = "App", pk = "PK", sk = "SK")] struct App;
//! # #[derive(Entity, Debug, Clone, PartialEq)]
//! # #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
//! # struct User { user_id: String, name: String }
//! # async fn run(db: TableClient<App>, users: Vec<User>) -> singletable::Result<()> {
//! let patient = RetryPolicy {
//!     max_attempts: 8,
//!     base_delay: Duration::from_millis(50),
//!     max_delay: Duration::from_secs(2),
//! };
//! match db.batch_write().put_all(&users).delete(User::key("gone")).retry(patient).await {
//!     Ok(()) => {}
//!     Err(singletable::Error::BatchIncomplete(unprocessed)) => {
//!         for key in unprocessed.keys_of::<User>() {
//!             let (user_id,) = key?;
//!             eprintln!("not written: {user_id}");
//!         }
//!     }
//!     Err(other) => return Err(other),
//! }
//! let found: Vec<User> = db.batch_get(users.iter().map(|u| User::key(u.user_id.clone()))).await?;
//! let (some, more): (Vec<User>, Vec<User>) =
//!     db.batch_get_many().keys([User::key("a")]).keys([User::key("b")]).await?;
//! # Ok(()) }
//! ```
//!
//! ## Lifecycle
//!
//! Field markers give writes behaviour, in shared runtime code driven by `E::SCHEMA`
//! (rules in [`lifecycle`]):
//!
//! - `#[entity(version)]` (an integer): optimistic locking. A put of version 0 creates
//!   the item at version 1 (condition: no item); a put of version `n` replaces it at
//!   `n + 1` (condition: stored version is `n`); every update adds 1, and
//!   `.expect_version(n)` checks it; `db.delete_entity(&e)` / `.expect_version(n)` check
//!   deletes; transaction puts and `delete_entity` check too. A stale write is
//!   [`Error::VersionConflict`] — re-read and retry. Batch writes cannot carry conditions:
//!   they refuse versioned entities ([`Error::VersionedBatchWrite`]) unless
//!   `.unversioned()`.
//! - `#[entity(created_at)]` / `#[entity(updated_at)]` (`Timestamp` or
//!   `Option<Timestamp>`): `updated_at` is set on every put, update, transaction and
//!   batch put; `created_at` by a put when unset (`None` or the epoch), kept otherwise
//!   (a value read back keeps it), never by an update. The time comes from the client's
//!   clock: `TableClient::with_clock(Arc<dyn Clock>)`, [`clock::ManualClock`] in tests.
//! - `#[entity(ttl)]`: epoch seconds in the table's TTL attribute. DynamoDB deletes
//!   expired items lazily; `db.hide_expired(true)` or `.hide_expired()` on a get, query,
//!   scan, collection or batch get leaves them out (a filter
//!   `attribute_not_exists(ttl) OR ttl > :now`; a check after a get).
//! - `#[entity(unique)]`: each value owns a guard item with key
//!   `_unique#<EntityType>#<attribute>#<value>` (the same text in the sort key), written
//!   in one transaction with the put (condition: absent, or owned by this item). A put,
//!   update or delete that changes the value reads the item first (consistent) and moves
//!   or releases the guard in the same transaction, conditioned on the value read. A
//!   clash is [`Error::UniqueConflict`]. Guards carry no entity type, so queries never
//!   return them; batch writes refuse entities with unique fields.
//! - `#[entity(validate = "path::to::fn")]` on a field (`fn(&T) -> Result<(), String>`)
//!   or on the entity (`fn(&Self) -> Result<(), String>`): run before every put
//!   (plain, transaction, batch) and, for field hooks, on the values an update sets. A
//!   failure is [`Error::Invalid`] naming the field; nothing is sent.
//! - `#[entity(default = "path::to::fn")]` on an `Option<T>` field (`fn() -> Option<T>`)
//!   fills a `None` on every put (plain, create, transaction, batch) before the
//!   validation hooks run, so the stored item and the value read back agree; on any
//!   field it also fills an attribute missing from a stored item. Updates never apply
//!   defaults (`.remove(field)` removes). Keep the function free of side effects.
//! - Retries of transient failures, transaction conflicts included:
//!   [`RetryingBackend`] wraps any backend (`App::client(RetryingBackend::new(backend,
//!   policy))`); see [`retry`].
//!
//! ```
//! use std::sync::Arc;
//! use singletable::prelude::*;
//! use singletable::clock::{Clock, ManualClock};
//!
//! #[derive(Table)]
//! #[table(name = "App", pk = "PK", sk = "SK", ttl = "expires_at")]
//! struct App;
//!
//! fn not_blank(name: &str) -> Result<(), String> {
//!     if name.trim().is_empty() { Err("blank".into()) } else { Ok(()) }
//! }
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "USER#{user_id}", sk = "PROFILE")]
//! struct User {
//!     user_id: String,
//!     #[entity(unique)] email: String,
//!     #[entity(validate = "not_blank")] name: String,
//!     #[entity(version)] version: u64,
//!     #[entity(created_at)] created_at: Option<Timestamp>,
//!     #[entity(updated_at)] updated_at: Option<Timestamp>,
//!     #[entity(ttl)] expires_at: Option<Timestamp>,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_700_000_000)));
//! let db = App::client(MemoryBackend::new()).with_clock(clock.clone()).hide_expired(true);
//! db.create_table().await?;
//! let ann = User {
//!     user_id: "u1".into(), email: "ann@example.com".into(), name: "Ann".into(),
//!     version: 0, created_at: None, updated_at: None, expires_at: None,
//! };
//! db.put(&ann).await?;                                   // created at version 1
//! let mut read = db.get(User::key("u1")).await?.unwrap();
//! assert_eq!((read.version, read.created_at), (1, Some(clock.now())));
//! read.name = "Ann B".into();
//! db.put(&read).await?;                                  // version 1 -> 2
//! assert!(matches!(db.put(&read).await,                  // stale: still holds 1
//!     Err(singletable::Error::VersionConflict { expected: Some(1), actual: Some(2), .. })));
//! let bob = User { user_id: "u2".into(), ..ann.clone() };
//! assert!(matches!(db.put(&bob).await,                   // same email
//!     Err(singletable::Error::UniqueConflict { attribute: "email", .. })));
//! db.update(User::key("u1")).set(User::NAME, "Ann C").expect_version(2).await?;
//! # Ok::<(), singletable::Error>(()) }).unwrap();
//! ```
//!
//! ### Write sharding
//!
//! `#[entity(shards = N)]` (2..=100) spreads the writes of one logical partition over
//! `N` physical ones: the partition key gets the suffix `#S{n}` (`DEVICE#d1#S3`), `n`
//! being the 32-bit FNV-1a hash of the stored sort-key value (UTF-8 text of an `S`/`N`,
//! bytes of a `B`) modulo `N` — fixed by definition, so stable across versions and
//! platforms. `Entity::key(..)` computes the same shard, so get, update and delete
//! still address one item; `decode_key` strips the suffix. The entity's query on the
//! table's primary key fans out over every shard and merges in sort-key order (either
//! direction), and pages like any query: `limit(n)` is the number of items in each merged
//! page (after the filter: the merge reads ahead), and the page's cursor holds one
//! position per shard (refused by an unsharded query, and by the same query after `N`
//! changed). Sharding applies to the table's partition key: GSIs of a sharded entity are
//! not sharded and query normally; a sharded entity cannot be in an LSI nor in a
//! collection on the table's partition (a compile error); the entity needs a sort key and
//! a string partition key.
//!
//! ```
//! use singletable::prelude::*;
//!
//! #[derive(Table)]
//! #[table(name = "App", pk = "PK", sk = "SK")]
//! struct App;
//!
//! #[derive(Entity, Debug, Clone, PartialEq)]
//! #[entity(table = App, pk = "DEVICE#{device_id}", sk = "READING#{at}", shards = 8)]
//! struct Reading { device_id: String, at: u64, value: i64 }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let db = App::client(MemoryBackend::new());
//! db.create_table().await?;
//! for at in 0..20 {
//!     db.put(&Reading { device_id: "d1".into(), at, value: 0 }).await?;
//! }
//! assert!(db.get(Reading::key("d1", 7u64)).await?.is_some());
//! let page = Reading::query().device_id("d1").descending().limit(3).send(&db).await?;
//! assert_eq!(page.items.iter().map(|r| r.at).collect::<Vec<_>>(), [19, 18, 17]);
//! let next = Reading::query().device_id("d1").descending().limit(3);
//! let next = next.cursor(page.cursor.expect("more pages")).send(&db).await?;
//! assert_eq!(next.items.iter().map(|r| r.at).collect::<Vec<_>>(), [16, 15, 14]);
//! # Ok::<(), singletable::Error>(()) }).unwrap();
//! ```
//!
//! ## Types
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | `String`, `Uuid`, [`Timestamp`] (`2026-11-25T13:34:13.000Z`), unit enums | `S` |
//! | every integer, `f32`, `f64`, [`Number`] / [`Decimal`] (exact, 38 digits) | `N` |
//! | `bool` | `BOOL` |
//! | `Vec<u8>` | `B` |
//! | `Option<T>` | `T`, or no attribute at all for `None` (never `NULL`) |
//! | `Vec<T>` | `L` |
//! | `HashSet`/`BTreeSet` of strings, numbers, `Vec<u8>` | `SS`, `NS`, `BS` (empty: no attribute) |
//! | `HashMap`/`BTreeMap<String, T>`, structs deriving [`Attribute`] | `M` |
//! | any serde type with `#[entity(serde)]` | through serde_dynamo |
//!
//! A `u128` or float that DynamoDB cannot store exactly (over 38 significant digits, out of
//! range, NaN) is an [`EncodeError`], never silently rounded. Every decode error names its
//! path: `Order.lines[2].price: expected N, found S`.
//!
//! ## Backends
//!
//! [`MemoryBackend`] (crate `singletable-engine`, cargo feature `engine`, on by default) is
//! the embedded engine; `AwsBackend` (crate `singletable-aws`, cargo feature `aws`, on by
//! default) runs the same operations on DynamoDB through `aws-sdk-dynamodb`
//! (`AwsBackend::from_env().await?`, or `AwsBackend::from_endpoint("http://127.0.0.1:8000")`
//! for a local DynamoDB). Both implement [`Backend`]; a [`TableClient`] holds an
//! `Arc<dyn Backend>`, so the choice can be made at run time. An AWS-only build
//! (`default-features = false, features = ["aws"]`) compiles no engine; a build for tests
//! and local tools (`features = ["engine"]`) compiles no AWS SDK.

/// `#[derive(Changes)]`: a per-table enum of typed stream changes (see [`stream`]).
pub use singletable_macros::Changes;
pub use singletable_macros::{Attribute, Collection, Entity, Table};
pub use singletable_runtime::*;

#[cfg(feature = "aws")]
pub use singletable_aws::AwsBackend;
#[cfg(feature = "engine")]
pub use singletable_engine::MemoryBackend;

/// The [`Backend`] trait and its DynamoDB-shaped requests and responses, with every
/// backend: the embedded engine ([`memory`](backend::memory), feature `engine`), the AWS
/// SDK backend ([`aws`](backend::aws), feature `aws`), the request-counting adapter
/// ([`counting`](backend::counting)) and the DAX-style cache ([`cached`](backend::cached)).
pub mod backend {
    pub use singletable_runtime::backend::*;

    #[cfg(feature = "aws")]
    pub use singletable_aws::{self as aws, AwsBackend};
    #[cfg(feature = "engine")]
    pub use singletable_engine::{self as memory, MemoryBackend};
}

/// Everything a model and its operations need: `use singletable::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "aws")]
    pub use singletable_aws::AwsBackend;
    #[cfg(feature = "engine")]
    pub use singletable_engine::MemoryBackend;
    pub use singletable_macros::{Attribute, Collection, Entity, Table};
    pub use singletable_runtime::{
        Attribute, Backend, Entity, EntityCond, Find, IntoCollectionQuery, IntoQuery, Key,
        RetryPolicy, Table, TableClient, Timestamp, UnprocessedKeys,
    };
}
