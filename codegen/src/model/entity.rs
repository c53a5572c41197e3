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
    /// `read_only`: written when the item is created; an upsert writes it with
    /// `if_not_exists`, an update cannot set it.
    pub read_only: Option<SourceSpan>,
}

impl FieldMarkers {
    /// Each marker with its name as written (`version`, …, `read_only`), for the checks
    /// that refuse a marker on a field that cannot have it.
    pub fn named(&self) -> [(&'static str, &Option<SourceSpan>); 6] {
        [
            ("version", &self.version),
            ("created_at", &self.created_at),
            ("updated_at", &self.updated_at),
            ("ttl", &self.ttl),
            ("unique", &self.unique),
            ("read_only", &self.read_only),
        ]
    }
}

/// `computed = "path::to::fn", from(a, b)`: a field derived from other fields on every
/// write.
#[derive(Debug, Clone)]
pub struct ComputedModel {
    /// `fn(&A, &B, ..) -> T`, called with the `from` fields in order; its spans point
    /// where it was written.
    pub function: syn::Path,
    /// The fields it is computed from, in the order the function takes them.
    pub from: Vec<Spanned<String>>,
    /// Where `computed` was written.
    pub span: SourceSpan,
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
    /// `validate = "path::to::fn"` (entities only): a `fn(&T) -> Result<(), String>`
    /// run on the field's value before every write, and on the value an update sets.
    /// The path's spans point where it was written.
    pub validate: Option<syn::Path>,
    /// `computed = "fn", from(..)` (entities only): derived from other fields.
    pub computed: Option<ComputedModel>,
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
    /// The struct's visibility, given to the generated query builder types.
    pub vis: syn::Visibility,
    /// `validate = "path::to::fn"`: a `fn(&Self) -> Result<(), String>` run on the whole
    /// entity before every put (after the field validators).
    pub validate: Option<syn::Path>,
    /// `shards = N`: write sharding of the table's partition key over `N` physical
    /// partitions (suffix `#S{n}`, `n` a stable hash of the sort key); where it was
    /// written is the span of `N`.
    pub shards: Option<Spanned<u32>>,
    /// `schema_version = N, upgrade = "path::to::fn"`: lazy upgrade of older items on
    /// read (see `singletable::upgrade`).
    pub upgrade: Option<UpgradeModel>,
    /// `compact`: the fields of key templates are stored only inside the keys (see
    /// [`EntityModel::is_key_only`]); where it was written.
    pub compact: Option<SourceSpan>,
    /// `find` (`find = true` in a schema file): generate `<Entity>::find()`, the builder
    /// that chooses the access pattern from the key fields given. Opt-in: it adds a
    /// generic builder and one impl per (pattern, sort fields used) to the derive's cost.
    pub find: bool,
}

/// `#[entity(schema_version = N, upgrade = "path::to::fn")]`.
#[derive(Debug, Clone)]
pub struct UpgradeModel {
    /// The current schema version, stored by every put; where it was written.
    pub version: Spanned<u32>,
    /// `fn(Item, u32) -> Result<Item, String>`: an item stored by an older version (and
    /// that version, 0 for items stored without one) → the item in the current shape.
    pub function: syn::Path,
}

impl EntityModel {
    /// The fields some key template (table or index) renders, in first-use order.
    pub fn template_fields(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let templates = std::iter::once(&self.partition_key).chain(&self.sort_key).chain(
            self.indexes.iter().flat_map(|index| match &index.keys {
                EntityIndexKeys::Templates { partition, sort } => {
                    partition.iter().chain(sort.iter()).collect::<Vec<_>>()
                }
                EntityIndexKeys::Fields { .. } => Vec::new(),
            }),
        );
        for template in templates {
            for name in template.fields() {
                if !out.iter().any(|f| f == name) {
                    out.push(name.to_owned());
                }
            }
        }
        out
    }

