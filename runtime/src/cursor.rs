//! Opaque pagination cursors.
//!
//! A [`Cursor`] is a URL-safe string (base64url, no padding) that a program can hand to
//! a web client and take back. It carries DynamoDB's `LastEvaluatedKey`, a fingerprint
//! of the query it came from (table, index, key condition, filter, direction, entity,
//! scan segment) and an integrity tag over both:
//!
//! - by default the tag is a SHA-256 digest: a cursor changed by accident or by hand, or
//!   one from another query, is refused with [`Error::InvalidCursor`]. Anyone who knows
//!   this format can still forge a cursor for the same query (the cursor is
//!   *tamper-evident*, not secret);
//! - with [`TableClient::with_cursor_secret`](crate::TableClient::with_cursor_secret)
//!   the tag is an HMAC-SHA256 under that secret: only the server can mint cursors
//!   (*tamper-proof*). Rotate the secret and old cursors are refused.
//!
//! Either way a cursor is checked against the query before it is used: its key must name
//! exactly the key attributes a page of that query stops at, and lie in the query's
//! partition. The key's values are readable by whoever holds the cursor (they are the
//! item's keys, not secrets).
//!
//! The cursor of a sharded query (`#[entity(shards = N)]`) has the same format, tag and
//! secret; its "key" holds one position per shard (`s0`..`s{N-1}`, each a `B` value), its
//! fingerprint names the shard count, and every per-shard key must lie in its own shard.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::expr::{
    Comparator, Condition, KeyCondition, Operand, Path, PathElement, SortKeyCondition,
};
use crate::number::Number;
use crate::value::{AttributeValue, Item};

const VERSION: u8 = 1;
const FINGERPRINT_LEN: usize = 8;
const TAG_LEN: usize = 16;

/// An opaque position in the results of one query or scan: hand it back with
/// `.cursor(c)` to read the next page.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor from its string form (as [`Cursor::as_str`] gave it). It is checked when a
    /// query uses it.
    pub fn new(text: impl Into<String>) -> Self {
        Cursor(text.into())
    }

    /// The URL-safe string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string form, consumed.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Cursor").field(&self.0).finish()
    }
}

impl From<String> for Cursor {
    fn from(text: String) -> Self {
        Cursor(text)
    }
}

impl From<&str> for Cursor {
    fn from(text: &str) -> Self {
        Cursor(text.to_owned())
    }
}

impl std::str::FromStr for Cursor {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        Ok(Cursor(text.to_owned()))
    }
}

/// The identity of a query or scan: cursors of one are refused by every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 32]);

/// Builds a [`Fingerprint`] from a canonical encoding of the query (maps in key order,
/// every value with its type), so equal queries always agree.
#[derive(Default)]
pub(crate) struct FingerprintBuilder {
    hasher: Sha256,
}

