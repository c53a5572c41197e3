//! singletable derive macros (being written).
use proc_macro::TokenStream;
/// Table.
#[proc_macro_derive(Table, attributes(table))]
pub fn derive_table(input: TokenStream) -> TokenStream { let _ = input; TokenStream::new() }
/// Entity.
#[proc_macro_derive(Entity, attributes(entity))]
pub fn derive_entity(input: TokenStream) -> TokenStream { let _ = input; TokenStream::new() }
/// Attribute.
#[proc_macro_derive(Attribute, attributes(attribute))]
pub fn derive_attribute(input: TokenStream) -> TokenStream { let _ = input; TokenStream::new() }
