//! The expression parser's entry points, as the server uses them (see [`crate::expr`]).

pub(crate) use crate::expr::{
    parse_condition, parse_key_condition, parse_projection, parse_update, ExprError,
    ExpressionKind, Placeholders,
};
