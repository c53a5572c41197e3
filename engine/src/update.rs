//! `UpdateItem`: an update expression's actions applied to one item, as DynamoDB applies
//! them.
//!
//! # Checks, in DynamoDB's order
//!
//! 1. Before the table is read (`ValidationException`, nothing looked up): every path
//!    starts with an attribute name; no two action paths overlap (`a` with `a.b`) or
//!    conflict (`a.b` with `a[0]`), checked in the order the expression is written
//!    (`SET`, `REMOVE`, `ADD`, `DELETE`); literal values are valid; the literal operands
//!    of `+`/`-` are numbers and those of `list_append` lists; `ADD` takes a number or a
//!    set and `DELETE` a set.
//! 2. After the table is found: no action may touch a key attribute.
//! 3. Under the table's lock: the condition, on the item as it is (an absent item is an
//!    empty one); then the actions, which may still fail on the item's data (a missing
//!    operand, a wrong type, a missing parent, number precision); then the new item is
//!    validated like a put (sets, nesting, index key types and emptiness, the 400 KB cap
//!    together with its LSI entries).
//!
//! # Applying the actions
//!
//! Every value is computed from the item as it was before the update (`SET a = :v, b = a`
//! gives `b` the old `a`). The writes then happen in an order that keeps list indexes
//! meaning what they meant in the old item: first the writes in place (map keys, list
//! elements that exist, top-level attributes), then the writes past the end of a list in
//! index order (each appends: `SET l[9]` on a 3-element list sets `l[3]`), then the
//! removals from the last path to the first, so removing `l[1]` and `l[2]` removes the
//! two old elements and shifts the rest.
//!
//! A missing item is created from its key. `REMOVE` and `DELETE` of a missing attribute
//! do nothing, but the path up to it must exist; a `DELETE` that empties a set removes the
//! attribute.
//!
//! # Return values
//!
//! `UPDATED_OLD` and `UPDATED_NEW` return the updated paths, not whole top-level
//! attributes: `SET m.a = :v` returns `{"m": {"a": …}}`, the way a `ProjectionExpression`
//! of the action paths would (real DynamoDB's behaviour; DynamoDB Local returns each whole
//! top-level attribute instead). `UPDATED_NEW` leaves out removed paths. A projection that
//! finds nothing returns no `Attributes` at all.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use super::catalog::Catalog;
use super::definition::TableDef;
use super::eval::resolve;
use super::items::{
    check_condition, check_condition_holds, check_condition_keys, local_index_entries_size,
    write_capacity,
};
use super::projection::Projection;
use super::validate::{
    check_index_keys, check_item_values, check_name, check_scalar_key_paths, check_value,
    request_primary_key,
};
use singletable_core::backend::{ReturnValues, UpdateItemInput, WriteItemOutput};
use singletable_core::error::{Error, Result};
use singletable_core::expr::{
    add_delete_operand_error, Path, PathElement, SetValue, UpdateAction, UpdateOperand,
};
use singletable_core::size::{item_size, MAX_ITEM_SIZE};
use singletable_core::value::{AttributeValue, Item};

use super::capacity::write_units;

const PREFIX: &str = "Invalid UpdateExpression: ";

fn invalid_path() -> Error {
    Error::validation("The document path provided in the update expression is invalid for update")
}

fn missing_operand() -> Error {
    Error::validation(
        "The provided expression refers to an attribute that does not exist in the item",
    )
}

fn wrong_type() -> Error {
    Error::validation("An operand in the update expression has an incorrect data type")
}

