//! The messages of the entity checks ([`fail`](super::fail)): composed in the `const`
//! evaluation from the failing check's code, the entity's schema and the macro's
//! description of it, only when a check fails, so that the generated code carries no
//! text.

use crate::schema::{EntityIndexKeys, EntitySchema, KeyTemplateSchema, ScalarType, TemplatePart};

use super::super::check::str_eq;
use super::*;

/// The bytes a check's message may take; a longer one (only names of hundreds of
/// characters make one) ends in `…`.
const MESSAGE_CAPACITY: usize = 2048;

/// A message composed in a `const` evaluation.
pub struct Message {
    bytes: [u8; MESSAGE_CAPACITY],
    len: usize,
    truncated: bool,
}

impl Message {
    /// An empty message.
    pub(super) const fn new() -> Message {
        Message { bytes: [0; MESSAGE_CAPACITY], len: 0, truncated: false }
    }

    /// Appends `text` (as much of it as fits, keeping room for the `…`).
    pub(super) const fn push(&mut self, text: &str) {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            if self.len + 3 >= MESSAGE_CAPACITY {
                self.truncated = true;
                return;
            }
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
    }

    /// Appends `n` in decimal.
    const fn push_number(&mut self, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 {
            count -= 1;
            let digit = [digits[count]];
            match core::str::from_utf8(&digit) {
                Ok(digit) => self.push(digit),
                Err(_) => unreachable!(),
            }
        }
    }

    /// The message so far.
    pub const fn as_str(&mut self) -> &str {
        if self.truncated {
            // Back to a character boundary, then the ellipsis.
            while self.len > 0 && self.bytes[self.len - 1] & 0xC0 == 0x80 {
                self.len -= 1;
            }
            if self.len > 0 && self.bytes[self.len - 1] >= 0xC0 {
                self.len -= 1;
            }
            let ellipsis = "…".as_bytes();
            let mut i = 0;
            while i < ellipsis.len() {
                self.bytes[self.len] = ellipsis[i];
                self.len += 1;
                i += 1;
            }
            self.truncated = false;
        }
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(text) => text,
            // Whole strings are appended, cut only at a character boundary.
            Err(_) => "singletable: an entity check's message is not UTF-8",
        }
    }
}

/// The message of failing check `code` of `entity` (its schema; `check`: as the macro
/// described it): the text `#[derive(Entity)]` used to write into each check's arm.
pub const fn write_message(m: &mut Message, entity: &EntitySchema, check: &EntityCheck, code: u32) {
    let (name, table) = (entity.rust_name, check.table);
    if code == SORT {
        if matches!(check.sort, Fill::None) {
            push_all(m, &["table `", table, "` has a sort key: entity `", name]);
            m.push(
                "` needs an `sk` template (e.g. `sk = \"PROFILE\"` or `sk = \"ORDER#{order_id}\"`)",
            );
        } else {
            push_all(m, &["table `", table, "` has no sort key, so entity `", name]);
            m.push("` cannot have an `sk` template");
        }
    } else if code == PK_TYPE {
        let what: [&str; 3] = ["the partition key of table `", table, "`"];
        template_message(m, name, entity.partition_key, check.partition, what);
    } else if code == SK_TYPE {
        if let Some(template) = entity.sort_key {
            template_message(
                m,
                name,
                template,
                check.sort,
                ["the sort key of table `", table, "`"],
            );
        }
    } else if code >= FIELD {
        let j = ((code - FIELD) / 2) as usize;
        let (field, attribute) = (entity.fields[j].name, check.stored[j].0);
        push_all(m, &["field `", field, "` of entity `", name, "` is "]);
        if code & 1 == 0 {
            push_all(m, &["stored as attribute `", attribute, "`, which table `", table]);
            m.push("` uses for a key or for the entity type; rename the field's attribute ");
            m.push("(`#[entity(rename = \"...\")]`)");
        } else {
            push_all(m, &["marked `ttl`, but table `", table, "` does not store TTL in "]);
            push_all(m, &["attribute `", attribute, "`: declare `ttl = \"", attribute]);
            m.push("\"` on the table, or rename the field to the table's TTL attribute");
        }
    } else {
        let i = ((code - INDEX) / INDEX_STRIDE) as usize;
        let at = (code - INDEX) % INDEX_STRIDE;
        index_message(m, entity, check, i, at);
    }
}

