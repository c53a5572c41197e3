//! Behaviour of the code `#[derive(Table)]`, `#[derive(Entity)]` and
//! `#[derive(Attribute)]` generate: exact items, keys, index keys, decoding errors and
//! round trips.

use proptest::prelude::*;
use singletable::prelude::*;
use singletable::schema::{
    BillingMode, EntityIndexKeys, IndexKind, KeyAttribute, Projection, ScalarType, StreamViewType,
    TemplatePart,
};
use singletable::{
    AttributeValue, DecodeError, DecodeErrorKind, EncodeErrorKind, Item, Number, Timestamp,
};

#[derive(Table)]
#[table(
    name = "App",
    pk = "PK",
    sk = "SK",
    gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK"),
    gsi(name = "ByTenant", pk = ["tenant_id", "region"], sk = ["score:N", "created_at"],
        projection = keys_only),
    gsi(name = "GSI2", pk = "GSI2PK"),
    lsi(name = "LSI1", sk = "LSI1SK", projection = include("name")),
    ttl = "expires_at",
    stream = "new_and_old_images"
)]
struct App;

/// A user profile: templates, a GSI, an LSI and every field option.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(
    table = App,
    pk = "USER#{user_id}",
    sk = "PROFILE",
    index(GSI1, pk = "EMAIL#{email}", sk = "USER"),
    index(LSI1, sk = "NAME#{name}")
)]
struct User {
    user_id: String,
    #[entity(rename = "mail")]
    email: String,
    name: String,
    #[entity(skip)]
    cached: Option<String>,
    #[entity(default)]
    tags: Vec<String>,
    #[entity(default = "default_plan")]
    plan: String,
    #[entity(version)]
    version: u64,
    #[entity(ttl)]
    expires_at: Option<Timestamp>,
    #[entity(unique)]
    handle: String,
}

fn default_plan() -> String {
    "free".to_owned()
}

/// An order in its user's partition, sorted by time then id.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(
    table = App,
    name = "ORDER",
    pk = "USER#{user_id}",
    sk = "ORDER#{placed_at}#{order_id}",
    index(GSI1, pk = "ORDER#{order_id}", sk = "AMOUNT#{total_cents}")
)]
struct Order {
    user_id: String,
    order_id: String,
    placed_at: Timestamp,
    total_cents: i64,
    status: Status,
    lines: Vec<Line>,
    payment: Option<Payment>,
    shipping: Option<Address>,
}

#[derive(Attribute, Debug, Clone, PartialEq)]
struct Line {
    sku: Sku,
    quantity: u32,
    price: i64,
}

#[derive(Attribute, Debug, Clone, PartialEq)]
struct Address {
    street: String,
    #[attribute(rename = "zip")]
    postcode: String,
    #[attribute(skip)]
    verified: bool,
    #[attribute(default)]
    notes: Vec<String>,
}

#[derive(Attribute, Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    #[attribute(rename = "gone")]
    Deleted,
}

#[derive(Attribute, Debug, Clone, PartialEq)]
#[attribute(tag = "kind")]
enum Payment {
    Card { last4: String },
    Cash,
    Voucher(Voucher),
}

#[derive(Attribute, Debug, Clone, PartialEq)]
struct Voucher {
    code: String,
}

#[derive(Attribute, Debug, Clone, PartialEq, Eq)]
struct Sku(String);

/// A member of a tenant: a native multi-attribute index key, sparse on `score`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(
    table = App,
    pk = "MEMBER#{member_id}",
    sk = "MEMBER",
    index(ByTenant, pk = [tenant_id, region], sk = [score, created_at]),
    index(GSI2, pk = "STATUS#{status}")
)]
struct Member {
    member_id: MemberId,
    tenant_id: String,
    region: String,
    score: Option<i64>,
    created_at: Timestamp,
    status: Status,
}

#[derive(Attribute, Debug, Clone, PartialEq, Eq)]
struct MemberId(u32);

#[derive(Table)]
#[table(name = "Counters", pk = "id:N", sk = "seq:N", billing = provisioned(read = 5, write = 3),
        gsi(name = "ByName", pk = "name", read = 2, write = 1), gsi(name = "ByKind", pk = "kind"),
        entity_type = "entity", crate = "::singletable")]
struct Counters;

