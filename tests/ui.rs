//! Compile-time rules of the derives, each pinned with the exact error the user sees
//! (`tests/ui/*.rs` + `.stderr`). Regenerate with `TRYBUILD=overwrite` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

/// The compile-time rules of typed expressions, updates, queries and collections.
#[test]
fn access_patterns() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/access/*.rs");
}