/// The message of failing check `at` (an `IX_*`) of the entity's `i`th index.
const fn index_message(
    m: &mut Message,
    entity: &EntitySchema,
    check: &EntityCheck,
    i: usize,
    at: u32,
) {
    let (name, table, index) = (entity.rust_name, check.table, check.indexes[i].0);
    const NONE: &[(&str, ScalarType)] = &[];
    let templates = match entity.indexes[i].keys {
        EntityIndexKeys::Templates { partition, sort } => (partition, sort),
        EntityIndexKeys::Fields => (None, None),
    };
    let (fills, fields) = match check.indexes[i].2 {
        IndexKeys::Templates(pk, sk) => ((pk, sk), (NONE, NONE)),
        IndexKeys::Fields(pk, sk) => ((Fill::None, Fill::None), (pk, sk)),
    };
    let (fill_pk, fill_sk) = fills;
    match at {
        IX_EXISTS => {
            push_all(m, &["table `", table, "` has no index `", index, "` (in entity `", name]);
            m.push("`)");
        }
        IX_LSI_WITH_PK => {
            push_all(m, &["index `", index, "` is a local secondary index: it shares the "]);
            push_all(m, &["table's partition key, so entity `", name, "` gives it no `pk`"]);
        }
        IX_GSI_WITHOUT_PK => {
            push_all(m, &["index `", index, "` is a global secondary index: entity `", name]);
            m.push("` needs a `pk` for it");
        }
        IX_PK_MULTI | IX_SK_MULTI => {
            let side = if at == IX_PK_MULTI { "partition" } else { "sort" };
            let short = if at == IX_PK_MULTI { "pk" } else { "sk" };
            push_all(m, &["index `", index, "` has a ", side, " key of several attributes "]);
            m.push("(a native multi-attribute key): list the entity's fields in key order, `");
            push_all(m, &[short, " = [a, b]`, instead of a template"]);
        }
        IX_PK_TYPE => {
            if let Some(template) = templates.0 {
                let what = ["the partition key of index `", index, "`"];
                template_message(m, name, template, fill_pk, what);
            }
        }
        IX_SK_TYPE => {
            if let Some(template) = templates.1 {
                template_message(
                    m,
                    name,
                    template,
                    fill_sk,
                    ["the sort key of index `", index, "`"],
                );
            }
        }
        IX_SK_NONE => push_all(m, &["index `", index, "` has no sort key: remove `sk`"]),
        IX_SK_MISSING => {
            push_all(m, &["index `", index, "` has a sort key: entity `", name]);
            m.push("` needs an `sk` for it");
        }
        IX_PK_COUNT | IX_SK_COUNT => {
            let (side, n) = if at == IX_PK_COUNT {
                ("partition", fields.0.len())
            } else {
                ("sort", fields.1.len())
            };
            push_all(m, &["entity `", name, "` lists "]);
            m.push_number(n);
            push_all(m, &[" ", side, "-key field(s) for index `", index, "`, whose ", side]);
            m.push(" key has a different number of attributes: list one field per attribute, ");
            m.push("in key order");
        }
        _ => {
            let (side, fields, j) = if at >= IX_SK_FIELD {
                ("sort", fields.1, ((at - IX_SK_FIELD) / 2) as usize)
            } else {
                ("partition", fields.0, ((at - IX_PK_FIELD) / 2) as usize)
            };
            let attribute = fields[j].0;
            push_all(m, &["field `", field_named(entity, attribute), "` of entity `", name]);
            if at & 1 == 0 {
                push_all(m, &["` is stored as `", attribute, "`, but ", side, "-key attribute "]);
                m.push_number(j + 1);
                push_all(m, &[" of index `", index, "` has another name: list the fields in "]);
                m.push("key order, or rename the field (`#[entity(rename = \"...\")]`)");
            } else {
                push_all(m, &["` does not have the type (S, N or B) of ", side, "-key attribute "]);
                m.push_number(j + 1);
                push_all(m, &[" of index `", index, "`"]);
            }
        }
    }
}

/// The message of a template (`template`, filling `fill`) that does not fit the key
/// attribute `what` (three parts) renders to.
const fn template_message(
    m: &mut Message,
    name: &str,
    template: KeyTemplateSchema,
    fill: Fill,
    what: [&str; 3],
) {
    push_all(m, &["entity `", name, "`: the template `", template.source, "` "]);
    match (fill, template.parts) {
        (Fill::Lone(_), [TemplatePart::Field(field)]) => {
            push_all(m, &["stores field `", field, "` as "]);
            push_all(m, &what);
            m.push(", which is typed N or B; a lone `{field}` stores the field's own value ");
            m.push("there, so the field must have that type");
        }
        _ => {
            m.push("renders a string, but ");
            push_all(m, &what);
            m.push(" is typed N or B; use a lone `{field}` template of a field of that type");
        }
    }
}

