//! `impl Attribute` for nested types (and `KeyComponent` + `ScalarAttribute` for unit
//! enums and newtypes, so they work in key templates and native index keys).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::{codec_const, codec_constructor, decode_field, encode_field, question};
use crate::model::{
    AttributeModel, AttributeShape, FieldModel, TaggedVariant, UnitVariant, VariantBody,
};

/// The generics of an impl: every type parameter gets an `Attribute` bound.
fn bounded_generics(st: &syn::Path, generics: &syn::Generics) -> syn::Generics {
    let mut generics = generics.clone();
    let params: Vec<syn::Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if !params.is_empty() {
        let where_clause = generics.make_where_clause();
        for param in params {
            where_clause.predicates.push(syn::parse_quote!(#param: #st::Attribute));
        }
    }
    generics
}

/// The `FieldCodec`s of a type's fields: `const`s for a non-generic type (each field
/// type's bound checked once), inline constructors for a generic one (a `const` cannot
/// name the type's parameters).
struct Codecs<'a> {
    st: &'a syn::Path,
    inline: bool,
    items: TokenStream,
    next: usize,
}

impl Codecs<'_> {
    /// One codec expression per field (empty for skipped fields, which are not stored).
    fn of(&mut self, fields: &[FieldModel]) -> Vec<TokenStream> {
        fields
            .iter()
            .map(|field| {
                if !field.is_stored() {
                    TokenStream::new()
                } else if self.inline {
                    {
                        let st = self.st;
                        codec_constructor(&quote!(#st::__private), field)
                    }
                } else {
                    let name = format_ident!("__ST_C{}", self.next);
                    self.next += 1;
                    self.items.extend(codec_const(self.st, field, &name));
                    quote!(#name)
                }
            })
            .collect()
    }
}

/// Everything `#[derive(Attribute)]` generates for a valid model.
pub fn attribute(model: &AttributeModel) -> TokenStream {
    let st = &model.crate_path;
    let ident = &model.rust_name;
    let generics = bounded_generics(st, &model.generics);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let mut codecs = Codecs {
        st,
        inline: !model.generics.params.is_empty(),
        items: TokenStream::new(),
        next: 0,
    };
    let (encode, decode, extra) = match &model.shape {
        AttributeShape::Struct(fields) => {
            let (encode, decode) = named_struct(st, fields, &mut codecs);
            let owner = quote!(#ident #ty_generics);
            let consts = fields
                .iter()
                .filter(|f| f.is_stored())
                .map(|field| super::entity::nested_attr_const(st, owner.clone(), field));
            let paths = quote! {
                #[allow(dead_code)]
                impl #impl_generics #ident #ty_generics #where_clause {
                    #(#consts)*
                }
            };
            (encode, decode, paths)
        }
        AttributeShape::Newtype(inner) => newtype(model, inner),
        AttributeShape::UnitEnum(variants) => unit_enum(model, variants),
        AttributeShape::TaggedEnum { tag, variants } => {
            let (encode, decode) = tagged_enum(st, &tag.value, variants, &mut codecs);
            (encode, decode, TokenStream::new())
        }
    };
    let impls = quote! {
        #[automatically_derived]
        impl #impl_generics #st::Attribute for #ident #ty_generics #where_clause {
            #encode
            #decode
        }
        #extra
    };
    if codecs.items.is_empty() {
        impls
    } else {
        let items = codecs.items;
        quote! {
            #[allow(non_upper_case_globals)]
            const _: () = {
                #items
                #impls
            };
        }
    }
}

fn named_struct(
    st: &syn::Path,
    fields: &[FieldModel],
    codecs: &mut Codecs<'_>,
) -> (TokenStream, TokenStream) {
    let map = format_ident!("__st_map");
    let field_codecs = codecs.of(fields);
    let capacity = fields.iter().filter(|f| f.is_stored()).count();
    let encodes =
        fields.iter().zip(&field_codecs).filter(|(f, _)| f.is_stored()).map(|(field, codec)| {
            let ident = &field.ident;
            encode_field(&map, field, codec, quote!(&self.#ident))
        });
    let decodes = fields.iter().zip(&field_codecs).map(|(field, codec)| {
        let ident = &field.ident;
        let value = decode_field(&map, field, codec, question);
        quote!(#ident: #value)
    });
    let encode = quote! {
        fn to_attribute_value(&self) -> ::core::result::Result<#st::AttributeValue, #st::EncodeError> {
            let mut __st_map: #st::Item = #st::Item::with_capacity(#capacity);
            #(#encodes)*
            ::core::result::Result::Ok(#st::AttributeValue::M(__st_map))
        }
    };
    let decode = quote! {
        fn from_attribute_value(
            __st_value: #st::AttributeValue,
        ) -> ::core::result::Result<Self, #st::DecodeError> {
            #[allow(unused_mut)]
            let mut __st_map = #st::__private::expect_map(__st_value)?;
            ::core::result::Result::Ok(Self { #(#decodes),* })
        }
    };
    (encode, decode)
}

fn newtype(model: &AttributeModel, inner: &syn::Type) -> (TokenStream, TokenStream, TokenStream) {
    let st = &model.crate_path;
    let ident = &model.rust_name;
    let encode = quote! {
        fn to_attribute_value(&self) -> ::core::result::Result<#st::AttributeValue, #st::EncodeError> {
            <#inner as #st::Attribute>::to_attribute_value(&self.0)
        }
        fn is_absent(&self) -> bool {
            <#inner as #st::Attribute>::is_absent(&self.0)
        }
    };
    let decode = quote! {
        fn from_attribute_value(
            __st_value: #st::AttributeValue,
        ) -> ::core::result::Result<Self, #st::DecodeError> {
            <#inner as #st::Attribute>::from_attribute_value(__st_value).map(Self)
        }
        fn from_missing() -> ::core::result::Result<Self, #st::DecodeError> {
            <#inner as #st::Attribute>::from_missing().map(Self)
        }
    };
    // The higher-ranked bound keeps the impls legal when the inner type is not a key type
    // (a plain `where Vec<String>: KeyComponent` would be a trivially false bound, an
    // error); they then simply do not apply.
    let generics = bounded_generics(st, &model.generics);
    let (impl_generics, ty_generics, _) = generics.split_for_impl();
    let mut key_generics = generics.clone();
    key_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(for<'__st> #inner: #st::KeyComponent));
    let key_where = &key_generics.where_clause;
    let mut scalar_generics = generics.clone();
    scalar_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(for<'__st> #inner: #st::ScalarAttribute));
    let scalar_where = &scalar_generics.where_clause;
    let extra = quote! {
        #[automatically_derived]
        impl #impl_generics #st::KeyComponent for #ident #ty_generics #key_where {
            fn write_key_text(
                &self,
                __st_out: &mut #st::__private::String,
            ) -> ::core::result::Result<(), #st::EncodeError> {
                <#inner as #st::KeyComponent>::write_key_text(&self.0, __st_out)
            }
            fn parse_key_text(__st_text: &str) -> ::core::result::Result<Self, #st::DecodeError> {
                <#inner as #st::KeyComponent>::parse_key_text(__st_text).map(Self)
            }
        }
        #[automatically_derived]
        impl #impl_generics #st::ScalarAttribute for #ident #ty_generics #scalar_where {
            const SCALAR: #st::schema::ScalarType = <#inner as #st::ScalarAttribute>::SCALAR;
        }
    };
    (encode, decode, extra)
}

fn unit_enum(
    model: &AttributeModel,
    variants: &[UnitVariant],
) -> (TokenStream, TokenStream, TokenStream) {
    let st = &model.crate_path;
    let ident = &model.rust_name;
    let (impl_generics, ty_generics, where_clause) = model.generics.split_for_impl();
    let idents: Vec<&syn::Ident> = variants.iter().map(|v| &v.ident).collect();
    let names: Vec<&String> = variants.iter().map(|v| &v.name.value).collect();
    let expected = names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
    let to_name = quote! {
        match self { #(Self::#idents => #names),* }
    };
    let from_name = |text: TokenStream| {
        quote! {
            match #text {
                #(#names => ::core::result::Result::Ok(Self::#idents),)*
                __st_other => ::core::result::Result::Err(
                    #st::__private::unknown_variant(__st_other, #expected)
                ),
            }
        }
    };
    let from_string = from_name(quote!(__st_text.as_str()));
    let from_str = from_name(quote!(__st_text));
    let encode = quote! {
        fn to_attribute_value(&self) -> ::core::result::Result<#st::AttributeValue, #st::EncodeError> {
            let __st_name: &'static str = #to_name;
            ::core::result::Result::Ok(#st::AttributeValue::S(#st::__private::String::from(__st_name)))
        }
    };
    let decode = quote! {
        fn from_attribute_value(
            __st_value: #st::AttributeValue,
        ) -> ::core::result::Result<Self, #st::DecodeError> {
            let __st_text = #st::__private::expect_string(__st_value)?;
            #from_string
        }
    };
    let extra = quote! {
        #[automatically_derived]
        impl #impl_generics #st::KeyComponent for #ident #ty_generics #where_clause {
            fn write_key_text(
                &self,
                __st_out: &mut #st::__private::String,
            ) -> ::core::result::Result<(), #st::EncodeError> {
                let __st_name: &'static str = #to_name;
                __st_out.push_str(__st_name);
                ::core::result::Result::Ok(())
            }
            fn parse_key_text(__st_text: &str) -> ::core::result::Result<Self, #st::DecodeError> {
                #from_str
            }
        }
        #[automatically_derived]
        impl #impl_generics #st::ScalarAttribute for #ident #ty_generics #where_clause {
            const SCALAR: #st::schema::ScalarType = #st::schema::ScalarType::S;
        }
    };
    (encode, decode, extra)
}