/// `UpdateItem`.
pub(crate) fn update_item(catalog: &Catalog, input: UpdateItemInput) -> Result<WriteItemOutput> {
    let UpdateItemInput {
        table_name,
        key,
        updates,
        condition,
        return_values,
        return_consumed_capacity,
        return_old_on_condition_failure,
    } = input;
    check_name(&table_name)?;
    let actions = Actions::check(&updates)?;
    check_condition(condition.as_ref())?;
    let handle = catalog.table(&table_name)?;
    let (def, outcome, new_item, new_size) = loop {
        let def = handle.def();
        let primary = request_primary_key(&def, &key)?;
        actions.check_keys(&def)?;
        check_scalar_key_paths(&def, actions.paths().iter().copied())?;
        check_condition_keys(&def, condition.as_ref())?;

        // A definition replaced meanwhile: check again (see `catalog`).
        let Some(mut table) = handle.write_current(&def) else { continue };
        let old = table.get(&primary);
        check_condition_holds(condition.as_ref(), old, return_old_on_condition_failure)?;
        let base = old.map_or_else(|| key.clone(), |old| Item::clone(&old.item));
        let new_item = actions.apply(base)?;
        check_new_item(&def, &new_item)?;
        let size = item_size(&new_item);
        let new_item = Arc::new(new_item);
        if size.saturating_add(local_index_entries_size(&def, &new_item, size)) > MAX_ITEM_SIZE {
            return Err(Error::validation(
                "Item size to update has exceeded the maximum allowed size",
            ));
        }
        let outcome = table.put(primary, Arc::clone(&new_item), size);
        drop(table);
        break (def, outcome, new_item, size);
    };

    let old_size = outcome.old.as_ref().map_or(0, |old| old.size);
    let table_units = write_units(new_size.max(old_size));
    let consumed_capacity =
        write_capacity(&def, return_consumed_capacity, table_units, &outcome.index_changes);
    let old_item = outcome.old.map(|old| old.item);
    let attributes = match return_values {
        ReturnValues::None => None,
        ReturnValues::AllOld => old_item.map(Arc::unwrap_or_clone),
        ReturnValues::AllNew => Some(Arc::unwrap_or_clone(new_item)),
        ReturnValues::UpdatedOld => old_item.and_then(|old| actions.updated(&old, |_| true)),
        ReturnValues::UpdatedNew => {
            actions.updated(&new_item, |action| !matches!(action, UpdateAction::Remove(_)))
        }
    };
    Ok(WriteItemOutput { attributes, consumed_capacity })
}

/// The new item's values, as a put checks them (sets, nesting, index keys).
pub(crate) fn check_new_item(def: &TableDef, item: &Item) -> Result<()> {
    check_item_values(item)?;
    check_index_keys(def, item)
}

/// The position of an action's clause in a written expression.
fn clause(action: &UpdateAction) -> u8 {
    match action {
        UpdateAction::Set(..) => 0,
        UpdateAction::Remove(_) => 1,
        UpdateAction::Add(..) => 2,
        UpdateAction::Delete(..) => 3,
    }
}

fn target(action: &UpdateAction) -> &Path {
    match action {
        UpdateAction::Set(path, _)
        | UpdateAction::Remove(path)
        | UpdateAction::Add(path, _)
        | UpdateAction::Delete(path, _) => path,
    }
}

/// A literal operand's validity, as DynamoDB checks `ExpressionAttributeValues`.
fn check_literal(value: &AttributeValue) -> Result<()> {
    check_value(value).map_err(|message| {
        Error::validation(format!("ExpressionAttributeValues contains invalid value: {message}"))
    })
}

fn check_path(path: &Path) -> Result<()> {
    match path.elements.first() {
        Some(PathElement::Attribute(_)) => {}
        _ => {
            return Err(Error::validation(format!(
                "{PREFIX}A document path must start with an attribute name"
            )))
        }
    }
    if path.elements.iter().any(|e| matches!(e, PathElement::Attribute(name) if name.is_empty())) {
        return Err(Error::validation(
            "ExpressionAttributeNames contains invalid value: Empty attribute name",
        ));
    }
    Ok(())
}

/// One write the actions make.
#[derive(Debug)]
enum Effect<'a> {
    /// Store a value at a path.
    Put(&'a Path, AttributeValue),
    /// Remove the value at a path.
    Remove(&'a Path),
}

/// The checked actions of one update, in the order the expression is written.
pub(crate) struct Actions<'a> {
    ordered: Vec<&'a UpdateAction>,
}

