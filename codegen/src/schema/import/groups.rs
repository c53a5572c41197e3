//! The Workbench importer's entities: sample items grouped by their key shapes, the
//! shapes refined by the items' own attributes, groups that are one entity merged, and
//! each group named.
//!
//! * **Grouping.** One group per facet; without facets, one per (entity-type value, shape
//!   of the partition key, shape of the sort key).
//! * **Attributes in keys.** A key segment whose whole text is, on every item of the
//!   group, the value of one of the item's non-key attributes is that attribute's field
//!   (`comm#2023-04-30T12:00:24#comm1` with `comm_date` and `comm_id` →
//!   `comm#{comm_date}#{comm_id}`; `WARNING1#2020-…` with `State` and `Date` →
//!   `{state}#{date}`). For the partition key, the attribute may sit on another item of
//!   the same partition (`Complaint123` is the `complaint_id` of the partition's
//!   `metadata` item): so the entities of one partition get one partition-key template
//!   and a collection query over them works.
//! * **Merging.** Groups of the same entity type whose refined shapes are equal are one
//!   entity (`WARNING…` and `NORMAL…` state logs); so are groups whose keys differ only
//!   in one value segment's head (`child#suuid#kljhfytf23`, `child#suuid#ert54fbgn`: the
//!   head is no literal), and groups whose sort keys differ only in one literal segment
//!   and whose items have the same non-key attributes (that segment is a field: `c#ABC`,
//!   `c#XYZ` → `c#{customer_id}`). Partition keys that differ in a literal
//!   (`u#…#follower`, `u#…#following`) stay apart.
//! * **Names.** The entity type (facet name or `EntityType` value) when there is one;
//!   else the partition key's last word of two letters or more (`u#{u_id}#follower` →
//!   `Follower`, `Room:{room_id}` → `Room`) unless other groups share that partition-key
//!   shape, else the sort key's first such word (`"info"` → `Info`), else a one-letter
//!   literal expanded from the key attribute's name (`DeviceID` with `d#…` → `Device`) or
//!   from the one declared attribute naming an id that starts with it (`customer_id`
//!   with `c#…` → `Customer`), else the table's name + `Item`.

use serde_json::Value;

use crate::model::TableModel;
use crate::schema::read::rust_type_name;

use super::infer::{expand_letter, scalar_value, shape, Seg};

pub(super) struct Group {
    pub(super) name: String,
    pub(super) entity_type: String,
    pub(super) items: Vec<Value>,
    /// Non-key attribute names declared by the facet.
    pub(super) declared: Vec<String>,
    pub(super) pk_alias: Vec<String>,
    pub(super) sk_alias: Vec<String>,
    pub(super) pk_shape: Vec<Seg>,
    pub(super) sk_shape: Vec<Seg>,
    /// The entity-type value of the items ("" without one).
    kind: String,
}

/// The attribute naming each item's entity type in the sample data, if one does.
pub(super) fn entity_type_attribute(table: &Value) -> Option<String> {
    let items: Vec<&Value> =
        table.get("TableData").and_then(Value::as_array).into_iter().flatten().collect();
    let first = items.first()?.as_object()?;
    first
        .keys()
        .find(|k| {
            let lower: String = k
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            lower == "entitytype" && items.iter().all(|i| scalar_value(i, k).is_some())
        })
        .cloned()
}

struct Keys<'a> {
    pk: &'a str,
    sk: Option<&'a str>,
    type_attribute: Option<&'a str>,
}

impl Keys<'_> {
    fn pk_of<'v>(&self, item: &'v Value) -> &'v str {
        scalar_value(item, self.pk).unwrap_or("")
    }
    fn sk_of<'v>(&self, item: &'v Value) -> &'v str {
        self.sk.and_then(|sk| scalar_value(item, sk)).unwrap_or("")
    }
    fn is_key(&self, attribute: &str) -> bool {
        attribute == self.pk || Some(attribute) == self.sk || Some(attribute) == self.type_attribute
    }
}

