//! The traits `#[derive(Table)]` and `#[derive(Entity)]` implement, and the typed [`Key`].

use std::fmt;
use std::marker::PhantomData;

use crate::error::{DecodeError, EncodeError, Error};
use crate::schema::{EntitySchema, TableSchema};
use crate::value::{AttributeValue, Item};

/// A DynamoDB table of the model. Implemented by `#[derive(Table)]`.
pub trait Table: Sized + Send + Sync + 'static {
    /// The table's keys, indexes, TTL, stream and billing.
    const SCHEMA: TableSchema;

    /// The hashes of the schema's names the entities' compile-time checks compare
    /// with, computed once per table. Not a public API.
    #[doc(hidden)]
    const __NAMES: crate::__private::TableNames = crate::__private::TableNames::of(&Self::SCHEMA);
}

/// One kind of item stored in a table. Implemented by `#[derive(Entity)]`.
pub trait Entity: Sized + Send + Sync + 'static {
    /// The table the entity lives in.
    type Table: Table;

    /// The entity's key templates, index memberships and fields.
    const SCHEMA: EntitySchema;

    /// The whole item: the fields' attributes, the primary key, the index keys the
    /// entity fills, and the entity-type attribute.
    fn to_item(&self) -> Result<Item, EncodeError>;

    /// Decodes a stored item. Key and index-key attributes are ignored (the fields are
    /// stored on their own); an item of another entity type is a
    /// [`DecodeErrorKind::WrongEntityType`](crate::DecodeErrorKind::WrongEntityType).
    fn from_item(item: Item) -> Result<Self, DecodeError>;

    /// The primary key of this value.
    fn primary_key(&self) -> Key<Self>;

    /// The fields the primary-key templates are made of, as a tuple in order of first
    /// appearance (partition template, then sort template).
    type KeyFields;

    /// Parses the table's key attributes of a stored item (or of a stream record's
    /// `Keys`) back into the key fields, undoing the escaping of template values.
    fn decode_key(key: &Item) -> Result<Self::KeyFields, DecodeError>;

    /// The number of write shards (`#[entity(shards = N)]`): 1 when the entity is not
    /// sharded. A sharded entity's partition key carries the suffix `#S{n}`, `n` being a
    /// stable hash of its sort key modulo `SHARDS` (see the crate's "Write sharding"
    /// docs); queries on the table's primary key fan out over every shard.
    const SHARDS: u32 = 1;

    /// Runs the validation hooks (`#[entity(validate = "…")]` on fields, then on the
    /// entity) before a write; the first failure is an [`Error::Invalid`] naming the
    /// field. Generated only for entities that have hooks.
    fn validate_write(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Runs the validation hook of the field stored under `attribute` on a value an
    /// update is about to set (decoded to the field's type first). Generated only for
    /// entities with field hooks.
    fn validate_attribute(attribute: &str, value: &AttributeValue) -> Result<(), Error> {
        let _ = (attribute, value);
        Ok(())
    }

    /// What an upsert that may create the item from its key alone stores besides the
    /// fields it is given: the index keys and computed fields made only of primary-key
    /// fields and literals, and the schema version. Generated only for entities that
    /// have any; not a public API.
    #[doc(hidden)]
    fn upsert_attributes(key: &Item) -> Result<Item, Error> {
        let _ = key;
        Ok(Item::new())
    }
}

/// The key of one item of entity `E` in the secondary index named [`IndexKey::index`]:
/// the index's key attributes, rendered from the entity's index templates or fields.
pub struct IndexKey<E> {
    index: &'static str,
    key: Key<E>,
}

impl<E> IndexKey<E> {
    /// An index key from its index name and rendered attributes.
    pub fn new(index: &'static str, attributes: Result<Item, EncodeError>) -> Self {
        IndexKey { index, key: Key::from_attributes(attributes) }
    }

    /// The index name.
    pub fn index(&self) -> &'static str {
        self.index
    }

    /// The index key attributes, or the error met while rendering them.
    pub fn attributes(&self) -> Result<&Item, &EncodeError> {
        self.key.attributes()
    }
}

impl<E> Clone for IndexKey<E> {
    fn clone(&self) -> Self {
        IndexKey { index: self.index, key: self.key.clone() }
    }
}

impl<E> fmt::Debug for IndexKey<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexKey").field("index", &self.index).field("key", &self.key).finish()
    }
}

/// The primary key of one item of entity `E`: the table's key attributes, rendered from
/// the entity's templates.
///
/// Built by the generated `E::key(..)`. Rendering a key can fail (an empty or over-long
/// key value); the error is kept and reported by the operation that uses the key, so
/// `db.get(User::key("u1"))` reads without a `?` in the middle.
pub struct Key<E> {
    attributes: Result<Item, EncodeError>,
    entity: PhantomData<fn() -> E>,
}

impl<E> Key<E> {
    /// A key from its rendered attributes (or the error rendering them).
    pub fn from_attributes(attributes: Result<Item, EncodeError>) -> Self {
        Key { attributes, entity: PhantomData }
    }

    /// The key attributes, or the error met while rendering them.
    pub fn attributes(&self) -> Result<&Item, &EncodeError> {
        self.attributes.as_ref()
    }

    /// The key attributes, or the error met while rendering them.
    pub fn into_attributes(self) -> Result<Item, EncodeError> {
        self.attributes
    }
}

impl<E> Clone for Key<E> {
    fn clone(&self) -> Self {
        Key { attributes: self.attributes.clone(), entity: PhantomData }
    }
}

impl<E> PartialEq for Key<E> {
    fn eq(&self, other: &Self) -> bool {
        self.attributes == other.attributes
    }
}

impl<E> fmt::Debug for Key<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("entity", &std::any::type_name::<E>())
            .field("attributes", &self.attributes)
            .finish()
    }
}
