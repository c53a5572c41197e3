//! HELPER-OWNED stub.
use crate::error::{DecodeError, EncodeError};
use crate::value::AttributeValue;
/// x
pub fn to_attribute_value_serde<T: serde::Serialize>(value: &T) -> Result<AttributeValue, EncodeError> { let _ = value; todo!() }
/// x
pub fn from_attribute_value_serde<T: serde::de::DeserializeOwned>(value: AttributeValue) -> Result<T, DecodeError> { let _ = value; todo!() }
