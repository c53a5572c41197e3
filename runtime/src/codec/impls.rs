//! HELPER-OWNED stub.
