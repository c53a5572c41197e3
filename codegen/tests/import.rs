//! Importers against real published data models: every AWS NoSQL Workbench model in
//! `../shared/fixtures` (read from there, never copied; SOURCES.txt says where each comes
//! from) is imported, checked for concrete facts, written back with `to_toml`, parsed
//! again, and generated; plus the project's own OneTable fixtures.
#![cfg(feature = "schema")]

use std::path::{Path, PathBuf};

use singletable_codegen::model::{
    EntityIndexKeys, IndexKind, ModelSet, ProjectionModel, ScalarType,
};
use singletable_codegen::schema::{self, Format, Imported};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
}

fn import(relative: &str) -> Vec<Imported> {
    let path = shared().join(relative);
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match schema::import_workbench(&source, relative) {
        Ok(tables) => tables,
        Err(cx) => panic!(
            "{relative}: {:#?}",
            cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()
        ),
    }
}

/// `to_toml` → `parse_str` keeps the model, and the result generates code.
fn round_trip(models: &ModelSet, what: &str) -> ModelSet {
    let written = schema::to_toml(models);
    let again = match schema::parse_str(&written, what, Format::Toml) {
        Ok(again) => again,
        Err(cx) => panic!(
            "{what} does not parse back:\n{written}\n{:#?}",
            cx.errors().iter().map(|e| format!("{e} ({:?})", e.hint)).collect::<Vec<_>>()
        ),
    };
    assert_eq!(schema::to_toml(&again), written, "{what}: a second round trip changes the file");
    if let Err(cx) = schema::generate(&again) {
        panic!(
            "{what} does not generate: {:?}",
            cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
    again
}

fn one(relative: &str) -> ModelSet {
    let tables = import(relative);
    assert_eq!(tables.len(), 1, "{relative}: one table");
    let imported = tables.into_iter().next().unwrap();
    round_trip(&imported.models, relative)
}

fn entity_names(models: &ModelSet) -> Vec<String> {
    models.entities.iter().map(|e| e.rust_name.to_string()).collect()
}

fn gsi_names(models: &ModelSet) -> Vec<&str> {
    models
        .table
        .indexes
        .iter()
        .filter(|i| i.kind == IndexKind::Global)
        .map(|i| i.name.value.as_str())
        .collect()
}

fn keys(models: &ModelSet) -> (String, Option<String>) {
    (
        models.table.partition_key.name.value.clone(),
        models.table.sort_key.as_ref().map(|k| k.name.value.clone()),
    )
}

fn template_of(models: &ModelSet, entity: &str) -> (String, Option<String>) {
    let e = models
        .entities
        .iter()
        .find(|e| e.rust_name == entity)
        .unwrap_or_else(|| panic!("no entity {entity} in {:?}", entity_names(models)));
    (e.partition_key.source.value.clone(), e.sort_key.as_ref().map(|s| s.source.value.clone()))
}

const WORKBENCH_MODELS: &[&str] = &[
    "amazon-dynamodb-design-patterns/examples/an-online-shop/json/AnOnlineShop_13.json",
    "amazon-dynamodb-design-patterns/examples/an-online-shop/json/AnOnlineShop_14.json",
    "amazon-dynamodb-design-patterns/examples/an-online-shop/json/AnOnlineShop_facets.json",
    "amazon-dynamodb-design-patterns/examples/device-state-log/json/DeviceStateLog_2.json",
    "amazon-dynamodb-design-patterns/examples/device-state-log/json/DeviceStateLog_3.json",
    "amazon-dynamodb-design-patterns/examples/device-state-log/json/DeviceStateLog_7.json",
    "aws-dynamodb-examples/schema_design/SchemaExamples/ChatSystem/ChatSystemSchema.json",
    "aws-dynamodb-examples/schema_design/SchemaExamples/SessionManagement/SessionManagementSchema.json",
    "aws-dynamodb-examples/schema_design/SchemaExamples/SocialNetwork/SocialNetworkSchema.json",
    "aws-dynamodb-examples/schema_design/SchemaExamples/RecurringPayments/RecurringPaymentsSchema.json",
    "aws-dynamodb-examples/schema_design/SchemaExamples/ComplainManagement/ComplaintManagementSchema.json",
    "aws-dynamodb-examples/schema_design/SchemaExamples/GamingPlayerProfiles/GamePlayerProfilesSchema.json",
];

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_workbench_model_in_the_shared_fixtures_is_covered() {
    let mut files = Vec::new();
    json_files(&shared(), &mut files);
    let mut found: Vec<String> = files
        .iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|s| s.contains("\"DataModel\"")))
        .map(|p| p.strip_prefix(shared()).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    found.sort();
    let mut listed: Vec<String> = WORKBENCH_MODELS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "a Workbench model in ../shared/fixtures is not tested here");
    for relative in WORKBENCH_MODELS {
        one(relative);
    }
}

