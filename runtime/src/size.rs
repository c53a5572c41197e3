//! HELPER-OWNED stub: item size by DynamoDB's rules.
