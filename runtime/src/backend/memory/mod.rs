//! HELPER-OWNED stub: the embedded engine.
/// The embedded engine.
#[derive(Debug, Default)]
pub struct MemoryBackend;
