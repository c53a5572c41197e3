//! The expression parser against DynamoDB Local: a corpus of good and bad expressions is
//! sent through aws-sdk-dynamodb to DynamoDB Local (whose expression code is DynamoDB's)
//! and parsed by `singletable_server::expr`; the parser must accept exactly what Local
//! accepts and, for what Local rejects, give Local's message word for word.
//!
//! "Accepts" means Local got past expression validation: it answered, or failed for a
//! reason that comes after the expression (the condition was false, the item lacks an
//! operand, the key condition does not fit the key schema — the server's job, not the
//! parser's).
//!
//! [`EVALUATED`] goes one step further: conditions (among them the forms whose first
//! operand is a literal or `size()`: `contains(:v, a)`, `contains(size(a), :v)`,
//! `begins_with(:v, a)`, `attribute_type(:v, :t)`) are tested on one item, by Local
//! (a conditional PutItem) and by the parser plus the embedded engine (the same
//! conditional PutItem on a `MemoryBackend`): true, false or the error message must agree
//! word for word.
//!
//! A custom harness (libtest-mimic) so that one DynamoDB Local serves the whole binary;
//! without Java or npm the tests are reported ignored, except under `CI=true`.

use std::collections::HashMap;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use libtest_mimic::{Arguments, Failed, Trial};
use singletable_aws::local_config;
use singletable_core::backend::{
    AttributeDefinition as EngineAttribute, Backend, CreateTableInput,
    KeySchemaElement as EngineKey, KeyType as EngineKeyType, PutItemInput,
};
use singletable_core::schema::{BillingMode as EngineBilling, ScalarType};
use singletable_core::{AttributeValue, Error, Item, Number};
use singletable_engine::MemoryBackend;
use singletable_server::expr::{
    parse_condition, parse_key_condition, parse_projection, parse_update, ExpressionKind,
    Placeholders,
};
use singletable_testkit::DynamoDbLocal;

const TABLE: &str = "exprs";

/// Which request carries the expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// PutItem `ConditionExpression`.
    C,
    /// Scan `FilterExpression`.
    F,
    /// Query `KeyConditionExpression`.
    K,
    /// UpdateItem `UpdateExpression`.
    U,
    /// GetItem `ProjectionExpression`.
    P,
}

use Kind::{C, F, K, P, U};