    /// True when `field` is stored only inside keys: the entity is `compact`, the field
    /// is stored, a key template (table or index) renders it, and no write marker
    /// (`version`, `created_at`, `updated_at`, `ttl`) has the client write its attribute
    /// itself.
    pub fn is_key_only(&self, field: &FieldModel) -> bool {
        let markers = &field.markers;
        self.compact.is_some()
            && field.is_stored()
            && markers.version.is_none()
            && markers.created_at.is_none()
            && markers.updated_at.is_none()
            && markers.ttl.is_none()
            && self.template_fields().contains(&field.name())
    }

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

/// How an update may change a field: the marker of its generated `Attr` const.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateMarker {
    /// Kept only inside keys (a `compact` entity): not an attribute, so neither
    /// filtered, conditioned nor updated by path; index keys change through the
    /// `<index>_composite(..)` functions.
    KeyOnly,
    /// Part of the primary-key templates: never updated.
    KeyField,
    /// Shares an index key template (or the inputs of a computed field) with other
    /// changing fields: updated only through a composite (`<index>_composite(..)`,
    /// `<field>_composite(..)`).
    Composite,
    /// The only changing field of the templates of these indexes (positions in
    /// [`EntityModel::indexes`]), or the only changing input of computed fields
    /// ([`EntityModel::computed_by`]): `set` rewrites their keys and values.
    Indexed(Vec<usize>),
    /// `computed`: derived from other fields, never set.
    Computed,
    /// `read_only`: written when the item is created (put, or an upsert with
    /// `if_not_exists`), never by an update.
    ReadOnly,
    /// Optional (`Option`, `default`, a set): set, modified, removed.
    Optional,
    /// Required: set and modified.
    Value,
}

/// A composite update: fields set together, and the template indexes whose keys and the
/// computed fields whose values they rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositePlan {
    /// The fields, in declaration order.
    pub fields: Vec<String>,
    /// Positions (in [`EntityModel::indexes`]) of the indexes whose keys are rewritten.
    pub indexes: Vec<usize>,
    /// The computed fields recomputed, in declaration order.
    pub computed: Vec<String>,
}

/// What an update must rewrite when its inputs change: an index's keys, or a computed
/// field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// The keys of template index `n` (position in [`EntityModel::indexes`]).
    Index(usize),
    /// The computed field `n` (position in [`EntityModel::fields`]).
    Computed(usize),
}

/// True for `HashSet<…>` / `BTreeSet<…>` types (stored as DynamoDB sets: empty is absent).
pub fn is_set_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "HashSet" || last.ident == "BTreeSet"),
        _ => false,
    }
}

