//! The access-pattern registry of a schema: `pub const ACCESS_PATTERNS` (one
//! `singletable::access::AccessPattern` per `[[access_patterns]]` entry), each running
//! the entity's typed builder (`db.get(User::key(..))`, `Order::by_gsi1().c_id(..)`,
//! `Order::scan()`) from text inputs. Only schema files declare patterns, so only
//! `singletable generate` emits it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{
    option_inner, AccessOperation, AccessPatternModel, EntityIndexKeys, EntityModel, IndexKind,
    ModelSet, ProjectionModel, SortOperator,
};

/// How a pattern's inputs drive the typed builder: the key fields in the builder's
/// order, and how many of them a call gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternCall {
    /// The builder's fields in key order (partition first; sort fields the partition
    /// already holds are not asked again).
    pub steps: Vec<String>,
    /// How many of them are partition-key fields.
    pub partition: usize,
    /// Whether the fields come from a native index key (an `Option` field is given as
    /// its inner type).
    pub native: bool,
}

/// The builder steps of `pattern` on `entity`, and the check that its key fields are
/// something the builder can take: a `get` every primary-key field, a `query` the whole
/// partition key then a prefix of the sort key (in any order in the file). `Err` names
/// what is wrong.
pub fn pattern_call(
    entity: &EntityModel,
    pattern: &AccessPatternModel,
) -> Result<PatternCall, String> {
    let mut steps: Vec<String> = Vec::new();
    let push_all = |steps: &mut Vec<String>, fields: Vec<String>| {
        for field in fields {
            if !steps.contains(&field) {
                steps.push(field);
            }
        }
    };
    let table_partition: Vec<String> = entity.partition_key.fields().map(str::to_owned).collect();
    let mut native = false;
    let partition;
    match &pattern.index {
        None => {
            push_all(&mut steps, table_partition);
            partition = steps.len();
            let sort = entity.sort_key.iter().flat_map(|t| t.fields().map(str::to_owned));
            push_all(&mut steps, sort.collect());
        }
        Some(index) => {
            let Some(membership) = entity.indexes.iter().find(|i| i.name.value == index.value)
            else {
                return Err(format!(
                    "entity `{}` is not in index `{}`",
                    entity.rust_name, index.value
                ));
            };
            let (p, s): (Vec<String>, Vec<String>) = match &membership.keys {
                EntityIndexKeys::Templates { partition, sort } => (
                    partition.iter().flat_map(|t| t.fields().map(str::to_owned)).collect(),
                    sort.iter().flat_map(|t| t.fields().map(str::to_owned)).collect(),
                ),
                EntityIndexKeys::Fields { partition, sort } => {
                    native = true;
                    (
                        partition.iter().map(|f| f.value.clone()).collect(),
                        sort.iter().map(|f| f.value.clone()).collect(),
                    )
                }
            };
            // An LSI keeps the table's partition key.
            push_all(&mut steps, if p.is_empty() { table_partition } else { p });
            partition = steps.len();
            push_all(&mut steps, s);
        }
    }
    if pattern.operation == AccessOperation::Scan {
        // A scan reads every item of the entity; key fields name nothing it asks.
        return Ok(PatternCall { steps: Vec::new(), partition, native });
    }
    let given: Vec<&str> = pattern.key_fields.iter().map(|f| f.value.as_str()).collect();
    let needed = match pattern.operation {
        AccessOperation::Scan => 0,
        AccessOperation::Get => steps.len(),
        AccessOperation::Query => given.len().max(partition),
    };
    let expected = &steps[..needed.min(steps.len())];
    let same =
        given.len() == expected.len() && expected.iter().all(|f| given.contains(&f.as_str()));
    if !same {
        let what = match pattern.operation {
            AccessOperation::Scan => String::new(),
            AccessOperation::Get => format!("a `get` takes every primary-key field: {}", steps.join(", ")),
            AccessOperation::Query => format!(
                "a `query` takes the whole partition key ({}) and then sort-key fields in key order ({})",
                steps[..partition].join(", "),
                steps[partition..].join(", ")
            ),
        };
        return Err(what);
    }
    // A sort operator without a sort-key field among the key fields narrows on the
    // template's literal prefix, which the builder does for every partition query.
    if pattern.sort == Some(SortOperator::BeginsWith) && needed > partition {
        let last = entity.field(&steps[needed - 1]);
        let text = last.is_some_and(|f| {
            let ty = if native { option_inner(&f.ty).unwrap_or(&f.ty) } else { &f.ty };
            matches!(ty, syn::Type::Path(p) if p.path.segments.last()
                .is_some_and(|s| s.ident == "String" || s.ident == "Timestamp"))
        });
        if !text {
            return Err(format!(
                "`begins_with` narrows on key text: field `{}` must be a `String` or a \
                 `Timestamp`",
                steps[needed - 1]
            ));
        }
    }
    steps.truncate(needed.min(steps.len()));
    Ok(PatternCall { steps, partition, native })
}