/// Expressions Local accepts and rejects, with the message to match.
const CORPUS: &[(Kind, &str)] = &[
    // Syntax errors: the token and the text near it.
    (C, "a x"),
    (C, "a IN ()"),
    (C, "a = "),
    (C, "a  =  "),
    (C, "a ="),
    (C, "a = :s AND"),
    (C, "(a = :s"),
    (C, "a = :s)"),
    (C, "a = :s)   "),
    (C, "a x   "),
    (C, "   a x"),
    (C, "a\t\tx\t\t"),
    (C, "a == :s"),
    (C, "a != :s"),
    (C, "a[x] = :s"),
    (C, "a[-1] = :s"),
    (C, "a[01] = :s"),
    (C, "1 = :s"),
    (C, "1a = :s"),
    (C, "_a = :s"),
    (C, "a-b = :s"),
    (C, "é = :s"),
    (C, "a = 'x'"),
    (C, "a = \"x\""),
    (C, "` = :s"),
    (C, "# = :s"),
    (C, "a = :"),
    (C, "a = : s"),
    (C, "a = :s-x"),
    (C, "#a-b = :s"),
    (C, "a.b. = :s"),
    (C, "a..b = :s"),
    (C, "[1] = :s"),
    (C, "a.[0] = :s"),
    (C, "a.1 = :s"),
    (C, "a.set = :s"),
    (C, "remove = :s"),
    (C, "AND = :s"),
    (C, "AND a = :s"),
    (C, "a IN (:s,)"),
    (C, "a IN (:s :s)"),
    (C, "a IN :s"),
    (C, "a BETWEEN :s"),
    (C, "a BETWEEN :s OR :s"),
    (C, "a < b < c"),
    (C, "a = :s = :s"),
    (C, "a = :s NOT b = :s"),
    (C, "(a = :s) = :s"),
    (C, "a = (b = :s)"),
    (C, "foo(a = b)"),
    (C, "(a) AND b = :s"),
    (C, "a AND b = :s"),
    (C, "(a)"),
    (C, "a"),
    (C, "   "),
    (C, ""),
    (C, "size() = :n"),
    (C, "attribute_exists()"),
    (C, "#a(b) = :s"),
    (C, "name x"),
    (C, "foo(a) x"),
    (C, ":zz = :s AND a x"),
    // Accepted forms.
    (C, "a_b = :s"),
    (C, "a1 = :s"),
    (C, ":s = a"),
    (C, "a.b[3].c = :s"),
    (C, "a[0][1] = :s"),
    (C, "a [0] = :s"),
    (C, "a . b = :s"),
    (C, "#a[0].#b = :s"),
    (C, "a.#a = :s"),
    (C, "a\t=\t:s"),
    (C, "a=:s"),
    (C, "a   =   :s"),
    (C, "NOT a = :s"),
    (C, "NOT NOT a = :s"),
    (C, "NOT (a = :s)"),
    (C, "(NOT (a = :s))"),
    (C, "a = :s and b = :s or not c = :s"),
    (C, "a = :s OR b = :s AND c = :s"),
    (C, "a = :s AND (b = :s OR (c = :s))"),
    (C, "((a = :s) AND b = :s)"),
    (C, "(a = :s)"),
    (C, "(a) = :s"),
    (C, "a = (:s)"),
    (C, "a IN (:s)"),
    (C, "a in (:s, :n)"),
    (C, "a IN ((:s), :s)"),
    (C, "a IN ((:s))"),
    (C, "a IN (((:s)))"),
    (C, "size(#a) >= size(#b)"),
    (C, "#a.#b[1] <= :s"),
    (C, "contains(#a, #b)"),
    (C, "begins_with(a, b)"),
    (C, "attribute_type(a, :s2)"),
    (C, "a IN (b)"),
    (C, "a between :n and :n"),
    (C, "a BETWEEN :s AND :s AND b = :n"),
    (C, "a.b[3] BETWEEN size(c) AND :n"),
    (C, "size(a) = :n"),
    (C, "size (a) = :n"),
    (C, "size(a) > size(b)"),
    (C, "size(a) = size(a)"),
    (C, "size(a.b) = :n"),
    (C, "size(:s) = :n"),
    (C, "(size(a)) = :n"),
    (C, "a = size(b) AND NOT c < size(d)"),
    (C, "contains(a, :s)"),
    (C, "contains(a, size(b))"),
    (C, "begins_with(a, :s)"),
    (C, "begins_with(a, :b)"),
    (C, "attribute_exists(a)"),
    (C, "NOT attribute_exists(a)"),
    (C, "attribute_not_exists(a.b[2])"),
    (C, "attribute_not_exists(#a)"),
    (C, "attribute_type(a, :t)"),
    (C, ":s = :s"),
    (C, ":s = :n"),
    (C, ":s < :n"),
    (C, "a = b"),
    (C, "a = :l"),
    (C, "a < :b"),
    (C, "a BETWEEN :b AND :b"),
    (C, "a <> :s"),
    (C, "size = :s"),
    (C, "convert = :s"),
    (C, "a[2147483647] = :s"),
    (C, "a = :s AND a = :s"),
    (C, "a.b.c.d = :s"),
    // Reserved words, placeholders, function names.
    (C, "name = :s"),
    (C, "Name = :s"),
    (C, "a.name = :s"),
    (C, "a.b.name = :s"),
    (C, "name = :zz"),
    (C, "a = :zz"),
    (C, "#zz = :s"),
    (C, "#zz = :zz"),
    (C, ":zz = #zz"),
    (C, "a = :1"),
    (C, "#1 = :s"),
    (C, "#zz = :s AND name = :s"),
    (C, "a = :s AND name = :s AND #zz = :s"),
    (C, "#zz = :s AND #yy = :s"),
    (C, ":zz = :s AND :yy = :s"),
    (C, "#zz.#yy = :s"),
    (C, "a.#zz = :s AND #yy = :s"),
    (C, "size(#zz) = :zz"),
    (C, "a.b[0][1].c = :s AND #zz = :s"),
    (C, "foo(a)"),
    (C, "foo(name)"),
    (C, "foo(#zz)"),
    (C, "foo(:zz)"),
    (C, "foo(a) AND name = :s"),
    (C, "name = :s AND foo(a)"),
    (C, "a = SIZE(b)"),
    (C, "ATTRIBUTE_EXISTS(a)"),
    (C, "size(a)"),
    (C, "size(a.b[1])"),
    (C, "size(a) AND name = :s"),
    (C, "a = :s AND size(b)"),
    (C, "size(b) AND a < :l"),
    (C, "attribute_exists(a) = :s"),
    (C, "a = attribute_exists(b)"),
    (C, "begins_with(a, :s) = :s"),
    (C, "contains(a, :s) = :s"),
    (C, "a = if_not_exists(b, :s)"),
    (C, "a = list_append(b, :l)"),
    (C, "if_not_exists(b, :s)"),
    (C, "SET a = b"),
    // Redundant parentheses.
    (C, "((a = :s))"),
    (C, "((a)) = :s"),
    (C, "(a = :s) AND ((b = :s))"),
    (C, "NOT ((a = :s))"),
    (C, "(((a = :s)))"),
    (C, "((size(a))) = :n"),
    (C, "a = :s AND ((b = :zz))"),
    (C, "foo(a) AND ((b = :s))"),
    (C, "name = :s AND ((b = :s))"),
    // Operands and operand types.
    (C, "begins_with(a, :n)"),
    (C, "begins_with(a, :ss)"),
    (C, "begins_with(a, size(b))"),
    (C, "begins_with(size(a), :s)"),
    (C, "attribute_type(a, :s)"),
    (C, "attribute_type(a, :n)"),
    (C, "attribute_type(a, :ss)"),
    (C, "attribute_type(a, :zz)"),
    (C, "a BETWEEN :n AND :s"),
    (C, "a BETWEEN :s AND :n"),
    (C, "a BETWEEN :n AND :s2"),
    (C, "a BETWEEN :n AND :s OR b < :l"),
    (C, "a < :l OR b BETWEEN :n AND :s"),
    (C, "a = :s AND b = :s AND c BETWEEN :n AND :s"),
    (C, "a BETWEEN :n2 AND :n"),
    (C, "a < :l"),
    (C, "a < :ss"),
    (C, "a < :m"),
    (C, "size(a) < :l"),
    (C, "size(size(a)) = :n"),
    (C, "size(a, b) = :n"),
    (C, "a = a"),
    (C, "a.b = a.b"),
    (C, "a[1] = a[1]"),
    (C, "#a = a"),
    (C, "a IN (a, :s)"),
    (C, "a IN (:s, a)"),
    (C, "begins_with(a, a)"),
    (C, "contains(a, a)"),
    (C, "a BETWEEN a AND :n"),
    (C, "a < :l AND a = a"),
    (C, "a = a AND a < :l"),
    (C, "a.b.c = :s OR a = a"),
    (C, "attribute_exists(:s)"),
    (C, "attribute_exists(size(a))"),
    (C, "attribute_exists(:zz)"),
    (C, "attribute_exists(a, :s)"),
    (C, "attribute_exists(:s, :zz)"),
    (C, "contains(a)"),
    (C, "contains(a, :s, :s)"),
    (C, "contains(:zz)"),
    (C, "begins_with(a)"),
    (C, "begins_with(a, b, :zz)"),
    (C, "a = :s AND contains(b)"),
    (C, "contains(b) AND a = :zz"),
    (C, "a[99999999999999999999] = :s"),
    (C, "a[4294967295] = :s"),
    (C, "a[2147483648] = :s"),
    (C, "NOT (a)"),
    (C, "(NOT a)"),
    (C, "NOT a"),
    (C, "a = :s AND (b)"),
    (C, "attribute_exists(attribute_exists(a))"),
    (C, "size(a) BETWEEN :n AND :s"),
    (C, "size(:n) = :n"),
    (C, "size(:l) = :n"),
    (C, "size(:ss) > :n"),
    (C, "contains(a, :ss)"),
    (C, "contains(a, b.c[0])"),
    (C, "a <> a"),
    (C, "a IN (:s, :s, :s)"),
    (C, "attribute_type(a, :n2)"),
    (C, "begins_with(a.b[1], :s2)"),
    (C, "a = :s AND b = :s AND c = :s OR d = :s"),
    (C, "a.b = a"),
    (C, "(a = :s) OR (b = :s) AND (NOT (c = :s))"),
    // A literal or size() as the first operand of a function.
    (C, "begins_with(:s, a)"),
    (C, "contains(:s, a)"),
    (C, "contains(size(a), :s)"),
    (C, "attribute_type(:s, :t)"),
    (C, "attribute_type(size(a), :t)"),
    (C, "attribute_type(:l, :t)"),
    (C, "contains(:s, :s)"),
    (C, "begins_with(:s, :s)"),
    (C, "contains(:n, a)"),
    (C, "contains(:m, a)"),
    (C, "contains(size(a), size(a))"),
    (C, "contains(size(a), a)"),
    (C, "begins_with(:b, a)"),
    (C, "begins_with(:n, a)"),
    (C, "begins_with(:ss, a)"),
    (C, "begins_with(:l, a)"),
    (C, "begins_with(:s, :n)"),
    (C, "begins_with(:s, size(a))"),
    (C, "attribute_type(:s, :n)"),
    (C, "attribute_type(:s, :s)"),
    (C, "attribute_type(:s, size(a))"),
    (C, "attribute_type(size(a), :zz)"),
    (C, "contains(:zz, a)"),
    (C, "begins_with(:s, :zz)"),
    (C, "contains(:s, a) AND a < :l"),
    (C, "contains(:s)"),
    (C, "attribute_type(:s)"),
    // Filters name themselves.
    (F, "a = :s"),
    (F, "name = :s"),
    (F, "a x"),
    (F, "a < :l"),
    (F, "#zz = :s"),
    (F, "((a = :s))"),
    (F, "a = if_not_exists(b, :s)"),
    (F, "contains(:s, a)"),
    (F, "begins_with(:s, a)"),
    (F, "contains(size(a), :n)"),
    (F, "attribute_type(:s, :t)"),
    (F, "begins_with(:n, a)"),
    // Update expressions.
    (U, "SET a = :s"),
    (U, "SET a = (:s)"),
    (U, "DELETE a :ss SET a = :s"),
    (U, "ADD a :n REMOVE a"),
    (U, "SET a[0] = :s REMOVE a[0]"),
    (U, "SET a = :s, name = :s, #zz = :s"),
    (U, "REMOVE a, name"),
    (U, "SET a = foo(b) REMOVE name"),
    (U, "SET a = :s REMOVE b, c ADD d :n, e :ss DELETE f :ss, g :ss SET h = :s"),
    (U, "SET a = :s, b = :zz REMOVE c, d ADD e :yy"),
    (U, "SET a = if_not_exists(b, :s), c = list_append(:l, :zz)"),
    (U, "SET a = ((:s + :n))"),
    (U, "SET a = (b + :n) + :n"),
    (U, "SET a = if_not_exists(b, :n + :n)"),
    (U, "SET a = list_append(b, if_not_exists(c, :l))"),
    (U, "SET a.b[2].c = :s, a.b[3] = :s"),
    (U, "REMOVE a.b, a.c, a.d[0]"),
    (U, "SET a = :s REMOVE b ADD c :ss DELETE d :ss"),
    (U, "DELETE a :ss REMOVE b"),
    (U, "SET a = b, c = d REMOVE e"),
    (U, "SET a = :s, b = a"),
    (U, "SET a = b.c[1] - :n"),
    (U, "ADD a :ss, b :n DELETE c :ss, d :ss"),
    (U, "SET #a = :s, #b = :n"),
    (U, "SET a = :s REMOVE #x1"),
    (U, "set a = :s"),
    (U, "SET a=:n+:n"),
    (U, "SET a = :n + :n"),
    (U, "SET a = b + :n"),
    (U, "SET a = b - c"),
    (U, "SET a = b-c"),
    (U, "SET a = (b)"),
    (U, "SET a = (b) + (:n)"),
    (U, "SET a = if_not_exists(b, :s)"),
    (U, "SET a = if_not_exists((b), :s)"),
    (U, "SET a = if_not_exists(b, if_not_exists(c, :s))"),
    (U, "SET a = list_append(if_not_exists(b, :l), :l)"),
    (U, "SET a = list_append(b, :l)"),
    (U, "SET a = if_not_exists(b, :n) + :n"),
    (U, "SET a = :n + if_not_exists(b, :s)"),
    (U, "SET a = :s, b = if_not_exists(b, :s)"),
    (U, "SET a = b, b = a"),
    (U, "SET a = a"),
    (U, "SET a = :s, A = :s"),
    (U, "SET a = :s REMOVE b ADD c :n DELETE d :ss"),
    (U, "REMOVE a SET b = :s"),
    (U, "ADD a :n DELETE b :ss REMOVE c SET d = :s"),
    (U, "REMOVE a, b[1], c.d"),
    (U, "SET a[0] = :s, a[1] = :s"),
    (U, "ADD a[0] :n"),
    (U, "SET a = :s SET b = :s"),
    (U, "SET a = :s, b = :s REMOVE c SET d = :s"),
    (U, "REMOVE a REMOVE b"),
    (U, "ADD a :n ADD b :n"),
    (U, "DELETE a :ss DELETE b :ss"),
    (U, "SET a = :n REMOVE b SET c = :n"),
    (U, "SET a = :s, a = :s"),
    (U, "SET a = :s REMOVE a"),
    (U, "SET a.b = :s, a = :s"),
    (U, "SET a = :s, a.b = :s"),
    (U, "SET a.b = :s, a[0] = :s"),
    (U, "SET a[0] = :s, a.b = :s"),
    (U, "SET a = :s REMOVE a.b"),
    (U, "SET a = :s REMOVE b, b"),
    (U, "REMOVE b, b SET a = :s, a = :s"),
    (U, "REMOVE a[0], a.b"),
    (U, "ADD a :ss DELETE a :ss"),
    (U, "ADD a :ss, a :ss"),
    (U, "SET a.b[1] = :s, a.b[1].c = :s"),
    (U, "SET a[1] = :s, a[1] = :s"),
    (U, "SET a = :s, b = :s, a = :s, b = :s"),
    (U, "SET a = :s + :n, b = :s, b = :s"),
    (U, "SET a = :s, a = :zz"),
    (U, "SET c = :s, a = :s, a.b = :s, d = :s"),
    (U, "SET a = :s, a = :s, b = :s + :n"),
    (U, "SET a = :s, a = :s REMOVE name"),
    (U, "SET a = :s + :n"),
    (U, "SET a = :n - :s"),
    (U, "SET a = (:s + :n)"),
    (U, "SET a = :l + :n, b = :s + :n"),
    (U, "SET a = if_not_exists(a, :n) + :s"),
    (U, "SET a = list_append(:s, :l)"),
    (U, "SET a = list_append(:l, :s)"),
    (U, "SET a = list_append(:l, :n)"),
    (U, "SET a = list_append(list_append(b, :l), :l)"),
    (U, "SET a = list_append(list_append(b, :l), :s)"),
    (U, "SET a = if_not_exists(b, list_append(c, :l))"),
    (U, "SET a = list_append(:l, b) + :n"),
    (U, "SET a = :n + list_append(:l, :l)"),
    (U, "SET a = if_not_exists(:s, b)"),
    (U, "SET a = :s, b = list_append(:s, :l), c = if_not_exists(:s, d)"),
    (U, "SET a = if_not_exists(:s, d), b = list_append(:s, :l)"),
    (U, "SET a = list_append(b)"),
    (U, "SET a = if_not_exists(b)"),
    (U, "SET a = if_not_exists(b, :s, :s)"),
    (U, "SET a = list_append(b, c, d)"),
    (U, "SET a = size(b)"),
    (U, "SET a = foo(b)"),
    (U, "SET a = :s, b = attribute_exists(c)"),
    (U, "SET a = :s, b = size(c), d = foo(e)"),
    (U, "SET a = foo(e), b = size(c)"),
    (U, "SET a = ((b))"),
    (U, "SET a = b + c + d"),
    (U, "SET a = :s, b = :s,"),
    (U, "SET a"),
    (U, "SET a :s"),
    (U, "SET"),
    (U, "REMOVE"),
    (U, "SET a = :s REMOVE"),
    (U, "DELETE a"),
    (U, "ADD a"),
    (U, "ADD a b"),
    (U, "ADD a = :n"),
    (U, "REMOVE :s"),
    (U, "SET :s = a"),
    (U, "SET size(a) = :n"),
    (U, "SET a = :s AND b = :s"),
    (U, "foo a"),
    (U, ""),
    (U, " "),
    (U, "ADD a :s"),
    (U, "ADD a :l"),
    (U, "ADD a :n, b :s"),
    (U, "ADD a :b"),
    (U, "ADD a :m"),
    (U, "DELETE a :n"),
    (U, "DELETE a :s"),
    (U, "DELETE a :ss, b :n"),
    (U, "ADD a :ss DELETE b :m"),
    (U, "SET name = :s"),
    (U, "REMOVE a.name"),
    (U, "SET #zz = :zz"),
    (U, "SET a = :zz, #zz = :s"),
    (U, "SET a = #zz, b = :zz"),
    (U, "SET a = :zz, b = #zz"),
    (U, "SET a = :zz, b = :yy"),
    (U, "SET #zz = :s, #yy = :s"),
    (U, "SET a = :zz REMOVE #zz"),
    (U, "REMOVE #zz SET a = :zz"),
    (U, "SET a = :zz REMOVE #zz ADD #yy :yy"),
    (U, "SET #a = :zz, b = if_not_exists(#zz, :yy)"),
    (U, "SET a = if_not_exists(b, :zz), c = :yy"),
    (U, "SET a = :s, b = :zz ADD c :yy"),
    (U, "SET #x1 = :s, #x2 = :s, #x3 = :s"),
    (U, "ADD #x1 :n, #x2 :n REMOVE #x3"),
    (U, "REMOVE #x3 ADD #x1 :n"),
    (U, "DELETE #x3 :ss ADD #x1 :n"),
    // Key conditions (the table's key is pk, sk: both S).
    (K, "pk = :s"),
    (K, "#k = :s"),
    (K, "pk = :s AND sk = :s"),
    (K, "pk = :s and sk < :s"),
    (K, "pk = :s AND sk BETWEEN :s AND :s"),
    (K, "pk = :s AND begins_with(sk, :s)"),
    (K, ":s = pk"),
    (K, "pk = :s AND :s < sk"),
    (K, "(pk = :s)"),
    (K, "(pk = :s) AND (sk = :s)"),
    (K, "(pk = :s AND sk = :s)"),
    (K, "pk = :s AND (sk = :s)"),
    (K, "pk = :s AND begins_with(sk, :n)"),
    (K, "pk = :s OR sk = :s"),
    (K, "pk = :s AND sk <> :s"),
    (K, "pk = :s AND sk IN (:s)"),
    (K, "NOT pk = :s"),
    (K, "pk = :s AND NOT sk = :s"),
    (K, "pk = :s AND contains(sk, :s)"),
    (K, "pk = :s AND attribute_exists(sk)"),
    (K, "pk = :s AND size(sk) = :n"),
    (K, "pk = :s AND sk = sk"),
    (K, "pk.a = :s"),
    (K, "pk[0] = :s"),
    (K, "pk = :s AND sk BETWEEN :n AND :s"),
    (K, "pk = :s AND sk < :l"),
    (K, "pk = :s AND sk < :ss"),
    (K, "pk = :s AND begins_with(:s, sk)"),
    (K, "pk = :s AND"),
    (K, "pk = :s AND sk = :s OR a = :s"),
    (K, "pk = :s AND foo(sk)"),
    (K, "pk = pk"),
    (K, "pk = :s AND sk = pk"),
    (K, "pk = :s AND sk BETWEEN :s AND :s2"),
    (K, "name = :s"),
    (K, "pk = :zz"),
    (K, ":s = :s"),
    (K, "((pk = :s))"),
    (K, "pk = :s AND size(sk) = :zz"),
    (K, "pk = :s OR #zz = :s"),
    (K, ""),
    (K, "pk = :s AND begins_with(sk, pk)"),
    (K, "pk = :s AND begins_with(sk.a, :s)"),
    (K, "pk = :s AND sk BETWEEN :s2 AND :s"),
    (K, "pk = :s AND sk BETWEEN pk AND :s"),
    (K, "pk = :s AND :s BETWEEN sk AND :s"),
    (K, "pk = :s AND begins_with(sk, :b)"),
    (K, "pk = :s AND (sk = :s OR sk = :s2)"),
    (K, "pk = :s AND sk >= :s"),
    (K, "pk = :s AND :s >= sk"),
    (K, "pk IN (:s)"),
    (K, "attribute_exists(pk)"),
    (K, "pk = :s AND begins_with(:s, :s2)"),
    (K, "pk = :s AND contains(:s, sk)"),
    (K, "pk = :s AND contains(size(sk), :s)"),
    (K, "pk = :s AND attribute_type(:s, :t)"),
    (K, "pk = :s AND begins_with(size(sk), :s)"),
    (K, "begins_with(:s, sk) AND pk = :zz"),
    (K, "contains(:s, sk) AND pk = :zz"),
    // Key conditions the parser accepts and the server refuses against the key schema.
    (K, "a = :s"),
    (K, "pk < :s"),
    (K, "pk = :s AND pk = :s"),
    (K, "pk = :s AND sk = :s AND a = :s"),
    (K, "pk = :s AND sk = :l"),
    // Projections.
    (P, "a"),
    (P, "a[0], a[0].b"),
    (P, "a[0].b, a[1].b"),
    (P, "a[0], a[1]"),
    (P, "#a.#b, #a"),
    (P, "a.b.c, a.b.d, a.e"),
    (P, "a.b, a.b"),
    (P, "#zz, name"),
    (P, "a, #zz.b"),
    (P, "a[2147483648]"),
    (P, "(a)"),
    (P, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g"),
    (P, "a, b"),
    (P, " a"),
    (P, "A, a"),
    (P, "a.b[1], c"),
    (P, "a[1].b.#a"),
    (P, "a, a"),
    (P, "a, a.b"),
    (P, "a.b, a"),
    (P, "a.b, a[0]"),
    (P, "a[0], a.b"),
    (P, "c, a, a.b, d"),
    (P, "name"),
    (P, "#zz"),
    (P, "a,"),
    (P, ",a"),
    (P, "a b"),
    (P, ":s"),
    (P, "size(a)"),
    (P, ""),
    (P, " "),
];

/// Conditions tested on [`evaluation_item`] by Local and by the parser plus the engine:
/// both must say true, false, or the same error. The comment gives what Local answers.
const EVALUATED: &[&str] = &[
    // contains(:literal, path): the literal is searched.
    "contains(:hello, a)",     // true: "ell" is in "hello"
    "contains(:he, a)",        // false
    "contains(:hello, c)",     // false: an N is never part of an S
    "contains(:hello, z)",     // false: z is missing
    "NOT contains(:hello, z)", // true
    "contains(:b3, d)",        // true: a byte run
    "contains(:b, d)",         // false
    "contains(:ns, c)",        // true: a member of the literal set
    "contains(:ns, a)",        // false
    "contains(:l2, a)",        // true: an element of the literal list
    "contains(:l2, f)",        // false: a list is not an element
    "contains(:n, c)",         // false: a number contains nothing
    "contains(:m, a)",         // false: maps are not searched
    "contains(:bool, h)",      // false
    "contains(:null, i)",      // false
    "contains(:hello, :he)",   // true: two literals
    "contains(:he, :hello)",   // false
    "contains(:e, :e)",        // true: the empty string
    "contains(:hello, :ss)",   // false
    // contains(size(path), …): a number contains nothing.
    "contains(size(a), :three)",     // false, though size(a) = 3
    "contains(size(a), c)",          // false
    "contains(size(a), size(a))",    // false
    "contains(size(z), :n)",         // false
    "NOT contains(size(a), :three)", // true
    // begins_with(:literal, path): the literal starts with the attribute.
    "begins_with(:hello, b)",     // true: "hello" starts with "he"
    "begins_with(:hello, a)",     // false
    "begins_with(:hello, z)",     // false
    "NOT begins_with(:hello, z)", // true
    "begins_with(:b3, d)",        // true
    "begins_with(:b, d)",         // false
    "begins_with(:hello, c)",     // false: an N
    "begins_with(:b3, a)",        // false: B against S
    "begins_with(:hello, :he)",   // true
    "begins_with(:he, :hello)",   // false
    "begins_with(:hello, :e)",    // true
    "begins_with(:e, b)",         // false
    // attribute_type(:literal | size(path), :t).
    "attribute_type(:hello, :t)",        // true
    "attribute_type(:hello, :tn)",       // false
    "attribute_type(:n, :tn)",           // true
    "attribute_type(:ss, :tss)",         // true
    "attribute_type(:ns, :tss)",         // false
    "attribute_type(:l, :tl)",           // true
    "attribute_type(:null, :tnull)",     // true
    "attribute_type(size(a), :tn)",      // true: a size is a number
    "attribute_type(size(a), :t)",       // false
    "attribute_type(size(z), :tn)",      // false: no size
    "attribute_type(size(c), :tn)",      // false: an N has no size
    "NOT attribute_type(size(z), :tn)",  // true
    "attribute_type(size(:hello), :tn)", // true
    // Operand types DynamoDB refuses before reading the item.
    "begins_with(:n, a)",
    "begins_with(:ss, a)",
    "begins_with(:l, a)",
    "begins_with(:bool, a)",
    "begins_with(size(a), :he)",
    "begins_with(:hello, size(a))",
    "begins_with(:hello, :n)",
    "attribute_type(:hello, :tx)",
    "attribute_type(:hello, :n)",
    "attribute_type(:hello, size(a))",
    // The usual forms, on the same item.
    "contains(e, :s)",         // true
    "contains(a, :he)",        // false
    "begins_with(b, :e)",      // true
    "attribute_type(e, :tss)", // true
    "contains(:hello, a) AND begins_with(:hello, b) AND attribute_type(:hello, :t)",
    "contains(:he, a) OR attribute_type(size(e), :tn)",
    // Ordering: one rule for the parser and the engine.
    "c < :three",              // true
    "a BETWEEN :e AND :hello", // true
    "c >= :l",
    "c BETWEEN :n AND :ns",
    "size(a) > :bool",
];

/// Errors that come after expression validation: the expression was accepted.
const AFTER_VALIDATION: &[&str] = &[
    "The conditional request failed",
    "An operand in the update expression has an incorrect data type",
    "The provided expression refers to an attribute that does not exist in the item",
    "The document path provided in the update expression is invalid for update",
    "Query condition missed key schema element",
    "Query key condition not supported",
    "Conditions can be of length 1 or 2 only",
    "KeyConditionExpressions must only contain one condition per key",
    "One or more parameter values were invalid: Condition parameter type does not match schema type",
];

/// The placeholders the corpus may use; each request gets those its expression names.
/// A value placeholder: its key, the parser's value and the SDK's.
type PoolValue = (&'static str, AttributeValue, Av);

fn pool() -> (Vec<(&'static str, &'static str)>, Vec<PoolValue>) {
    let names = vec![("#a", "a"), ("#b", "b"), ("#k", "pk"), ("#x1", "x1"), ("#n", "name")];
    let number = |text: &str| AttributeValue::N(Number::parse(text).unwrap_or_default());
    let values = vec![
        (":s", AttributeValue::S("x".into()), Av::S("x".into())),
        (":s2", AttributeValue::S("y".into()), Av::S("y".into())),
        (":n", number("1"), Av::N("1".into())),
        (":n2", number("5"), Av::N("5".into())),
        (":t", AttributeValue::S("S".into()), Av::S("S".into())),
        (":l", AttributeValue::L(vec![]), Av::L(vec![])),
        (":ss", AttributeValue::Ss(vec!["a".into()]), Av::Ss(vec!["a".into()])),
        (":b", AttributeValue::B(vec![0]), Av::B(vec![0].into())),
        (":m", AttributeValue::M(HashMap::new()), Av::M(HashMap::new())),
        // For [`EVALUATED`].
        (":hello", AttributeValue::S("hello".into()), Av::S("hello".into())),
        (":he", AttributeValue::S("he".into()), Av::S("he".into())),
        (":e", AttributeValue::S(String::new()), Av::S(String::new())),
        (":three", number("3"), Av::N("3".into())),
        (":b3", AttributeValue::B(vec![1, 2, 3]), Av::B(vec![1, 2, 3].into())),
        (
            ":ns",
            AttributeValue::Ns(vec![
                Number::parse("1").unwrap_or_default(),
                Number::parse("2").unwrap_or_default(),
            ]),
            Av::Ns(vec!["1".into(), "2".into()]),
        ),
        (
            ":l2",
            AttributeValue::L(vec![AttributeValue::S("x".into()), AttributeValue::S("ell".into())]),
            Av::L(vec![Av::S("x".into()), Av::S("ell".into())]),
        ),
        (":bool", AttributeValue::Bool(true), Av::Bool(true)),
        (":null", AttributeValue::Null, Av::Null(true)),
        (":tn", AttributeValue::S("N".into()), Av::S("N".into())),
        (":tss", AttributeValue::S("SS".into()), Av::S("SS".into())),
        (":tl", AttributeValue::S("L".into()), Av::S("L".into())),
        (":tnull", AttributeValue::S("NULL".into()), Av::S("NULL".into())),
        (":tx", AttributeValue::S("X".into()), Av::S("X".into())),
    ];
    (names, values)
}

/// The `#name` / `:value` tokens of `text`.
fn placeholders_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '#' || chars[i] == ':' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > i + 1 {
                out.push(chars[i..j].iter().collect());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// One request's placeholders: the pool entries `text` names.
struct Request {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    sdk_values: HashMap<String, Av>,
}

fn request_for(text: &str) -> Request {
    let used = placeholders_in(text);
    let (names, values) = pool();
    let mut request =
        Request { names: HashMap::new(), values: HashMap::new(), sdk_values: HashMap::new() };
    for (key, name) in names {
        if used.iter().any(|u| u == key) {
            request.names.insert(key.to_owned(), name.to_owned());
        }
    }
    for (key, value, sdk) in values {
        if used.iter().any(|u| u == key) {
            request.values.insert(key.to_owned(), value);
            request.sdk_values.insert(key.to_owned(), sdk);
        }
    }
    request
}

fn key() -> HashMap<String, Av> {
    HashMap::from([("pk".to_owned(), Av::S("p".into())), ("sk".to_owned(), Av::S("s".into()))])
}

fn message<E: ProvideErrorMetadata>(error: &E) -> String {
    error.message().unwrap_or("(no message)").to_owned()
}

/// Local's verdict: `Ok` when the expression passed validation, else its message.
async fn local(client: &Client, kind: Kind, text: &str, request: &Request) -> Result<(), String> {
    let names = (!request.names.is_empty()).then(|| request.names.clone());
    let values = (!request.sdk_values.is_empty()).then(|| request.sdk_values.clone());
    let outcome = match kind {
        C => client
            .put_item()
            .table_name(TABLE)
            .set_item(Some(key()))
            .condition_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await
            .map(drop)
            .map_err(|e| message(&e)),
        F => client
            .scan()
            .table_name(TABLE)
            .filter_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await
            .map(drop)
            .map_err(|e| message(&e)),
        K => client
            .query()
            .table_name(TABLE)
            .key_condition_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await
            .map(drop)
            .map_err(|e| message(&e)),
        U => client
            .update_item()
            .table_name(TABLE)
            .set_key(Some(key()))
            .update_expression(text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await
            .map(drop)
            .map_err(|e| message(&e)),
        P => client
            .get_item()
            .table_name(TABLE)
            .set_key(Some(key()))
            .projection_expression(text)
            .set_expression_attribute_names(names)
            .send()
            .await
            .map(drop)
            .map_err(|e| message(&e)),
    };
    match outcome {
        Err(message) if AFTER_VALIDATION.iter().any(|m| message.starts_with(m)) => Ok(()),
        other => other,
    }
}

/// The parser's verdict, the same way.
fn ours(kind: Kind, text: &str, request: &Request) -> Result<(), String> {
    let p = Placeholders::new(request.names.clone(), request.values.clone());
    let parsed = match kind {
        C => parse_condition(text, ExpressionKind::Condition, &p).map(drop),
        F => parse_condition(text, ExpressionKind::Filter, &p).map(drop),
        K => parse_key_condition(text, &p).map(drop),
        U => parse_update(text, &p).map(drop),
        P => parse_projection(text, &p).map(drop),
    };
    parsed.and_then(|()| p.check_all_used()).map_err(|e| e.message)
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
        .block_on(future)
}

fn client(endpoint: &str) -> Client {
    Client::from_conf(local_config(endpoint, "us-east-1", "singletable").build())
}

async fn create_table(client: &Client) -> Result<(), String> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| e.to_string())
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(|e| e.to_string())
    };
    client
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk")?)
        .attribute_definitions(attribute("sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .send()
        .await
        .map(drop)
        .map_err(|e| message(&e))
}

/// Runs the corpus cases of `kinds`; every mismatch is reported.
fn corpus(endpoint: &str, kinds: &[Kind]) -> Result<(), Failed> {
    block_on(async {
        let client = client(endpoint);
        let mut failures = Vec::new();
        for (kind, text) in CORPUS.iter().filter(|(kind, _)| kinds.contains(kind)) {
            let request = request_for(text);
            let theirs = local(&client, *kind, text, &request).await;
            let mine = ours(*kind, text, &request);
            if theirs != mine {
                failures
                    .push(format!("{kind:?} {text:?}\n   local: {theirs:?}\n  parser: {mine:?}"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(format!("{} mismatches:\n{}", failures.len(), failures.join("\n")).into())
        }
    })
}

/// The item [`EVALUATED`] conditions are tested on (as the SDK's and the engine's values):
/// a..i hold an S, S, N, B, SS, L, M, BOOL and NULL; `z` is missing.
fn evaluation_item() -> (HashMap<String, Av>, Item) {
    let number = |text: &str| Number::parse(text).unwrap_or_default();
    let ours: Item = [
        ("pk", AttributeValue::S("eval".into())),
        ("sk", AttributeValue::S("eval".into())),
        ("a", AttributeValue::S("ell".into())),
        ("b", AttributeValue::S("he".into())),
        ("c", AttributeValue::N(number("2"))),
        ("d", AttributeValue::B(vec![1, 2])),
        ("e", AttributeValue::Ss(vec!["x".into(), "y".into()])),
        (
            "f",
            AttributeValue::L(vec![AttributeValue::S("x".into()), AttributeValue::N(number("1"))]),
        ),
        ("g", AttributeValue::M(Item::from([("k".to_owned(), AttributeValue::S("v".into()))]))),
        ("h", AttributeValue::Bool(true)),
        ("i", AttributeValue::Null),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    let sdk: HashMap<String, Av> = [
        ("pk", Av::S("eval".into())),
        ("sk", Av::S("eval".into())),
        ("a", Av::S("ell".into())),
        ("b", Av::S("he".into())),
        ("c", Av::N("2".into())),
        ("d", Av::B(vec![1, 2].into())),
        ("e", Av::Ss(vec!["x".into(), "y".into()])),
        ("f", Av::L(vec![Av::S("x".into()), Av::N("1".into())])),
        ("g", Av::M(HashMap::from([("k".to_owned(), Av::S("v".into()))]))),
        ("h", Av::Bool(true)),
        ("i", Av::Null(true)),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    (sdk, ours)
}

/// What a condition says about [`evaluation_item`]: `Ok(true)`, `Ok(false)` or the error.
type Verdict = Result<bool, String>;

/// Local's verdict: the item is put, then put again under the condition.
async fn local_verdict(
    client: &Client,
    item: &HashMap<String, Av>,
    text: &str,
    request: &Request,
) -> Verdict {
    client
        .put_item()
        .table_name(TABLE)
        .set_item(Some(item.clone()))
        .send()
        .await
        .map_err(|e| format!("unconditional put: {}", message(&e)))?;
    let values = (!request.sdk_values.is_empty()).then(|| request.sdk_values.clone());
    let names = (!request.names.is_empty()).then(|| request.names.clone());
    match client
        .put_item()
        .table_name(TABLE)
        .set_item(Some(item.clone()))
        .condition_expression(text)
        .set_expression_attribute_names(names)
        .set_expression_attribute_values(values)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if message(&e) == "The conditional request failed" => Ok(false),
        Err(e) => Err(message(&e)),
    }
}

/// A `MemoryBackend` with the corpus table's key schema.
async fn engine() -> Result<MemoryBackend, String> {
    let db = MemoryBackend::new();
    let attribute = |name: &str| EngineAttribute { name: name.to_owned(), ty: ScalarType::S };
    let key = |name: &str, key_type| EngineKey { attribute_name: name.to_owned(), key_type };
    db.create_table(CreateTableInput {
        table_name: TABLE.to_owned(),
        attribute_definitions: vec![attribute("pk"), attribute("sk")],
        key_schema: vec![key("pk", EngineKeyType::Hash), key("sk", EngineKeyType::Range)],
        global_secondary_indexes: vec![],
        local_secondary_indexes: vec![],
        billing_mode: EngineBilling::PayPerRequest,
        stream: None,
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(db)
}

/// Our verdict: the parser, then the same two puts on the embedded engine.
async fn engine_verdict(db: &MemoryBackend, item: &Item, text: &str, request: &Request) -> Verdict {
    let p = Placeholders::new(request.names.clone(), request.values.clone());
    let condition = parse_condition(text, ExpressionKind::Condition, &p)
        .and_then(|condition| p.check_all_used().map(|()| condition))
        .map_err(|e| e.message)?;
    let put = |condition| PutItemInput {
        table_name: TABLE.to_owned(),
        item: item.clone(),
        condition,
        ..PutItemInput::default()
    };
    db.put_item(put(None)).await.map_err(|e| format!("unconditional put: {e}"))?;
    match db.put_item(put(Some(condition))).await {
        Ok(_) => Ok(true),
        Err(Error::ConditionalCheckFailed { .. }) => Ok(false),
        Err(Error::Validation { message, .. }) => Err(message),
        Err(other) => Err(other.to_string()),
    }
}

/// [`EVALUATED`]: Local and the engine agree on every condition.
fn evaluation(endpoint: &str) -> Result<(), Failed> {
    block_on(async {
        let client = client(endpoint);
        let db = engine().await?;
        let (sdk_item, item) = evaluation_item();
        let mut failures = Vec::new();
        let mut answers = [0usize; 3];
        for text in EVALUATED {
            let request = request_for(text);
            let theirs = local_verdict(&client, &sdk_item, text, &request).await;
            let mine = engine_verdict(&db, &item, text, &request).await;
            answers[match &theirs {
                Ok(true) => 0,
                Ok(false) => 1,
                Err(_) => 2,
            }] += 1;
            if theirs != mine {
                failures.push(format!("{text:?}\n   local: {theirs:?}\n  engine: {mine:?}"));
            }
        }
        // The list must keep testing all three outcomes.
        if answers.contains(&0) {
            failures.push(format!("true/false/error counts {answers:?}: one is missing"));
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(format!("{} mismatches:\n{}", failures.len(), failures.join("\n")).into())
        }
    })
}

/// All 573 words of DynamoDB's reserved-word list, bare, in a condition.
fn reserved_words(endpoint: &str) -> Result<(), Failed> {
    const WORDS: &str = include_str!("expr_reserved_words.txt");
    block_on(async {
        let client = client(endpoint);
        let mut failures = Vec::new();
        let mut count = 0;
        for word in WORDS.split_whitespace() {
            count += 1;
            for text in [format!("{word} = :s"), format!("a.{} = :s", word.to_lowercase())] {
                let request = request_for(&text);
                let theirs = local(&client, C, &text, &request).await;
                let mine = ours(C, &text, &request);
                if theirs != mine {
                    failures.push(format!("{text:?}\n   local: {theirs:?}\n  parser: {mine:?}"));
                }
            }
        }
        if count != 573 {
            failures.push(format!("the word list has {count} words, not 573"));
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("\n").into())
        }
    })
}

/// `attribute_type(a, b)`: Local lists the operand types of a set whose order changes
/// from run to run (a Java `HashSet`), so the parser's list is compared as a set.
fn attribute_type_of_a_path(endpoint: &str) -> Result<(), Failed> {
    block_on(async {
        let client = client(endpoint);
        let text = "attribute_type(a, b)";
        let request = request_for(text);
        let theirs = local(&client, C, text, &request).await;
        let mine = ours(C, text, &request);
        let split = |message: &str| -> Option<(String, Vec<String>)> {
            let (prefix, set) = message.split_once('{')?;
            let mut types: Vec<String> =
                set.trim_end_matches('}').split(',').map(str::to_owned).collect();
            types.sort();
            Some((prefix.to_owned(), types))
        };
        match (&theirs, &mine) {
            (Err(t), Err(m)) if split(t).is_some() && split(t) == split(m) => Ok(()),
            _ => Err(format!("local: {theirs:?}\nparser: {mine:?}").into()),
        }
    })
}

/// Malformed placeholder keys and empty names, checked before the expression.
fn placeholder_keys(endpoint: &str) -> Result<(), Failed> {
    block_on(async {
        let client = client(endpoint);
        type Case = (&'static str, Vec<(&'static str, &'static str)>, Vec<&'static str>);
        let cases: Vec<Case> = vec![
            ("a = :s", vec![("#v-1", "x")], vec![":s"]),
            ("a = :s", vec![("#", "x")], vec![":s"]),
            ("a = :s", vec![("v", "x")], vec![":s"]),
            ("a = :s", vec![("#é", "x")], vec![":s"]),
            ("a = :s", vec![], vec![":s", ":v-1"]),
            ("a = :s", vec![], vec![":s", "v"]),
            ("a = :s", vec![], vec![":s", ":"]),
            ("a x", vec![("#v-1", "x")], vec![":s"]),
            ("a = :s", vec![("#a", "")], vec![":s"]),
            ("#a = :s", vec![("#a", "")], vec![":s"]),
            ("#a_1 = :s", vec![("#a_1", "x")], vec![":s"]),
        ];
        let mut failures = Vec::new();
        for (text, names, values) in cases {
            let names: HashMap<String, String> =
                names.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            let sdk_values: HashMap<String, Av> =
                values.iter().map(|v| ((*v).to_owned(), Av::S("x".into()))).collect();
            let our_values: HashMap<String, AttributeValue> =
                values.iter().map(|v| ((*v).to_owned(), AttributeValue::S("x".into()))).collect();
            let request = Request { names, values: our_values, sdk_values };
            let theirs = local(&client, C, text, &request).await;
            let p = Placeholders::new(request.names.clone(), request.values.clone());
            let mine = p
                .check_keys()
                .and_then(|()| parse_condition(text, ExpressionKind::Condition, &p).map(drop))
                .and_then(|()| p.check_all_used())
                .map_err(|e| e.message);
            if theirs != mine {
                failures.push(format!("{text:?}\n   local: {theirs:?}\n  parser: {mine:?}"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("\n").into())
        }
    })
}

/// Unused names and values, reported after the expressions parse.
fn unused_placeholders(endpoint: &str) -> Result<(), Failed> {
    block_on(async {
        let client = client(endpoint);
        let one = || AttributeValue::N(Number::from(1u8));
        let cases: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
            ("a = :l", vec!["#q"], vec![":l", ":q"]),
            ("a = :l", vec!["#q", "#r"], vec![":l"]),
            ("a = :l", vec![], vec![":l", ":q", ":r"]),
            ("a < :l", vec![], vec![":l", ":q"]),
            ("a < :zz", vec![], vec![":l"]),
            ("#q = :l", vec!["#q"], vec![":l"]),
            ("a = :l", vec!["#zz", "#a", "#m"], vec![":l"]),
            ("a = :l", vec!["#1", "#a_b1"], vec![":l"]),
            ("a = :l", vec![], vec![":l", ":z", ":b"]),
            ("a = :l", vec!["#n"], vec![":l", ":v"]),
        ];
        let mut failures = Vec::new();
        for (text, names, values) in cases {
            let names: HashMap<String, String> =
                names.iter().map(|n| ((*n).to_owned(), "x".to_owned())).collect();
            let sdk_values: HashMap<String, Av> = values
                .iter()
                .map(|v| {
                    ((*v).to_owned(), if *v == ":l" { Av::L(vec![]) } else { Av::N("1".into()) })
                })
                .collect();
            let our_values: HashMap<String, AttributeValue> = values
                .iter()
                .map(|v| {
                    ((*v).to_owned(), if *v == ":l" { AttributeValue::L(vec![]) } else { one() })
                })
                .collect();
            let request = Request { names, values: our_values, sdk_values };
            let theirs = local(&client, C, text, &request).await;
            let mine = ours(C, text, &request);
            if theirs != mine {
                failures.push(format!("{text:?}\n   local: {theirs:?}\n  parser: {mine:?}"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("\n").into())
        }
    })
}

/// Expression size (4 KB, counted in characters), operator count, path depth, IN size.
fn limits(endpoint: &str) -> Result<(), Failed> {
    block_on(async {
        let client = client(endpoint);
        let padded =
            |n: usize| format!("a = :s AND {} = :s", "b".repeat(n - "a = :s AND  = :s".len()));
        let mut cases: Vec<(Kind, String)> = vec![
            (C, padded(4096)),
            (C, padded(4097)),
            (C, format!("a = :s AND {} = :s", "é".repeat(2100))),
            (C, format!("a = :s AND #a = :s{}", " ".repeat(5000))),
            (K, format!("pk = :s AND {} = :s", "a".repeat(4096))),
            (P, (0..900).map(|i| format!("a{i}")).collect::<Vec<_>>().join(",")),
            (U, format!("SET a = :s, {} = :s", "b".repeat(4096 - "SET a = :s,  = :s".len()))),
            (U, format!("SET a = :s, {} = :s", "b".repeat(4097 - "SET a = :s,  = :s".len()))),
            (U, (0..301).map(|i| format!("a{i}=:n+:n")).collect::<Vec<_>>().join(",")),
            (U, (0..299).map(|i| format!("a{i}=:n+:n")).collect::<Vec<_>>().join(",")),
            (U, (0..301).map(|i| format!("a{i}=:n")).collect::<Vec<_>>().join(",")),
            (C, format!("{}a = :s", "NOT ".repeat(299))),
            (C, format!("{}a = :s", "NOT ".repeat(300))),
            (C, format!("{}a = :s{}", "(".repeat(400), ")".repeat(400))),
            (C, format!("{}a = :s{}", "NOT (".repeat(299), ")".repeat(299))),
            (C, format!("{}a = :s{}", "NOT (".repeat(301), ")".repeat(301))),
            (C, (0..150).map(|i| format!("a{i} = :s")).collect::<Vec<_>>().join(" AND ")),
            (C, (0..151).map(|i| format!("a{i} = :s")).collect::<Vec<_>>().join(" AND ")),
            (
                C,
                (0..151)
                    .map(|i| format!("attribute_exists(a{i})"))
                    .collect::<Vec<_>>()
                    .join(" AND "),
            ),
            (
                C,
                (0..151)
                    .map(|i| format!("a{i} BETWEEN :n AND :n"))
                    .collect::<Vec<_>>()
                    .join(" AND "),
            ),
            (C, (0..120).map(|i| format!("size(a{i}) = :n")).collect::<Vec<_>>().join(" AND ")),
            (C, format!("a IN ({})", vec![":s"; 100].join(", "))),
            (C, format!("a IN ({})", vec![":s"; 101].join(", "))),
            (C, format!("a{} = :s", ".b".repeat(31))),
            (C, format!("a{} = :s", ".b".repeat(32))),
            (C, format!("a{} = :s", "[0]".repeat(33))),
            (C, format!("name{} = :s", ".b".repeat(40))),
            (C, format!("a{}.name = :s", ".b".repeat(40))),
            (C, format!("#zz{} = :s", ".b".repeat(40))),
            (C, format!("a IN ({}, :zz)", vec![":s"; 101].join(", "))),
            (C, format!("a IN ({}, a)", vec![":s"; 101].join(", "))),
            (C, format!("foo(a) AND a IN ({})", vec![":s"; 101].join(", "))),
            (C, format!("a x AND {}", vec!["NOT"; 301].join(" "))),
            (C, format!("foo(a) AND {}", vec!["b = :s"; 151].join(" AND "))),
            (C, format!("name = :s AND {}", vec!["b = :s"; 151].join(" AND "))),
            (C, format!("#zz = :s AND {}", vec!["b = :s"; 151].join(" AND "))),
            (C, format!("{} AND ((a = :s))", vec!["b = :s"; 151].join(" AND "))),
            (
                U,
                (0..101)
                    .map(|i| format!("a{i}=if_not_exists(b{i},:n)+:n"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                U,
                (0..151).map(|i| format!("a{i}=if_not_exists(b,:n)")).collect::<Vec<_>>().join(","),
            ),
            (
                U,
                (0..301).map(|i| format!("a{i}=if_not_exists(b,:n)")).collect::<Vec<_>>().join(","),
            ),
        ];
        // Update expressions start with SET.
        for case in &mut cases {
            if case.0 == U && !case.1.starts_with("SET") {
                case.1 = format!("SET {}", case.1);
            }
        }
        let mut failures = Vec::new();
        // 4,000 nested parentheses: Local fails without a message (an internal error of
        // its recursive parser); the parser refuses the nesting as redundant.
        let deep = format!("{}a = :s{}", "(".repeat(4000), ")".repeat(40));
        let request = request_for(&deep);
        let theirs = local(&client, C, &deep, &request).await;
        let mine = ours(C, &deep, &request);
        let redundant = "Invalid ConditionExpression: The expression has redundant parentheses;";
        if theirs.is_ok() || mine != Err(redundant.to_owned()) {
            failures.push(format!("4000 parentheses\n   local: {theirs:?}\n  parser: {mine:?}"));
        }
        for (kind, text) in &cases {
            let request = request_for(text);
            let theirs = local(&client, *kind, text, &request).await;
            let mine = ours(*kind, text, &request);
            if theirs != mine {
                let shown: String = text.chars().take(60).collect();
                failures
                    .push(format!("{kind:?} {shown:?}…\n   local: {theirs:?}\n  parser: {mine:?}"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("\n").into())
        }
    })
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let local = if args.list { None } else { DynamoDbLocal::start_or_skip().map(Arc::new) };
    let endpoint = local.as_ref().map(|local| local.endpoint());
    if let Some(endpoint) = &endpoint {
        if let Err(e) = block_on(create_table(&client(endpoint))) {
            eprintln!("cannot create the table on DynamoDB Local: {e}");
            return ExitCode::FAILURE;
        }
    }
    let skipped = endpoint.is_none() && !args.list;
    type Case = Box<dyn Fn(&str) -> Result<(), Failed> + Send + Sync>;
    let cases: Vec<(&str, Case)> = vec![
        ("corpus::condition", Box::new(|e: &str| corpus(e, &[C]))),
        ("corpus::filter", Box::new(|e: &str| corpus(e, &[F]))),
        ("corpus::key_condition", Box::new(|e: &str| corpus(e, &[K]))),
        ("corpus::update", Box::new(|e: &str| corpus(e, &[U]))),
        ("corpus::projection", Box::new(|e: &str| corpus(e, &[P]))),
        ("evaluation_matches_local", Box::new(evaluation)),
        ("reserved_words", Box::new(reserved_words)),
        ("unused_placeholders", Box::new(unused_placeholders)),
        ("placeholder_keys", Box::new(placeholder_keys)),
        ("attribute_type_of_a_path", Box::new(attribute_type_of_a_path)),
        ("limits", Box::new(limits)),
    ];
    let trials = cases
        .into_iter()
        .map(|(name, run)| {
            let endpoint = endpoint.clone();
            Trial::test(name, move || match &endpoint {
                Some(endpoint) => run(endpoint),
                None => Ok(()),
            })
            .with_ignored_flag(skipped)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(local);
    conclusion.exit_code()
}
