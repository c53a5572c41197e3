//! Request values echoed in DynamoDB's validation messages, in the Java form DynamoDB
//! prints them (`{Table=[WriteRequest(PutRequest=PutRequest(Item={pk=AttributeValue(S=a)}))]}`).
//! Only the shape is DynamoDB's; the exact field list of its echo changes with its SDK
//! (docs/error-texts.md), so tests match the envelope, not every character.

use std::collections::HashMap;
use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use singletable_core::backend::WriteRequest;
use singletable_core::value::{AttributeValue, Item};

/// `RequestItems` of `BatchWriteItem`, tables in name order.
pub(crate) fn write_requests(request_items: &HashMap<String, Vec<WriteRequest>>) -> String {
    let mut names: Vec<&String> = request_items.keys().collect();
    names.sort();
    let tables: Vec<String> = names
        .into_iter()
        .map(|name| {
            let requests: Vec<String> =
                request_items.get(name).into_iter().flatten().map(write_request).collect();
            format!("{name}=[{}]", requests.join(", "))
        })
        .collect();
    format!("{{{}}}", tables.join(", "))
}

fn write_request(request: &WriteRequest) -> String {
    match request {
        WriteRequest::Put { item } => {
            format!("WriteRequest(PutRequest=PutRequest(Item={}))", map(item))
        }
        WriteRequest::Delete { key } => {
            format!("WriteRequest(DeleteRequest=DeleteRequest(Key={}))", map(key))
        }
    }
}

fn map(item: &Item) -> String {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    let mut out = String::from("{");
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if let Some(value) = item.get(name) {
            let _ = write!(out, "{name}={}", value_text(value));
        }
    }
    out.push('}');
    out
}

fn value_text(value: &AttributeValue) -> String {
    let body = match value {
        AttributeValue::S(s) => format!("S={s}"),
        AttributeValue::N(n) => format!("N={n}"),
        AttributeValue::B(b) => format!("B={}", BASE64.encode(b)),
        AttributeValue::Bool(b) => format!("BOOL={b}"),
        AttributeValue::Null => "NUL=true".to_owned(),
        AttributeValue::Ss(set) => format!("SS=[{}]", set.join(", ")),
        AttributeValue::Ns(set) => {
            let members: Vec<String> = set.iter().map(ToString::to_string).collect();
            format!("NS=[{}]", members.join(", "))
        }
        AttributeValue::Bs(set) => {
            let members: Vec<String> = set.iter().map(|b| BASE64.encode(b)).collect();
            format!("BS=[{}]", members.join(", "))
        }
        AttributeValue::L(values) => {
            let members: Vec<String> = values.iter().map(value_text).collect();
            format!("L=[{}]", members.join(", "))
        }
        AttributeValue::M(m) => format!("M={}", map(m)),
    };
    format!("AttributeValue({body})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_requests_render_as_java_maps() {
        let item: Item = [("pk".to_owned(), AttributeValue::S("a".to_owned()))].into();
        let requests = HashMap::from([(
            "T".to_owned(),
            vec![WriteRequest::Put { item: item.clone() }, WriteRequest::Delete { key: item }],
        )]);
        assert_eq!(
            write_requests(&requests),
            "{T=[WriteRequest(PutRequest=PutRequest(Item={pk=AttributeValue(S=a)})), WriteRequest(DeleteRequest=DeleteRequest(Key={pk=AttributeValue(S=a)}))]}"
        );
    }
}