impl FingerprintBuilder {
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        self.hasher.update((text.len() as u64).to_be_bytes());
        self.hasher.update(text.as_bytes());
        self
    }

    pub(crate) fn tag(&mut self, tag: u8) -> &mut Self {
        self.hasher.update([tag]);
        self
    }

    pub(crate) fn number(&mut self, n: u64) -> &mut Self {
        self.hasher.update(n.to_be_bytes());
        self
    }

    pub(crate) fn value(&mut self, value: &AttributeValue) -> &mut Self {
        let mut bytes = Vec::new();
        write_value(&mut bytes, value);
        self.hasher.update((bytes.len() as u64).to_be_bytes());
        self.hasher.update(&bytes);
        self
    }

    pub(crate) fn path(&mut self, path: &Path) -> &mut Self {
        self.number(path.elements.len() as u64);
        for element in &path.elements {
            match element {
                PathElement::Attribute(name) => self.tag(0).text(name),
                PathElement::Index(index) => self.tag(1).number(*index as u64),
            };
        }
        self
    }

    fn operand(&mut self, operand: &Operand) -> &mut Self {
        match operand {
            Operand::Path(path) => self.tag(0).path(path),
            Operand::Value(value) => self.tag(1).value(value),
            Operand::Size(path) => self.tag(2).path(path),
        }
    }

    pub(crate) fn condition(&mut self, condition: &Condition) -> &mut Self {
        match condition {
            Condition::Compare { left, op, right } => {
                let op = match op {
                    Comparator::Eq => 0,
                    Comparator::Ne => 1,
                    Comparator::Lt => 2,
                    Comparator::Le => 3,
                    Comparator::Gt => 4,
                    Comparator::Ge => 5,
                };
                self.tag(1).tag(op).operand(left).operand(right)
            }
            Condition::Between { operand, low, high } => {
                self.tag(2).operand(operand).operand(low).operand(high)
            }
            Condition::In { operand, list } => {
                self.tag(3).operand(operand).number(list.len() as u64);
                for item in list {
                    self.operand(item);
                }
                self
            }
            Condition::AttributeExists(path) => self.tag(4).path(path),
            Condition::AttributeNotExists(path) => self.tag(5).path(path),
            // A path first (the usual form) hashes as it always has, so cursors stay valid.
            Condition::AttributeType(Operand::Path(path), ty) => {
                self.tag(6).path(path).text(ty.as_str())
            }
            Condition::BeginsWith(Operand::Path(path), operand) => {
                self.tag(7).path(path).operand(operand)
            }
            Condition::Contains(Operand::Path(path), operand) => {
                self.tag(8).path(path).operand(operand)
            }
            // A literal or `size()` first (`contains(:v, a)`): tags of their own.
            Condition::AttributeType(subject, ty) => {
                self.tag(12).operand(subject).text(ty.as_str())
            }
            Condition::BeginsWith(subject, operand) => {
                self.tag(13).operand(subject).operand(operand)
            }
            Condition::Contains(subject, operand) => self.tag(14).operand(subject).operand(operand),
            Condition::And(a, b) => self.tag(9).condition(a).condition(b),
            Condition::Or(a, b) => self.tag(10).condition(a).condition(b),
            Condition::Not(inner) => self.tag(11).condition(inner),
        }
    }

    pub(crate) fn key_condition(&mut self, key: &KeyCondition) -> &mut Self {
        self.number(key.partition.len() as u64);
        for (name, value) in &key.partition {
            self.text(name).value(value);
        }
        self.number(key.sort.len() as u64);
        for (name, condition) in &key.sort {
            self.text(name);
            match condition {
                SortKeyCondition::Eq(v) => self.tag(0).value(v),
                SortKeyCondition::Lt(v) => self.tag(1).value(v),
                SortKeyCondition::Le(v) => self.tag(2).value(v),
                SortKeyCondition::Gt(v) => self.tag(3).value(v),
                SortKeyCondition::Ge(v) => self.tag(4).value(v),
                SortKeyCondition::Between(a, b) => self.tag(5).value(a).value(b),
                SortKeyCondition::BeginsWith(v) => self.tag(6).value(v),
            };
        }
        self
    }

    /// Mixes in another query's fingerprint (a sharded query builds on the fingerprint
    /// of its logical, unsharded query).
    pub(crate) fn fingerprint(&mut self, fingerprint: &Fingerprint) -> &mut Self {
        self.hasher.update(fingerprint.0);
        self
    }

    pub(crate) fn finish(self) -> Fingerprint {
        Fingerprint(self.hasher.finalize().into())
    }
}

