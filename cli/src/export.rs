//! `singletable export`: the table as a `CreateTable` request, as a CloudFormation
//! `AWS::DynamoDB::Table` resource, and a least-privilege IAM policy for the model's
//! access patterns.
//!
//! IAM mapping (documented in docs/cli.md):
//! - a `get` pattern → `dynamodb:GetItem` and `dynamodb:BatchGetItem` (the typed API reads
//!   one key or many), on the table ARN;
//! - a `query` pattern → `dynamodb:Query` on the table ARN, or on
//!   `…:table/<name>/index/<index>` for an index pattern;
//! - a `scan` pattern → `dynamodb:Scan` on the table or the index ARN;
//! - writes (unless `--read-only`): `PutItem`, `UpdateItem`, `DeleteItem`,
//!   `ConditionCheckItem` and `BatchWriteItem` on the table ARN (what the typed put,
//!   update, delete, transactions and batch writes send; transactions are authorised
//!   per action, so `TransactWriteItems` needs no action of its own);
//! - a pattern with a tenant field → `"Condition": {"ForAllValues:StringLike":
//!   {"dynamodb:LeadingKeys": ["<prefix>${aws:PrincipalTag/<tag>}<rest>"]}}` where
//!   `<prefix>` is the literal text of the partition-key template before `{tenant}` and
//!   `<rest>` is `#*` when the template goes on after the tenant (so tenant `a` never
//!   matches tenant `ab`), nothing when the tenant ends it. The tenant field must be the
//!   first placeholder of the partition key the pattern reads. Writes get the condition
//!   when every entity is tenant-scoped. A tenant-scoped scan is refused: a Scan names no
//!   partition key and `ForAllValues` over no keys allows everything.

use serde_json::{json, Map, Value};
use singletable_codegen::model::{
    AccessOperation, BillingModel, EntityIndexKeys, IndexKind, KeyAttributeModel, ModelSet,
    ProjectionModel, ScalarType, StreamView, TemplatePart,
};
use singletable_core::backend::CreateTableInput;
use singletable_core::schema::{
    BillingMode, IndexSchema, KeyAttribute, Projection, StreamViewType, TableSchema,
};

/// Why a document cannot be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A tenant-scoped pattern whose partition key does not start with the tenant field.
    #[error(
        "access pattern `{pattern}`: tenant field `{field}` is not the first placeholder of the \
         partition key `{template}` it reads, so `dynamodb:LeadingKeys` cannot scope it"
    )]
    TenantNotLeading {
        /// The pattern.
        pattern: String,
        /// The tenant field.
        field: String,
        /// The partition-key template.
        template: String,
    },
    /// A tenant-scoped scan.
    #[error(
        "access pattern `{pattern}` is a tenant-scoped scan: a Scan names no partition key, so \
         `dynamodb:LeadingKeys` cannot restrict it; make it a query on a tenant-keyed index"
    )]
    TenantScan {
        /// The pattern.
        pattern: String,
    },
    /// A pattern naming an entity or index the model does not have.
    #[error("access pattern `{pattern}` names {what} `{name}`, which the model does not have")]
    Unknown {
        /// The pattern.
        pattern: String,
        /// `entity` or `index`.
        what: &'static str,
        /// The missing name.
        name: String,
    },
}

fn scalar(ty: ScalarType) -> singletable_core::schema::ScalarType {
    match ty {
        ScalarType::S => singletable_core::schema::ScalarType::S,
        ScalarType::N => singletable_core::schema::ScalarType::N,
        ScalarType::B => singletable_core::schema::ScalarType::B,
    }
}

/// A string for the `'static` [`TableSchema`]: the CLI lowers one model per run, so the
/// few strings of its table live as long as the process anyway.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn key_attribute(key: &KeyAttributeModel) -> KeyAttribute {
    KeyAttribute { name: leak(&key.name.value), ty: scalar(key.ty) }
}

