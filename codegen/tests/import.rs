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
