//! Generated code is hygienic: a model whose entities, table, index and fields are named
//! like the generic parameters, helpers and prelude names the derives could use (`C`, `E`,
//! `T`, `M`, `K`, `I`, `Key`, `Result`, `Option`, `Query`, `Item`, `Error`, `Vec`,
//! `String`, `Box`, `Some`, `None`, `Ok`, `Err`, a table named `Table`, fields named `key`,
//! `item`, `value`, `self_`…) compiles, and its derives work.
//!
//! Every entity sits in one module with the derive output, as a user's model does; the
//! test code outside names them by path.
#![allow(dead_code)]

mod clashing {
    #[derive(::singletable::Table)]
    #[table(
        name = "Hygiene",
        pk = "PK",
        sk = "SK",
        gsi(name = "GSI1", pk = "GSI1PK", sk = "GSI1SK")
    )]
    pub struct Table;

    #[derive(::singletable::Entity, Debug, Clone, PartialEq)]
    #[entity(table = Table, pk = "C#{key}", sk = "V#{value}", index(GSI1, pk = "ITEM#{item}", sk = "C#{key}"))]
    pub struct C {
        pub key: ::std::string::String,
        pub value: u32,
        pub item: ::std::string::String,
        pub self_: ::core::option::Option<i64>,
    }

    macro_rules! entity {
        ($name:ident, $pk:tt, $gsi_sk:tt) => {
            #[derive(::singletable::Entity, Debug, Clone, PartialEq)]
            #[entity(table = Table, pk = $pk, sk = "V#{value}", index(GSI1, pk = "ITEM#{item}", sk = $gsi_sk))]
            pub struct $name {
                pub key: ::std::string::String,
                pub value: u32,
                pub item: ::std::string::String,
                pub self_: ::core::option::Option<i64>,
            }
        };
    }
    entity!(E, "E#{key}", "E#{key}");
    entity!(T, "T#{key}", "T#{key}");
    entity!(M, "M#{key}", "M#{key}");
    entity!(K, "K#{key}", "K#{key}");
    entity!(I, "I#{key}", "I#{key}");
    entity!(Key, "KEY#{key}", "KEY#{key}");
    entity!(Result, "RESULT#{key}", "RESULT#{key}");
    entity!(Option, "OPTION#{key}", "OPTION#{key}");
    entity!(Query, "QUERY#{key}", "QUERY#{key}");
    entity!(Item, "ITEMS#{key}", "ITEMS#{key}");
    entity!(Error, "ERROR#{key}", "ERROR#{key}");
    entity!(Vec, "VEC#{key}", "VEC#{key}");
    entity!(String, "STRING#{key}", "STRING#{key}");
    entity!(Box, "BOX#{key}", "BOX#{key}");
    entity!(Some, "SOME#{key}", "SOME#{key}");
    entity!(None, "NONE#{key}", "NONE#{key}");
    entity!(Ok, "OK#{key}", "OK#{key}");
    entity!(Err, "ERR#{key}", "ERR#{key}");
    entity!(Entity, "ENTITY#{key}", "ENTITY#{key}");
    entity!(Default, "DEFAULT#{key}", "DEFAULT#{key}");
    entity!(Into, "INTO#{key}", "INTO#{key}");
    entity!(PhantomData, "PHANTOM#{key}", "PHANTOM#{key}");

    /// A collection named like a generic parameter, with members named like prelude items.
    #[derive(::singletable::Collection, Debug, ::core::default::Default, PartialEq)]
    #[collection(table = Table, index = GSI1)]
    pub struct S {
        pub c: ::std::vec::Vec<C>,
        pub some: ::std::vec::Vec<Some>,
        pub result: ::core::option::Option<Result>,
    }

    /// A changes enum whose variants are named like the prelude.
    #[derive(::singletable::Changes, Debug)]
    #[changes(table = Table)]
    pub enum U {
        C(::singletable::Change<C>),
        Some(::singletable::Change<Some>),
        Ok(::singletable::Change<Ok>),
    }
}

use singletable::prelude::*;

fn sample<F: Fn(std::string::String, u32, std::string::String) -> X, X>(f: F) -> X {
    f("k1".into(), 7, "i1".into())
}

#[tokio::test]
async fn clashing_names_compile_and_work() {
    let db = clashing::Table::client(MemoryBackend::new());
    db.create_table().await.unwrap();
    let c = sample(|key, value, item| clashing::C { key, value, item, self_: None });
    let some = sample(|key, value, item| clashing::Some { key, value, item, self_: Some(1) });
    let result = sample(|key, value, item| clashing::Result { key, value, item, self_: None });
    db.put(&c).await.unwrap();
    db.put(&some).await.unwrap();
    db.put(&result).await.unwrap();
    assert_eq!(db.get(clashing::C::key("k1", 7u32)).await.unwrap(), Some(c.clone()));
    let page = clashing::C::query().key("k1").send(&db).await.unwrap();
    assert_eq!(page.items, vec![c.clone()]);
    let by_item = clashing::Some::by_gsi1().item("i1").all(&db).await.unwrap();
    assert_eq!(by_item, vec![some.clone()]);
    let all = clashing::S::query().item("i1").all(&db).await.unwrap();
    assert_eq!(all.c, vec![c]);
    assert_eq!(all.some, vec![some]);
    assert_eq!(all.result, Some(result));
}
