//! Nested updates whose parent maps may be missing:
//! [`Update::set_creating_parents`](crate::Update::set_creating_parents) and
//! [`Update::merge`](crate::Update::merge).
//!
//! DynamoDB refuses `SET a.b = :v` when the map `a` does not exist ("The document path
//! provided in the update expression is invalid for update"), and it refuses two paths
//! of one request that overlap ("Two document paths overlap with each other"), so
//! `SET a = if_not_exists(a, :empty), a.b = :v` is not a way out. What it allows is a
//! condition, and a second request:
//!
//! 1. `SET a.b = :v` with the condition `attribute_exists(a)` (joined to the request's
//!    other conditions) and `ReturnValuesOnConditionCheckFailure=ALL_OLD`. When `a`
//!    exists this is the only request.
//! 2. When the condition fails, the returned item shows which maps are missing: each
//!    nested path is rewritten to set its deepest missing map whole (`SET a = {b: :v}`),
//!    under `attribute_not_exists(a)` (and `attribute_exists` of the map above it), the
//!    other actions and conditions unchanged. Paths under the same missing map become one
//!    map. Should another writer create the map in between, the request is rebuilt from
//!    the item returned with that failure (up to three attempts in all).
//!
//! A failure the missing maps do not explain (the caller's condition, a version check,
//! a missing item for an update) is returned as it is: after the first request when the
//! parents exist, after the second when they were missing too. Cost: one write when the parents
//! exist; two writes (the failed conditional write is charged too) when they do not. A
//! missing list element cannot be created: a path through a missing list is refused
//! ([`Error::Invalid`]).

use crate::backend::{Backend, UpdateItemInput};
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::expr::{Condition, Path, PathElement, SetValue, UpdateAction, UpdateOperand};
use crate::lifecycle::VersionCheck;
use crate::value::{AttributeValue, Item};

/// The attempts of one update creating parents, the first included.
const ATTEMPTS: usize = 3;

/// The path of the map (or list) holding `path`'s last element.
pub(crate) fn parent(path: &Path) -> Path {
    let mut elements = path.elements.clone();
    elements.pop();
    Path { elements }
}

/// The leaves of `map` stored under `base`: every value that is not a non-empty map,
/// with its path.
pub(crate) fn leaves(base: Path, map: Item, out: &mut Vec<(Path, AttributeValue)>) {
    let mut entries: Vec<(String, AttributeValue)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in entries {
        let mut path = base.clone();
        path.elements.push(PathElement::Attribute(name));
        match value {
            AttributeValue::M(inner) if !inner.is_empty() => leaves(path, inner, out),
            other => out.push((path, other)),
        }
    }
}

