//! HELPER-OWNED stub.
/// An exact decimal number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(String);
/// Number error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// x
    #[error("A value provided cannot be converted into a number")]
    NotANumber,
}
impl From<u32> for Number {
    fn from(v: u32) -> Self {
        Number(v.to_string())
    }
}