fn key_attributes(keys: &[KeyAttributeModel]) -> &'static [KeyAttribute] {
    Box::leak(keys.iter().map(key_attribute).collect::<Vec<_>>().into_boxed_slice())
}

/// The table of `models` as the [`TableSchema`] the derives generate for it (the same
/// index rules: [`TableModel::index_partition_key`] and [`TableModel::index_throughput`]),
/// so the CLI lowers it to `CreateTable` with the runtime's one lowering.
///
/// [`TableModel::index_partition_key`]: singletable_codegen::model::TableModel::index_partition_key
/// [`TableModel::index_throughput`]: singletable_codegen::model::TableModel::index_throughput
pub fn table_schema(models: &ModelSet) -> TableSchema {
    let table = &models.table;
    let indexes: Vec<IndexSchema> = table
        .indexes
        .iter()
        .map(|index| IndexSchema {
            name: leak(&index.name.value),
            kind: match index.kind {
                IndexKind::Global => singletable_core::schema::IndexKind::Global,
                IndexKind::Local => singletable_core::schema::IndexKind::Local,
            },
            partition_key: key_attributes(table.index_partition_key(index)),
            sort_key: key_attributes(&index.sort_key),
            projection: match &index.projection {
                ProjectionModel::All => Projection::All,
                ProjectionModel::KeysOnly => Projection::KeysOnly,
                ProjectionModel::Include(names) => Projection::Include(Box::leak(
                    names.iter().map(|n| leak(&n.value)).collect::<Vec<_>>().into_boxed_slice(),
                )),
            },
            throughput: table.index_throughput(index).map(|t| (t.read, t.write)),
        })
        .collect();
    TableSchema {
        name: leak(&table.name.value),
        partition_key: key_attribute(&table.partition_key),
        sort_key: table.sort_key.as_ref().map(key_attribute),
        indexes: Box::leak(indexes.into_boxed_slice()),
        ttl_attribute: table.ttl_attribute.as_ref().map(|ttl| leak(&ttl.value)),
        stream: table.stream.map(|view| match view {
            StreamView::KeysOnly => StreamViewType::KeysOnly,
            StreamView::NewImage => StreamViewType::NewImage,
            StreamView::OldImage => StreamViewType::OldImage,
            StreamView::NewAndOldImages => StreamViewType::NewAndOldImages,
        }),
        billing: match table.billing {
            BillingModel::OnDemand => BillingMode::PayPerRequest,
            BillingModel::Provisioned(t) => {
                BillingMode::Provisioned { read: t.read, write: t.write }
            }
        },
        entity_type_attribute: leak(&table.entity_type_attribute.value),
    }
}

/// The table of `models` as a `CreateTable` request (TTL is a separate
/// `UpdateTimeToLive` call, so it is not part of it).
pub fn create_table_input(models: &ModelSet) -> CreateTableInput {
    singletable_core::backend::create_table_input(&table_schema(models))
}

/// The `CreateTable` request as DynamoDB JSON (`aws dynamodb create-table --cli-input-json`).
pub fn create_table_json(models: &ModelSet) -> Value {
    singletable_core::json::create_table_to_json(&create_table_input(models))
}

/// A CloudFormation logical id for the table: its name's letters and digits + `Table`.
pub fn logical_id(table_name: &str) -> String {
    let mut id: String = table_name.chars().filter(char::is_ascii_alphanumeric).collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'T');
    }
    id.push_str("Table");
    id
}

