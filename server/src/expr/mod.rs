//! DynamoDB's expression language: key conditions, conditions and filters, update
//! expressions and projections, parsed into the engine's ASTs.
