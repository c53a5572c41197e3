//! The expressions of one request: its placeholders, DynamoDB's checks on them, and the
//! parameters that cannot be mixed (expression and legacy ones).

use singletable_core::expr::{Condition, Path, SortKeyCondition, UpdateAction};

use super::Request;
use crate::api_error::ApiError;
use crate::expr::{self, ExprError, ExpressionKind, Placeholders};

fn invalid(error: ExprError) -> ApiError {
    ApiError::validation(error.message)
}

/// The parsing context of one request (or of one action of a transaction).
pub struct Exprs {
    placeholders: Placeholders,
}

impl Exprs {
    /// Reads `ExpressionAttributeNames` and `ExpressionAttributeValues` of `request`.
    /// `expression_members` are the expression parameters the operation takes, in the
    /// order DynamoDB names them when `ExpressionAttributeValues` comes without any; the
    /// maps are refused when none of them is present, and empty maps are refused.
    pub fn new(request: &Request<'_>, expression_members: &[&str]) -> Result<Self, ApiError> {
        let names = request.names()?;
        let values = request.values()?;
        let any_expression = expression_members.iter().any(|member| request.has(member));
        if names.is_some() && !any_expression {
            return Err(ApiError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        if values.is_some() && !any_expression {
            // DynamoDB (and DynamoDB Local) name the expressions that could have used the
            // values, in the order given: `...: ConditionExpression is null`,
            // `...: UpdateExpression and ConditionExpression are null`.
            let takes_values: Vec<&str> = expression_members
                .iter()
                .copied()
                .filter(|member| *member != "ProjectionExpression")
                .collect();
            let message = match takes_values.as_slice() {
                [] => "ExpressionAttributeValues can only be specified when using expressions"
                    .to_owned(),
                [one] => format!(
                    "ExpressionAttributeValues can only be specified when using expressions: {one} is null"
                ),
                several => format!(
                    "ExpressionAttributeValues can only be specified when using expressions: {} are null",
                    several.join(" and ")
                ),
            };
            return Err(ApiError::validation(message));
        }
        if names.as_ref().is_some_and(|names| names.is_empty()) {
            return Err(ApiError::validation("ExpressionAttributeNames must not be empty"));
        }
        if values.as_ref().is_some_and(|values| values.is_empty()) {
            return Err(ApiError::validation("ExpressionAttributeValues must not be empty"));
        }
        Ok(Exprs {
            placeholders: Placeholders::new(names.unwrap_or_default(), values.unwrap_or_default()),
        })
    }

    /// A `ConditionExpression` or `FilterExpression` member.
    pub fn condition(
        &self,
        request: &Request<'_>,
        member: &str,
        kind: ExpressionKind,
    ) -> Result<Option<Condition>, ApiError> {
        request
            .str(member)?
            .map(|text| expr::parse_condition(text, kind, &self.placeholders).map_err(invalid))
            .transpose()
    }

    /// `ProjectionExpression`.
    pub fn projection(&self, request: &Request<'_>) -> Result<Option<Vec<Path>>, ApiError> {
        request
            .str("ProjectionExpression")?
            .map(|text| expr::parse_projection(text, &self.placeholders).map_err(invalid))
            .transpose()
    }

    /// `UpdateExpression`.
    pub fn update(&self, request: &Request<'_>) -> Result<Option<Vec<UpdateAction>>, ApiError> {
        request
            .str("UpdateExpression")?
            .map(|text| expr::parse_update(text, &self.placeholders).map_err(invalid))
            .transpose()
    }

    /// `KeyConditionExpression`, as (attribute, test) pairs.
    pub fn key_condition(
        &self,
        request: &Request<'_>,
    ) -> Result<Option<Vec<(String, SortKeyCondition)>>, ApiError> {
        request
            .str("KeyConditionExpression")?
            .map(|text| expr::parse_key_condition(text, &self.placeholders).map_err(invalid))
            .transpose()
    }

    /// Fails when a placeholder was defined but not used.
    pub fn finish(self) -> Result<(), ApiError> {
        self.placeholders.check_all_used().map_err(invalid)
    }
}

/// Refuses a request that mixes legacy and expression parameters, with DynamoDB's text.
pub fn check_not_mixed(
    request: &Request<'_>,
    legacy: &[&str],
    expressions: &[&str],
) -> Result<(), ApiError> {
    let old: Vec<&str> = legacy.iter().copied().filter(|m| request.has(m)).collect();
    let new: Vec<&str> = expressions.iter().copied().filter(|m| request.has(m)).collect();
    if old.is_empty() || new.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "Can not use both expression and non-expression parameters in the same request: \
         Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        old.join(", "),
        new.join(", ")
    )))
}