/// Lone placeholders on number keys: the fields are the key attributes.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = Counters, pk = "{id}", sk = "{seq}", index(ByName, pk = [name]), crate = "::singletable")]
struct Counter {
    id: u64,
    seq: i32,
    name: String,
    #[entity(serde)]
    meta: Meta,
}

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
struct Meta {
    owner: String,
    weights: Vec<u8>,
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(Number::from(value))
}

fn attrs(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn ann() -> User {
    User {
        user_id: "u1".into(),
        email: "ann@example.com".into(),
        name: "Ann".into(),
        cached: None,
        tags: vec!["a".into()],
        plan: "pro".into(),
        version: 3,
        expires_at: Some(Timestamp::from_unix_seconds(1_700_000_000)),
        handle: "ann".into(),
    }
}

#[test]
fn table_schema() {
    let schema = App::SCHEMA;
    assert_eq!(schema.name, "App");
    assert_eq!(schema.partition_key, KeyAttribute { name: "PK", ty: ScalarType::S });
    assert_eq!(schema.sort_key, Some(KeyAttribute { name: "SK", ty: ScalarType::S }));
    assert_eq!(schema.ttl_attribute, Some("expires_at"));
    assert_eq!(schema.stream, Some(StreamViewType::NewAndOldImages));
    assert_eq!(schema.billing, BillingMode::PayPerRequest);
    assert_eq!(schema.entity_type_attribute, "_type");
    assert_eq!(schema.indexes.len(), 4);
    let by_tenant = schema.index("ByTenant").unwrap();
    assert_eq!(by_tenant.kind, IndexKind::Global);
    assert_eq!(
        by_tenant.partition_key,
        [
            KeyAttribute { name: "tenant_id", ty: ScalarType::S },
            KeyAttribute { name: "region", ty: ScalarType::S }
        ]
    );
    assert_eq!(
        by_tenant.sort_key,
        [
            KeyAttribute { name: "score", ty: ScalarType::N },
            KeyAttribute { name: "created_at", ty: ScalarType::S }
        ]
    );
    assert_eq!(by_tenant.projection, Projection::KeysOnly);
    let lsi = schema.index("LSI1").unwrap();
    assert_eq!(lsi.kind, IndexKind::Local);
    assert_eq!(lsi.partition_key, [KeyAttribute { name: "PK", ty: ScalarType::S }]);
    assert_eq!(lsi.sort_key, [KeyAttribute { name: "LSI1SK", ty: ScalarType::S }]);
    assert_eq!(lsi.projection, Projection::Include(&["name"]));
    assert_eq!(schema.index("GSI2").unwrap().sort_key, []);
}

#[test]
fn provisioned_table_schema() {
    let schema = Counters::SCHEMA;
    assert_eq!(schema.partition_key, KeyAttribute { name: "id", ty: ScalarType::N });
    assert_eq!(schema.billing, BillingMode::Provisioned { read: 5, write: 3 });
    assert_eq!(schema.entity_type_attribute, "entity");
    // A GSI takes its own throughput, or the table's.
    assert_eq!(schema.index("ByName").unwrap().throughput, Some((2, 1)));
    assert_eq!(schema.index("ByKind").unwrap().throughput, Some((5, 3)));
    assert_eq!(schema.stream, None);
    assert_eq!(schema.ttl_attribute, None);
}

#[test]
fn entity_schema() {
    let schema = User::SCHEMA;
    assert_eq!(schema.rust_name, "User");
    assert_eq!(schema.entity_type, "User");
    assert_eq!(schema.partition_key.source, "USER#{user_id}");
    assert_eq!(
        schema.partition_key.parts,
        [TemplatePart::Literal("USER#"), TemplatePart::Field("user_id")]
    );
    assert_eq!(schema.sort_key.unwrap().parts, [TemplatePart::Literal("PROFILE")]);
    let names: Vec<_> = schema.fields.iter().map(|f| (f.name, f.attribute)).collect();
    assert_eq!(
        names,
        [
            ("user_id", "user_id"),
            ("email", "mail"),
            ("name", "name"),
            ("tags", "tags"),
            ("plan", "plan"),
            ("version", "version"),
            ("expires_at", "expires_at"),
            ("handle", "handle"),
        ]
    );
    assert!(schema.fields[5].markers.version);
    assert!(schema.fields[6].markers.ttl);
    assert!(schema.fields[7].markers.unique);
    assert!(schema.fields[3].has_default && schema.fields[4].has_default);
    assert_eq!(schema.indexes.len(), 2);
    assert_eq!(schema.indexes[0].index, "GSI1");
    match schema.indexes[1].keys {
        EntityIndexKeys::Templates { partition: None, sort: Some(sort) } => {
            assert_eq!(sort.source, "NAME#{name}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(Member::SCHEMA.indexes[0].keys, EntityIndexKeys::Fields);
    assert_eq!(Order::SCHEMA.entity_type, "ORDER");
}

#[test]
fn user_item_is_exact() {
    let expected = attrs(&[
        ("PK", s("USER#u1")),
        ("SK", s("PROFILE")),
        ("GSI1PK", s("EMAIL#ann@example.com")),
        ("GSI1SK", s("USER")),
        ("LSI1SK", s("NAME#Ann")),
        ("_type", s("User")),
        ("user_id", s("u1")),
        ("mail", s("ann@example.com")),
        ("name", s("Ann")),
        ("tags", AttributeValue::L(vec![s("a")])),
        ("plan", s("pro")),
        ("version", n(3)),
        ("expires_at", n(1_700_000_000)),
        ("handle", s("ann")),
    ]);
    assert_eq!(ann().to_item().unwrap(), expected);
    assert_eq!(User::from_item(expected).unwrap(), ann());
}

#[test]
fn skip_default_and_absent_values() {
    let mut user = ann();
    user.cached = Some("not stored".into());
    user.expires_at = None;
    let item = user.to_item().unwrap();
    assert!(!item.contains_key("cached"));
    assert!(!item.contains_key("expires_at"), "None stores no attribute");
    let mut stored = item.clone();
    stored.remove("tags");
    stored.remove("plan");
    let decoded = User::from_item(stored).unwrap();
    assert_eq!(decoded.cached, None, "a skipped field decodes to its Default");
    assert_eq!(decoded.tags, Vec::<String>::new());
    assert_eq!(decoded.plan, "free", "the `default = \"path\"` function");
    assert_eq!(decoded.expires_at, None);

    // `name` is in LSI1's sort key: without its attribute it is read from there.
    let mut missing = item;
    missing.remove("name");
    assert_eq!(User::from_item(missing.clone()).unwrap().name, "Ann");
    missing.remove("LSI1SK");
    let error = User::from_item(missing).unwrap_err();
    assert_eq!(
        error.to_string(),
        "name: missing attribute, and not in LSI1SK (`NAME#{name}`: absent)"
    );
}

#[test]
fn keys_and_index_keys() {
    let key = User::key("u1");
    assert_eq!(key, ann().primary_key());
    assert_eq!(key.attributes().unwrap(), &attrs(&[("PK", s("USER#u1")), ("SK", s("PROFILE"))]));

    let gsi = User::gsi1_key("ann@example.com");
    assert_eq!(gsi.index(), "GSI1");
    assert_eq!(
        gsi.attributes().unwrap(),
        &attrs(&[("GSI1PK", s("EMAIL#ann@example.com")), ("GSI1SK", s("USER"))])
    );
    // An LSI key holds the table's partition key and the index's sort key.
    let lsi = User::lsi1_key("u1", "Ann");
    assert_eq!(lsi.index(), "LSI1");
    assert_eq!(
        lsi.attributes().unwrap(),
        &attrs(&[("PK", s("USER#u1")), ("LSI1SK", s("NAME#Ann"))])
    );
}

#[test]
fn key_values_are_escaped_and_padded() {
    let order = Order {
        user_id: "u#1".into(),
        order_id: "o%7".into(),
        placed_at: Timestamp::from_unix_millis(1_764_000_000_000),
        total_cents: 42,
        status: Status::Active,
        lines: vec![],
        payment: None,
        shipping: None,
    };
    let item = order.to_item().unwrap();
    assert_eq!(item["PK"], s("USER#u%231"));
    assert_eq!(item["SK"], s("ORDER#2025-11-24T16:00:00.000Z#o%257"));
    assert_eq!(item["GSI1PK"], s("ORDER#o%257"));
    assert_eq!(item["GSI1SK"], s("AMOUNT#0000000000000000042"));
    assert_eq!(item["_type"], s("ORDER"));
    assert_eq!(item["user_id"], s("u#1"), "the field keeps its own value");
    assert_eq!(item["lines"], AttributeValue::L(vec![]));
    assert!(!item.contains_key("payment"));

    let negative = Order { total_cents: -5, ..order.clone() };
    assert_eq!(negative.to_item().unwrap()["GSI1SK"], s("AMOUNT#-9223372036854775803"));

    // decode_key undoes the escaping and parses each field.
    assert_eq!(
        Order::decode_key(&item).unwrap(),
        ("u#1".to_owned(), order.placed_at, "o%7".to_owned())
    );
    assert_eq!(
        Order::key("u#1", order.placed_at, "o%7").attributes().unwrap(),
        order.primary_key().attributes().unwrap()
    );
}

#[test]
fn decode_key_round_trips_and_reports_mismatches() {
    let item = ann().to_item().unwrap();
    assert_eq!(User::decode_key(&item).unwrap(), ("u1".to_owned(),));
    let error =
        User::decode_key(&attrs(&[("PK", s("ORDER#1")), ("SK", s("PROFILE"))])).unwrap_err();
    assert!(error.to_string().starts_with("PK: key `ORDER#1` does not match"), "{error}");
    let error = User::decode_key(&attrs(&[("PK", s("USER#1"))])).unwrap_err();
    assert_eq!(error.to_string(), "SK: missing attribute");
    let error = User::decode_key(&attrs(&[("PK", n(1)), ("SK", s("PROFILE"))])).unwrap_err();
    assert_eq!(error.to_string(), "PK: expected S, found N");
}

fn order() -> Order {
    Order {
        user_id: "u1".into(),
        order_id: "o1".into(),
        placed_at: Timestamp::from_unix_millis(1_764_000_000_000),
        total_cents: 4_250,
        status: Status::Deleted,
        lines: vec![
            Line { sku: Sku("tea".into()), quantity: 2, price: 1_000 },
            Line { sku: Sku("pot".into()), quantity: 1, price: 2_250 },
            Line { sku: Sku("cup".into()), quantity: 1, price: 0 },
        ],
        payment: Some(Payment::Card { last4: "1234".into() }),
        shipping: Some(Address {
            street: "1 Main St".into(),
            postcode: "12345".into(),
            verified: false,
            notes: vec![],
        }),
    }
}

#[test]
fn nested_structs_and_enums() {
    let item = order().to_item().unwrap();
    assert_eq!(item["status"], s("gone"), "a renamed unit variant");
    assert_eq!(
        item["lines"],
        AttributeValue::L(vec![
            AttributeValue::M(attrs(&[("sku", s("tea")), ("quantity", n(2)), ("price", n(1_000))])),
            AttributeValue::M(attrs(&[("sku", s("pot")), ("quantity", n(1)), ("price", n(2_250))])),
            AttributeValue::M(attrs(&[("sku", s("cup")), ("quantity", n(1)), ("price", n(0))])),
        ])
    );
    assert_eq!(
        item["payment"],
        AttributeValue::M(attrs(&[("kind", s("Card")), ("last4", s("1234"))])),
        "an internally tagged enum"
    );
    assert_eq!(
        item["shipping"],
        AttributeValue::M(attrs(&[
            ("street", s("1 Main St")),
            ("zip", s("12345")),
            ("notes", AttributeValue::L(vec![]))
        ])),
        "renamed, skipped and default fields of a nested struct"
    );
    assert_eq!(Order::from_item(item).unwrap(), order());

    for payment in [
        Payment::Cash,
        Payment::Voucher(Voucher { code: "X1".into() }),
        Payment::Card { last4: "9".into() },
    ] {
        let value = payment.to_attribute_value().unwrap();
        assert_eq!(Payment::from_attribute_value(value).unwrap(), payment);
    }
    assert_eq!(
        Payment::Cash.to_attribute_value().unwrap(),
        AttributeValue::M(attrs(&[("kind", s("Cash"))]))
    );
    assert_eq!(
        Payment::Voucher(Voucher { code: "X1".into() }).to_attribute_value().unwrap(),
        AttributeValue::M(attrs(&[("kind", s("Voucher")), ("code", s("X1"))]))
    );
    assert_eq!(Sku("a".into()).to_attribute_value().unwrap(), s("a"), "a newtype is transparent");

    let mut stored = order().to_item().unwrap();
    if let Some(AttributeValue::M(shipping)) = stored.get_mut("shipping") {
        shipping.remove("notes");
    }
    let decoded = Order::from_item(stored).unwrap();
    assert_eq!(decoded.shipping.unwrap().notes, Vec::<String>::new());
}

#[test]
fn decode_errors_name_the_path() {
    let mut item = order().to_item().unwrap();
    if let Some(AttributeValue::L(lines)) = item.get_mut("lines") {
        if let AttributeValue::M(line) = &mut lines[2] {
            line.insert("price".into(), s("free"));
        }
    }
    let error = Order::from_item(item).unwrap_err();
    assert_eq!(error.to_string(), "lines[2].price: expected N, found S");

    let mut item = order().to_item().unwrap();
    item.insert("status".into(), s("Paused"));
    let error = Order::from_item(item).unwrap_err();
    assert_eq!(
        error.kind,
        DecodeErrorKind::UnknownVariant { found: "Paused".into(), expected: "Active, gone" }
    );
    assert_eq!(error.to_string(), "status: unknown variant `Paused`, expected one of Active, gone");

    let mut item = order().to_item().unwrap();
    item.insert("payment".into(), AttributeValue::M(attrs(&[("last4", s("1"))])));
    assert_eq!(Order::from_item(item).unwrap_err().to_string(), "payment.kind: missing attribute");

    let mut item = order().to_item().unwrap();
    item.insert("payment".into(), AttributeValue::M(attrs(&[("kind", s("Bitcoin"))])));
    assert_eq!(
        Order::from_item(item).unwrap_err().to_string(),
        "payment: unknown variant `Bitcoin`, expected one of Card, Cash, Voucher"
    );

    let mut item = order().to_item().unwrap();
    item.insert("shipping".into(), s("nowhere"));
    assert_eq!(Order::from_item(item).unwrap_err().to_string(), "shipping: expected M, found S");
}

#[test]
fn wrong_entity_type() {
    let item = ann().to_item().unwrap();
    let error: DecodeError = Order::from_item(item.clone()).unwrap_err();
    assert_eq!(
        error.kind,
        DecodeErrorKind::WrongEntityType { found: "User".into(), expected: "ORDER" }
    );
    // Without the entity-type attribute, the key shape decides.
    let mut untyped = item;
    untyped.remove("_type");
    assert_eq!(User::from_item(untyped.clone()).unwrap(), ann());
    let error = Order::from_item(untyped).unwrap_err();
    assert!(
        matches!(&error.kind, DecodeErrorKind::WrongEntityType { found, expected: "ORDER" }
            if found.starts_with("(none), and its key")),
        "{error}"
    );
}

fn member(score: Option<i64>) -> Member {
    Member {
        member_id: MemberId(7),
        tenant_id: "t1".into(),
        region: "eu".into(),
        score,
        created_at: Timestamp::from_unix_seconds(1_700_000_000),
        status: Status::Active,
    }
}

#[test]
fn native_multi_attribute_index_keys() {
    let item = member(Some(90)).to_item().unwrap();
    let expected = attrs(&[
        ("PK", s("MEMBER#0000000007")),
        ("SK", s("MEMBER")),
        ("GSI2PK", s("STATUS#Active")),
        ("_type", s("Member")),
        ("member_id", n(7)),
        ("tenant_id", s("t1")),
        ("region", s("eu")),
        ("score", n(90)),
        ("created_at", s("2023-11-14T22:13:20.000Z")),
        ("status", s("Active")),
    ]);
    assert_eq!(
        item, expected,
        "native index keys are the fields themselves, typed N where declared"
    );
    assert_eq!(Member::from_item(item).unwrap(), member(Some(90)));

    // Without a score the item lacks one key attribute: it is not in the index (sparse).
    let sparse = member(None).to_item().unwrap();
    assert!(!sparse.contains_key("score"));

    let key = Member::by_tenant_key("t1", "eu", 90, Timestamp::from_unix_seconds(1_700_000_000));
    assert_eq!(key.index(), "ByTenant");
    assert_eq!(
        key.attributes().unwrap(),
        &attrs(&[
            ("tenant_id", s("t1")),
            ("region", s("eu")),
            ("score", n(90)),
            ("created_at", s("2023-11-14T22:13:20.000Z")),
        ])
    );
    assert_eq!(
        Member::gsi2_key(Status::Deleted).attributes().unwrap(),
        &attrs(&[("GSI2PK", s("STATUS#gone"))]),
        "a unit enum in a template"
    );
    // A newtype over an integer keys like the integer: zero-padded.
    assert_eq!(Member::decode_key(&expected).unwrap(), (MemberId(7),));
    assert_eq!(Member::key(MemberId(7)).attributes().unwrap()["PK"], s("MEMBER#0000000007"));
}

#[test]
fn lone_placeholders_on_number_keys_and_serde_fields() {
    let counter = Counter {
        id: 12,
        seq: -3,
        name: "hits".into(),
        meta: Meta { owner: "ann".into(), weights: vec![1, 2] },
    };
    let item = counter.to_item().unwrap();
    let expected = attrs(&[
        ("id", n(12)),
        ("seq", n(-3)),
        ("name", s("hits")),
        ("entity", s("Counter")),
        (
            "meta",
            AttributeValue::M(attrs(&[
                ("owner", s("ann")),
                ("weights", AttributeValue::L(vec![n(1), n(2)])),
            ])),
        ),
    ]);
    assert_eq!(item, expected);
    assert_eq!(Counter::from_item(item.clone()).unwrap(), counter);
    assert_eq!(
        Counter::key(12u64, -3).attributes().unwrap(),
        &attrs(&[("id", n(12)), ("seq", n(-3))])
    );
    assert_eq!(Counter::decode_key(&item).unwrap(), (12, -3));
    assert_eq!(Counter::by_name_key("hits").attributes().unwrap(), &attrs(&[("name", s("hits"))]));

    let mut broken = item;
    broken.insert("meta".into(), s("oops"));
    let error = Counter::from_item(broken).unwrap_err();
    assert!(error.to_string().starts_with("meta: "), "{error}");
}

#[test]
fn key_errors_are_kept_in_the_key() {
    let key = User::gsi1_key("x".repeat(3000));
    let error = key.attributes().unwrap_err();
    assert_eq!(error.kind, EncodeErrorKind::KeyTooLong { len: 3006, max: 2048 });
    assert_eq!(error.path.to_string(), "GSI1PK");
    let error = Counter {
        id: 1,
        seq: 1,
        name: String::new(),
        meta: Meta { owner: String::new(), weights: vec![] },
    }
    .to_item()
    .unwrap_err();
    assert_eq!(error.kind, EncodeErrorKind::EmptyKey, "an empty native key value: {error}");
    assert_eq!(error.path.to_string(), "name");
}

fn arb_user() -> impl Strategy<Value = User> {
    (
        ".{1,12}",
        "[a-z#%]{1,12}@x",
        ".{0,8}",
        prop::collection::vec(".{0,4}", 0..3),
        any::<u64>(),
        prop::option::of(0i64..4_000_000_000),
    )
        .prop_map(|(user_id, email, name, tags, version, expires)| User {
            user_id,
            email,
            name: format!("n{name}"),
            cached: None,
            tags,
            plan: "p".into(),
            version,
            expires_at: expires.map(Timestamp::from_unix_seconds),
            handle: "h".into(),
        })
}

fn arb_order() -> impl Strategy<Value = Order> {
    let line = (".{0,6}", any::<u32>(), any::<i64>()).prop_map(|(sku, quantity, price)| Line {
        sku: Sku(sku),
        quantity,
        price,
    });
    (
        "[a-z0-9#%]{1,10}",
        "[a-z0-9#%]{1,10}",
        -62_000_000_000_000i64..250_000_000_000_000,
        any::<i64>(),
        prop::collection::vec(line, 0..4),
        prop::option::of(prop_oneof![
            Just(Payment::Cash),
            ".{0,4}".prop_map(|last4| Payment::Card { last4 }),
            ".{0,4}".prop_map(|code| Payment::Voucher(Voucher { code })),
        ]),
        any::<bool>(),
    )
        .prop_map(|(user_id, order_id, millis, total_cents, lines, payment, active)| Order {
            user_id,
            order_id,
            placed_at: Timestamp::from_unix_millis(millis),
            total_cents,
            status: if active { Status::Active } else { Status::Deleted },
            lines,
            payment,
            shipping: None,
        })
}

proptest! {
    #[test]
    fn user_round_trips(user in arb_user()) {
        let item = user.to_item().unwrap();
        prop_assert_eq!(User::decode_key(&item).unwrap(), (user.user_id.clone(),));
        prop_assert_eq!(User::from_item(item).unwrap(), user);
    }

    #[test]
    fn order_round_trips(order in arb_order()) {
        let item = order.to_item().unwrap();
        prop_assert_eq!(
            Order::decode_key(&item).unwrap(),
            (order.user_id.clone(), order.placed_at, order.order_id.clone())
        );
        prop_assert_eq!(Order::from_item(item).unwrap(), order);
    }
}