#[test]
fn online_shop_with_facets() {
    let m = one(WORKBENCH_MODELS[2]);
    assert_eq!(m.table.name.value, "OnlineShop");
    assert_eq!(keys(&m), ("PK".into(), Some("SK".into())));
    assert_eq!(gsi_names(&m), ["GSI1", "GSI2"]);
    assert_eq!(m.table.indexes[0].partition_key[0].name.value, "GSI1-PK");
    assert_eq!(
        entity_names(&m),
        [
            "Customer",
            "Product",
            "Warehouse",
            "WarehouseItem",
            "OrderItem",
            "Shipment",
            "ShipmentItem",
            "Invoice",
            "Payment"
        ]
    );
    let types: Vec<&str> = m.entities.iter().map(|e| e.entity_type.value.as_str()).collect();
    assert_eq!(types[0], "customer");
    // `c#12345` on both sides of every customer: one field, literal prefix `c`.
    assert_eq!(template_of(&m, "Customer"), ("c#{c_id}".into(), Some("c#{c_id}".into())));
    assert_eq!(template_of(&m, "Payment"), ("o#{o_id}".into(), Some("pmn#{pmn_id}".into())));
    // orderItem fills GSI1 (p#… / a date) and GSI2 (c#… / p#date) from templates.
    let order_item = m.entities.iter().find(|e| e.rust_name == "OrderItem").unwrap();
    let names: Vec<&str> = order_item.indexes.iter().map(|i| i.name.value.as_str()).collect();
    assert_eq!(names, ["GSI1", "GSI2"]);
    assert!(order_item.indexes.iter().all(|i| matches!(i.keys, EntityIndexKeys::Templates { .. })));
    // Non-key attributes are fields stored under their names.
    let customer = m.entities.iter().find(|e| e.rust_name == "Customer").unwrap();
    assert!(customer.fields.iter().any(|f| f.attribute.value == "Email"));
}

#[test]
fn online_shop_without_facets_groups_by_entity_type() {
    for relative in &WORKBENCH_MODELS[..2] {
        let m = one(relative);
        assert_eq!(m.table.name.value, "OnlineShop");
        assert_eq!(gsi_names(&m), ["GSI1", "GSI2"]);
        assert_eq!(m.table.entity_type_attribute.value, "EntityType");
        let names = entity_names(&m);
        for expected in ["Customer", "Product", "Warehouse", "Order", "Invoice", "Shipment"] {
            assert!(names.iter().any(|n| n == expected), "{relative}: no {expected} in {names:?}");
        }
    }
}

