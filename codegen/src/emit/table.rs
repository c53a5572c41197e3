//! `impl Table` and `App::client`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{
    BillingModel, IndexKind, KeyAttributeModel, ProjectionModel, ScalarType, StreamView,
    TableModel, Throughput,
};

fn scalar(st: &syn::Path, ty: ScalarType) -> TokenStream {
    match ty {
        ScalarType::S => quote!(#st::schema::ScalarType::S),
        ScalarType::N => quote!(#st::schema::ScalarType::N),
        ScalarType::B => quote!(#st::schema::ScalarType::B),
    }
}

fn key_attribute(st: &syn::Path, attribute: &KeyAttributeModel) -> TokenStream {
    let name = &attribute.name.value;
    let ty = scalar(st, attribute.ty);
    quote!(#st::schema::KeyAttribute { name: #name, ty: #ty })
}

fn option(tokens: Option<TokenStream>) -> TokenStream {
    match tokens {
        Some(tokens) => quote!(::core::option::Option::Some(#tokens)),
        None => quote!(::core::option::Option::None),
    }
}

/// The `const SCHEMA` value of a table.
pub(crate) fn schema(model: &TableModel) -> TokenStream {
    let st = &model.crate_path;
    let name = &model.name.value;
    let partition_key = key_attribute(st, &model.partition_key);
    let sort_key = option(model.sort_key.as_ref().map(|a| key_attribute(st, a)));
    let indexes = model.indexes.iter().map(|index| {
        let name = &index.name.value;
        let kind = match index.kind {
            IndexKind::Global => quote!(#st::schema::IndexKind::Global),
            IndexKind::Local => quote!(#st::schema::IndexKind::Local),
        };
        let partition = model.index_partition_key(index).iter().map(|a| key_attribute(st, a));
        let sort = index.sort_key.iter().map(|a| key_attribute(st, a));
        let projection = match &index.projection {
            ProjectionModel::All => quote!(#st::schema::Projection::All),
            ProjectionModel::KeysOnly => quote!(#st::schema::Projection::KeysOnly),
            ProjectionModel::Include(attributes) => {
                let attributes = attributes.iter().map(|a| &a.value);
                quote!(#st::schema::Projection::Include(&[#(#attributes),*]))
            }
        };
        let throughput = model.index_throughput(index);
        let throughput =
            option(throughput.map(|Throughput { read, write }| quote!((#read, #write))));
        quote! {
            #st::schema::IndexSchema {
                name: #name,
                kind: #kind,
                partition_key: &[#(#partition),*],
                sort_key: &[#(#sort),*],
                projection: #projection,
                throughput: #throughput,
            }
        }
    });
    let ttl = option(model.ttl_attribute.as_ref().map(|ttl| {
        let ttl = &ttl.value;
        quote!(#ttl)
    }));
    let stream = option(model.stream.map(|view| match view {
        StreamView::KeysOnly => quote!(#st::schema::StreamViewType::KeysOnly),
        StreamView::NewImage => quote!(#st::schema::StreamViewType::NewImage),
        StreamView::OldImage => quote!(#st::schema::StreamViewType::OldImage),
        StreamView::NewAndOldImages => quote!(#st::schema::StreamViewType::NewAndOldImages),
    }));
    let billing = match model.billing {
        BillingModel::OnDemand => quote!(#st::schema::BillingMode::PayPerRequest),
        BillingModel::Provisioned(Throughput { read, write }) => {
            quote!(#st::schema::BillingMode::Provisioned { read: #read, write: #write })
        }
    };
    let entity_type = &model.entity_type_attribute.value;
    quote! {
        #st::schema::TableSchema {
            name: #name,
            partition_key: #partition_key,
            sort_key: #sort_key,
            indexes: &[#(#indexes),*],
            ttl_attribute: #ttl,
            stream: #stream,
            billing: #billing,
            entity_type_attribute: #entity_type,
        }
    }
}

fn client(st: &syn::Path, ident: &syn::Ident) -> TokenStream {
    let doc = format!(
        " A typed client for the table `{ident}` over `backend` (the embedded \
         `MemoryBackend`, DynamoDB, …)."
    );
    quote! {
        impl #ident {
            #[doc = #doc]
            pub fn client(backend: impl #st::Backend) -> #st::TableClient<#ident> {
                #st::TableClient::new(backend)
            }
        }
    }
}

/// `impl Table` and the inherent `client` constructor.
pub fn table(model: &TableModel) -> TokenStream {
    let st = &model.crate_path;
    let ident = &model.rust_name;
    let schema = schema(model);
    let client = client(st, ident);
    quote! {
        #[automatically_derived]
        impl #st::Table for #ident {
            const SCHEMA: #st::schema::TableSchema = #schema;
        }
        #client
    }
}

/// The impls emitted next to the errors of a `#[derive(Table)]`: a `Table` with an empty
/// schema and `client`, so code using the table reports nothing more.
pub fn table_fallback(ident: &syn::Ident, generics: &syn::Generics, st: &syn::Path) -> TokenStream {
    if !generics.params.is_empty() {
        return TokenStream::new();
    }
    let client = client(st, ident);
    quote! {
        #[automatically_derived]
        impl #st::Table for #ident {
            const SCHEMA: #st::schema::TableSchema = <#st::__private::NoTable as #st::Table>::SCHEMA;
        }
        #client
    }
}