/// A CloudFormation template with one `AWS::DynamoDB::Table` resource (and the table's
/// name and ARN as outputs). The properties share `CreateTable`'s names, except the
/// stream (`StreamSpecification` has only `StreamViewType`) and TTL
/// (`TimeToLiveSpecification`, which `CreateTable` has no place for).
pub fn cloudformation_json(models: &ModelSet) -> Value {
    let mut properties = match create_table_json(models) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(Value::Object(stream)) = properties.get_mut("StreamSpecification") {
        stream.remove("StreamEnabled");
    }
    if let Some(ttl) = &models.table.ttl_attribute {
        properties.insert(
            "TimeToLiveSpecification".to_owned(),
            json!({"AttributeName": ttl.value, "Enabled": true}),
        );
    }
    let id = logical_id(&models.table.name.value);
    let mut outputs = Map::new();
    outputs.insert("TableName".to_owned(), json!({"Value": {"Ref": id}}));
    outputs.insert("TableArn".to_owned(), json!({"Value": {"Fn::GetAtt": [id, "Arn"]}}));
    if models.table.stream.is_some() {
        outputs.insert(
            "TableStreamArn".to_owned(),
            json!({"Value": {"Fn::GetAtt": [id, "StreamArn"]}}),
        );
    }
    let mut resources = Map::new();
    resources.insert(
        id,
        json!({"Type": "AWS::DynamoDB::Table", "Properties": Value::Object(properties)}),
    );
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("DynamoDB table {} (singletable export)", models.table.name.value),
        "Resources": Value::Object(resources),
        "Outputs": Value::Object(outputs),
    })
}

/// Options of the IAM policy.
#[derive(Debug, Clone)]
pub struct IamOptions {
    /// The AWS partition of the ARNs (`aws`, `aws-cn`, …); `${AWS::Partition}` if absent.
    pub partition: Option<String>,
    /// The region; `${AWS::Region}` if absent.
    pub region: Option<String>,
    /// The account id; `${AWS::AccountId}` if absent.
    pub account: Option<String>,
    /// The principal tag holding the caller's tenant (`tenant`).
    pub tenant_tag: String,
    /// Leave out the write statement.
    pub read_only: bool,
}

impl Default for IamOptions {
    fn default() -> Self {
        IamOptions {
            partition: None,
            region: None,
            account: None,
            tenant_tag: "tenant".to_owned(),
            read_only: false,
        }
    }
}