#[test]
fn device_state_log() {
    let m2 = one(WORKBENCH_MODELS[3]);
    assert_eq!(m2.table.name.value, "DeviceStateLog");
    assert_eq!(keys(&m2), ("DeviceID".into(), Some("Date".into())));
    assert!(gsi_names(&m2).is_empty());
    let m7 = one(WORKBENCH_MODELS[5]);
    assert_eq!(keys(&m7), ("DeviceID".into(), Some("State#Date".into())));
    assert_eq!(gsi_names(&m7), ["GSI1", "GSI2"]);
    assert_eq!(m7.table.indexes[1].partition_key[0].name.value, "EscalatedTo");
    // GSI1 (Operator / Date) is over plain attributes: a native field list.
    let entity = &m7.entities[0];
    let gsi1 = entity.indexes.iter().find(|i| i.name.value == "GSI1").expect("in GSI1");
    assert!(
        matches!(&gsi1.keys, EntityIndexKeys::Fields { partition, .. } if partition[0].value == "operator")
    );
    assert!(
        entity.partition_key.source.value.starts_with("d#{"),
        "{}",
        entity.partition_key.source.value
    );
}

#[test]
fn aws_schema_examples() {
    let chat = one(WORKBENCH_MODELS[6]);
    assert_eq!(chat.table.name.value, "Chat");
    assert_eq!(gsi_names(&chat), ["RoomID_Comment_IDX"]);
    assert!(
        matches!(chat.table.billing, singletable_codegen::model::BillingModel::Provisioned(t) if t.read == 5 && t.write == 5)
            || matches!(chat.table.billing, singletable_codegen::model::BillingModel::OnDemand)
    );
    let pks: Vec<String> =
        chat.entities.iter().map(|e| e.partition_key.source.value.clone()).collect();
    assert!(pks.iter().any(|p| p.starts_with("User:{")), "{pks:?}");
    assert!(pks.iter().any(|p| p.starts_with("Room:{")), "{pks:?}");

    let sessions = one(WORKBENCH_MODELS[7]);
    assert_eq!(sessions.table.name.value, "session_store");
    assert_eq!(gsi_names(&sessions), ["GSI1_inverse"]);
    assert_eq!(sessions.table.indexes[0].partition_key[0].name.value, "SK");

    let social = one(WORKBENCH_MODELS[8]);
    assert_eq!(social.table.name.value, "SNS");
    assert!(gsi_names(&social).is_empty());
    assert!(social.entities.len() >= 5, "{:?}", entity_names(&social));

    let payments = one(WORKBENCH_MODELS[9]);
    assert_eq!(payments.table.name.value, "ReoccuringPayments");
    assert_eq!(gsi_names(&payments), ["GSI-1", "GSI-2"]);
    assert_eq!(entity_names(&payments), ["Subscription", "Receipts"]);
    assert!(
        matches!(&payments.table.indexes[0].projection, ProjectionModel::Include(a) if a.iter().any(|x| x.value == "Email"))
    );
    // Facet key aliases name the template fields.
    assert_eq!(
        template_of(&payments, "Subscription"),
        ("ACC#{account_id}".into(), Some("SUB#{sub_id}#SKU#{sku}".into()))
    );

    let complaints = one(WORKBENCH_MODELS[10]);
    assert_eq!(complaints.table.name.value, "Complaint_management_system");
    assert_eq!(
        gsi_names(&complaints),
        ["Customer_Complaint_GSI", "Escalations_GSI", "Agents_Comments_GSI"]
    );

    let players = one(WORKBENCH_MODELS[11]);
    assert_eq!(players.table.name.value, "game-player-profiles");
    assert_eq!(players.table.rust_name, "GamePlayerProfiles");
    assert_eq!(
        entity_names(&players),
        ["Metadata", "Friends", "Items", "Equipments", "Tasks", "Activities"]
    );
    assert_eq!(template_of(&players, "Items").1.as_deref(), Some("ITEMS#{item_id}"));
    assert_eq!(players.table.partition_key.ty, ScalarType::S);
}

#[test]
fn workbench_garbage_is_a_diagnostic() {
    let errors = schema::import_workbench("{\"DataModel\": 3}", "x.json").unwrap_err();
    assert!(errors.errors()[0].message.contains("DataModel"));
    let errors = schema::import_workbench("{ nope", "x.json").unwrap_err();
    assert!(errors.errors()[0].to_string().starts_with("x.json:1:"), "{}", errors.errors()[0]);
}