/// A canonical byte encoding of a value: a type tag, then the value (maps in key order,
/// sets in stored order).
fn write_value(out: &mut Vec<u8>, value: &AttributeValue) {
    fn bytes(out: &mut Vec<u8>, data: &[u8]) {
        out.extend_from_slice(&(data.len() as u64).to_be_bytes());
        out.extend_from_slice(data);
    }
    match value {
        AttributeValue::S(text) => {
            out.push(0);
            bytes(out, text.as_bytes());
        }
        AttributeValue::N(number) => {
            out.push(1);
            bytes(out, number.as_str().as_bytes());
        }
        AttributeValue::B(data) => {
            out.push(2);
            bytes(out, data);
        }
        AttributeValue::Bool(flag) => out.extend_from_slice(&[3, u8::from(*flag)]),
        AttributeValue::Null => out.push(4),
        AttributeValue::L(list) => {
            out.push(5);
            out.extend_from_slice(&(list.len() as u64).to_be_bytes());
            for item in list {
                write_value(out, item);
            }
        }
        AttributeValue::M(map) => {
            out.push(6);
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.extend_from_slice(&(keys.len() as u64).to_be_bytes());
            for key in keys {
                bytes(out, key.as_bytes());
                write_value(out, &map[key]);
            }
        }
        AttributeValue::Ss(set) => {
            out.push(7);
            out.extend_from_slice(&(set.len() as u64).to_be_bytes());
            for s in set {
                bytes(out, s.as_bytes());
            }
        }
        AttributeValue::Ns(set) => {
            out.push(8);
            out.extend_from_slice(&(set.len() as u64).to_be_bytes());
            for n in set {
                bytes(out, n.as_str().as_bytes());
            }
        }
        AttributeValue::Bs(set) => {
            out.push(9);
            out.extend_from_slice(&(set.len() as u64).to_be_bytes());
            for b in set {
                bytes(out, b);
            }
        }
    }
}

fn tag(secret: Option<&[u8]>, fingerprint: &Fingerprint, body: &[u8]) -> [u8; TAG_LEN] {
    let full: [u8; 32] = match secret {
        Some(secret) => {
            // HMAC takes keys of any length.
            let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
                Ok(mac) => mac,
                Err(_) => return [0; TAG_LEN],
            };
            mac.update(&fingerprint.0);
            mac.update(body);
            mac.finalize().into_bytes().into()
        }
        None => {
            let mut hasher = Sha256::new();
            hasher.update(b"singletable cursor");
            hasher.update(fingerprint.0);
            hasher.update(body);
            hasher.finalize().into()
        }
    };
    let mut out = [0; TAG_LEN];
    out.copy_from_slice(&full[..TAG_LEN]);
    out
}

/// Encodes a `LastEvaluatedKey` (S, N and B values only) as a cursor of the query with
/// `fingerprint`.
pub(crate) fn encode(key: &Item, fingerprint: &Fingerprint, secret: Option<&[u8]>) -> Cursor {
    let mut body = vec![VERSION];
    body.extend_from_slice(&fingerprint.0[..FINGERPRINT_LEN]);
    write_key(&mut body, key);
    let tag = tag(secret, fingerprint, &body);
    body.extend_from_slice(&tag);
    Cursor(URL_SAFE_NO_PAD.encode(body))
}

/// Appends `key` (S, N and B values only) in the cursor's key encoding: the number of
/// attributes, then each attribute's name, type and bytes, names in order.
fn write_key(body: &mut Vec<u8>, key: &Item) {
    let mut names: Vec<&String> = key.keys().collect();
    names.sort();
    body.push(u8::try_from(names.len()).unwrap_or(u8::MAX));
    for name in names {
        let (ty, data): (u8, &[u8]) = match &key[name] {
            AttributeValue::S(text) => (b'S', text.as_bytes()),
            AttributeValue::N(number) => (b'N', number.as_str().as_bytes()),
            AttributeValue::B(data) => (b'B', data),
            // DynamoDB's keys are S, N or B; anything else cannot come back.
            _ => (b'S', &[]),
        };
        push_chunk(body, name.as_bytes());
        body.push(ty);
        push_chunk(body, data);
    }
}