/// The Rust name of the entity's field stored as `attribute` (the attribute itself if
/// none is, which the macro rules out).
const fn field_named<'a>(entity: &EntitySchema, attribute: &'a str) -> &'a str {
    let mut j = 0;
    while j < entity.fields.len() {
        if str_eq(entity.fields[j].attribute, attribute) {
            // The schema's names are `'static`.
            return entity.fields[j].name;
        }
        j += 1;
    }
    attribute
}

/// Appends each of `parts`.
const fn push_all(m: &mut Message, parts: &[&str]) {
    let mut i = 0;
    while i < parts.len() {
        m.push(parts[i]);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every check's message, composed from an entity's schema and check description:
    /// the texts `#[derive(Entity)]` wrote into its arms before they moved here (the ui
    /// tests pin the ones a case triggers, with their spans).
    #[test]
    fn every_check_has_its_message() {
        use crate::schema::{EntityIndexSchema, TemplatePart as Part};
        use ScalarType::{N, S};
        const fn template(source: &'static str, parts: &'static [Part]) -> KeyTemplateSchema {
            KeyTemplateSchema { source, parts }
        }
        use crate::__private::{field_schema as field, FIELD_TTL};
        const ENTITY: EntitySchema = EntitySchema {
            rust_name: "Order",
            entity_type: "Order",
            partition_key: template(
                "ORDER#{order_id}",
                &[Part::Literal("ORDER#"), Part::Field("order_id")],
            ),
            sort_key: Some(template("{total}", &[Part::Field("total")])),
            indexes: &[
                EntityIndexSchema {
                    index: "GSI1",
                    keys: EntityIndexKeys::Templates {
                        partition: Some(template("{order_id}", &[Part::Field("order_id")])),
                        sort: Some(template(
                            "T#{total}",
                            &[Part::Literal("T#"), Part::Field("total")],
                        )),
                    },
                },
                EntityIndexSchema { index: "ByTenant", keys: EntityIndexKeys::Fields },
            ],
            fields: &[
                field("order_id", "order_id", 0),
                field("total", "amount", 0),
                field("expires", "expires", FIELD_TTL),
                field("tenant_id", "tenant", 0),
                field("region", "region", 0),
            ],
        };
        let entity = ENTITY;
        let check = EntityCheck {
            table: "tables::App",
            partition: Fill::Text,
            sort: Fill::Lone(N),
            indexes: &[
                ("GSI1", name_hash("GSI1"), IndexKeys::Templates(Fill::Lone(S), Fill::Text)),
                (
                    "ByTenant",
                    name_hash("ByTenant"),
                    IndexKeys::Fields(&[("tenant", S), ("region", S)], &[("amount", N)]),
                ),
            ],
            stored: &[
                ("order_id", name_hash("order_id"), false),
                ("amount", name_hash("amount"), false),
                ("expires", name_hash("expires"), true),
                ("tenant", name_hash("tenant"), false),
                ("region", name_hash("region"), false),
            ],
            lone_partition: usize::MAX,
            lone_sort: 1,
        };
        let message = |entity: &EntitySchema, check: &EntityCheck, code: u32| {
            let mut m = Message::new();
            write_message(&mut m, entity, check, code);
            m.as_str().to_owned()
        };
        let gsi1 = INDEX;
        let by_tenant = INDEX + INDEX_STRIDE;
        let expected = [
            (SORT, "table `tables::App` has no sort key, so entity `Order` cannot have an `sk` template"),
            (PK_TYPE, "entity `Order`: the template `ORDER#{order_id}` renders a string, but the partition key of table `tables::App` is typed N or B; use a lone `{field}` template of a field of that type"),
            (SK_TYPE, "entity `Order`: the template `{total}` stores field `total` as the sort key of table `tables::App`, which is typed N or B; a lone `{field}` stores the field's own value there, so the field must have that type"),
            (gsi1 + IX_EXISTS, "table `tables::App` has no index `GSI1` (in entity `Order`)"),
            (gsi1 + IX_LSI_WITH_PK, "index `GSI1` is a local secondary index: it shares the table's partition key, so entity `Order` gives it no `pk`"),
            (gsi1 + IX_GSI_WITHOUT_PK, "index `GSI1` is a global secondary index: entity `Order` needs a `pk` for it"),
            (gsi1 + IX_PK_MULTI, "index `GSI1` has a partition key of several attributes (a native multi-attribute key): list the entity's fields in key order, `pk = [a, b]`, instead of a template"),
            (gsi1 + IX_PK_TYPE, "entity `Order`: the template `{order_id}` stores field `order_id` as the partition key of index `GSI1`, which is typed N or B; a lone `{field}` stores the field's own value there, so the field must have that type"),
            (gsi1 + IX_SK_NONE, "index `GSI1` has no sort key: remove `sk`"),
            (gsi1 + IX_SK_MULTI, "index `GSI1` has a sort key of several attributes (a native multi-attribute key): list the entity's fields in key order, `sk = [a, b]`, instead of a template"),
            (gsi1 + IX_SK_TYPE, "entity `Order`: the template `T#{total}` renders a string, but the sort key of index `GSI1` is typed N or B; use a lone `{field}` template of a field of that type"),
            (gsi1 + IX_SK_MISSING, "index `GSI1` has a sort key: entity `Order` needs an `sk` for it"),
            (by_tenant + IX_PK_COUNT, "entity `Order` lists 2 partition-key field(s) for index `ByTenant`, whose partition key has a different number of attributes: list one field per attribute, in key order"),
            (by_tenant + IX_SK_COUNT, "entity `Order` lists 1 sort-key field(s) for index `ByTenant`, whose sort key has a different number of attributes: list one field per attribute, in key order"),
            (by_tenant + IX_PK_FIELD + 2, "field `region` of entity `Order` is stored as `region`, but partition-key attribute 2 of index `ByTenant` has another name: list the fields in key order, or rename the field (`#[entity(rename = \"...\")]`)"),
            (by_tenant + IX_PK_FIELD + 1, "field `tenant_id` of entity `Order` does not have the type (S, N or B) of partition-key attribute 1 of index `ByTenant`"),
            (by_tenant + IX_SK_FIELD, "field `total` of entity `Order` is stored as `amount`, but sort-key attribute 1 of index `ByTenant` has another name: list the fields in key order, or rename the field (`#[entity(rename = \"...\")]`)"),
            (FIELD + 2, "field `total` of entity `Order` is stored as attribute `amount`, which table `tables::App` uses for a key or for the entity type; rename the field's attribute (`#[entity(rename = \"...\")]`)"),
            (FIELD + 2 * 2 + 1, "field `expires` of entity `Order` is marked `ttl`, but table `tables::App` does not store TTL in attribute `expires`: declare `ttl = \"expires\"` on the table, or rename the field to the table's TTL attribute"),
        ];
        for (code, text) in expected {
            assert_eq!(message(&entity, &check, code), text, "code {code}");
        }
        // Without an `sk` template: the other sort-key message.
        let unsorted = EntityCheck { sort: Fill::None, ..check };
        assert_eq!(
            message(&entity, &unsorted, SORT),
            "table `tables::App` has a sort key: entity `Order` needs an `sk` template (e.g. \
             `sk = \"PROFILE\"` or `sk = \"ORDER#{order_id}\"`)"
        );
        // Numbers of several digits.
        let many: Vec<(&str, ScalarType)> = vec![("tenant", S); 12];
        let indexes = [("ByTenant", 0, IndexKeys::Fields(&many, &[]))];
        let twelve = EntityCheck { indexes: &indexes, ..check };
        let entity_one = EntitySchema { indexes: &entity.indexes[1..], ..entity };
        assert!(
            message(&entity_one, &twelve, INDEX + IX_PK_COUNT).contains("lists 12 partition-key")
        );
        assert!(message(&entity_one, &twelve, INDEX + IX_PK_FIELD + 2 * 10 + 1)
            .contains("partition-key attribute 11 of"));
    }

    #[test]
    fn a_message_too_long_ends_at_a_character_boundary() {
        let mut m = Message::new();
        for _ in 0..MESSAGE_CAPACITY {
            m.push("é");
        }
        let text = m.as_str().to_owned();
        assert!(text.ends_with("é…"), "{}", &text[text.len() - 8..]);
        assert!(text.len() <= MESSAGE_CAPACITY);
        let mut short = Message::new();
        short.push("a");
        short.push_number(0);
        short.push_number(907);
        assert_eq!(short.as_str(), "a0907");
    }
}