fn onetable_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn onetable_schema() {
    let source = onetable_fixture("onetable_crm.json");
    let tables = match schema::import_onetable(&source, "onetable_crm.json") {
        Ok(t) => t,
        Err(cx) => panic!("{:#?}", cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    assert_eq!(tables.len(), 1);
    let imported = &tables[0];
    assert_eq!(imported.table_name, "CrmTable");
    let m = round_trip(&imported.models, "onetable_crm.json");
    assert_eq!(keys(&m), ("pk".into(), Some("sk".into())));
    assert_eq!(gsi_names(&m), ["gs1"]);
    assert_eq!(m.table.indexes[1].kind, IndexKind::Local);
    assert_eq!(m.table.entity_type_attribute.value, "_type");
    assert_eq!(entity_names(&m), ["Account", "User"]);
    assert_eq!(template_of(&m, "Account"), ("account#{id}".into(), Some("account#".into())));
    assert_eq!(
        template_of(&m, "User"),
        ("account#{account_id}".into(), Some("user#{email}".into()))
    );
    let user = m.entities.iter().find(|e| e.rust_name == "User").unwrap();
    let gs1 = user.indexes.iter().find(|i| i.name.value == "gs1").unwrap();
    assert!(
        matches!(&gs1.keys, EntityIndexKeys::Templates { partition: Some(p), .. } if p.source.value == "user#{email}")
    );
    let balance = user.fields.iter().find(|f| f.name() == "balance").unwrap();
    assert_eq!(
        quote::ToTokens::to_token_stream(&balance.ty).to_string().replace(' ', ""),
        "::core::option::Option<::singletable::Decimal>"
    );
}

#[test]
fn onetable_garbage_is_a_diagnostic() {
    let errors = schema::import_onetable("{\"models\": {}}", "x.json").unwrap_err();
    assert!(errors.errors()[0].message.contains("indexes"));
}

/// The facade's `tests/schema_generated.rs` compiles and uses
/// `tests/generated/online_shop.rs`, generated from the imported AnOnlineShop facets model;
/// regenerate it with `UPDATE_GENERATED=1 cargo test -p singletable-codegen --features
/// schema --test import`.
#[test]
fn generated_code_of_an_import_is_checked_in() {
    let models = one(WORKBENCH_MODELS[2]);
    let code = schema::generate(&models).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/generated/online_shop.rs");
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &code).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == code,
        "tests/generated/online_shop.rs is out of date: run `UPDATE_GENERATED=1 cargo test -p \
         singletable-codegen --features schema --test import`"
    );
}

// ---- Inference rules (issue 21, A.5) -------------------------------------------------

fn entity<'m>(models: &'m ModelSet, name: &str) -> &'m singletable_codegen::model::EntityModel {
    models
        .entities
        .iter()
        .find(|e| e.rust_name == name)
        .unwrap_or_else(|| panic!("no entity {name} in {:?}", entity_names(models)))
}

fn type_of(models: &ModelSet, entity_name: &str, field: &str) -> String {
    let e = entity(models, entity_name);
    let f = e.field(field).unwrap_or_else(|| panic!("{entity_name} has no field {field}"));
    quote::ToTokens::to_token_stream(&f.ty).to_string().replace(' ', "")
}

fn index_templates(models: &ModelSet, entity_name: &str, index: &str) -> (String, String) {
    let e = entity(models, entity_name);
    let i = e.indexes.iter().find(|i| i.name.value == index).expect("in the index");
    match &i.keys {
        EntityIndexKeys::Templates { partition, sort } => (
            partition.as_ref().map(|t| t.source.value.clone()).unwrap_or_default(),
            sort.as_ref().map(|t| t.source.value.clone()).unwrap_or_default(),
        ),
        other => panic!("{other:?}"),
    }
}