/// The registry's tokens (nothing when the schema has no patterns). Patterns whose
/// `pattern_call` fails were refused by the schema check before.
pub fn access_patterns(models: &ModelSet) -> TokenStream {
    if models.access_patterns.is_empty() {
        return TokenStream::new();
    }
    let st = &models.table.crate_path;
    let table = &models.table.rust_name;
    let mut entries = Vec::new();
    let mut runners = TokenStream::new();
    for (i, pattern) in models.access_patterns.iter().enumerate() {
        let Some(entity) =
            models.entities.iter().find(|e| e.rust_name == pattern.entity.value.as_str())
        else {
            continue;
        };
        let Ok(call) = pattern_call(entity, pattern) else { continue };
        let runner = format_ident!("__st_access_pattern_{}", i);
        // Inputs: the steps; `between` takes the last one twice (`<field>`, `<field>_end`).
        // A sort operator applies to the last step when it is a sort-key field.
        let ranged =
            pattern.sort.filter(|op| *op != SortOperator::Eq && call.steps.len() > call.partition);
        let mut inputs: Vec<String> = call.steps.clone();
        let mut fields: Vec<String> = call.steps.clone();
        if ranged == Some(SortOperator::Between) {
            if let Some(last) = call.steps.last() {
                inputs.push(format!("{last}_end"));
                fields.push(last.clone());
            }
        }
        let values: Vec<syn::Ident> =
            (0..inputs.len()).map(|j| format_ident!("__st_{}", j)).collect();
        // `begins_with` takes the last field's key text (a prefix), not a value.
        let prefix = ranged == Some(SortOperator::BeginsWith);
        let reads = inputs.iter().zip(&fields).enumerate().map(|(j, (name, field))| {
            let ty = entity.field(field).map(|f| {
                if prefix && j + 1 == fields.len() {
                    syn::parse_quote!(::std::string::String)
                } else if call.native {
                    option_inner(&f.ty).unwrap_or(&f.ty).clone()
                } else {
                    f.ty.clone()
                }
            });
            let value = &values[j];
            quote!(let #value: #ty = #st::access::input(__st_inputs, #j, #name)?;)
        });
        let reads: Vec<TokenStream> = reads.collect();
        let entity_ident = &entity.rust_name;
        let found = match pattern.operation {
            AccessOperation::Get => {
                let args = &values;
                quote!(#st::access::get(__st_db, #entity_ident::key(#(#args),*)).await?)
            }
            AccessOperation::Scan => quote!(#st::access::scan::<#entity_ident>(__st_db).await?),
            AccessOperation::Query => {
                let starter = crate::emit::entity::pattern_starter(
                    pattern.index.as_ref().map(|i| i.value.as_str()),
                );
                let plain = if ranged.is_some() { call.steps.len() - 1 } else { call.steps.len() };
                let methods = call.steps[..plain].iter().zip(&values).map(|(name, value)| {
                    let method = field_method(entity, name);
                    quote!(.#method(#value))
                });
                let range = ranged.map(|op| {
                    let last = &call.steps[plain];
                    let method = format_ident!("{}_range", last.trim_start_matches("r#"));
                    let value = &values[plain];
                    let op_call = match op {
                        SortOperator::Between => {
                            let end = &values[plain + 1];
                            quote!(between(#value, #end))
                        }
                        SortOperator::BeginsWith => quote!(begins_with(&#value)),
                        other => {
                            let name = format_ident!("{}", other.as_str());
                            quote!(#name(#value))
                        }
                    };
                    quote!(.#method().#op_call)
                });
                // Whole items come back from the table, an LSI and an index projecting
                // everything; a `KEYS_ONLY` / `INCLUDE` GSI returns what it holds.
                let whole = match &pattern.index {
                    None => true,
                    Some(index) => models.table.index(&index.value).is_none_or(|index| {
                        matches!(index.kind, IndexKind::Local)
                            || matches!(index.projection, ProjectionModel::All)
                    }),
                };
                quote!(#st::access::query(__st_db, #entity_ident::#starter()#(#methods)*#range, #whole).await?)
            }
        };
        let name = &pattern.name.value;
        let description = pattern.description.clone().unwrap_or_default();
        let entity_name = &pattern.entity.value;
        let index = match &pattern.index {
            Some(index) => {
                let index = &index.value;
                quote!(::core::option::Option::Some(#index))
            }
            None => quote!(::core::option::Option::None),
        };
        let operation = match pattern.operation {
            AccessOperation::Get => quote!(Get),
            AccessOperation::Query => quote!(Query),
            AccessOperation::Scan => quote!(Scan),
        };
        entries.push(quote! {
            #st::access::AccessPattern {
                name: #name,
                description: #description,
                entity: #entity_name,
                index: #index,
                operation: #st::access::Operation::#operation,
                inputs: &[#(#inputs),*],
                run: #runner,
            }
        });
        let doc = format!(" Runs access pattern `{name}` (see `ACCESS_PATTERNS`).");
        runners.extend(quote! {
            #[doc = #doc]
            #[doc(hidden)]
            fn #runner<'a>(
                __st_db: &'a #st::TableClient<#table>,
                __st_inputs: &'a [::std::string::String],
            ) -> #st::access::Running<'a> {
                ::std::boxed::Box::pin(async move {
                    #(#reads)*
                    ::core::result::Result::Ok(#found)
                })
            }
        });
    }
    let doc = format!(
        " The access patterns of table `{}`, by name: `singletable::access::find(ACCESS_PATTERNS, \
         name)?.run(&db, &[(\"field\", \"value\")])` runs one from text inputs.",
        models.table.name.value
    );
    quote! {
        #[doc = #doc]
        pub const ACCESS_PATTERNS: &[#st::access::AccessPattern<#table>] = &[#(#entries),*];
        #runners
    }
}

/// The builder method of field `name` (its identifier, raw when it is a keyword).
fn field_method(entity: &EntityModel, name: &str) -> syn::Ident {
    match entity.field(name) {
        Some(field) => field.ident.clone(),
        None => format_ident!("{}", name),
    }
}