/// The groups of a Workbench table, refined, merged and named.
pub(super) fn workbench_groups(
    table: &Value,
    model: &TableModel,
    declared_attributes: &[String],
) -> Vec<Group> {
    let type_attribute = entity_type_attribute(table);
    let keys = Keys {
        pk: &model.partition_key.name.value,
        sk: model.sort_key.as_ref().map(|s| s.name.value.as_str()),
        type_attribute: type_attribute.as_deref(),
    };
    let facets: Vec<&Value> =
        table.get("TableFacets").and_then(Value::as_array).into_iter().flatten().collect();
    let mut groups = if facets.is_empty() {
        let items: Vec<Value> =
            table.get("TableData").and_then(Value::as_array).cloned().unwrap_or_default();
        raw_groups(items, &keys)
    } else {
        facet_groups(&facets, &keys)
    };
    let all_items: Vec<Value> = groups.iter().flat_map(|g| g.items.clone()).collect();
    for group in &mut groups {
        let pk_values: Vec<&str> = group.items.iter().map(|i| keys.pk_of(i)).collect();
        let sk_values: Vec<&str> = group.items.iter().map(|i| keys.sk_of(i)).collect();
        let mates: Vec<Vec<&Value>> = pk_values
            .iter()
            .map(|pk| all_items.iter().filter(|i| keys.pk_of(i) == *pk).collect())
            .collect();
        let own: Vec<Vec<&Value>> = group.items.iter().map(|i| vec![i]).collect();
        group.pk_shape = refine(&group.pk_shape, &pk_values, &mates, &keys);
        group.sk_shape = refine(&group.sk_shape, &sk_values, &own, &keys);
    }
    if facets.is_empty() {
        merge(&mut groups, &keys);
        name(&mut groups, model, declared_attributes);
    }
    if groups.is_empty() {
        let name = format!("{}Item", rust_type_name(&model.name.value));
        groups.push(Group {
            name: name.clone(),
            entity_type: name,
            items: Vec::new(),
            declared: Vec::new(),
            pk_alias: Vec::new(),
            sk_alias: Vec::new(),
            pk_shape: Vec::new(),
            sk_shape: Vec::new(),
            kind: String::new(),
        });
    }
    groups
}

fn facet_groups(facets: &[&Value], keys: &Keys<'_>) -> Vec<Group> {
    facets
        .iter()
        .filter_map(|facet| {
            let name = facet.get("FacetName")?.as_str()?;
            let alias = |key: &str| -> Vec<String> {
                facet
                    .pointer(&format!("/KeyAttributeAlias/{key}"))
                    .and_then(Value::as_str)
                    .map(|a| a.split('#').map(str::to_owned).collect())
                    .unwrap_or_default()
            };
            let items: Vec<Value> =
                facet.get("TableData").and_then(Value::as_array).cloned().unwrap_or_default();
            let first = items.first();
            Some(Group {
                name: rust_type_name(name),
                entity_type: name.to_owned(),
                pk_shape: first.map(|i| shape(keys.pk_of(i))).unwrap_or_default(),
                sk_shape: first.map(|i| shape(keys.sk_of(i))).unwrap_or_default(),
                items,
                declared: facet
                    .get("NonKeyAttributes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                pk_alias: alias("PartitionKeyAlias"),
                sk_alias: alias("SortKeyAlias"),
                kind: name.to_owned(),
            })
        })
        .filter(|g| !g.name.is_empty())
        .collect()
}

fn raw_groups(items: Vec<Value>, keys: &Keys<'_>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        if scalar_value(&item, keys.pk).is_none() {
            continue;
        }
        let kind =
            keys.type_attribute.and_then(|t| scalar_value(&item, t)).unwrap_or("").to_owned();
        let (pk_shape, sk_shape) = (shape(keys.pk_of(&item)), shape(keys.sk_of(&item)));
        match groups
            .iter_mut()
            .find(|g| g.kind == kind && g.pk_shape == pk_shape && g.sk_shape == sk_shape)
        {
            Some(group) => group.items.push(item),
            None => {
                let name = if kind.is_empty() { String::new() } else { rust_type_name(&kind) };
                groups.push(Group {
                    entity_type: if kind.is_empty() { String::new() } else { kind.clone() },
                    name,
                    items: vec![item],
                    declared: Vec::new(),
                    pk_alias: Vec::new(),
                    sk_alias: Vec::new(),
                    pk_shape,
                    sk_shape,
                    kind,
                })
            }
        }
    }
    groups
}

/// Marks the segments that are, on every item, the whole value of one non-key scalar
/// attribute of the item (or of one of `holders[i]`, the items that may hold item `i`'s
/// values: itself, or its partition).
fn refine(shape: &[Seg], values: &[&str], holders: &[Vec<&Value>], keys: &Keys<'_>) -> Vec<Seg> {
    shape
        .iter()
        .enumerate()
        .map(|(index, seg)| {
            let texts: Vec<&str> =
                values.iter().map(|v| v.split('#').nth(index).unwrap_or("")).collect();
            if texts.is_empty() || texts.iter().any(|t| t.len() < 2) {
                return seg.clone();
            }
            let candidates: Vec<&String> = holders
                .first()
                .into_iter()
                .flatten()
                .filter_map(|i| i.as_object())
                .flat_map(|o| o.keys())
                .filter(|a| !keys.is_key(a))
                .collect();
            let found = candidates.into_iter().find(|attribute| {
                texts.iter().zip(holders).all(|(text, holders)| {
                    holders.iter().any(|h| scalar_value(h, attribute) == Some(*text))
                })
            });
            match found {
                Some(attribute) => Seg::Attr(attribute.clone()),
                None => seg.clone(),
            }
        })
        .collect()
}