/// A one-table Workbench model from a key schema, GSIs and items.
fn inline(keys: &str, gsis: &str, items: &str) -> ModelSet {
    let source = format!(
        r#"{{"DataModel": [{{"TableName": "Shop", "KeyAttributes": {keys},
            "GlobalSecondaryIndexes": [{gsis}], "TableData": [{items}]}}]}}"#
    );
    let tables = match schema::import_workbench(&source, "inline.json") {
        Ok(t) => t,
        Err(cx) => panic!("{:#?}", cx.errors().iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    round_trip(&tables[0].models, "inline.json")
}

const PK_SK: &str = r#"{"PartitionKey": {"AttributeName": "PK", "AttributeType": "S"},
    "SortKey": {"AttributeName": "SK", "AttributeType": "S"}}"#;

#[test]
fn sparse_index_keys_line_up_with_the_table_key() {
    let gsi = r#"{"IndexName": "GSI2", "KeyAttributes": {
        "PartitionKey": {"AttributeName": "GSI2PK", "AttributeType": "S"},
        "SortKey": {"AttributeName": "GSI2SK", "AttributeType": "S"}}}"#;
    let m = inline(
        PK_SK,
        gsi,
        r#"{"PK": {"S": "p#1"}, "SK": {"S": "w#7"}, "GSI2PK": {"S": "w#7"}, "GSI2SK": {"S": "p#1"}},
           {"PK": {"S": "p#2"}, "SK": {"S": "w#8"}},
           {"PK": {"S": "p#3"}, "SK": {"S": "w#9"}, "GSI2PK": {"S": "w#9"}, "GSI2SK": {"S": "p#3"}}"#,
    );
    assert_eq!(
        index_templates(&m, entity_names(&m)[0].as_str(), "GSI2"),
        ("w#{w_id}".into(), "p#{p_id}".into())
    );
}

#[test]
fn distinctive_values_are_one_field_across_literals_but_short_ids_are_not() {
    let gsis = r#"{"IndexName": "GSI1", "KeyAttributes": {
        "PartitionKey": {"AttributeName": "GSI1PK", "AttributeType": "S"},
        "SortKey": {"AttributeName": "GSI1SK", "AttributeType": "S"}}}"#;
    let m = inline(
        PK_SK,
        gsis,
        r#"{"PK": {"S": "o#12345"}, "SK": {"S": "c#12345"}, "GSI1PK": {"S": "x#1"}, "GSI1SK": {"S": "2020-06-21T19:18:00"}},
           {"PK": {"S": "o#23456"}, "SK": {"S": "c#23456"}, "GSI1PK": {"S": "x#2"}, "GSI1SK": {"S": "2020-06-21T19:20:00"}}"#,
    );
    let name = entity_names(&m)[0].clone();
    // `o#12345` and `c#12345`: an order and a customer, not one field.
    assert_eq!(template_of(&m, &name), ("o#{o_id}".into(), Some("c#{c_id}".into())));
    let m2 = inline(
        PK_SK,
        gsis,
        r#"{"PK": {"S": "o#1"}, "SK": {"S": "d#2020-06-21T19:18:00"}, "GSI1PK": {"S": "x#1"}, "GSI1SK": {"S": "p#2020-06-21T19:18:00"}}"#,
    );
    let name = entity_names(&m2)[0].clone();
    let (_, sk) = template_of(&m2, &name);
    let (_, gsi_sk) = index_templates(&m2, &name, "GSI1");
    assert_eq!(sk.unwrap().replace("d#", ""), gsi_sk.replace("p#", ""));
}

#[test]
fn a_key_segment_equal_to_an_attribute_is_that_attributes_field() {
    let m = inline(
        PK_SK,
        "",
        r#"{"PK": {"S": "Complaint1"}, "SK": {"S": "comm#2023-04-30T12:00:24#comm1"}, "comm_id": {"S": "comm1"}, "comm_date": {"S": "2023-04-30T12:00:24"}},
           {"PK": {"S": "Complaint1"}, "SK": {"S": "comm#2023-04-30T12:35:54#comm2"}, "comm_id": {"S": "comm2"}, "comm_date": {"S": "2023-04-30T12:35:54"}},
           {"PK": {"S": "Complaint1"}, "SK": {"S": "metadata"}, "complaint_id": {"S": "Complaint1"}}"#,
    );
    assert_eq!(
        template_of(&m, "Comm"),
        ("{complaint_id}".into(), Some("comm#{comm_date}#{comm_id}".into()))
    );
    // One partition, one partition-key template.
    assert_eq!(template_of(&m, "Metadata").0, "{complaint_id}");
}

