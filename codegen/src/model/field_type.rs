//! What a field's type looks like, read from its syntax alone. Used for the rules that
//! a derive can check early with a precise message (no floats or options in key
//! templates, integer version counters, timestamps for `created_at`); everything else
//! is left to trait bounds.

/// The syntactic class of a field type, by the last segment of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    /// `String`, `str` references, `Cow<str>`.
    String,
    /// Any primitive integer type.
    Integer,
    /// `f32`, `f64`.
    Float,
    /// `bool`.
    Bool,
    /// `Timestamp`.
    Timestamp,
    /// `Option<…>`.
    Option,
    /// `Vec`, sets, maps, slices, arrays, tuples.
    Collection,
    /// Anything else (left to trait bounds).
    Other,
}

impl TypeClass {
    /// Classifies `ty`.
    pub fn of(ty: &syn::Type) -> Self {
        match ty {
            syn::Type::Group(group) => TypeClass::of(&group.elem),
            syn::Type::Paren(paren) => TypeClass::of(&paren.elem),
            syn::Type::Array(_) | syn::Type::Slice(_) | syn::Type::Tuple(_) => {
                TypeClass::Collection
            }
            syn::Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return TypeClass::Other;
                };
                match last.ident.to_string().as_str() {
                    "String" | "Cow" => TypeClass::String,
                    "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32"
                    | "i64" | "i128" | "isize" => TypeClass::Integer,
                    "f32" | "f64" => TypeClass::Float,
                    "bool" => TypeClass::Bool,
                    "Timestamp" => TypeClass::Timestamp,
                    "Option" => TypeClass::Option,
                    "Vec" | "VecDeque" | "LinkedList" | "HashMap" | "BTreeMap" | "HashSet"
                    | "BTreeSet" | "IndexMap" | "IndexSet" => TypeClass::Collection,
                    _ => TypeClass::Other,
                }
            }
            _ => TypeClass::Other,
        }
    }

    /// True for the types a key template refuses outright, with the reason.
    pub fn key_template_refusal(self) -> Option<&'static str> {
        match self {
            TypeClass::Float => Some(
                "floating-point numbers cannot be key values: their text neither sorts nor \
                 round-trips exactly; store a `Decimal` or an integer (e.g. cents) instead",
            ),
            TypeClass::Collection => {
                Some("collections (lists, sets, maps) cannot be key values; key a scalar field")
            }
            _ => None,
        }
    }
}

/// The `T` of an `Option<T>` type.
pub fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
            match args.args.first()? {
                syn::GenericArgument::Type(inner) => Some(inner),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ty: &str) -> TypeClass {
        TypeClass::of(&syn::parse_str(ty).unwrap())
    }

    #[test]
    fn classifies_by_syntax() {
        assert_eq!(class("String"), TypeClass::String);
        assert_eq!(class("std::string::String"), TypeClass::String);
        assert_eq!(class("u64"), TypeClass::Integer);
        assert_eq!(class("f64"), TypeClass::Float);
        assert_eq!(class("bool"), TypeClass::Bool);
        assert_eq!(class("singletable::Timestamp"), TypeClass::Timestamp);
        assert_eq!(class("Option<String>"), TypeClass::Option);
        assert_eq!(class("Vec<u8>"), TypeClass::Collection);
        assert_eq!(class("HashMap<String, u8>"), TypeClass::Collection);
        assert_eq!(class("(u8, u8)"), TypeClass::Collection);
        assert_eq!(class("UserId"), TypeClass::Other);
    }

    #[test]
    fn finds_option_inner() {
        let ty: syn::Type = syn::parse_str("Option<u32>").unwrap();
        let inner = option_inner(&ty).unwrap();
        assert_eq!(quote::quote!(#inner).to_string(), "u32");
        assert!(option_inner(&syn::parse_str("Vec<u32>").unwrap()).is_none());
    }
}