fn non_key_attributes(group: &Group, keys: &Keys<'_>) -> Vec<String> {
    let mut names: Vec<String> = group
        .items
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys())
        .filter(|a| !keys.is_key(a))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The one segment where two shapes differ, with whether both are literals (else both
/// are values after different heads: `kljhfytf23`, `ert54fbgn`).
fn one_apart(a: &[Seg], b: &[Seg]) -> Option<(usize, bool)> {
    if a.len() != b.len() {
        return None;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match differ.as_slice() {
        [i] => match (&a[*i], &b[*i]) {
            (Seg::Lit(_), Seg::Lit(_)) => Some((*i, true)),
            (Seg::Val(_), Seg::Val(_)) => Some((*i, false)),
            _ => None,
        },
        _ => None,
    }
}

fn merge(groups: &mut Vec<Group>, keys: &Keys<'_>) {
    loop {
        let mut found = None;
        'search: for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                let (a, b) = (&groups[i], &groups[j]);
                if a.kind != b.kind {
                    continue;
                }
                let (same_pk, same_sk) = (a.pk_shape == b.pk_shape, a.sk_shape == b.sk_shape);
                if same_pk && same_sk {
                    found = Some((i, j, None));
                    break 'search;
                }
                if same_sk {
                    if let Some((segment, false)) = one_apart(&a.pk_shape, &b.pk_shape) {
                        found = Some((i, j, Some((true, segment))));
                        break 'search;
                    }
                }
                if !same_pk {
                    continue;
                }
                match one_apart(&a.sk_shape, &b.sk_shape) {
                    Some((segment, false)) => {
                        found = Some((i, j, Some((false, segment))));
                        break 'search;
                    }
                    Some((segment, true))
                        if non_key_attributes(a, keys) == non_key_attributes(b, keys) =>
                    {
                        found = Some((i, j, Some((false, segment))));
                        break 'search;
                    }
                    _ => {}
                }
            }
        }
        let Some((i, j, segment)) = found else { return };
        let other = groups.remove(j);
        let group = &mut groups[i];
        group.items.extend(other.items);
        match segment {
            Some((true, segment)) => group.pk_shape[segment] = Seg::Val(String::new()),
            Some((false, segment)) => group.sk_shape[segment] = Seg::Val(String::new()),
            None => {}
        }
    }
}

/// Words of two letters or more in a key shape's literals and value heads.
fn words(shape: &[Seg]) -> Vec<String> {
    shape
        .iter()
        .filter_map(|seg| {
            let text = match seg {
                Seg::Lit(t) => t.as_str(),
                Seg::Val(head) => head.trim_end_matches(':'),
                Seg::Attr(_) => return None,
            };
            let letters: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            (letters.chars().filter(char::is_ascii_alphabetic).count() >= 2).then_some(letters)
        })
        .collect()
}

fn one_letters(shape: &[Seg]) -> Vec<&str> {
    shape
        .iter()
        .filter_map(|seg| match seg {
            Seg::Lit(t) if t.len() == 1 && t.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(t.as_str())
            }
            _ => None,
        })
        .collect()
}

/// The shape with its values blanked: what items of one partition-key "prefix" share.
fn skeleton(shape: &[Seg]) -> String {
    let parts: Vec<String> = shape
        .iter()
        .map(|seg| match seg {
            Seg::Lit(t) => t.clone(),
            Seg::Val(head) => format!("{head}{{}}"),
            Seg::Attr(_) => "{}".to_owned(),
        })
        .collect();
    parts.join("#")
}

fn name(groups: &mut [Group], model: &TableModel, declared: &[String]) {
    let skeletons: Vec<String> = groups.iter().map(|g| skeleton(&g.pk_shape)).collect();
    let pk_attribute = model.partition_key.name.value.clone();
    let sk_attribute = model.sort_key.as_ref().map(|s| s.name.value.clone()).unwrap_or_default();
    for (index, group) in groups.iter_mut().enumerate() {
        if !group.kind.is_empty() {
            continue;
        }
        let shared = skeletons.iter().filter(|s| **s == skeletons[index]).count() > 1;
        let pk_word = if shared { None } else { words(&group.pk_shape).pop() };
        let word = pk_word
            .or_else(|| words(&group.sk_shape).into_iter().next())
            .or_else(|| {
                let pk = one_letters(&group.pk_shape).into_iter().map(|l| (l, &pk_attribute));
                let sk = one_letters(&group.sk_shape).into_iter().map(|l| (l, &sk_attribute));
                pk.chain(sk).find_map(|(letter, key)| expand_letter(letter, key, declared))
            })
            .unwrap_or_else(|| format!("{}Item", model.name.value));
        let name = rust_type_name(&word);
        group.name = if name.is_empty() { "Item".to_owned() } else { name };
        group.entity_type = group.name.clone();
    }
}
