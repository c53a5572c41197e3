//! `singletable serve`: the arguments and the entry point (owned by the server work).

/// The subcommand's name.
pub const NAME: &str = "serve";
