//! Key conditions: the key condition of a query checked as DynamoDB checks it, then
//! turned into the range of a partition to read.

use super::*;
use singletable_core::expr::rules::between_bounds_error;

/// The key condition as one list of tests by attribute name, checked the way DynamoDB
/// checks the expression before it looks at the schema.
pub(super) fn key_conditions(condition: &KeyCondition) -> Result<Vec<(&str, SortKeyCondition)>> {
    let conditions: Vec<(&str, SortKeyCondition)> = condition
        .partition
        .iter()
        .map(|(name, value)| (name.as_str(), SortKeyCondition::Eq(value.clone())))
        .chain(condition.sort.iter().map(|(name, test)| (name.as_str(), test.clone())))
        .collect();
    if conditions.is_empty() {
        return Err(Error::validation(format!("{KEY_CONDITION}The expression can not be empty;")));
    }
    for (position, (name, test)) in conditions.iter().enumerate() {
        if conditions[..position].iter().any(|(other, _)| other == name) {
            return Err(Error::validation(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
        for value in test_values(test) {
            check_value(value).map_err(|message| {
                Error::validation(format!(
                    "ExpressionAttributeValues contains invalid value: {message}"
                ))
            })?;
        }
        match test {
            SortKeyCondition::Between(low, high) => {
                if let Some(message) = between_bounds_error(low, high) {
                    return Err(Error::validation(format!("{KEY_CONDITION}{message}")));
                }
            }
            SortKeyCondition::BeginsWith(prefix)
                if !matches!(prefix, AttributeValue::S(_) | AttributeValue::B(_)) =>
            {
                return Err(Error::validation(format!(
                    "{KEY_CONDITION}Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                    prefix.attribute_type()
                )));
            }
            _ => {}
        }
    }
    Ok(conditions)
}

pub(super) fn test_values(test: &SortKeyCondition) -> Vec<&AttributeValue> {
    match test {
        SortKeyCondition::Eq(v)
        | SortKeyCondition::Lt(v)
        | SortKeyCondition::Le(v)
        | SortKeyCondition::Gt(v)
        | SortKeyCondition::Ge(v)
        | SortKeyCondition::BeginsWith(v) => vec![v],
        SortKeyCondition::Between(low, high) => vec![low, high],
    }
}

/// The test on the sort attribute after the equality prefix.
#[derive(Debug, Clone)]
pub(super) enum RangeTest {
    Lt(KeyValue),
    Le(KeyValue),
    Gt(KeyValue),
    Ge(KeyValue),
    Between(KeyValue, KeyValue),
    BeginsWith(KeyValue),
}

impl RangeTest {
    pub(super) fn holds(&self, value: &KeyValue) -> bool {
        match self {
            RangeTest::Lt(v) => value < v,
            RangeTest::Le(v) => value <= v,
            RangeTest::Gt(v) => value > v,
            RangeTest::Ge(v) => value >= v,
            RangeTest::Between(low, high) => low <= value && value <= high,
            RangeTest::BeginsWith(prefix) => value.begins_with(prefix),
        }
    }
}

/// A key condition resolved against the key schema it reads.
#[derive(Debug)]
pub(super) struct KeyQuery {
    /// The partition key values, in key-schema order.
    pub(super) partition: Vec<KeyValue>,
    /// Equality on the first sort attributes.
    pub(super) prefix: Vec<KeyValue>,
    /// The test on the next sort attribute.
    pub(super) range: Option<RangeTest>,
    /// The types of the sort attributes.
    pub(super) sort_types: Vec<ScalarType>,
}

pub(super) fn mismatch() -> Error {
    Error::validation(format!("{INVALID}Condition parameter type does not match schema type"))
}

impl KeyQuery {
    pub(super) fn new(
        target: &Target<'_>,
        conditions: &[(&str, SortKeyCondition)],
    ) -> Result<KeyQuery> {
        let (partition, sort) = target.key_schema();
        let find = |name: &str| conditions.iter().find(|(n, _)| *n == name).map(|(_, t)| t);
        // A test on anything but a key attribute: DynamoDB says a key element is missing.
        if conditions.iter().any(|(name, _)| !partition.iter().chain(sort).any(|k| k.name == *name))
        {
            let missing = partition
                .iter()
                .chain(sort)
                .find(|k| find(&k.name).is_none())
                .or(partition.first())
                .map_or("", |k| k.name.as_str());
            return Err(missed(missing));
        }
        // Types, before the structure (as DynamoDB checks them).
        for attribute in partition.iter().chain(sort) {
            if let Some(test) = find(&attribute.name) {
                for value in test_values(test) {
                    let key = KeyValue::from_attribute(value, attribute.ty).ok_or_else(mismatch)?;
                    if matches!(test, SortKeyCondition::BeginsWith(_))
                        && attribute.ty == ScalarType::N
                    {
                        return Err(mismatch());
                    }
                    let empty = match &key {
                        KeyValue::S(s) => s.is_empty(),
                        KeyValue::B(b) => b.is_empty(),
                        KeyValue::N(_) => false,
                    };
                    if empty && partition.iter().any(|p| p.name == attribute.name) {
                        return Err(Error::validation(format!(
                            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {}",
                            if attribute.ty == ScalarType::B { "binary" } else { "string" },
                            attribute.name
                        )));
                    }
                }
            }
        }
        // Equality on every partition attribute.
        let not_equal: Vec<&str> = partition
            .iter()
            .filter(|k| !matches!(find(&k.name), Some(SortKeyCondition::Eq(_))))
            .map(|k| k.name.as_str())
            .collect();
        if !not_equal.is_empty() {
            if partition.len() > 1 {
                return Err(Error::validation(format!(
                    "HASH key attributes {} must have equality conditions specified in the query",
                    not_equal.join(", ")
                )));
            }
            return Err(match not_equal.first() {
                Some(name) if find(name).is_none() => missed(name),
                _ => Error::validation("Query key condition not supported"),
            });
        }
        // Sort attributes: a left-to-right prefix of equalities, then one test.
        if let Some(last) = sort.iter().rposition(|k| find(&k.name).is_some()) {
            let gaps: Vec<&str> = sort[..last]
                .iter()
                .filter(|k| !matches!(find(&k.name), Some(SortKeyCondition::Eq(_))))
                .map(|k| k.name.as_str())
                .collect();
            if !gaps.is_empty() {
                return Err(Error::validation(format!(
                    "RANGE key attributes {} must have equality conditions specified in the query because a condition is present on key attribute {}",
                    gaps.join(", "),
                    sort[last].name
                )));
            }
        }

        let key = |attribute: &KeyAttr, value: &AttributeValue| {
            KeyValue::from_attribute(value, attribute.ty).ok_or_else(mismatch)
        };
        let mut query = KeyQuery {
            partition: Vec::with_capacity(partition.len()),
            prefix: Vec::new(),
            range: None,
            sort_types: sort.iter().map(|k| k.ty).collect(),
        };
        for attribute in partition {
            if let Some(SortKeyCondition::Eq(value)) = find(&attribute.name) {
                query.partition.push(key(attribute, value)?);
            }
        }
        for attribute in sort {
            let Some(test) = find(&attribute.name) else { break };
            let range = match test {
                SortKeyCondition::Eq(v) => {
                    query.prefix.push(key(attribute, v)?);
                    continue;
                }
                SortKeyCondition::Lt(v) => RangeTest::Lt(key(attribute, v)?),
                SortKeyCondition::Le(v) => RangeTest::Le(key(attribute, v)?),
                SortKeyCondition::Gt(v) => RangeTest::Gt(key(attribute, v)?),
                SortKeyCondition::Ge(v) => RangeTest::Ge(key(attribute, v)?),
                SortKeyCondition::Between(low, high) => {
                    RangeTest::Between(key(attribute, low)?, key(attribute, high)?)
                }
                SortKeyCondition::BeginsWith(v) => RangeTest::BeginsWith(key(attribute, v)?),
            };
            query.range = Some(range);
            break;
        }
        Ok(query)
    }

    /// True when a sort key tuple satisfies the sort conditions.
    pub(super) fn sort_holds(&self, sort: &[KeyValue]) -> bool {
        sort.starts_with(&self.prefix)
            && self
                .range
                .as_ref()
                .is_none_or(|range| sort.get(self.prefix.len()).is_some_and(|v| range.holds(v)))
    }

    /// True when a start key lies in the queried partition and range.
    pub(super) fn holds_for(&self, start: &Start) -> bool {
        match start {
            Start::Table(key) => {
                std::slice::from_ref(&key.partition) == self.partition.as_slice()
                    && self.sort_holds(key.sort.as_slice())
            }
            Start::Index(partition, entry) => {
                **partition == *self.partition && self.sort_holds(&entry.sort)
            }
        }
    }

    /// A value above every value at sort position `position` (any value past the end).
    pub(super) fn above(&self, position: usize) -> KeyValue {
        self.sort_types
            .get(position)
            .map_or_else(|| KeyValue::S(String::new()), |ty| KeyValue::above_all(*ty))
    }

    /// The range of a table partition (one sort attribute, or none).
    pub(super) fn table_bounds(&self) -> (Bound<Option<KeyValue>>, Bound<Option<KeyValue>>) {
        use Bound::{Excluded, Included, Unbounded};
        if let Some(value) = self.prefix.first() {
            return (Included(Some(value.clone())), Included(Some(value.clone())));
        }
        let some = |v: &KeyValue| Some(v.clone());
        match &self.range {
            None => (Unbounded, Unbounded),
            Some(RangeTest::Lt(v)) => (Unbounded, Excluded(some(v))),
            Some(RangeTest::Le(v)) => (Unbounded, Included(some(v))),
            Some(RangeTest::Gt(v)) => (Excluded(some(v)), Unbounded),
            Some(RangeTest::Ge(v)) => (Included(some(v)), Unbounded),
            Some(RangeTest::Between(low, high)) => (Included(some(low)), Included(some(high))),
            Some(RangeTest::BeginsWith(prefix)) => (
                Included(some(prefix)),
                prefix.prefix_successor().map_or(Unbounded, |next| Excluded(Some(next))),
            ),
        }
    }

    /// The range of an index partition: entries are ordered by sort tuple, then table key.
    pub(super) fn index_bounds(&self) -> (Bound<IndexEntryKey>, Bound<IndexEntryKey>) {
        use Bound::{Excluded, Included};
        let at = |tail: &[KeyValue]| {
            let sort: Vec<KeyValue> = self.prefix.iter().chain(tail).cloned().collect();
            IndexEntryKey { sort: sort.into_boxed_slice(), table: PrimaryKey::min() }
        };
        let k = self.prefix.len();
        let top = at(&[self.above(k)]);
        match &self.range {
            None => (Included(at(&[])), Excluded(top)),
            Some(RangeTest::Lt(v)) => (Included(at(&[])), Excluded(at(std::slice::from_ref(v)))),
            Some(RangeTest::Le(v)) => {
                (Included(at(&[])), Excluded(at(&[v.clone(), self.above(k + 1)])))
            }
            Some(RangeTest::Gt(v)) => {
                (Included(at(&[v.clone(), self.above(k + 1)])), Excluded(top))
            }
            Some(RangeTest::Ge(v)) => (Included(at(std::slice::from_ref(v))), Excluded(top)),
            Some(RangeTest::Between(low, high)) => (
                Included(at(std::slice::from_ref(low))),
                Excluded(at(&[high.clone(), self.above(k + 1)])),
            ),
            Some(RangeTest::BeginsWith(prefix)) => (
                Included(at(std::slice::from_ref(prefix))),
                Excluded(prefix.prefix_successor().map_or(top, |next| at(&[next]))),
            ),
        }
    }
}

pub(super) fn missed(name: &str) -> Error {
    // DynamoDB Local leaves out `: <name>`.
    Error::validation(format!("Query condition missed key schema element: {name}"))
}

// ---------------------------------------------------------------------------------------
// Start keys
// ---------------------------------------------------------------------------------------

/// Where a page resumes: just after this position.
#[derive(Debug)]
pub(super) enum Start {
    /// A table position.
    Table(PrimaryKey),
    /// An index position: the index partition and the entry's key.
    Index(KeyTuple, IndexEntryKey),
}

impl Start {
    /// Checks `ExclusiveStartKey` against what is read (DynamoDB Local's messages).
    pub(super) fn new(target: &Target<'_>, key: &Item) -> Result<Start> {
        let attributes = target.start_key_attributes();
        let invalid = || {
            Error::validation(if target.is_global() {
                "The provided starting key is invalid"
            } else {
                "The provided starting key is invalid: The provided key element does not match the schema"
            })
        };
        if key.len() != attributes.len() {
            return Err(if target.is_global() {
                invalid()
            } else {
                Error::validation("Exclusive Start Key must have same size as table's key schema")
            });
        }
        let value = |attribute: &KeyAttr| {
            key.get(&attribute.name)
                .and_then(|value| KeyValue::from_attribute(value, attribute.ty))
                .ok_or_else(invalid)
        };
        for attribute in &attributes {
            value(attribute)?;
        }
        let table = PrimaryKey {
            partition: value(&target.def.partition_key)?,
            sort: target.def.sort_key.as_ref().map(value).transpose()?,
        };
        Ok(match target.index {
            None => Start::Table(table),
            Some((_, index)) => {
                let tuple = |attributes: &[KeyAttr]| -> Result<KeyTuple> {
                    attributes.iter().map(value).collect()
                };
                Start::Index(
                    tuple(&index.partition)?,
                    IndexEntryKey { sort: tuple(&index.sort)?, table },
                )
            }
        })
    }
}
