//! `TransactWriteItems` and `TransactGetItems`.

use singletable_core::backend::{
    TransactGetItem, TransactGetItemsInput, TransactWriteItem, TransactWriteItemsInput,
};

use super::expressions::Exprs;
use super::items::item_collection_metrics_asked;
use super::{Request, Violations};
use crate::api_error::ApiError;
use crate::expr::ExpressionKind;

/// `TransactWriteItems`.
pub fn transact_write_items(request: &Request<'_>) -> Result<TransactWriteItemsInput, ApiError> {
    let mut violations = Violations::default();
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let _ = item_collection_metrics_asked(request, &mut violations)?;
    let actions = request.array("TransactItems")?;
    if actions.is_none() {
        violations.null("transactItems");
    }
    let token = request.str("ClientRequestToken")?.map(str::to_owned);
    if let Some(token) = &token {
        if token.is_empty() || token.chars().count() > 36 {
            violations.push(
                &format!("'{token}'"),
                "clientRequestToken",
                "Member must have length less than or equal to 36",
            );
        }
    }
    let actions = actions.cloned().unwrap_or_default();
    transact_items_length(request, actions.len(), &mut violations);
    violations.finish()?;
    let mut items = Vec::with_capacity(actions.len());
    for action in &actions {
        items.push(transact_write_action(&Request::new(action)?)?);
    }
    Ok(TransactWriteItemsInput { items, client_request_token: token, return_consumed_capacity })
}

/// `TransactGetItems`.
pub fn transact_get_items(request: &Request<'_>) -> Result<TransactGetItemsInput, ApiError> {
    let mut violations = Violations::default();
    let return_consumed_capacity = request.return_consumed_capacity(&mut violations)?;
    let actions = request.array("TransactItems")?;
    if actions.is_none() {
        violations.null("transactItems");
    }
    let actions = actions.cloned().unwrap_or_default();
    transact_items_length(request, actions.len(), &mut violations);
    violations.finish()?;
    let mut items = Vec::with_capacity(actions.len());
    for action in &actions {
        let action = Request::new(action)?;
        let Some(get) = action.nested("Get")? else {
            return Err(ApiError::validation(
                "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null",
            ));
        };
        let mut v = Violations::default();
        let table_name = get.required_str("TableName", &mut v)?;
        let key = get.required_item("Key", &mut v)?;
        v.finish()?;
        let exprs = Exprs::new(&get, &["ProjectionExpression"])?;
        let projection = exprs.projection(&get)?;
        exprs.finish()?;
        items.push(TransactGetItem { table_name, key, projection });
    }
    Ok(TransactGetItemsInput { items, return_consumed_capacity })
}

/// DynamoDB's length constraint on `TransactItems` (1 to 100 actions).
fn transact_items_length(request: &Request<'_>, count: usize, violations: &mut Violations) {
    if count > 100 {
        violations.push(
            "'[...]'",
            "transactItems",
            "Member must have length less than or equal to 100",
        );
    } else if count == 0 && request.has("TransactItems") {
        violations.push(
            "'[]'",
            "transactItems",
            "Member must have length greater than or equal to 1",
        );
    }
}

fn transact_write_action(action: &Request<'_>) -> Result<TransactWriteItem, ApiError> {
    let kinds = ["Put", "Update", "Delete", "ConditionCheck"];
    let present: Vec<&str> = kinds.iter().copied().filter(|k| action.has(k)).collect();
    let [kind] = present.as_slice() else {
        return Err(ApiError::validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        ));
    };
    let Some(body) = action.nested(kind)? else {
        return Err(ApiError::serialization(format!("{kind} must be an object")));
    };
    let mut violations = Violations::default();
    let table_name = body.required_str("TableName", &mut violations)?;
    let return_old_on_condition_failure = body.return_old_on_failure(&mut violations)?;
    let expression_members: &[&str] = match *kind {
        "Update" => &["UpdateExpression", "ConditionExpression"],
        _ => &["ConditionExpression"],
    };
    let item =
        if *kind == "Put" { Some(body.required_item("Item", &mut violations)?) } else { None };
    let key = if *kind == "Put" { None } else { Some(body.required_item("Key", &mut violations)?) };
    if *kind == "Update" && !body.has("UpdateExpression") {
        violations.null("transactItems.1.member.update.updateExpression");
    }
    if *kind == "ConditionCheck" && !body.has("ConditionExpression") {
        violations.null("transactItems.1.member.conditionCheck.conditionExpression");
    }
    violations.finish()?;
    let exprs = Exprs::new(&body, expression_members)?;
    let updates = exprs.update(&body)?;
    let condition = exprs.condition(&body, "ConditionExpression", ExpressionKind::Condition)?;
    exprs.finish()?;
    Ok(match *kind {
        "Put" => TransactWriteItem::Put {
            table_name,
            item: item.unwrap_or_default(),
            condition,
            return_old_on_condition_failure,
        },
        "Update" => TransactWriteItem::Update {
            table_name,
            key: key.unwrap_or_default(),
            updates: updates.unwrap_or_default(),
            condition,
            return_old_on_condition_failure,
        },
        "Delete" => TransactWriteItem::Delete {
            table_name,
            key: key.unwrap_or_default(),
            condition,
            return_old_on_condition_failure,
        },
        _ => match condition {
            Some(condition) => TransactWriteItem::ConditionCheck {
                table_name,
                key: key.unwrap_or_default(),
                condition,
                return_old_on_condition_failure,
            },
            None => return Err(ApiError::validation("The expression can not be empty;")),
        },
    })
}
