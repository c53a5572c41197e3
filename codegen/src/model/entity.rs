//! An entity: one kind of item in a table, its key templates, index memberships and
//! fields.

use crate::model::field_type::TypeClass;
use crate::model::template::KeyTemplate;
use crate::span::{SourceSpan, Spanned};

/// How an absent attribute gets its value.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// `Default::default()`.
    Trait,
    /// A function returning the value (`default = "path::to::fn"`).
    Function(syn::Path),
}

/// Markers that give a field behaviour on writes; each holds where it was written.
#[derive(Debug, Clone, Default)]
pub struct FieldMarkers {
    /// `version`: optimistic-locking counter.
    pub version: Option<SourceSpan>,
    /// `created_at`: set once, on create.
    pub created_at: Option<SourceSpan>,
    /// `updated_at`: set on every write.
    pub updated_at: Option<SourceSpan>,
    /// `ttl`: epoch seconds in the table's TTL attribute.
    pub ttl: Option<SourceSpan>,
    /// `unique`: enforced with a guard item.
    pub unique: Option<SourceSpan>,
}

/// One field of an entity or of a nested (`#[derive(Attribute)]`) struct.
#[derive(Debug, Clone)]
pub struct FieldModel {
    /// The Rust field name.
    pub ident: syn::Ident,
    /// The Rust type.
    pub ty: syn::Type,
    /// Its syntactic class.
    pub class: TypeClass,
    /// The attribute name it is stored under (the field name unless renamed); the span
    /// is the `rename` value when there is one, else the field name.
    pub attribute: Spanned<String>,
    /// `skip`: not stored; `Default` (or the `default` function) on decode.
    pub skip: Option<SourceSpan>,
    /// `default`: an absent attribute decodes to this.
    pub default: Option<DefaultValue>,
    /// `serde`: stored through serde instead of the `Attribute` trait.
    pub serde: Option<SourceSpan>,
    /// Behaviour markers (entities only).
    pub markers: FieldMarkers,
    /// The whole field.
    pub span: SourceSpan,
}

impl FieldModel {
    /// The field's Rust name as written in templates (without `r#`).
    pub fn name(&self) -> String {
        let name = self.ident.to_string();
        match name.strip_prefix("r#") {
            Some(raw) => raw.to_owned(),
            None => name,
        }
    }

    /// True when the field is stored.
    pub fn is_stored(&self) -> bool {
        self.skip.is_none()
    }
}

/// How an entity fills one secondary index's key.
#[derive(Debug, Clone)]
pub enum EntityIndexKeys {
    /// From templates: one synthetic attribute per side.
    Templates {
        /// The partition-key template (absent for an LSI).
        partition: Option<KeyTemplate>,
        /// The sort-key template.
        sort: Option<KeyTemplate>,
    },
    /// From the entity's own fields, in key order; their attribute names are the
    /// index's key attributes (a native multi-attribute key).
    Fields {
        /// Partition-key fields (empty for an LSI).
        partition: Vec<Spanned<String>>,
        /// Sort-key fields.
        sort: Vec<Spanned<String>>,
    },
}

/// An entity's membership in one secondary index.
#[derive(Debug, Clone)]
pub struct EntityIndexModel {
    /// The index name, where the entity names it.
    pub name: Spanned<String>,
    /// How the key is filled.
    pub keys: EntityIndexKeys,
    /// Where `pk = …` was written, if it was.
    pub partition_span: Option<SourceSpan>,
    /// Where `sk = …` was written, if it was.
    pub sort_span: Option<SourceSpan>,
}

impl EntityIndexModel {
    /// The fields making up this index's key, partition side first, in order of first
    /// appearance.
    pub fn key_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            if !fields.iter().any(|f| f == name) {
                fields.push(name.to_owned());
            }
        };
        match &self.keys {
            EntityIndexKeys::Templates { partition, sort } => {
                for template in partition.iter().chain(sort) {
                    template.fields().for_each(&mut add);
                }
            }
            EntityIndexKeys::Fields { partition, sort } => {
                partition.iter().chain(sort).for_each(|field| add(&field.value));
            }
        }
        fields
    }
}

/// An entity of the model.
#[derive(Debug, Clone)]
pub struct EntityModel {
    /// The Rust type.
    pub rust_name: syn::Ident,
    /// The table's Rust type.
    pub table: syn::Path,
    /// The value of the table's entity-type attribute for this entity.
    pub entity_type: Spanned<String>,
    /// The partition-key template, and where `pk` was written.
    pub partition_key: KeyTemplate,
    /// The sort-key template, when given.
    pub sort_key: Option<KeyTemplate>,
    /// Where `sk = …` was written.
    pub sort_span: Option<SourceSpan>,
    /// Secondary indexes the entity appears in.
    pub indexes: Vec<EntityIndexModel>,
    /// Every field, stored or skipped, in declaration order.
    pub fields: Vec<FieldModel>,
    /// The path of the facade crate in generated code.
    pub crate_path: syn::Path,
}

impl EntityModel {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FieldModel> {
        self.fields.iter().find(|field| field.name() == name)
    }

    /// The fields of the primary-key templates, partition first, in order of first
    /// appearance: the arguments of `key(…)` and the tuple `KeyFields`.
    pub fn key_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        for template in std::iter::once(&self.partition_key).chain(&self.sort_key) {
            for name in template.fields() {
                if !fields.iter().any(|f| f == name) {
                    fields.push(name.to_owned());
                }
            }
        }
        fields
    }
}