impl EntityModel {
    /// The changing (non primary-key) fields of template index `position`; empty for a
    /// native index (whose key attributes are the fields themselves).
    pub fn template_index_fields(&self, position: usize) -> Vec<String> {
        let keys = self.key_fields();
        match self.indexes.get(position).map(|index| &index.keys) {
            Some(EntityIndexKeys::Templates { .. }) => self.indexes[position]
                .key_fields()
                .into_iter()
                .filter(|f| !keys.contains(f))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The stored computed fields, with their positions in [`Self::fields`].
    pub fn computed_fields(&self) -> impl Iterator<Item = (usize, &FieldModel)> {
        self.fields.iter().enumerate().filter(|(_, f)| f.computed.is_some() && f.is_stored())
    }

    /// The changing (non primary-key) inputs of a computed field.
    pub fn computed_inputs(&self, field: &FieldModel) -> Vec<String> {
        let keys = self.key_fields();
        let mut out: Vec<String> = Vec::new();
        if let Some(computed) = &field.computed {
            for input in &computed.from {
                if !keys.contains(&input.value) && !out.contains(&input.value) {
                    out.push(input.value.clone());
                }
            }
        }
        out
    }

    /// The changing fields an update must know to rewrite `derived`: a computed field
    /// in an index template stands for its own inputs.
    pub fn derived_inputs(&self, derived: Derived) -> Vec<String> {
        let direct = match derived {
            Derived::Index(position) => self.template_index_fields(position),
            Derived::Computed(position) => match self.fields.get(position) {
                Some(field) => self.computed_inputs(field),
                None => Vec::new(),
            },
        };
        let mut out: Vec<String> = Vec::new();
        for name in direct {
            let expanded = match self.field(&name) {
                Some(field) if field.computed.is_some() => self.computed_inputs(field),
                _ => vec![name],
            };
            for name in expanded {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }

    /// Everything an update may have to rewrite: template indexes, then computed fields.
    pub fn derivations(&self) -> Vec<Derived> {
        let indexes = (0..self.indexes.len())
            .filter(|&i| matches!(self.indexes[i].keys, EntityIndexKeys::Templates { .. }))
            .map(Derived::Index);
        indexes.chain(self.computed_fields().map(|(i, _)| Derived::Computed(i))).collect()
    }

    /// The computed fields whose only changing input is `name` (a `set` of it
    /// recomputes them).
    pub fn computed_by(&self, name: &str) -> Vec<String> {
        self.computed_fields()
            .filter(|(_, field)| self.computed_inputs(field) == [name])
            .map(|(_, field)| field.name())
            .collect()
    }

    /// How an update may change `field`.
    pub fn update_marker(&self, field: &FieldModel) -> UpdateMarker {
        let name = field.name();
        if self.is_key_only(field) {
            return UpdateMarker::KeyOnly;
        }
        if self.key_fields().contains(&name) {
            return UpdateMarker::KeyField;
        }
        if field.computed.is_some() {
            return UpdateMarker::Computed;
        }
        if field.markers.read_only.is_some() {
            return UpdateMarker::ReadOnly;
        }
        let mut indexes = Vec::new();
        let mut derived = false;
        for derivation in self.derivations() {
            let inputs = self.derived_inputs(derivation);
            if inputs.contains(&name) {
                if inputs.len() > 1 {
                    return UpdateMarker::Composite;
                }
                derived = true;
                if let Derived::Index(position) = derivation {
                    indexes.push(position);
                }
            }
        }
        if derived {
            UpdateMarker::Indexed(indexes)
        } else if super::option_inner(&field.ty).is_some()
            || field.default.is_some()
            || is_set_type(&field.ty)
        {
            UpdateMarker::Optional
        } else {
            UpdateMarker::Value
        }
    }

    /// The composite update of template index `position`: its changing fields, plus
    /// every field sharing a template (or a computed field's inputs) with them
    /// (transitively), every index those fields feed and every computed field they
    /// derive. `None` when the index has fewer than two changing fields (a plain `set`
    /// does, or nothing changes); for a `compact` entity, one key-only field is enough
    /// (no attribute to `set`, so the composite is how its index keys change).
    pub fn composite_plan(&self, position: usize) -> Option<CompositePlan> {
        self.composite_plan_of(Derived::Index(position))
    }

    /// As [`Self::composite_plan`], starting from any derivation.
    pub fn composite_plan_of(&self, start: Derived) -> Option<CompositePlan> {
        let mut fields = self.derived_inputs(start);
        let single_key_only = matches!(start, Derived::Index(_))
            && fields.len() == 1
            && self.field(&fields[0]).is_some_and(|field| self.is_key_only(field));
        if fields.len() < 2 && !single_key_only {
            return None;
        }
        let mut plan = vec![start];
        loop {
            let mut grew = false;
            for other in self.derivations() {
                let other_fields = self.derived_inputs(other);
                if !plan.contains(&other) && other_fields.iter().any(|f| fields.contains(f)) {
                    plan.push(other);
                    for f in other_fields {
                        if !fields.contains(&f) {
                            fields.push(f);
                        }
                    }
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let mut indexes: Vec<usize> = plan
            .iter()
            .filter_map(|d| match d {
                Derived::Index(i) => Some(*i),
                Derived::Computed(_) => None,
            })
            .collect();
        indexes.sort_unstable();
        let mut computed: Vec<usize> = plan
            .iter()
            .filter_map(|d| match d {
                Derived::Computed(i) => Some(*i),
                Derived::Index(_) => None,
            })
            .collect();
        computed.sort_unstable();
        let order: Vec<String> = self.fields.iter().map(FieldModel::name).collect();
        fields.sort_by_key(|f| order.iter().position(|o| o == f));
        let computed = computed.into_iter().map(|i| self.fields[i].name()).collect();
        Some(CompositePlan { fields, indexes, computed })
    }
}
