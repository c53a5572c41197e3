//! A nested type stored as one attribute value (`#[derive(Attribute)]`).

use crate::model::entity::FieldModel;
use crate::span::Spanned;

/// A unit variant of an enum stored as a string.
#[derive(Debug, Clone)]
pub struct UnitVariant {
    /// The Rust variant.
    pub ident: syn::Ident,
    /// The stored string (the variant name unless renamed).
    pub name: Spanned<String>,
}

/// The body of a variant of an internally tagged enum.
#[derive(Debug, Clone)]
pub enum VariantBody {
    /// `Cash`: only the tag is stored.
    Unit,
    /// `Card { last4: String }`: the fields sit beside the tag.
    Named(Vec<FieldModel>),
    /// `Card(CardInfo)`: the inner value's map, with the tag added.
    Newtype(syn::Type),
}

/// A variant of an internally tagged enum.
#[derive(Debug, Clone)]
pub struct TaggedVariant {
    /// The Rust variant.
    pub ident: syn::Ident,
    /// The tag value (the variant name unless renamed).
    pub name: Spanned<String>,
    /// What it holds.
    pub body: VariantBody,
}

/// How a nested type is stored.
#[derive(Debug, Clone)]
pub enum AttributeShape {
    /// A struct with named fields: a map `M`.
    Struct(Vec<FieldModel>),
    /// A one-field tuple struct: exactly as its field (also usable in keys).
    Newtype(syn::Type),
    /// An enum of unit variants: a string `S` (also usable in keys).
    UnitEnum(Vec<UnitVariant>),
    /// An enum with data: a map `M` with a tag attribute naming the variant.
    TaggedEnum {
        /// The tag attribute (default `type`).
        tag: Spanned<String>,
        /// The variants.
        variants: Vec<TaggedVariant>,
    },
}

/// A type stored as one attribute value.
#[derive(Debug, Clone)]
pub struct AttributeModel {
    /// The Rust type.
    pub rust_name: syn::Ident,
    /// Its generics (each type parameter gets an `Attribute` bound).
    pub generics: syn::Generics,
    /// How it is stored.
    pub shape: AttributeShape,
    /// The path of the facade crate in generated code.
    pub crate_path: syn::Path,
}
