//! `ProjectionExpression`: the document paths a read returns.
//!
//! The paths are merged into a tree once per request (rejecting overlapping paths, `a`
//! with `a.b`, and conflicting ones, `a.b` with `a[0]`, as DynamoDB does), then the tree
//! copies only what it names out of each item. Missing paths are left out; a list index
//! yields the element inside a list (`l[1]` gives `{"l": [element]}`), several indexes of
//! one list keep index order; a map or list none of whose requested parts exist is left
//! out altogether.

use std::collections::BTreeMap;

use super::eval::render_path;
use super::validate::MAX_NESTED_CONTAINERS;
use singletable_core::error::{Error, Result};
use singletable_core::expr::rules::PathClash;
use singletable_core::expr::{Path, PathElement};
use singletable_core::value::{AttributeValue, Item};

const PREFIX: &str = "Invalid ProjectionExpression: ";

/// A path longer than this reaches below the deepest value an item can hold, so it can
/// never match anything.
const MAX_USEFUL_PATH: usize = MAX_NESTED_CONTAINERS + 1;

/// A merged set of projection paths.
#[derive(Debug)]
pub(crate) struct Projection {
    root: Node,
}

#[derive(Debug)]
struct Node {
    /// The position of the path that created this node, for messages.
    origin: usize,
    kind: NodeKind,
}

#[derive(Debug)]
enum NodeKind {
    /// The whole value here is projected.
    Leaf,
    /// Some keys of a map.
    Map(BTreeMap<String, Node>),
    /// Some elements of a list.
    List(BTreeMap<usize, Node>),
}

fn clash(how: PathClash, prefix: &str, paths: &[Path], one: usize, two: usize) -> Error {
    // Positions index `paths` by construction; an empty path stands in otherwise.
    let nth =
        |position: usize| paths.get(position).cloned().unwrap_or(Path { elements: Vec::new() });
    Error::validation(format!("{prefix}{}", how.message(&nth(one), &nth(two))))
}

fn overlap(prefix: &str, paths: &[Path], one: usize, two: usize) -> Error {
    clash(PathClash::Overlap, prefix, paths, one, two)
}

fn conflict(prefix: &str, paths: &[Path], one: usize, two: usize) -> Error {
    clash(PathClash::Conflict, prefix, paths, one, two)
}

fn kind_for(next: &PathElement) -> NodeKind {
    match next {
        PathElement::Attribute(_) => NodeKind::Map(BTreeMap::new()),
        PathElement::Index(_) => NodeKind::List(BTreeMap::new()),
    }
}

impl Projection {
    /// Merges `paths`, rejecting empty, overlapping and conflicting ones.
    pub fn new(paths: &[Path]) -> Result<Projection> {
        if paths.is_empty() {
            return Err(Error::validation(format!("{PREFIX}The expression can not be empty;")));
        }
        Projection::merge(paths, PREFIX)
    }

    /// Merges `paths` (not empty), rejecting overlapping and conflicting ones with
    /// messages that start with `prefix` (`Invalid UpdateExpression: ` for the paths an
    /// update writes, which follow the same rules).
    pub fn merge(paths: &[Path], prefix: &str) -> Result<Projection> {
        let mut root = Node { origin: 0, kind: NodeKind::Map(BTreeMap::new()) };
        for (position, path) in paths.iter().enumerate() {
            if !matches!(path.elements.first(), Some(PathElement::Attribute(_))) {
                return Err(Error::validation(format!(
                    "{prefix}A document path must start with an attribute name; path: {}",
                    render_path(path)
                )));
            }
            if path.elements.len() <= MAX_USEFUL_PATH {
                insert(&mut root, &path.elements, paths, position, prefix)?;
            }
        }
        Ok(Projection { root })
    }

    /// The projected copy of `item`.
    pub fn apply(&self, item: &Item) -> Item {
        match &self.root.kind {
            NodeKind::Map(children) => project_map(item, children),
            NodeKind::Leaf | NodeKind::List(_) => Item::new(),
        }
    }
}

/// Adds `elements` (the path at `position` in `paths`) to the tree.
fn insert(
    root: &mut Node,
    elements: &[PathElement],
    paths: &[Path],
    position: usize,
    prefix: &str,
) -> Result<()> {
    let mut node = root;
    for (depth, element) in elements.iter().enumerate() {
        let next = elements.get(depth + 1);
        let origin = node.origin;
        let child = match (&mut node.kind, element) {
            (NodeKind::Leaf, _) => return Err(overlap(prefix, paths, origin, position)),
            (NodeKind::Map(children), PathElement::Attribute(name)) => {
                children.entry(name.clone()).or_insert_with(|| Node {
                    origin: position,
                    kind: next.map_or(NodeKind::Leaf, kind_for),
                })
            }
            (NodeKind::List(children), PathElement::Index(index)) => {
                children.entry(*index).or_insert_with(|| Node {
                    origin: position,
                    kind: next.map_or(NodeKind::Leaf, kind_for),
                })
            }
            (NodeKind::Map(_), PathElement::Index(_))
            | (NodeKind::List(_), PathElement::Attribute(_)) => {
                return Err(conflict(prefix, paths, origin, position))
            }
        };
        if child.origin != position && next.is_none() {
            // The new path ends where an earlier one passes or ends.
            return Err(overlap(prefix, paths, child.origin, position));
        }
        node = child;
    }
    Ok(())
}