#[test]
fn scalar_types_come_from_every_sample() {
    let m = inline(
        PK_SK,
        "",
        r#"{"PK": {"S": "a#1"}, "SK": {"S": "x"}, "n": {"N": "3000000000"}, "d": {"N": "1"}, "mixed": {"S": "x"}, "big": {"N": "1"}},
           {"PK": {"S": "a#2"}, "SK": {"S": "x"}, "n": {"N": "4"}, "d": {"N": "1.5"}, "mixed": {"N": "2"}, "big": {"N": "99999999999999999999"}}"#,
    );
    let e = entity_names(&m)[0].clone();
    assert_eq!(type_of(&m, &e, "n"), "i64");
    assert_eq!(type_of(&m, &e, "d"), "::singletable::Decimal");
    assert_eq!(type_of(&m, &e, "big"), "::singletable::Decimal");
    assert_eq!(type_of(&m, &e, "mixed"), "::singletable::AttributeValue");
}

#[test]
fn maps_of_one_shape_are_nested_types_and_others_hash_maps() {
    let m = inline(
        PK_SK,
        "",
        r#"{"PK": {"S": "a#1"}, "SK": {"S": "x"}, "Address": {"M": {"City": {"S": "A"}, "Zip": {"S": "1"}}},
              "Stats": {"M": {"HP": {"N": "5"}}}, "Tags": {"L": [{"S": "a"}]},
              "Lines": {"L": [{"M": {"Sku": {"S": "s"}, "Qty": {"N": "1"}}}]}},
           {"PK": {"S": "a#2"}, "SK": {"S": "x"}, "Address": {"M": {"City": {"S": "B"}, "Zip": {"S": "2"}, "Note": {"S": "n"}}},
              "Stats": {"M": {"DEF": {"N": "7"}}}, "Tags": {"L": []},
              "Lines": {"L": [{"M": {"Sku": {"S": "t"}, "Qty": {"N": "2"}}}]}}"#,
    );
    let e = entity_names(&m)[0].clone();
    assert_eq!(type_of(&m, &e, "address"), "Address");
    assert_eq!(type_of(&m, &e, "stats"), "::std::collections::HashMap<::std::string::String,i64>");
    assert_eq!(type_of(&m, &e, "tags"), "::std::vec::Vec<::std::string::String>");
    assert_eq!(type_of(&m, &e, "lines"), "::std::vec::Vec<Line>");
    let address = m.attributes.iter().find(|a| a.rust_name == "Address").unwrap();
    let singletable_codegen::model::AttributeShape::Struct(fields) = &address.shape else {
        panic!("a struct")
    };
    let names: Vec<(String, String)> = fields
        .iter()
        .map(|f| (f.name(), quote::ToTokens::to_token_stream(&f.ty).to_string().replace(' ', "")))
        .collect();
    assert_eq!(names[0], ("city".into(), "::std::string::String".into()));
    // `Note` is in one sample of two: optional.
    assert_eq!(names[2], ("note".into(), "::core::option::Option<::std::string::String>".into()));
    assert_eq!(fields[0].attribute.value, "City");
}