/// Reads a key written by [`write_key`] from the front of `reader`.
fn read_key(reader: &mut Reader<'_>) -> Result<Item> {
    let count = reader.byte()?;
    let mut key = Item::new();
    for _ in 0..count {
        let name = String::from_utf8(reader.chunk()?.to_vec()).map_err(|_| invalid(TAMPERED))?;
        let ty = reader.byte()?;
        let data = reader.chunk()?;
        let value = match ty {
            b'S' => {
                AttributeValue::S(String::from_utf8(data.to_vec()).map_err(|_| invalid(TAMPERED))?)
            }
            b'N' => {
                let text = std::str::from_utf8(data).map_err(|_| invalid(TAMPERED))?;
                AttributeValue::N(Number::parse(text).map_err(|_| invalid(TAMPERED))?)
            }
            b'B' => AttributeValue::B(data.to_vec()),
            _ => return Err(invalid(TAMPERED)),
        };
        key.insert(name, value);
    }
    Ok(key)
}

/// A key (S, N and B values only) as bytes, in the cursor's key encoding: what a
/// sharded query's cursor stores per shard, inside a `B` value of its position item.
pub(crate) fn key_to_bytes(key: &Item) -> Vec<u8> {
    let mut out = Vec::new();
    write_key(&mut out, key);
    out
}

/// The key that [`key_to_bytes`] wrote; refuses trailing or malformed bytes.
pub(crate) fn key_from_bytes(data: &[u8]) -> Result<Item> {
    let mut reader = Reader { data };
    let key = read_key(&mut reader)?;
    if !reader.data.is_empty() {
        return Err(invalid(TAMPERED));
    }
    Ok(key)
}

fn push_chunk(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(data);
}

fn invalid(reason: &str) -> Error {
    Error::InvalidCursor { reason: reason.to_owned() }
}

const TAMPERED: &str = "the cursor was altered or is not a singletable cursor";

/// Decodes a cursor of the query with `fingerprint`: refuses one that was altered
/// (bad tag) or that belongs to another query.
pub(crate) fn decode(
    cursor: &Cursor,
    fingerprint: &Fingerprint,
    secret: Option<&[u8]>,
) -> Result<Item> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.0.as_bytes()).map_err(|_| invalid(TAMPERED))?;
    if bytes.len() < 1 + FINGERPRINT_LEN + 1 + TAG_LEN || bytes[0] != VERSION {
        return Err(invalid(TAMPERED));
    }
    let (body, given_tag) = bytes.split_at(bytes.len() - TAG_LEN);
    if body[1..1 + FINGERPRINT_LEN] != fingerprint.0[..FINGERPRINT_LEN] {
        // Checked before the tag so the error says what happened: the tag covers the
        // fingerprint, so a forged match still fails below.
        return Err(invalid("the cursor belongs to another query (table, index, key condition, filter, order or entity differ)"));
    }
    let expected = tag(secret, fingerprint, body);
    // Not secret-dependent timing on the no-secret path; with a secret, compare in
    // constant time.
    let mut diff = 0u8;
    for (a, b) in expected.iter().zip(given_tag) {
        diff |= a ^ b;
    }
    if diff != 0 {
        return Err(invalid(TAMPERED));
    }
    key_from_bytes(&body[1 + FINGERPRINT_LEN..])
}

struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let (&first, rest) = self.data.split_first().ok_or_else(|| invalid(TAMPERED))?;
        self.data = rest;
        Ok(first)
    }

    fn chunk(&mut self) -> Result<&'a [u8]> {
        if self.data.len() < 2 {
            return Err(invalid(TAMPERED));
        }
        let len = usize::from(u16::from_be_bytes([self.data[0], self.data[1]]));
        let rest = &self.data[2..];
        if rest.len() < len {
            return Err(invalid(TAMPERED));
        }
        let (chunk, rest) = rest.split_at(len);
        self.data = rest;
        Ok(chunk)
    }
}