fn project_map(source: &Item, children: &BTreeMap<String, Node>) -> Item {
    children
        .iter()
        .filter_map(|(name, node)| {
            let value = project_value(source.get(name)?, node)?;
            Some((name.clone(), value))
        })
        .collect()
}

fn project_value(value: &AttributeValue, node: &Node) -> Option<AttributeValue> {
    match (&node.kind, value) {
        (NodeKind::Leaf, value) => Some(value.clone()),
        (NodeKind::Map(children), AttributeValue::M(map)) => {
            let projected = project_map(map, children);
            (!projected.is_empty()).then_some(AttributeValue::M(projected))
        }
        (NodeKind::List(children), AttributeValue::L(list)) => {
            let projected: Vec<AttributeValue> = children
                .iter()
                .filter_map(|(index, child)| project_value(list.get(*index)?, child))
                .collect();
            (!projected.is_empty()).then_some(AttributeValue::L(projected))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn map(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect()
    }

    fn sample() -> Item {
        map(&[
            ("a", s("1")),
            ("b", s("2")),
            (
                "m",
                AttributeValue::M(map(&[
                    ("x", s("mx")),
                    ("y", s("my")),
                    ("l", AttributeValue::L(vec![s("l0"), s("l1"), s("l2")])),
                ])),
            ),
            (
                "l",
                AttributeValue::L(vec![
                    s("e0"),
                    AttributeValue::M(map(&[("k", s("v")), ("j", s("w"))])),
                    s("e2"),
                ]),
            ),
        ])
    }

    fn project(paths: &[Path]) -> Item {
        Projection::new(paths).expect("valid paths").apply(&sample())
    }

    fn rejected(paths: &[Path]) -> String {
        match Projection::new(paths) {
            Err(Error::Validation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn top_level_attributes() {
        assert_eq!(
            project(&[Path::attribute("a"), Path::attribute("missing")]),
            map(&[("a", s("1"))])
        );
    }

    #[test]
    fn nested_paths_keep_their_structure() {
        let projected =
            project(&[Path::attribute("m").key("x"), Path::attribute("m").key("l").index(2)]);
        assert_eq!(
            projected,
            map(&[(
                "m",
                AttributeValue::M(map(&[("x", s("mx")), ("l", AttributeValue::L(vec![s("l2")]))]))
            )])
        );
    }

    #[test]
    fn list_indexes_give_elements_in_index_order() {
        let projected = project(&[Path::attribute("l").index(2), Path::attribute("l").index(0)]);
        assert_eq!(projected, map(&[("l", AttributeValue::L(vec![s("e0"), s("e2")]))]));
        let projected = project(&[Path::attribute("l").index(1).key("k")]);
        assert_eq!(
            projected,
            map(&[("l", AttributeValue::L(vec![AttributeValue::M(map(&[("k", s("v"))]))]))])
        );
    }

    #[test]
    fn missing_parts_are_left_out() {
        assert!(project(&[Path::attribute("l").index(9)]).is_empty());
        assert!(project(&[Path::attribute("m").key("nope")]).is_empty());
        assert!(project(&[Path::attribute("a").key("nope")]).is_empty(), "a is not a map");
        assert!(project(&[Path::attribute("m").index(0)]).is_empty(), "m is not a list");
        let mut deep = Path::attribute("m");
        for _ in 0..100 {
            deep = deep.key("x");
        }
        assert!(project(&[deep, Path::attribute("a")]).contains_key("a"));
    }

    #[test]
    fn overlapping_paths_are_rejected() {
        assert_eq!(
            rejected(&[Path::attribute("m").key("x"), Path::attribute("m")]),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, x], path two: [m]"
        );
        assert_eq!(
            rejected(&[Path::attribute("m"), Path::attribute("m").key("x")]),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, x]"
        );
        assert!(rejected(&[Path::attribute("a"), Path::attribute("a")]).contains("overlap"));
        // Siblings are fine.
        assert!(Projection::new(&[Path::attribute("m").key("x"), Path::attribute("m").key("y")])
            .is_ok());
        assert!(Projection::new(&[Path::attribute("l").index(0), Path::attribute("l").index(1)])
            .is_ok());
    }

    #[test]
    fn conflicting_paths_are_rejected() {
        assert_eq!(
            rejected(&[Path::attribute("m").key("x"), Path::attribute("m").index(0)]),
            "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [m, x], path two: [m, [0]]"
        );
    }

    #[test]
    fn empty_projections_and_paths_are_rejected() {
        assert_eq!(rejected(&[]), "Invalid ProjectionExpression: The expression can not be empty;");
        assert!(
            rejected(&[Path { elements: vec![] }]).starts_with("Invalid ProjectionExpression: ")
        );
        assert!(rejected(&[Path { elements: vec![PathElement::Index(0)] }])
            .starts_with("Invalid ProjectionExpression: "));
    }
}