#[test]
fn entities_are_named_from_their_key_words() {
    let m = inline(
        PK_SK,
        "",
        r#"{"PK": {"S": "u#1"}, "SK": {"S": "info"}, "name": {"S": "a"}},
           {"PK": {"S": "u#1"}, "SK": {"S": "count"}, "n": {"N": "1"}},
           {"PK": {"S": "u#1#follower"}, "SK": {"S": "u#2"}},
           {"PK": {"S": "u#1#following"}, "SK": {"S": "u#3"}},
           {"PK": {"S": "Room:Music"}, "SK": {"S": "meta"}}"#,
    );
    assert_eq!(entity_names(&m), ["Info", "Count", "Follower", "Following", "Room"]);
    let keys = r#"{"PartitionKey": {"AttributeName": "DeviceID", "AttributeType": "S"},
        "SortKey": {"AttributeName": "SK", "AttributeType": "S"}}"#;
    let m = inline(
        keys,
        "",
        r#"{"DeviceID": {"S": "d#1"}, "SK": {"S": "WARNING1#2020-04-24T14:40:00"}, "State": {"S": "WARNING1"}, "Date": {"S": "2020-04-24T14:40:00"}},
           {"DeviceID": {"S": "d#1"}, "SK": {"S": "NORMAL#2020-04-24T14:45:00"}, "State": {"S": "NORMAL"}, "Date": {"S": "2020-04-24T14:45:00"}}"#,
    );
    assert_eq!(entity_names(&m), ["Device"]);
    assert_eq!(template_of(&m, "Device"), ("d#{device_id}".into(), Some("{state}#{date}".into())));
}

#[test]
fn sort_keys_one_literal_apart_with_the_same_attributes_are_one_entity() {
    let m = inline(
        PK_SK,
        "",
        r#"{"PK": {"S": "s#a1"}, "SK": {"S": "c#ABC"}, "token": {"S": "t"}},
           {"PK": {"S": "s#a2"}, "SK": {"S": "c#XYZ"}, "token": {"S": "u"}}"#,
    );
    assert_eq!(m.entities.len(), 1, "{:?}", entity_names(&m));
    assert!(m.entities[0].sort_key.as_ref().unwrap().source.value.starts_with("c#{"));
}

