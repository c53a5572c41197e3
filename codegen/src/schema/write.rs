//! The model → a TOML schema file, the inverse of the reader: importers write their
//! result with it, and `to_toml` → `parse_str` round-trips.

use std::fmt::Write as _;

use quote::ToTokens;

use crate::model::{
    AccessOperation, AttributeShape, BillingModel, DefaultValue, EntityIndexKeys, FieldModel,
    IndexKind, IndexModel, KeyAttributeModel, ModelSet, ProjectionModel, ScalarType, StreamView,
    VariantBody,
};

/// A TOML basic string.
pub(crate) fn quote_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be.
fn key(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        text.to_owned()
    } else {
        quote_str(text)
    }
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

fn attribute_spec(attribute: &KeyAttributeModel) -> String {
    match attribute.ty {
        ScalarType::S => quote_str(&attribute.name.value),
        other => quote_str(&format!("{}:{}", attribute.name.value, other.as_str())),
    }
}

fn attribute_specs(attributes: &[KeyAttributeModel]) -> String {
    match attributes {
        [one] => attribute_spec(one),
        many => list(many.iter().map(attribute_spec)),
    }
}

/// A generated Rust type → its schema spelling (`::core::option::Option<::std::string::String>`
/// → `Option<String>`).
pub(crate) fn schema_type(ty: &syn::Type) -> String {
    let syn::Type::Path(path) = ty else { return ty.to_token_stream().to_string() };
    let Some(last) = path.path.segments.last() else { return String::new() };
    let name = last.ident.to_string();
    let args: Vec<String> = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .map(|arg| match arg {
                syn::GenericArgument::Type(t) => schema_type(t),
                other => other.to_token_stream().to_string(),
            })
            .collect(),
        _ => Vec::new(),
    };
    if name == "Vec" && args.len() == 1 && args[0] == "u8" {
        return "bytes".to_owned();
    }
    if args.is_empty() {
        name
    } else {
        format!("{name}<{}>", args.join(", "))
    }
}

fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

fn field_entry(field: &FieldModel) -> String {
    let mut options = vec![format!("type = {}", quote_str(&schema_type(&field.ty)))];
    if field.attribute.value != field.name() {
        options.push(format!("rename = {}", quote_str(&field.attribute.value)));
    }
    match &field.default {
        Some(DefaultValue::Trait) => options.push("default = true".to_owned()),
        Some(DefaultValue::Function(path)) => {
            options.push(format!("default = {}", quote_str(&path_text(path))))
        }
        None => {}
    }
    if let Some(path) = &field.validate {
        options.push(format!("validate = {}", quote_str(&path_text(path))));
    }
    if let Some(computed) = &field.computed {
        options.push(format!("computed = {}", quote_str(&path_text(&computed.function))));
        let from: Vec<String> = computed.from.iter().map(|name| quote_str(&name.value)).collect();
        options.push(format!("from = [{}]", from.join(", ")));
    }
    let markers = &field.markers;
    for (name, set) in [
        ("skip", field.skip.is_some()),
        ("serde", field.serde.is_some()),
        ("version", markers.version.is_some()),
        ("created_at", markers.created_at.is_some()),
        ("updated_at", markers.updated_at.is_some()),
        ("ttl", markers.ttl.is_some()),
        ("unique", markers.unique.is_some()),
        ("read_only", markers.read_only.is_some()),
    ] {
        if set {
            options.push(format!("{name} = true"));
        }
    }
    if options.len() == 1 {
        format!("{} = {}\n", key(&field.name()), quote_str(&schema_type(&field.ty)))
    } else {
        format!("{} = {{ {} }}\n", key(&field.name()), options.join(", "))
    }
}