/// Checks a decoded cursor key against the query: exactly the expected attributes, and
/// the query's partition values.
pub(crate) fn check_key(
    key: &Item,
    expected: &[&str],
    partition: &[(String, AttributeValue)],
) -> Result<()> {
    let same_names =
        key.len() == expected.len() && expected.iter().all(|name| key.contains_key(*name));
    if !same_names {
        return Err(invalid("the cursor's key does not fit this query's table or index"));
    }
    for (name, value) in partition {
        if let Some(found) = key.get(name) {
            if found != value {
                return Err(invalid("the cursor's key lies outside this query's partition"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(text: &str) -> Fingerprint {
        let mut b = FingerprintBuilder::default();
        b.text(text);
        b.finish()
    }

    fn key() -> Item {
        let mut key = Item::new();
        key.insert("PK".into(), AttributeValue::S("USER#u1".into()));
        key.insert("SK".into(), AttributeValue::S("ORDER#é#1".into()));
        key.insert("n".into(), AttributeValue::N(Number::from(-42i64)));
        key.insert("b".into(), AttributeValue::B(vec![0, 255]));
        key
    }

    #[test]
    fn round_trips_and_is_url_safe() {
        for secret in [None, Some(&b"s3cret"[..])] {
            let cursor = encode(&key(), &fp("q"), secret);
            assert!(cursor
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(decode(&cursor, &fp("q"), secret).unwrap(), key());
        }
    }

    #[test]
    fn refuses_other_queries_and_tampering() {
        let cursor = encode(&key(), &fp("q"), None);
        let err = decode(&cursor, &fp("other"), None).unwrap_err();
        assert!(err.to_string().contains("another query"), "{err}");
        // Flip one character anywhere: always refused.
        let text = cursor.as_str();
        for i in 0..text.len() {
            let mut bytes = text.as_bytes().to_vec();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = Cursor::new(String::from_utf8(bytes).unwrap());
            assert!(decode(&changed, &fp("q"), None).is_err(), "position {i}");
        }
        assert!(decode(&Cursor::new("not a cursor!"), &fp("q"), None).is_err());
        assert!(decode(&Cursor::new(""), &fp("q"), None).is_err());
    }

    #[test]
    fn a_secret_makes_cursors_unforgeable() {
        let minted = encode(&key(), &fp("q"), Some(b"k1"));
        assert!(decode(&minted, &fp("q"), Some(b"k2")).is_err());
        assert!(decode(&minted, &fp("q"), None).is_err());
        let forged = encode(&key(), &fp("q"), None);
        let err = decode(&forged, &fp("q"), Some(b"k1")).unwrap_err();
        assert!(matches!(err, Error::InvalidCursor { .. }));
    }

    #[test]
    fn checks_the_key_against_the_query() {
        let mut key = Item::new();
        key.insert("PK".into(), AttributeValue::S("A".into()));
        key.insert("SK".into(), AttributeValue::S("x".into()));
        let partition = vec![("PK".to_owned(), AttributeValue::S("A".into()))];
        assert!(check_key(&key, &["PK", "SK"], &partition).is_ok());
        assert!(check_key(&key, &["PK", "SK", "GSI1PK"], &partition).is_err());
        let other = vec![("PK".to_owned(), AttributeValue::S("B".into()))];
        assert!(check_key(&key, &["PK", "SK"], &other).is_err());
    }

    #[test]
    fn fingerprints_are_canonical() {
        let mut m1 = Item::new();
        let mut m2 = Item::new();
        for i in 0..20 {
            m1.insert(format!("k{i}"), AttributeValue::N(Number::from(i)));
        }
        for i in (0..20).rev() {
            m2.insert(format!("k{i}"), AttributeValue::N(Number::from(i)));
        }
        let mut a = FingerprintBuilder::default();
        a.value(&AttributeValue::M(m1));
        let mut b = FingerprintBuilder::default();
        b.value(&AttributeValue::M(m2));
        assert_eq!(a.finish(), b.finish());
    }
}