fn tagged_enum(
    st: &syn::Path,
    tag: &str,
    variants: &[TaggedVariant],
    codecs: &mut Codecs<'_>,
) -> (TokenStream, TokenStream) {
    let variant_codecs: Vec<Vec<TokenStream>> = variants
        .iter()
        .map(|variant| match &variant.body {
            VariantBody::Named(fields) => codecs.of(fields),
            _ => Vec::new(),
        })
        .collect();
    let map = format_ident!("__st_map");
    let names: Vec<&str> = variants.iter().map(|v| v.name.value.as_str()).collect();
    let expected = names.join(", ");
    let encode_arms = variants.iter().zip(&variant_codecs).map(|(variant, field_codecs)| {
        let ident = &variant.ident;
        let name = &variant.name.value;
        match &variant.body {
            VariantBody::Unit => quote! {
                Self::#ident => ::core::result::Result::Ok(#st::AttributeValue::M(
                    #st::__private::tagged_map(1, #tag, #name)
                )),
            },
            VariantBody::Newtype(_) => quote! {
                Self::#ident(__st_inner) => #st::__private::encode_tagged_newtype(__st_inner, #tag, #name),
            },
            VariantBody::Named(fields) => {
                let stored: Vec<(usize, &FieldModel)> =
                    fields.iter().enumerate().filter(|(_, f)| f.is_stored()).collect();
                let bindings = stored.iter().map(|(i, field)| {
                    let ident = &field.ident;
                    let binding = format_ident!("__st_f{}", i);
                    quote!(#ident: #binding)
                });
                let encodes = stored.iter().map(|(i, field)| {
                    let binding = format_ident!("__st_f{}", i);
                    encode_field(&map, field, &field_codecs[*i], quote!(#binding))
                });
                let capacity = stored.len() + 1;
                quote! {
                    Self::#ident { #(#bindings,)* .. } => {
                        let mut __st_map = #st::__private::tagged_map(#capacity, #tag, #name);
                        #(#encodes)*
                        ::core::result::Result::Ok(#st::AttributeValue::M(__st_map))
                    }
                }
            }
        }
    });
    let decode_arms = variants.iter().zip(&variant_codecs).map(|(variant, field_codecs)| {
        let ident = &variant.ident;
        let name = &variant.name.value;
        match &variant.body {
            VariantBody::Unit => quote!(#name => ::core::result::Result::Ok(Self::#ident),),
            VariantBody::Newtype(inner) => quote! {
                #name => <#inner as #st::Attribute>::from_attribute_value(
                    #st::AttributeValue::M(__st_map)
                ).map(Self::#ident),
            },
            VariantBody::Named(fields) => {
                let decodes = fields.iter().zip(field_codecs).map(|(field, codec)| {
                    let ident = &field.ident;
                    let value = decode_field(&map, field, codec, question);
                    quote!(#ident: #value)
                });
                quote!(#name => ::core::result::Result::Ok(Self::#ident { #(#decodes),* }),)
            }
        }
    });
    let encode = quote! {
        fn to_attribute_value(&self) -> ::core::result::Result<#st::AttributeValue, #st::EncodeError> {
            match self {
                #(#encode_arms)*
            }
        }
    };
    let decode = quote! {
        fn from_attribute_value(
            __st_value: #st::AttributeValue,
        ) -> ::core::result::Result<Self, #st::DecodeError> {
            #[allow(unused_mut)]
            let mut __st_map = #st::__private::expect_map(__st_value)?;
            let __st_tag = #st::__private::take_tag(&mut __st_map, #tag)?;
            match __st_tag.as_str() {
                #(#decode_arms)*
                __st_other => ::core::result::Result::Err(
                    #st::__private::unknown_variant(__st_other, #expected)
                ),
            }
        }
    };
    (encode, decode)
}

/// The impls emitted next to the errors of a `#[derive(Attribute)]`: methods that panic,
/// plus `KeyComponent` and `ScalarAttribute` for shapes that would have them.
pub fn attribute_fallback(
    ident: &syn::Ident,
    generics: &syn::Generics,
    st: &syn::Path,
    scalar: bool,
) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let message = format!("#[derive(Attribute)] on `{ident}` failed to compile");
    let key_impls = scalar.then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_generics #st::KeyComponent for #ident #ty_generics #where_clause {
                fn write_key_text(
                    &self,
                    _: &mut #st::__private::String,
                ) -> ::core::result::Result<(), #st::EncodeError> {
                    ::core::panic!(#message)
                }
                fn parse_key_text(_: &str) -> ::core::result::Result<Self, #st::DecodeError> {
                    ::core::panic!(#message)
                }
            }
            #[automatically_derived]
            impl #impl_generics #st::ScalarAttribute for #ident #ty_generics #where_clause {
                const SCALAR: #st::schema::ScalarType = #st::schema::ScalarType::S;
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #st::Attribute for #ident #ty_generics #where_clause {
            fn to_attribute_value(&self) -> ::core::result::Result<#st::AttributeValue, #st::EncodeError> {
                ::core::panic!(#message)
            }
            fn from_attribute_value(
                _: #st::AttributeValue,
            ) -> ::core::result::Result<Self, #st::DecodeError> {
                ::core::panic!(#message)
            }
        }
        #key_impls
    }
}