impl<'a> Actions<'a> {
    /// The checks DynamoDB makes before reading anything.
    pub(crate) fn check(updates: &'a [UpdateAction]) -> Result<Actions<'a>> {
        let mut ordered: Vec<&UpdateAction> = updates.iter().collect();
        ordered.sort_by_key(|action| clause(action));
        for action in &ordered {
            check_path(target(action))?;
            match action {
                UpdateAction::Set(_, value) => check_set_value(value)?,
                UpdateAction::Remove(_) => {}
                UpdateAction::Add(_, value) => {
                    check_literal(value)?;
                    if let Some(message) = add_delete_operand_error(false, value) {
                        return Err(Error::validation(format!("{PREFIX}{message}")));
                    }
                }
                UpdateAction::Delete(_, value) => {
                    check_literal(value)?;
                    if let Some(message) = add_delete_operand_error(true, value) {
                        return Err(Error::validation(format!("{PREFIX}{message}")));
                    }
                }
            }
        }
        if !ordered.is_empty() {
            let paths: Vec<Path> = ordered.iter().map(|action| target(action).clone()).collect();
            Projection::merge(&paths, PREFIX)?;
        }
        Ok(Actions { ordered })
    }

    /// No action may write a key attribute.
    pub(crate) fn check_keys(&self, def: &TableDef) -> Result<()> {
        for action in &self.ordered {
            if let Some(PathElement::Attribute(name)) = target(action).elements.first() {
                if def.key_attributes().any(|key| key.name == *name) {
                    return Err(Error::validation(format!(
                        "One or more parameter values were invalid: Cannot update attribute {name}. This attribute is part of the key"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Every path the actions write or read, in order.
    pub(crate) fn paths(&self) -> Vec<&'a Path> {
        fn operand<'o>(value: &'o UpdateOperand, out: &mut Vec<&'o Path>) {
            match value {
                UpdateOperand::Path(path) => out.push(path),
                UpdateOperand::Value(_) => {}
                UpdateOperand::IfNotExists(path, fallback) => {
                    out.push(path);
                    operand(fallback, out);
                }
                UpdateOperand::ListAppend(first, second) => {
                    operand(first, out);
                    operand(second, out);
                }
            }
        }
        let mut out = Vec::new();
        for action in &self.ordered {
            out.push(target(action));
            if let UpdateAction::Set(_, value) = action {
                match value {
                    SetValue::Operand(single) => operand(single, &mut out),
                    SetValue::Plus(left, right) | SetValue::Minus(left, right) => {
                        operand(left, &mut out);
                        operand(right, &mut out);
                    }
                }
            }
        }
        out
    }

    /// The item after the actions (see the module docs for the order of the writes).
    pub(crate) fn apply(&self, mut item: Item) -> Result<Item> {
        let mut effects = Vec::with_capacity(self.ordered.len());
        for action in &self.ordered {
            match action {
                UpdateAction::Set(path, value) => {
                    effects.push(Effect::Put(path, set_value(value, &item)?));
                }
                UpdateAction::Remove(path) => effects.push(Effect::Remove(path)),
                UpdateAction::Add(path, operand) => {
                    let value = match resolve(&item, path) {
                        None => operand.clone(),
                        Some(current) => add(current, operand)?,
                    };
                    effects.push(Effect::Put(path, value));
                }
                UpdateAction::Delete(path, operand) => match resolve(&item, path) {
                    None => check_parent(&item, path)?,
                    Some(current) => match delete(current, operand)? {
                        Some(rest) => effects.push(Effect::Put(path, rest)),
                        None => effects.push(Effect::Remove(path)),
                    },
                },
            }
        }
        // In place, then appends by index, then removals from the last path to the first.
        // Removing an element past the end of a list removes nothing, even when a write
        // of the same update appends there.
        let mut keyed: Vec<(u8, usize, Effect<'_>)> = effects
            .into_iter()
            .filter_map(|effect| match &effect {
                Effect::Put(path, _) => match append_index(&item, path) {
                    Some(index) => Some((1, index, effect)),
                    None => Some((0, 0, effect)),
                },
                Effect::Remove(path) => {
                    append_index(&item, path).is_none().then_some((2, 0, effect))
                }
            })
            .collect();
        keyed.sort_by(|a, b| {
            a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then_with(|| match (&a.2, &b.2) {
                (Effect::Remove(x), Effect::Remove(y)) => compare_paths(y, x),
                _ => Ordering::Equal,
            })
        });
        for (_, _, effect) in keyed {
            match effect {
                Effect::Put(path, value) => put(&mut item, path, value)?,
                Effect::Remove(path) => remove(&mut item, path)?,
            }
        }
        Ok(item)
    }

    /// The updated paths of `item` that `keep` selects, as a projection; `None` when
    /// none of them is there.
    fn updated(&self, item: &Item, keep: impl Fn(&UpdateAction) -> bool) -> Option<Item> {
        let paths: Vec<Path> = self
            .ordered
            .iter()
            .filter(|action| keep(action))
            .map(|action| target(action).clone())
            .collect();
        if paths.is_empty() {
            return None;
        }
        let projected = Projection::merge(&paths, PREFIX).ok()?.apply(item);
        (!projected.is_empty()).then_some(projected)
    }
}

/// Static checks of a `SET` value: literals valid, arithmetic on numbers, `list_append`
/// on lists.
fn check_set_value(value: &SetValue) -> Result<()> {
    match value {
        SetValue::Operand(operand) => check_operand(operand),
        SetValue::Plus(left, right) | SetValue::Minus(left, right) => {
            let symbol = if matches!(value, SetValue::Plus(..)) { "+" } else { "-" };
            for operand in [left, right] {
                check_operand(operand)?;
                if let UpdateOperand::Value(literal) = operand {
                    if !matches!(literal, AttributeValue::N(_)) {
                        return Err(incorrect_operand(symbol, literal));
                    }
                }
            }
            Ok(())
        }
    }
}

fn incorrect_operand(function: &str, literal: &AttributeValue) -> Error {
    Error::validation(format!(
        "{PREFIX}Incorrect operand type for operator or function; operator or function: {function}, operand type: {}",
        literal.attribute_type()
    ))
}

fn check_operand(operand: &UpdateOperand) -> Result<()> {
    match operand {
        UpdateOperand::Path(path) => check_path(path),
        UpdateOperand::Value(value) => check_literal(value),
        UpdateOperand::IfNotExists(path, fallback) => {
            check_path(path)?;
            check_operand(fallback)
        }
        UpdateOperand::ListAppend(first, second) => {
            for operand in [first, second] {
                check_operand(operand)?;
                if let UpdateOperand::Value(literal) = operand.as_ref() {
                    if !matches!(literal, AttributeValue::L(_)) {
                        return Err(incorrect_operand("list_append", literal));
                    }
                }
            }
            Ok(())
        }
    }
}

/// The value of a `SET` right-hand side, computed from the item before the update.
fn set_value(value: &SetValue, item: &Item) -> Result<AttributeValue> {
    let arithmetic = |left: &UpdateOperand, right: &UpdateOperand, plus: bool| {
        let (left, right) = (operand(left, item)?, operand(right, item)?);
        match (left, right) {
            (AttributeValue::N(a), AttributeValue::N(b)) => {
                let result = if plus { a.try_add(&b) } else { a.try_sub(&b) };
                result.map(AttributeValue::N).map_err(|e| Error::validation(e.to_string()))
            }
            _ => Err(wrong_type()),
        }
    };
    match value {
        SetValue::Operand(single) => operand(single, item),
        SetValue::Plus(left, right) => arithmetic(left, right, true),
        SetValue::Minus(left, right) => arithmetic(left, right, false),
    }
}

fn operand(operand_: &UpdateOperand, item: &Item) -> Result<AttributeValue> {
    match operand_ {
        UpdateOperand::Path(path) => resolve(item, path).cloned().ok_or_else(missing_operand),
        UpdateOperand::Value(value) => Ok(value.clone()),
        UpdateOperand::IfNotExists(path, fallback) => match resolve(item, path) {
            Some(value) => Ok(value.clone()),
            None => operand(fallback, item),
        },
        UpdateOperand::ListAppend(first, second) => {
            match (operand(first, item)?, operand(second, item)?) {
                (AttributeValue::L(mut first), AttributeValue::L(second)) => {
                    first.extend(second);
                    Ok(AttributeValue::L(first))
                }
                _ => Err(wrong_type()),
            }
        }
    }
}

fn union<T: Clone + Hash + Eq>(current: &[T], added: &[T]) -> Vec<T> {
    let mut seen: HashSet<&T> = current.iter().collect();
    let mut out = current.to_vec();
    for member in added {
        if seen.insert(member) {
            out.push(member.clone());
        }
    }
    out
}

fn difference<T: Clone + Hash + Eq>(current: &[T], removed: &[T]) -> Vec<T> {
    let removed: HashSet<&T> = removed.iter().collect();
    current.iter().filter(|member| !removed.contains(member)).cloned().collect()
}

/// `ADD`: a sum of numbers or a union of sets of one type.
fn add(current: &AttributeValue, operand: &AttributeValue) -> Result<AttributeValue> {
    Ok(match (current, operand) {
        (AttributeValue::N(a), AttributeValue::N(b)) => {
            AttributeValue::N(a.try_add(b).map_err(|e| Error::validation(e.to_string()))?)
        }
        (AttributeValue::Ss(a), AttributeValue::Ss(b)) => AttributeValue::Ss(union(a, b)),
        (AttributeValue::Ns(a), AttributeValue::Ns(b)) => AttributeValue::Ns(union(a, b)),
        (AttributeValue::Bs(a), AttributeValue::Bs(b)) => AttributeValue::Bs(union(a, b)),
        _ => return Err(wrong_type()),
    })
}

/// `DELETE`: the set without the operand's members; `None` when nothing is left.
fn delete(current: &AttributeValue, operand: &AttributeValue) -> Result<Option<AttributeValue>> {
    let rest = match (current, operand) {
        (AttributeValue::Ss(a), AttributeValue::Ss(b)) => AttributeValue::Ss(difference(a, b)),
        (AttributeValue::Ns(a), AttributeValue::Ns(b)) => AttributeValue::Ns(difference(a, b)),
        (AttributeValue::Bs(a), AttributeValue::Bs(b)) => AttributeValue::Bs(difference(a, b)),
        _ => return Err(wrong_type()),
    };
    let empty = match &rest {
        AttributeValue::Ss(set) => set.is_empty(),
        AttributeValue::Ns(set) => set.is_empty(),
        AttributeValue::Bs(set) => set.is_empty(),
        _ => false,
    };
    Ok((!empty).then_some(rest))
}

/// Orders paths element by element (for removing the last ones first).
fn compare_paths(a: &Path, b: &Path) -> Ordering {
    for (x, y) in a.elements.iter().zip(&b.elements) {
        let order = match (x, y) {
            (PathElement::Attribute(x), PathElement::Attribute(y)) => x.cmp(y),
            (PathElement::Index(x), PathElement::Index(y)) => x.cmp(y),
            (PathElement::Attribute(_), PathElement::Index(_)) => Ordering::Less,
            (PathElement::Index(_), PathElement::Attribute(_)) => Ordering::Greater,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.elements.len().cmp(&b.elements.len())
}

/// The index of a write past the end of an existing list, if `path` is one.
fn append_index(item: &Item, path: &Path) -> Option<usize> {
    let (last, parents) = path.elements.split_last()?;
    let PathElement::Index(index) = last else { return None };
    match resolve(item, &Path { elements: parents.to_vec() })? {
        AttributeValue::L(list) if *index >= list.len() => Some(*index),
        _ => None,
    }
}

fn resolve_mut<'i>(item: &'i mut Item, elements: &[PathElement]) -> Option<&'i mut AttributeValue> {
    let (first, rest) = elements.split_first()?;
    let PathElement::Attribute(name) = first else { return None };
    rest.iter().try_fold(item.get_mut(name)?, |value, element| match (value, element) {
        (AttributeValue::M(map), PathElement::Attribute(name)) => map.get_mut(name),
        (AttributeValue::L(list), PathElement::Index(index)) => list.get_mut(*index),
        _ => None,
    })
}

/// Stores `value` at `path`: the parent must exist and hold the right kind of container;
/// an index past the end of a list appends.
fn put(item: &mut Item, path: &Path, value: AttributeValue) -> Result<()> {
    let Some((last, parents)) = path.elements.split_last() else { return Err(invalid_path()) };
    if parents.is_empty() {
        let PathElement::Attribute(name) = last else { return Err(invalid_path()) };
        item.insert(name.clone(), value);
        return Ok(());
    }
    match (resolve_mut(item, parents).ok_or_else(invalid_path)?, last) {
        (AttributeValue::M(map), PathElement::Attribute(name)) => {
            map.insert(name.clone(), value);
        }
        (AttributeValue::L(list), PathElement::Index(index)) => match list.get_mut(*index) {
            Some(slot) => *slot = value,
            None => list.push(value),
        },
        _ => return Err(invalid_path()),
    }
    Ok(())
}

/// Removes the value at `path` (nothing when it is missing); the parent must exist and
/// hold the right kind of container.
fn remove(item: &mut Item, path: &Path) -> Result<()> {
    let Some((last, parents)) = path.elements.split_last() else { return Err(invalid_path()) };
    if parents.is_empty() {
        let PathElement::Attribute(name) = last else { return Err(invalid_path()) };
        item.remove(name);
        return Ok(());
    }
    match (resolve_mut(item, parents).ok_or_else(invalid_path)?, last) {
        (AttributeValue::M(map), PathElement::Attribute(name)) => {
            map.remove(name);
        }
        (AttributeValue::L(list), PathElement::Index(index)) => {
            if *index < list.len() {
                list.remove(*index);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

/// The parent of `path` exists and is the container its last step needs.
fn check_parent(item: &Item, path: &Path) -> Result<()> {
    let Some((last, parents)) = path.elements.split_last() else { return Err(invalid_path()) };
    if parents.is_empty() {
        return Ok(());
    }
    match (resolve(item, &Path { elements: parents.to_vec() }), last) {
        (Some(AttributeValue::M(_)), PathElement::Attribute(_))
        | (Some(AttributeValue::L(_)), PathElement::Index(_)) => Ok(()),
        _ => Err(invalid_path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use singletable_core::number::Number;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).expect("a valid number"))
    }

    fn l(values: &[AttributeValue]) -> AttributeValue {
        AttributeValue::L(values.to_vec())
    }

    fn ss(members: &[&str]) -> AttributeValue {
        AttributeValue::Ss(members.iter().map(|m| (*m).to_owned()).collect())
    }

    fn map(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
    }

    fn p(name: &str) -> Path {
        Path::attribute(name)
    }

    fn val(value: AttributeValue) -> UpdateOperand {
        UpdateOperand::Value(value)
    }

    fn set(path: Path, value: AttributeValue) -> UpdateAction {
        UpdateAction::Set(path, SetValue::Operand(val(value)))
    }

    fn sample() -> Item {
        map(&[
            ("pk", s("a")),
            ("l", l(&[s("x"), s("y"), s("z")])),
            ("m", AttributeValue::M(map(&[("a", AttributeValue::M(map(&[("b", s("old"))])))]))),
            ("n", n("1")),
            ("s", s("str")),
            ("ss", ss(&["a", "b"])),
        ])
    }

    fn applied(actions: &[UpdateAction]) -> Result<Item> {
        Actions::check(actions)?.apply(sample())
    }

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn list_writes_keep_old_indexes() {
        let item = applied(&[
            UpdateAction::Remove(p("l").index(2)),
            UpdateAction::Remove(p("l").index(0)),
        ])
        .expect("applied");
        assert_eq!(item["l"], l(&[s("y")]));

        let item =
            applied(&[set(p("l").index(1), s("new")), UpdateAction::Remove(p("l").index(0))])
                .expect("applied");
        assert_eq!(item["l"], l(&[s("new"), s("z")]));

        // Writes past the end append in index order, whatever the action order.
        let item = applied(&[set(p("l").index(6), s("B")), set(p("l").index(5), s("A"))])
            .expect("applied");
        assert_eq!(item["l"], l(&[s("x"), s("y"), s("z"), s("A"), s("B")]));

        let item = applied(&[set(p("l").index(9), s("A")), UpdateAction::Remove(p("l").index(0))])
            .expect("applied");
        assert_eq!(item["l"], l(&[s("y"), s("z"), s("A")]));
        let item = applied(&[UpdateAction::Remove(p("l").index(10))]).expect("applied");
        assert_eq!(item["l"], sample()["l"]);
        // The removal refers to the old list, which has no l[3]: the append stays.
        let item = applied(&[set(p("l").index(7), s("A")), UpdateAction::Remove(p("l").index(3))])
            .expect("applied");
        assert_eq!(item["l"], l(&[s("x"), s("y"), s("z"), s("A")]));
    }

    #[test]
    fn values_come_from_the_old_item() {
        let item = applied(&[
            set(p("s"), s("NEW")),
            UpdateAction::Set(p("copy"), SetValue::Operand(UpdateOperand::Path(p("s")))),
        ])
        .expect("applied");
        assert_eq!((item["s"].clone(), item["copy"].clone()), (s("NEW"), s("str")));
    }

    #[test]
    fn arithmetic_and_functions() {
        let item = applied(&[
            UpdateAction::Set(p("n"), SetValue::Plus(UpdateOperand::Path(p("n")), val(n("2.5")))),
            UpdateAction::Set(
                p("k"),
                SetValue::Minus(
                    UpdateOperand::IfNotExists(p("missing"), Box::new(val(n("10")))),
                    val(n("3")),
                ),
            ),
            UpdateAction::Set(
                p("l"),
                SetValue::Operand(UpdateOperand::ListAppend(
                    Box::new(val(l(&[s("w")]))),
                    Box::new(UpdateOperand::Path(p("l"))),
                )),
            ),
        ])
        .expect("applied");
        assert_eq!(item["n"], n("3.5"));
        assert_eq!(item["k"], n("7"));
        assert_eq!(item["l"], l(&[s("w"), s("x"), s("y"), s("z")]));
    }

    #[test]
    fn runtime_operand_errors() {
        let missing = applied(&[UpdateAction::Set(
            p("a"),
            SetValue::Plus(UpdateOperand::Path(p("nope")), val(n("1"))),
        )]);
        assert_eq!(
            message(missing),
            "The provided expression refers to an attribute that does not exist in the item"
        );
        let wrong = applied(&[UpdateAction::Set(
            p("a"),
            SetValue::Plus(UpdateOperand::Path(p("s")), val(n("1"))),
        )]);
        assert_eq!(
            message(wrong),
            "An operand in the update expression has an incorrect data type"
        );
        let precision = applied(&[UpdateAction::Add(p("n"), n("1E-38"))]);
        assert_eq!(message(precision), "DynamoDB only supports precision up to 38 digits");
        assert_eq!(
            message(applied(&[UpdateAction::Add(p("ss"), AttributeValue::Ns(vec![]))])),
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An number set  may not be empty"
        );
    }

    #[test]
    fn sets_and_counters() {
        let item = applied(&[
            UpdateAction::Add(p("ss"), ss(&["b", "c"])),
            UpdateAction::Add(p("count"), n("5")),
            UpdateAction::Add(p("n"), n("-1")),
        ])
        .expect("applied");
        assert_eq!(item["ss"], ss(&["a", "b", "c"]));
        assert_eq!((item["count"].clone(), item["n"].clone()), (n("5"), n("0")));
        let item =
            applied(&[UpdateAction::Delete(p("ss"), ss(&["a", "b", "q"]))]).expect("applied");
        assert!(!item.contains_key("ss"), "emptied sets disappear");
        let item = applied(&[UpdateAction::Delete(p("nothing"), ss(&["a"]))]).expect("applied");
        assert_eq!(item, sample());
        assert_eq!(
            message(applied(&[UpdateAction::Add(
                p("ss"),
                AttributeValue::Ns(vec![Number::from(1u8)])
            )])),
            "An operand in the update expression has an incorrect data type"
        );
    }

    #[test]
    fn paths_must_exist_up_to_the_parent() {
        let invalid = "The document path provided in the update expression is invalid for update";
        assert_eq!(message(applied(&[set(p("nomap").key("a"), s("v"))])), invalid);
        assert_eq!(message(applied(&[set(p("s").key("a"), s("v"))])), invalid);
        assert_eq!(message(applied(&[set(p("m").index(0), s("v"))])), invalid);
        assert_eq!(message(applied(&[set(p("l").index(10).key("x"), s("v"))])), invalid);
        assert_eq!(message(applied(&[UpdateAction::Remove(p("m").key("zz").key("yy"))])), invalid);
        assert_eq!(
            message(applied(&[UpdateAction::Delete(p("zz").key("y"), ss(&["a"]))])),
            invalid
        );
        let item = applied(&[UpdateAction::Remove(p("m").key("zz"))]).expect("a missing leaf");
        assert_eq!(item, sample());
        let item = applied(&[set(p("m").key("a").key("c"), s("v"))]).expect("applied");
        assert_eq!(
            item["m"],
            AttributeValue::M(map(&[(
                "a",
                AttributeValue::M(map(&[("b", s("old")), ("c", s("v"))]))
            )]))
        );
    }

    #[test]
    fn static_checks() {
        assert_eq!(
            message(Actions::check(&[set(p("m").key("k"), s("v")), set(p("m"), s("w"))]).map(|_| ())),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, k], path two: [m]"
        );
        // Clause order decides which path is "one".
        assert!(message(
            Actions::check(&[UpdateAction::Remove(p("l").index(0)), set(p("l").index(0), s("v"))])
                .map(|_| ())
        )
        .ends_with("path one: [l, [0]], path two: [l, [0]]"));
        assert!(message(
            Actions::check(&[set(p("m").key("a"), s("v")), set(p("m").index(0), s("w"))])
                .map(|_| ())
        )
        .contains("Two document paths conflict"));
        assert_eq!(
            message(
                Actions::check(&[UpdateAction::Set(
                    p("a"),
                    SetValue::Plus(val(n("1")), val(s("x")))
                )])
                .map(|_| ())
            ),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"
        );
        assert!(message(
            Actions::check(&[UpdateAction::Set(
                p("a"),
                SetValue::Operand(UpdateOperand::ListAppend(
                    Box::new(UpdateOperand::Path(p("l"))),
                    Box::new(val(s("x")))
                ))
            )])
            .map(|_| ())
        )
        .ends_with("operator or function: list_append, operand type: S"));
        assert_eq!(
            message(Actions::check(&[UpdateAction::Add(p("a"), s("x"))]).map(|_| ())),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"
        );
        assert_eq!(
            message(Actions::check(&[UpdateAction::Delete(p("a"), n("1"))]).map(|_| ())),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"
        );
        assert!(Actions::check(&[]).is_ok());
    }

    #[test]
    fn updated_values_are_the_action_paths() {
        let actions = [set(p("m").key("a").key("b"), s("new")), UpdateAction::Remove(p("n"))];
        let checked = Actions::check(&actions).expect("checked");
        let old = sample();
        let new = checked.apply(old.clone()).expect("applied");
        assert_eq!(
            checked.updated(&old, |_| true),
            Some(map(&[
                ("m", AttributeValue::M(map(&[("a", AttributeValue::M(map(&[("b", s("old"))])))]))),
                ("n", n("1")),
            ]))
        );
        let keep_new = |action: &UpdateAction| !matches!(action, UpdateAction::Remove(_));
        assert_eq!(
            checked.updated(&new, keep_new),
            Some(map(&[(
                "m",
                AttributeValue::M(map(&[("a", AttributeValue::M(map(&[("b", s("new"))])))]))
            )]))
        );
        let removal = [UpdateAction::Remove(p("n"))];
        let checked = Actions::check(&removal).expect("checked");
        assert_eq!(checked.updated(&sample(), keep_new), None);
    }
}
