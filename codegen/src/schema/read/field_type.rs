//! Field types: a schema type (`"Option<Vec<String>>"`) → the Rust type generated code
//! uses, from the scalar and library types, the wrappers and the declared attribute types.

use crate::model::TypeClass;
use crate::span::Spanned;

use super::names::did_you_mean;
use super::Reader;

/// The scalar and library types a field may have, besides nested attribute types.
const SCALAR_TYPES: &[&str] = &[
    "String",
    "bool",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "bytes",
    "Timestamp",
    "Uuid",
    "Decimal",
    "AttributeValue",
];
const WRAPPERS: &[&str] = &["Option", "Vec", "HashSet", "BTreeSet", "HashMap", "BTreeMap"];

impl Reader {
    /// A schema type (`"Option<Vec<String>>"`) → the Rust type generated code uses.
    pub fn rust_type(
        &mut self,
        text: &Spanned<String>,
        attributes: &[String],
    ) -> Option<syn::Type> {
        let parsed = match syn::parse_str::<syn::Type>(&text.value) {
            Ok(ty) => ty,
            Err(_) => {
                self.cx.error_with_hint(
                    text.span.clone(),
                    format!("`{}` is not a type", text.value),
                    type_hint(),
                );
                return None;
            }
        };
        match self.map_type(&parsed, attributes) {
            Ok(ty) => Some(ty),
            Err(message) => {
                self.cx.error_with_hint(text.span.clone(), message, type_hint());
                None
            }
        }
    }

    fn map_type(&self, ty: &syn::Type, attributes: &[String]) -> Result<syn::Type, String> {
        let syn::Type::Path(path) = ty else {
            return Err(format!("unsupported type `{}`", quote::quote!(#ty)));
        };
        let segment =
            match (path.qself.is_none(), path.path.leading_colon, path.path.segments.len()) {
                (true, None, 1) => &path.path.segments[0],
                _ => {
                    return Err(format!(
                        "unsupported type `{}`: write a type name of the schema's type set",
                        quote::quote!(#ty)
                    ))
                }
            };
        let name = segment.ident.to_string();
        let args: Vec<&syn::Type> = match &segment.arguments {
            syn::PathArguments::None => Vec::new(),
            syn::PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .map(|arg| match arg {
                    syn::GenericArgument::Type(t) => Ok(t),
                    _ => Err(format!("unsupported type argument in `{name}`")),
                })
                .collect::<Result<_, _>>()?,
            syn::PathArguments::Parenthesized(_) => {
                return Err(format!("unsupported type `{name}(..)`"))
            }
        };
        let krate = &self.crate_path;
        let arity = |n: usize| -> Result<(), String> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("`{name}` takes {n} type argument(s), found {}", args.len()))
            }
        };
        let inner = |i: usize| self.map_type(args[i], attributes);
        Ok(match name.as_str() {
            "bytes" => {
                arity(0)?;
                syn::parse_quote!(::std::vec::Vec<u8>)
            }
            "Timestamp" | "Uuid" | "Decimal" | "AttributeValue" => {
                arity(0)?;
                let ident = &segment.ident;
                syn::parse_quote!(#krate::#ident)
            }
            "String" => {
                arity(0)?;
                syn::parse_quote!(::std::string::String)
            }
            n if SCALAR_TYPES.contains(&n) => {
                arity(0)?;
                ty.clone()
            }
            "Option" => {
                arity(1)?;
                let t = inner(0)?;
                syn::parse_quote!(::core::option::Option<#t>)
            }
            "Vec" => {
                arity(1)?;
                let t = inner(0)?;
                syn::parse_quote!(::std::vec::Vec<#t>)
            }
            "HashSet" | "BTreeSet" => {
                arity(1)?;
                let t = inner(0)?;
                let ident = &segment.ident;
                syn::parse_quote!(::std::collections::#ident<#t>)
            }
            "HashMap" | "BTreeMap" => {
                arity(2)?;
                let key = inner(0)?;
                if TypeClass::of(&key) != TypeClass::String {
                    return Err(format!(
                        "`{name}` keys must be `String` (DynamoDB map keys are strings)"
                    ));
                }
                let value = inner(1)?;
                let ident = &segment.ident;
                syn::parse_quote!(::std::collections::#ident<#key, #value>)
            }
            n if attributes.iter().any(|a| a == n) => {
                arity(0)?;
                ty.clone()
            }
            n => {
                let mut known: Vec<&str> = SCALAR_TYPES.iter().chain(WRAPPERS).copied().collect();
                known.extend(attributes.iter().map(String::as_str));
                let suggestion = did_you_mean(n, &known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(format!("unknown type `{n}`{suggestion}"));
            }
        })
    }
}

fn type_hint() -> String {
    format!(
        "field types: {}, `Option<T>`, `Vec<T>`, `HashSet<T>`, `BTreeSet<T>`, `HashMap<String, T>`, \
         `BTreeMap<String, T>`, or a type declared under `attributes`",
        SCALAR_TYPES.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    )
}