/// The value at `path` in `item`, if it is there.
fn lookup<'a>(item: &'a Item, path: &[PathElement]) -> Option<&'a AttributeValue> {
    let (first, rest) = path.split_first()?;
    let PathElement::Attribute(name) = first else { return None };
    let mut value = item.get(name)?;
    for element in rest {
        value = match (element, value) {
            (PathElement::Attribute(name), AttributeValue::M(map)) => map.get(name)?,
            (PathElement::Index(i), AttributeValue::L(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// How many leading elements of `path`'s parent exist in `item` as maps or lists
/// (`parent length` when the parent exists).
fn existing_depth(item: &Item, path: &Path) -> usize {
    let parent_len = path.elements.len() - 1;
    (1..=parent_len)
        .take_while(|&n| {
            matches!(
                lookup(item, &path.elements[..n]),
                Some(AttributeValue::M(_) | AttributeValue::L(_))
            )
        })
        .count()
}

/// Inserts `value` at `rest` inside `map`, building the maps on the way.
fn insert_into(map: &mut Item, rest: &[String], value: AttributeValue) {
    let Some((first, tail)) = rest.split_first() else { return };
    if tail.is_empty() {
        map.insert(first.clone(), value);
        return;
    }
    let entry = map.entry(first.clone()).or_insert_with(|| AttributeValue::M(Item::new()));
    if !matches!(entry, AttributeValue::M(_)) {
        *entry = AttributeValue::M(Item::new());
    }
    if let AttributeValue::M(inner) = entry {
        insert_into(inner, tail, value);
    }
}

/// The request rewritten for the item as it was (`current`): each creating path whose
/// parent is missing sets its deepest missing map whole. `None` when every parent exists
/// (the failure was something else).
fn rewrite<E: Entity>(
    first: &UpdateItemInput,
    base: &Condition,
    creating: &[(Path, AttributeValue)],
    current: &Item,
) -> Result<Option<UpdateItemInput>> {
    // (the missing map's path, the map to store there)
    let mut groups: Vec<(Path, Item)> = Vec::new();
    let mut replaced: Vec<&Path> = Vec::new();
    let mut condition = base.clone();
    for (path, value) in creating {
        let depth = existing_depth(current, path);
        if depth == path.elements.len() - 1 {
            condition = condition.and(Condition::AttributeExists(parent(path)));
            continue;
        }
        let mut names = Vec::new();
        for element in &path.elements[depth..] {
            match element {
                PathElement::Attribute(name) => names.push(name.clone()),
                PathElement::Index(_) => {
                    return Err(Error::Invalid {
                        entity: E::SCHEMA.rust_name,
                        field: None,
                        message: format!(
                            "cannot create the missing parents of `{}`: a list element \
                             cannot be created, only maps",
                            path_text(path)
                        ),
                    })
                }
            }
        }
        let target = Path { elements: path.elements[..=depth].to_vec() };
        replaced.push(path);
        match groups.iter_mut().find(|(p, _)| *p == target) {
            Some((_, map)) => insert_into(map, &names[1..], value.clone()),
            None => {
                let mut map = Item::new();
                insert_into(&mut map, &names[1..], value.clone());
                groups.push((target, map));
            }
        }
    }
    if groups.is_empty() {
        return Ok(None);
    }
    let mut updates: Vec<UpdateAction> = first
        .updates
        .iter()
        .filter(|action| !matches!(action, UpdateAction::Set(path, _) if replaced.contains(&path)))
        .cloned()
        .collect();
    for (target, map) in groups {
        condition = condition.and(Condition::AttributeNotExists(target.clone()));
        if target.elements.len() > 1 {
            condition = condition.and(Condition::AttributeExists(parent(&target)));
        }
        updates.push(UpdateAction::Set(
            target,
            SetValue::Operand(UpdateOperand::Value(AttributeValue::M(map))),
        ));
    }
    Ok(Some(UpdateItemInput { updates, condition: Some(condition), ..first.clone() }))
}

/// Sends an update with creating paths (see the [module docs](self)).
pub(crate) async fn send_creating<E: Entity>(
    backend: &dyn Backend,
    input: UpdateItemInput,
    check: Option<VersionCheck>,
    creating: Vec<(Path, AttributeValue)>,
    upsert: bool,
) -> Result<Option<Item>> {
    // The request's conditions without the `attribute_exists(parent)` ones, which
    // `build_checked` added last, one per creating path.
    let Some(condition) = input.condition.clone() else {
        return Err(Error::validation("an update creating parents carries conditions"));
    };
    let base = strip_parent_conditions(condition, creating.len());
    let mut request = input.clone();
    for _ in 0..ATTEMPTS {
        let error = match backend.update_item(request.clone()).await {
            Ok(output) => return Ok(output.attributes),
            Err(error) => error,
        };
        let current = match &error {
            Error::ConditionalCheckFailed { item: Some(item), .. } => (**item).clone(),
            // An upsert of a missing item: every parent is missing.
            Error::ConditionalCheckFailed { item: None, .. } if upsert => Item::new(),
            _ => return Err(explain(error, check)),
        };
        if let Some(check) = &check {
            if check.fails_on(Some(&current).filter(|item| !item.is_empty())) {
                return Err(explain(error, Some(*check)));
            }
        }
        match rewrite::<E>(&input, &base, &creating, &current)? {
            Some(next) if next != request => request = next,
            _ => return Err(explain(error, check)),
        }
    }
    Err(Error::ConditionalCheckFailed { item: None, source: None })
}

fn explain(error: Error, check: Option<VersionCheck>) -> Error {
    match check {
        Some(check) => check.explain(error, false),
        None => error,
    }
}

/// `condition` without its last `n` conjuncts (the parent checks `build_checked`
/// appended with `and`).
fn strip_parent_conditions(mut condition: Condition, n: usize) -> Condition {
    for _ in 0..n {
        condition = match condition {
            Condition::And(left, _) => *left,
            other => other,
        };
    }
    condition
}

/// `a.b[0].c`, for messages.
fn path_text(path: &Path) -> String {
    let mut out = String::new();
    for element in &path.elements {
        match element {
            PathElement::Attribute(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathElement::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}