#[test]
fn access_patterns_are_generated_from_the_keys() {
    let m = one(WORKBENCH_MODELS[0]);
    let names: Vec<&str> = m.access_patterns.iter().map(|p| p.name.value.as_str()).collect();
    for expected in ["get_customer", "get_order_item", "order_items_by_o_id", "order_items_by_gsi1"]
    {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let by_gsi2 = m.access_patterns.iter().find(|p| p.name.value == "order_items_by_gsi2").unwrap();
    assert_eq!(by_gsi2.index.as_ref().unwrap().value, "GSI2");
    assert_eq!(by_gsi2.key_fields[0].value, "c_id");
}

#[test]
fn the_published_models_import_as_their_authors_meant() {
    for relative in &WORKBENCH_MODELS[..2] {
        let m = one(relative);
        // One field per value: the sparse GSI2 of warehouse items reuses the table key's.
        let item = entity(&m, "WarehouseItem");
        assert!(item.fields.iter().all(|f| !f.name().ends_with("_2")), "{relative}");
        assert_eq!(
            index_templates(&m, "WarehouseItem", "GSI2"),
            ("w#{w_id}".into(), "p#{p_id}".into())
        );
        // The order date in GSI1-SK and GSI2-SK is one field.
        let (_, gsi1_sk) = index_templates(&m, "OrderItem", "GSI1");
        let (_, gsi2_sk) = index_templates(&m, "OrderItem", "GSI2");
        assert!(gsi2_sk.ends_with(&gsi1_sk), "{gsi1_sk} / {gsi2_sk}");
        // Orders and customers keep apart their equal short ids.
        assert_eq!(template_of(&m, "Order"), ("o#{o_id}".into(), Some("c#{c_id}".into())));
        // Maps: one nested type per shape, prefixed where two entities' `Detail` differ.
        assert_eq!(type_of(&m, "Product", "detail"), "ProductDetail");
        assert_eq!(type_of(&m, "Invoice", "detail"), "InvoiceDetail");
        assert_eq!(type_of(&m, "Warehouse", "address"), "Address");
    }
    let complaints = one(WORKBENCH_MODELS[10]);
    assert_eq!(
        template_of(&complaints, "Comm"),
        ("{complaint_id}".into(), Some("comm#{comm_date}#{comm_id}".into()))
    );
    assert_eq!(template_of(&complaints, "Metadata").0, "{complaint_id}");
    for relative in &WORKBENCH_MODELS[4..6] {
        let log = one(relative);
        assert_eq!(entity_names(&log), ["Device"], "{relative}");
        assert_eq!(template_of(&log, "Device").1.as_deref(), Some("{state}#{date}"));
    }
    let chat = one(WORKBENCH_MODELS[6]);
    assert_eq!(entity_names(&chat), ["User", "Room"]);
    let sessions = one(WORKBENCH_MODELS[7]);
    assert_eq!(entity_names(&sessions), ["Child", "Customer"]);
    let social = one(WORKBENCH_MODELS[8]);
    assert_eq!(
        entity_names(&social),
        ["Info", "Count", "Follower", "Following", "Post", "Likelist", "Likecount", "Timeline"]
    );
    assert_eq!(type_of(&social, "Count", "follower"), "i64");
    let players = one(WORKBENCH_MODELS[11]);
    assert_eq!(
        type_of(&players, "Items", "item_attributes"),
        "::std::collections::HashMap<::std::string::String,i64>"
    );
    assert_eq!(type_of(&players, "Tasks", "task_reward"), "TaskReward");
    assert_eq!(type_of(&players, "Friends", "friend_list"), "::std::vec::Vec<FriendListItem>");
    // No entity anywhere is named by a single letter.
    for relative in WORKBENCH_MODELS {
        for name in entity_names(&one(relative)) {
            assert!(
                name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_').len() > 1,
                "{relative}: {name}"
            );
        }
    }
}

// ---- Proof of issue 21 A.6: generated code of every Workbench model -----------------

/// The file name (without `.rs`) of a Workbench model's generated code under
/// `tests/generated/workbench/`.
fn workbench_stem(relative: &str) -> String {
    let file = Path::new(relative).file_stem().unwrap().to_string_lossy().to_string();
    file.to_lowercase().replace('-', "_")
}

/// Every Workbench model's generated code is checked in under `tests/generated/workbench/`
/// for the facade test `tests/adopt_fixtures.rs`, which compiles it and reads the model's
/// published items back. After the code, each file holds a test registry: the table type
/// and every entity's schema with a decoder (what a scan of the whole table needs).
#[test]
fn generated_code_of_every_workbench_model_is_checked_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/generated/workbench");
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for relative in WORKBENCH_MODELS {
        let models = one(relative);
        let mut code = schema::generate(&models).unwrap();
        let table = &models.table.rust_name;
        code.push_str(&format!(
            "\n// ---- Test registry (written by codegen/tests/import.rs) ----\n\n\
             /// The model's table.\npub type ModelTable = {table};\n\n\
             /// A decoder of one entity: `Ok` when the item decodes as it.\n\
             pub type Decoder = fn(::singletable::Item) -> ::core::result::Result<(), ::singletable::DecodeError>;\n\n\
             /// Every entity of the model: its schema and decoder.\n\
             pub fn entities() -> ::std::vec::Vec<(::singletable::schema::EntitySchema, Decoder)> {{\n    ::std::vec![\n"
        ));
        for entity in &models.entities {
            let name = &entity.rust_name;
            code.push_str(&format!(
                "        (<{name} as ::singletable::Entity>::SCHEMA, |item| <{name} as ::singletable::Entity>::from_item(item).map(|_| ())),\n"
            ));
        }
        code.push_str("    ]\n}\n");
        let path = dir.join(format!("{}.rs", workbench_stem(relative)));
        if update {
            std::fs::write(&path, &code).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == code,
            "{} is out of date: run `UPDATE_GENERATED=1 cargo test -p singletable-codegen \
             --features schema --test import`",
            path.display()
        );
    }
}
