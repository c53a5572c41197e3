//! singletable codegen (being written).