fn index_block(out: &mut String, index: &IndexModel, table_pk: &KeyAttributeModel) {
    let section = match index.kind {
        IndexKind::Global => "table.gsi",
        IndexKind::Local => "table.lsi",
    };
    let _ = writeln!(out, "\n[[{section}]]");
    let _ = writeln!(out, "name = {}", quote_str(&index.name.value));
    let local_default = index.kind == IndexKind::Local
        && matches!(index.partition_key.as_slice(), [pk] if pk == table_pk);
    if !index.partition_key.is_empty() && !local_default {
        let _ = writeln!(out, "pk = {}", attribute_specs(&index.partition_key));
    }
    if !index.sort_key.is_empty() {
        let _ = writeln!(out, "sk = {}", attribute_specs(&index.sort_key));
    }
    match &index.projection {
        ProjectionModel::All => {}
        ProjectionModel::KeysOnly => out.push_str("projection = \"keys_only\"\n"),
        ProjectionModel::Include(names) => {
            let _ = writeln!(
                out,
                "projection = {{ include = {} }}",
                list(names.iter().map(|n| quote_str(&n.value)))
            );
        }
    }
    if let Some(throughput) = index.throughput {
        let _ = writeln!(out, "read = {}\nwrite = {}", throughput.read, throughput.write);
    }
}