/// `orders_by_customer` → `OrdersByCustomer` (IAM `Sid`s are letters and digits).
fn sid(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// The `LeadingKeys` value for a partition key whose template is `parts` and whose
/// first placeholder is the tenant.
fn leading_key(parts: &[TemplatePart], tenant: &str, tag: &str) -> Result<String, ()> {
    let mut prefix = String::new();
    for (at, part) in parts.iter().enumerate() {
        match part {
            TemplatePart::Literal(text) => prefix.push_str(text),
            TemplatePart::Field(name) if name == tenant => {
                // IAM wildcards in the literal prefix would widen the match.
                let escaped = prefix.replace('*', "${*}").replace('?', "${?}");
                let rest = if at + 1 < parts.len() { "#*" } else { "" };
                return Ok(format!("{escaped}${{aws:PrincipalTag/{tag}}}{rest}"));
            }
            TemplatePart::Field(_) => return Err(()),
        }
    }
    Err(())
}

/// The least-privilege IAM policy of the model's access patterns.
pub fn iam_policy(models: &ModelSet, options: &IamOptions) -> Result<Value, Vec<ExportError>> {
    let table_name = &models.table.name.value;
    let table_arn = format!(
        "arn:{}:dynamodb:{}:{}:table/{table_name}",
        options.partition.as_deref().unwrap_or("${AWS::Partition}"),
        options.region.as_deref().unwrap_or("${AWS::Region}"),
        options.account.as_deref().unwrap_or("${AWS::AccountId}"),
    );
    let mut errors = Vec::new();
    let mut statements = Vec::new();
    // Tenant prefixes of each entity's table partition key, for the writes.
    let mut tenant_keys: Vec<(String, String)> = Vec::new();
    for pattern in &models.access_patterns {
        let name = &pattern.name.value;
        let Some(entity) =
            models.entities.iter().find(|e| e.rust_name == pattern.entity.value.as_str())
        else {
            errors.push(ExportError::Unknown {
                pattern: name.clone(),
                what: "entity",
                name: pattern.entity.value.clone(),
            });
            continue;
        };
        let index = match &pattern.index {
            None => None,
            Some(index_name) => match models.table.index(&index_name.value) {
                Some(index) => Some(index),
                None => {
                    errors.push(ExportError::Unknown {
                        pattern: name.clone(),
                        what: "index",
                        name: index_name.value.clone(),
                    });
                    continue;
                }
            },
        };
        let resource = match index {
            None => table_arn.clone(),
            Some(index) => format!("{table_arn}/index/{}", index.name.value),
        };
        let actions: &[&str] = match pattern.operation {
            AccessOperation::Get => &["dynamodb:GetItem", "dynamodb:BatchGetItem"],
            AccessOperation::Query => &["dynamodb:Query"],
            AccessOperation::Scan => &["dynamodb:Scan"],
        };
        let mut statement = Map::new();
        statement.insert("Sid".to_owned(), Value::String(sid(name)));
        statement.insert("Effect".to_owned(), json!("Allow"));
        statement.insert("Action".to_owned(), json!(actions));
        statement.insert("Resource".to_owned(), json!([resource]));
        if let Some(tenant) = &pattern.tenant_field {
            if pattern.operation == AccessOperation::Scan {
                errors.push(ExportError::TenantScan { pattern: name.clone() });
                continue;
            }
            // The partition key the request names: the table's, or the index's.
            let partition: Option<(Vec<TemplatePart>, String)> = match index {
                None => Some((
                    entity.partition_key.parts.clone(),
                    entity.partition_key.source.value.clone(),
                )),
                Some(index) if index.kind == IndexKind::Local => Some((
                    entity.partition_key.parts.clone(),
                    entity.partition_key.source.value.clone(),
                )),
                Some(index) => entity
                    .indexes
                    .iter()
                    .find(|m| m.name.value == index.name.value)
                    .and_then(|m| match &m.keys {
                        EntityIndexKeys::Templates { partition: Some(t), .. } => {
                            Some((t.parts.clone(), t.source.value.clone()))
                        }
                        EntityIndexKeys::Fields { partition, .. } => partition.first().map(|f| {
                            (vec![TemplatePart::Field(f.value.clone())], format!("{{{}}}", f.value))
                        }),
                        EntityIndexKeys::Templates { partition: None, .. } => None,
                    }),
            };
            let Some((parts, text)) = partition else {
                errors.push(ExportError::Unknown {
                    pattern: name.clone(),
                    what: "index membership of",
                    name: entity.rust_name.to_string(),
                });
                continue;
            };
            match leading_key(&parts, &tenant.value, &options.tenant_tag) {
                Ok(value) => {
                    statement.insert(
                        "Condition".to_owned(),
                        json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [value]}}),
                    );
                }
                Err(()) => {
                    errors.push(ExportError::TenantNotLeading {
                        pattern: name.clone(),
                        field: tenant.value.clone(),
                        template: text,
                    });
                    continue;
                }
            }
            if let Ok(value) =
                leading_key(&entity.partition_key.parts, &tenant.value, &options.tenant_tag)
            {
                let entity_name = entity.rust_name.to_string();
                if !tenant_keys.iter().any(|(e, _)| *e == entity_name) {
                    tenant_keys.push((entity_name, value));
                }
            }
        }
        statements.push(Value::Object(statement));
    }
    if !options.read_only && !models.entities.is_empty() {
        let mut statement = Map::new();
        statement.insert("Sid".to_owned(), json!("WriteItems"));
        statement.insert("Effect".to_owned(), json!("Allow"));
        statement.insert(
            "Action".to_owned(),
            json!([
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:BatchWriteItem"
            ]),
        );
        statement.insert("Resource".to_owned(), json!([table_arn]));
        let all_scoped = models
            .entities
            .iter()
            .all(|e| tenant_keys.iter().any(|(name, _)| e.rust_name == name.as_str()));
        if all_scoped {
            let mut values: Vec<&str> = Vec::new();
            for (_, value) in &tenant_keys {
                if !values.contains(&value.as_str()) {
                    values.push(value);
                }
            }
            statement.insert(
                "Condition".to_owned(),
                json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": values}}),
            );
        }
        statements.push(Value::Object(statement));
    }
    if errors.is_empty() {
        Ok(json!({"Version": "2012-10-17", "Statement": statements}))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmodel;

    #[test]
    fn create_table_has_every_key_index_and_setting() {
        let json = create_table_json(&testmodel::shop());
        assert_eq!(json["TableName"], "Shop");
        assert_eq!(
            json["AttributeDefinitions"],
            json!([
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
                {"AttributeName": "GSI1PK", "AttributeType": "S"},
                {"AttributeName": "GSI1SK", "AttributeType": "S"},
                {"AttributeName": "LSI1SK", "AttributeType": "S"}
            ])
        );
        assert_eq!(
            json["KeySchema"],
            json!([{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}])
        );
        assert_eq!(json["BillingMode"], "PAY_PER_REQUEST");
        assert_eq!(json["GlobalSecondaryIndexes"][0]["IndexName"], "GSI1");
        assert_eq!(
            json["GlobalSecondaryIndexes"][0]["Projection"],
            json!({"ProjectionType": "ALL"})
        );
        assert!(json["GlobalSecondaryIndexes"][0].get("ProvisionedThroughput").is_none());
        assert_eq!(
            json["LocalSecondaryIndexes"][0]["KeySchema"],
            json!([{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "LSI1SK", "KeyType": "RANGE"}])
        );
        assert_eq!(json["LocalSecondaryIndexes"][0]["Projection"]["ProjectionType"], "KEYS_ONLY");
        assert_eq!(
            json["StreamSpecification"],
            json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        );
    }

    #[test]
    fn provisioned_tables_and_multi_attribute_keys() {
        let json = create_table_json(&testmodel::tenants());
        assert_eq!(json["BillingMode"], "PROVISIONED");
        assert_eq!(
            json["ProvisionedThroughput"],
            json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 4})
        );
        let gsi = &json["GlobalSecondaryIndexes"][0];
        assert_eq!(
            gsi["KeySchema"],
            json!([
                {"AttributeName": "tenant_id", "KeyType": "HASH"},
                {"AttributeName": "status", "KeyType": "HASH"},
                {"AttributeName": "created_at", "KeyType": "RANGE"}
            ])
        );
        assert_eq!(
            gsi["ProvisionedThroughput"],
            json!({"ReadCapacityUnits": 3, "WriteCapacityUnits": 2})
        );
        assert!(json["AttributeDefinitions"]
            .as_array()
            .unwrap()
            .contains(&json!({"AttributeName": "created_at", "AttributeType": "N"})));
    }

    #[test]
    fn cloudformation_uses_the_resource_property_names() {
        let template = cloudformation_json(&testmodel::shop());
        let resource = &template["Resources"]["ShopTable"];
        assert_eq!(resource["Type"], "AWS::DynamoDB::Table");
        let properties = &resource["Properties"];
        assert_eq!(properties["TableName"], "Shop");
        assert_eq!(
            properties["StreamSpecification"],
            json!({"StreamViewType": "NEW_AND_OLD_IMAGES"})
        );
        assert_eq!(
            properties["TimeToLiveSpecification"],
            json!({"AttributeName": "expires_at", "Enabled": true})
        );
        assert_eq!(properties["KeySchema"][0], json!({"AttributeName": "PK", "KeyType": "HASH"}));
        assert_eq!(
            template["Outputs"]["TableArn"]["Value"],
            json!({"Fn::GetAtt": ["ShopTable", "Arn"]})
        );
        assert_eq!(
            template["Outputs"]["TableStreamArn"]["Value"],
            json!({"Fn::GetAtt": ["ShopTable", "StreamArn"]})
        );
        assert_eq!(logical_id("my-table.v2"), "mytablev2Table");
        assert_eq!(logical_id("2024"), "T2024Table");
    }

    #[test]
    fn iam_grants_per_pattern_on_table_and_index_arns() {
        let options = IamOptions {
            region: Some("eu-west-1".into()),
            account: Some("123456789012".into()),
            ..IamOptions::default()
        };
        let policy = iam_policy(&testmodel::shop(), &options).unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        let statements = policy["Statement"].as_array().unwrap();
        let by_sid = |sid: &str| statements.iter().find(|s| s["Sid"] == sid).unwrap();
        let table = "arn:${AWS::Partition}:dynamodb:eu-west-1:123456789012:table/Shop";
        assert_eq!(
            by_sid("CustomerById")["Action"],
            json!(["dynamodb:GetItem", "dynamodb:BatchGetItem"])
        );
        assert_eq!(by_sid("CustomerById")["Resource"], json!([table]));
        assert_eq!(by_sid("OrdersOfCustomer")["Action"], json!(["dynamodb:Query"]));
        assert_eq!(by_sid("CustomerByEmail")["Resource"], json!([format!("{table}/index/GSI1")]));
        assert_eq!(by_sid("AllItems")["Action"], json!(["dynamodb:Scan"]));
        let writes = by_sid("WriteItems");
        assert_eq!(writes["Resource"], json!([table]));
        assert!(writes.get("Condition").is_none(), "no tenant: no condition");
        assert_eq!(statements.len(), 7);
        let read_only = iam_policy(
            &testmodel::shop(),
            &IamOptions { read_only: true, ..IamOptions::default() },
        )
        .unwrap();
        assert_eq!(read_only["Statement"].as_array().unwrap().len(), 6);
        assert!(read_only.to_string().contains(
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/Shop"
        ));
    }

    #[test]
    fn tenant_patterns_get_leading_keys() {
        let policy = iam_policy(&testmodel::tenants(), &IamOptions::default()).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(
            statements[0]["Condition"],
            json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TENANT#${aws:PrincipalTag/tenant}#*"]}})
        );
        assert_eq!(
            statements[1]["Condition"],
            json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["${aws:PrincipalTag/tenant}"]}})
        );
        assert!(statements[1]["Resource"][0]
            .as_str()
            .unwrap()
            .ends_with(":table/Saas/index/ByStatus"));
        assert_eq!(statements[2]["Sid"], "WriteItems");
        assert_eq!(
            statements[2]["Condition"],
            json!({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TENANT#${aws:PrincipalTag/tenant}#*"]}})
        );
    }

    #[test]
    fn tenant_scans_and_misplaced_tenants_are_refused() {
        let mut models = testmodel::tenants();
        models.access_patterns[0].tenant_field = Some(singletable_codegen::Spanned::new(
            "project_id".to_owned(),
            singletable_codegen::SourceSpan::call_site(),
        ));
        models.access_patterns[1].operation = AccessOperation::Scan;
        let errors = iam_policy(&models, &IamOptions::default()).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "access pattern `project_by_id`: tenant field `project_id` is not the first placeholder \
             of the partition key `TENANT#{tenant_id}#PROJECT#{project_id}` it reads, so \
             `dynamodb:LeadingKeys` cannot scope it"
        );
        assert!(
            matches!(&errors[1], ExportError::TenantScan { pattern } if pattern == "projects_by_status")
        );
    }

    #[test]
    fn leading_keys_escape_wildcards_and_end_exactly() {
        let parts = vec![TemplatePart::Literal("T*#".into()), TemplatePart::Field("t".into())];
        assert_eq!(leading_key(&parts, "t", "org"), Ok("T${*}#${aws:PrincipalTag/org}".to_owned()));
        assert_eq!(sid("orders_by-customer2"), "OrdersByCustomer2");
    }
}
