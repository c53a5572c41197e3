//! Item codec: encode + decode of a 12-attribute entity, three ways in one run —
//! the derive, hand-written `AttributeValue` code producing the identical item, and
//! serde_dynamo on the same struct (plus the same key attributes).
//!
//! Targets (DESIGN.md): derive within 1.15x of hand-written, faster than serde_dynamo.

// criterion_group! generates an undocumented `pub fn`.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use singletable::prelude::*;
use singletable::{AttributeValue, DecodeError, Item, Number};

#[derive(Table)]
#[table(name = "Shop", pk = "PK", sk = "SK")]
struct Shop;

#[derive(Entity, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[entity(table = Shop, pk = "USER#{user_id}", sk = "ORDER#{order_id}")]
struct Order {
    user_id: String,
    order_id: String,
    placed_at: u64,
    status: String,
    total_cents: i64,
    quantity: u32,
    price: f64,
    paid: bool,
    tags: Vec<String>,
    notes: Option<String>,
    discount: Option<i64>,
    region: String,
}

fn sample() -> Order {
    Order {
        user_id: "user-12345".into(),
        order_id: "order-67890".into(),
        placed_at: 1_764_000_000_123,
        status: "SHIPPED".into(),
        total_cents: 12_999,
        quantity: 3,
        price: 43.33,
        paid: true,
        tags: vec!["gift".into(), "express".into(), "fragile".into()],
        notes: Some("leave at the door".into()),
        discount: None,
        region: "eu-west-1".into(),
    }
}

/// What a careful engineer writes by hand with the same value type.
mod hand {
    use super::*;

    fn s(value: &str) -> AttributeValue {
        AttributeValue::S(value.to_owned())
    }

    pub fn encode(o: &Order) -> Item {
        let mut item = HashMap::with_capacity(15);
        item.insert("PK".to_owned(), s(&format!("USER#{}", o.user_id)));
        item.insert("SK".to_owned(), s(&format!("ORDER#{}", o.order_id)));
        item.insert("_type".to_owned(), s("Order"));
        item.insert("user_id".to_owned(), s(&o.user_id));
        item.insert("order_id".to_owned(), s(&o.order_id));
        item.insert("placed_at".to_owned(), AttributeValue::N(Number::from(o.placed_at)));
        item.insert("status".to_owned(), s(&o.status));
        item.insert("total_cents".to_owned(), AttributeValue::N(Number::from(o.total_cents)));
        item.insert("quantity".to_owned(), AttributeValue::N(Number::from(o.quantity)));
        let price = Number::try_from(o.price).expect("finite price");
        item.insert("price".to_owned(), AttributeValue::N(price));
        item.insert("paid".to_owned(), AttributeValue::Bool(o.paid));
        item.insert("tags".to_owned(), AttributeValue::L(o.tags.iter().map(|t| s(t)).collect()));
        if let Some(notes) = &o.notes {
            item.insert("notes".to_owned(), s(notes));
        }
        if let Some(discount) = o.discount {
            item.insert("discount".to_owned(), AttributeValue::N(Number::from(discount)));
        }
        item.insert("region".to_owned(), s(&o.region));
        item
    }

    fn take_s(item: &mut Item, name: &'static str) -> Result<String, DecodeError> {
        match item.remove(name) {
            Some(AttributeValue::S(v)) => Ok(v),
            Some(other) => Err(DecodeError::type_mismatch("S", other.attribute_type())),
            None => Err(DecodeError::missing()),
        }
    }

    fn take_n(item: &mut Item, name: &'static str) -> Result<Number, DecodeError> {
        match item.remove(name) {
            Some(AttributeValue::N(v)) => Ok(v),
            Some(other) => Err(DecodeError::type_mismatch("N", other.attribute_type())),
            None => Err(DecodeError::missing()),
        }
    }

    fn int<T: for<'a> TryFrom<&'a Number>>(n: &Number) -> Result<T, DecodeError> {
        T::try_from(n).map_err(|_| DecodeError::invalid("number out of range"))
    }

    pub fn decode(mut item: Item) -> Result<Order, DecodeError> {
        let tags = match item.remove("tags") {
            Some(AttributeValue::L(list)) => list
                .into_iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s),
                    other => Err(DecodeError::type_mismatch("S", other.attribute_type())),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(DecodeError::missing()),
        };
        let notes = match item.remove("notes") {
            Some(AttributeValue::S(v)) => Some(v),
            _ => None,
        };
        let discount = match item.remove("discount") {
            Some(AttributeValue::N(v)) => Some(int(&v)?),
            _ => None,
        };
        let paid = match item.remove("paid") {
            Some(AttributeValue::Bool(b)) => b,
            _ => return Err(DecodeError::missing()),
        };
        Ok(Order {
            user_id: take_s(&mut item, "user_id")?,
            order_id: take_s(&mut item, "order_id")?,
            placed_at: int(&take_n(&mut item, "placed_at")?)?,
            status: take_s(&mut item, "status")?,
            total_cents: int(&take_n(&mut item, "total_cents")?)?,
            quantity: int(&take_n(&mut item, "quantity")?)?,
            price: take_n(&mut item, "price")?.to_f64(),
            paid,
            tags,
            notes,
            discount,
            region: take_s(&mut item, "region")?,
        })
    }
}

fn serde_encode(o: &Order) -> serde_dynamo::Item {
    let mut item: serde_dynamo::Item = serde_dynamo::to_item(o).expect("serializable");
    let mut map: HashMap<String, serde_dynamo::AttributeValue> = item.into();
    map.insert("PK".into(), serde_dynamo::AttributeValue::S(format!("USER#{}", o.user_id)));
    map.insert("SK".into(), serde_dynamo::AttributeValue::S(format!("ORDER#{}", o.order_id)));
    map.insert("_type".into(), serde_dynamo::AttributeValue::S("Order".into()));
    item = map.into();
    item
}

fn codec(c: &mut Criterion) {
    let order = sample();
    // The three encoders must agree before their speeds are compared.
    assert_eq!(order.to_item().expect("encodes"), hand::encode(&order));
    assert_eq!(Order::from_item(hand::encode(&order)).expect("decodes"), order);
    assert_eq!(hand::decode(order.to_item().expect("encodes")).expect("decodes"), order);
    let via_serde: Order = serde_dynamo::from_item(serde_encode(&order)).expect("decodes");
    assert_eq!(via_serde, order);

    let mut group = c.benchmark_group("codec/encode+decode 12 attributes");
    group.bench_function("singletable derive", |b| {
        b.iter(|| {
            let item = black_box(&order).to_item().expect("encodes");
            Order::from_item(black_box(item)).expect("decodes")
        })
    });
    group.bench_function("hand-written AttributeValue", |b| {
        b.iter(|| hand::decode(black_box(hand::encode(black_box(&order)))).expect("decodes"))
    });
    group.bench_function("serde_dynamo", |b| {
        b.iter(|| {
            let item = serde_encode(black_box(&order));
            serde_dynamo::from_item::<_, Order>(black_box(item)).expect("decodes")
        })
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