/// Writes a model set as a TOML schema file (the format `docs/schema.md` describes).
pub fn to_toml(models: &ModelSet) -> String {
    let mut out = String::new();
    let table = &models.table;
    out.push_str("[table]\n");
    let _ = writeln!(out, "name = {}", quote_str(&table.name.value));
    let _ = writeln!(out, "rust_name = {}", quote_str(&table.rust_name.to_string()));
    let _ = writeln!(out, "pk = {}", attribute_spec(&table.partition_key));
    if let Some(sk) = &table.sort_key {
        let _ = writeln!(out, "sk = {}", attribute_spec(sk));
    }
    if let Some(ttl) = &table.ttl_attribute {
        let _ = writeln!(out, "ttl = {}", quote_str(&ttl.value));
    }
    if let Some(stream) = table.stream {
        let view = match stream {
            StreamView::KeysOnly => "keys_only",
            StreamView::NewImage => "new_image",
            StreamView::OldImage => "old_image",
            StreamView::NewAndOldImages => "new_and_old_images",
        };
        let _ = writeln!(out, "stream = {}", quote_str(view));
    }
    if let BillingModel::Provisioned(throughput) = table.billing {
        let _ = writeln!(
            out,
            "billing = {{ mode = \"provisioned\", read = {}, write = {} }}",
            throughput.read, throughput.write
        );
    }
    if table.entity_type_attribute.value != "_type" {
        let _ = writeln!(out, "entity_type = {}", quote_str(&table.entity_type_attribute.value));
    }
    let crate_path = path_text(&table.crate_path);
    if crate_path != "::singletable" {
        let _ = writeln!(out, "crate = {}", quote_str(&crate_path));
    }
    for index in &table.indexes {
        index_block(&mut out, index, &table.partition_key);
    }

    for attribute in &models.attributes {
        out.push_str("\n[[attributes]]\n");
        let _ = writeln!(out, "name = {}", quote_str(&attribute.rust_name.to_string()));
        match &attribute.shape {
            AttributeShape::Struct(fields) => {
                out.push_str("\n[attributes.fields]\n");
                fields.iter().for_each(|f| out.push_str(&field_entry(f)));
            }
            AttributeShape::Newtype(ty) => {
                let _ = writeln!(out, "type = {}", quote_str(&schema_type(ty)));
            }
            AttributeShape::UnitEnum(variants) => {
                out.push_str("\n[attributes.variants]\n");
                for variant in variants {
                    let ident = variant.ident.to_string();
                    if variant.name.value == ident {
                        let _ = writeln!(out, "{} = {{}}", key(&ident));
                    } else {
                        let _ = writeln!(
                            out,
                            "{} = {{ rename = {} }}",
                            key(&ident),
                            quote_str(&variant.name.value)
                        );
                    }
                }
            }
            AttributeShape::TaggedEnum { tag, variants } => {
                let _ = writeln!(out, "tag = {}", quote_str(&tag.value));
                out.push_str("\n[attributes.variants]\n");
                for variant in variants {
                    let ident = variant.ident.to_string();
                    let mut options = Vec::new();
                    if variant.name.value != ident {
                        options.push(format!("rename = {}", quote_str(&variant.name.value)));
                    }
                    match &variant.body {
                        VariantBody::Unit => {}
                        VariantBody::Newtype(ty) => {
                            options.push(format!("type = {}", quote_str(&schema_type(ty))))
                        }
                        VariantBody::Named(fields) => {
                            let inner: Vec<String> = fields
                                .iter()
                                .map(|f| field_entry(f).trim_end().to_owned())
                                .collect();
                            options.push(format!("fields = {{ {} }}", inner.join(", ")));
                        }
                    }
                    if options.is_empty() {
                        let _ = writeln!(out, "{} = {{}}", key(&ident));
                    } else {
                        let _ = writeln!(out, "{} = {{ {} }}", key(&ident), options.join(", "));
                    }
                }
            }
        }
    }

    for entity in &models.entities {
        out.push_str("\n[[entities]]\n");
        let name = entity.rust_name.to_string();
        let _ = writeln!(out, "name = {}", quote_str(&name));
        if entity.entity_type.value != name {
            let _ = writeln!(out, "entity_type = {}", quote_str(&entity.entity_type.value));
        }
        let _ = writeln!(out, "pk = {}", quote_str(&entity.partition_key.source.value));
        if let Some(sk) = &entity.sort_key {
            let _ = writeln!(out, "sk = {}", quote_str(&sk.source.value));
        }
        if let Some(path) = &entity.validate {
            let _ = writeln!(out, "validate = {}", quote_str(&path_text(path)));
        }
        if entity.compact.is_some() {
            out.push_str("compact = true\n");
        }
        if entity.find {
            out.push_str("find = true\n");
        }
        if !entity.indexes.is_empty() {
            out.push_str("indexes = [\n");
            for index in &entity.indexes {
                let mut parts = vec![format!("name = {}", quote_str(&index.name.value))];
                match &index.keys {
                    EntityIndexKeys::Templates { partition, sort } => {
                        if let Some(t) = partition {
                            parts.push(format!("pk = {}", quote_str(&t.source.value)));
                        }
                        if let Some(t) = sort {
                            parts.push(format!("sk = {}", quote_str(&t.source.value)));
                        }
                    }
                    EntityIndexKeys::Fields { partition, sort } => {
                        if !partition.is_empty() {
                            parts.push(format!(
                                "pk = {}",
                                list(partition.iter().map(|f| quote_str(&f.value)))
                            ));
                        }
                        if !sort.is_empty() {
                            parts.push(format!(
                                "sk = {}",
                                list(sort.iter().map(|f| quote_str(&f.value)))
                            ));
                        }
                    }
                }
                let _ = writeln!(out, "  {{ {} }},", parts.join(", "));
            }
            out.push_str("]\n");
        }
        out.push_str("\n[entities.fields]\n");
        entity.fields.iter().for_each(|f| out.push_str(&field_entry(f)));
    }

    for collection in &models.collections {
        out.push_str("\n[[collections]]\n");
        let _ = writeln!(out, "name = {}", quote_str(&collection.rust_name.to_string()));
        if let Some(index) = &collection.index {
            let _ = writeln!(out, "index = {}", quote_str(&index.value));
        }
        out.push_str("\n[collections.members]\n");
        for member in &collection.members {
            let entity = path_text(&member.entity);
            let ty =
                if member.many { format!("Vec<{entity}>") } else { format!("Option<{entity}>") };
            let _ = writeln!(out, "{} = {}", key(&member.field.to_string()), quote_str(&ty));
        }
    }

    for pattern in &models.access_patterns {
        out.push_str("\n[[access_patterns]]\n");
        let _ = writeln!(out, "name = {}", quote_str(&pattern.name.value));
        if let Some(description) = &pattern.description {
            let _ = writeln!(out, "description = {}", quote_str(description));
        }
        let _ = writeln!(out, "entity = {}", quote_str(&pattern.entity.value));
        if let Some(index) = &pattern.index {
            let _ = writeln!(out, "index = {}", quote_str(&index.value));
        }
        let operation = match pattern.operation {
            AccessOperation::Get => "get",
            AccessOperation::Query => "query",
            AccessOperation::Scan => "scan",
        };
        let _ = writeln!(out, "operation = {}", quote_str(operation));
        if !pattern.key_fields.is_empty() {
            let _ = writeln!(
                out,
                "key_fields = {}",
                list(pattern.key_fields.iter().map(|f| quote_str(&f.value)))
            );
        }
        if let Some(sort) = pattern.sort {
            let _ = writeln!(out, "sort = {}", quote_str(sort.as_str()));
        }
        if let Some(tenant) = &pattern.tenant_field {
            let _ = writeln!(out, "tenant_field = {}", quote_str(&tenant.value));
        }
    }
    out
}
