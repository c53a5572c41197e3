//! AWS Signature Version 4 verification, for `--credentials KEY:SECRET`.
//!
//! The server recomputes the signature of each request from the access key's secret and
//! compares it with the one in the `Authorization` header, as DynamoDB does. Refusals use
//! DynamoDB's errors: `MissingAuthenticationTokenException` without a signature,
//! `UnrecognizedClientException` for an unknown access key, `InvalidSignatureException`
//! for a signature that does not match. The request time is not checked against the
//! clock (a local server has no replay window to protect).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::api_error::{ApiError, SERVICE_NAMESPACE};

/// An access key and its secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// `--credentials` that are not `KEY:SECRET`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("credentials must be KEY:SECRET with a non-empty key and secret")]
pub struct CredentialsFormatError;

impl std::str::FromStr for Credentials {
    type Err = CredentialsFormatError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once(':') {
            Some((key, secret)) if !key.is_empty() && !secret.is_empty() => Ok(Credentials {
                access_key_id: key.to_owned(),
                secret_access_key: secret.to_owned(),
            }),
            _ => Err(CredentialsFormatError),
        }
    }
}

/// The parts of a request the signature covers.
#[derive(Debug)]
pub struct SignedRequest<'a> {
    /// `POST`.
    pub method: &'a str,
    /// The path (`/`).
    pub path: &'a str,
    /// The raw query string, if any.
    pub query: Option<&'a str>,
    /// Every header as (lowercase name, value).
    pub headers: Vec<(String, &'a str)>,
    /// The body.
    pub body: &'a [u8],
}

fn unrecognized() -> ApiError {
    ApiError {
        namespace: SERVICE_NAMESPACE,
        ..ApiError::auth(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }
}

fn invalid_signature() -> ApiError {
    ApiError {
        namespace: SERVICE_NAMESPACE,
        ..ApiError::auth(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    }
}

fn missing_token() -> ApiError {
    ApiError {
        namespace: SERVICE_NAMESPACE,
        ..ApiError::auth(
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        )
    }
}

fn incomplete(detail: &str) -> ApiError {
    ApiError {
        namespace: SERVICE_NAMESPACE,
        ..ApiError::auth("IncompleteSignatureException", detail.to_owned())
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

fn hmac(key: &[u8], data: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|_| ApiError::internal("HMAC key rejected"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// The fields of an `Authorization: AWS4-HMAC-SHA256 …` header.
struct Authorization<'a> {
    access_key: &'a str,
    scope: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(header: &str) -> Result<Authorization<'_>, ApiError> {
    let Some(rest) = header.strip_prefix("AWS4-HMAC-SHA256") else {
        return Err(incomplete("Authorization header requires the AWS4-HMAC-SHA256 algorithm"));
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(value) = part.strip_prefix("Credential=") {
            credential = Some(value);
        } else if let Some(value) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(value);
        } else if let Some(value) = part.strip_prefix("Signature=") {
            signature = Some(value);
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(incomplete(
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
        ));
    };
    let Some((access_key, scope)) = credential.split_once('/') else {
        return Err(incomplete(
            "Credential must have the form KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    };
    Ok(Authorization { access_key, scope, signed_headers, signature })
}

/// Checks a request's signature against `credentials`.
pub fn verify(request: &SignedRequest<'_>, credentials: &Credentials) -> Result<(), ApiError> {
    let header = |name: &str| -> Vec<&str> {
        request.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| *v).collect()
    };
    let Some(authorization) = header("authorization").first().copied() else {
        return Err(missing_token());
    };
    let auth = parse_authorization(authorization)?;
    if auth.access_key != credentials.access_key_id {
        return Err(unrecognized());
    }
    let Some(amz_date) = header("x-amz-date").first().copied() else {
        return Err(incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header",
        ));
    };
    let scope_parts: Vec<&str> = auth.scope.split('/').collect();
    let [date, region, service, terminator] = scope_parts.as_slice() else {
        return Err(incomplete(
            "Credential must have the form KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    };

    let mut canonical_headers = String::new();
    for name in auth.signed_headers.split(';') {
        let values: Vec<String> = header(name)
            .iter()
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let payload_hash = match header("x-amz-content-sha256").first() {
        Some(hash) if *hash != "UNSIGNED-PAYLOAD" => (*hash).to_owned(),
        Some(hash) => (*hash).to_owned(),
        None => hex(&Sha256::digest(request.body)),
    };
    let mut query: Vec<&str> =
        request.query.unwrap_or_default().split('&').filter(|p| !p.is_empty()).collect();
    query.sort_unstable();
    let query: Vec<String> = query
        .iter()
        .map(|pair| if pair.contains('=') { (*pair).to_owned() } else { format!("{pair}=") })
        .collect();
    let path = if request.path.is_empty() { "/" } else { request.path };
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        path,
        query.join("&"),
        canonical_headers,
        auth.signed_headers,
        payload_hash
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        auth.scope,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = hmac(format!("AWS4{}", credentials.secret_access_key).as_bytes(), date.as_bytes())?;
    let key = hmac(&key, region.as_bytes())?;
    let key = hmac(&key, service.as_bytes())?;
    let key = hmac(&key, terminator.as_bytes())?;
    let expected = hex(&hmac(&key, string_to_sign.as_bytes())?);
    // Constant-time comparison of the hex texts.
    let matches = expected.len() == auth.signature.len()
        && expected.bytes().zip(auth.signature.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if matches {
        Ok(())
    } else {
        Err(invalid_signature())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example (the `get-vanilla` case of the SigV4 test suite).
    #[test]
    fn verifies_the_aws_test_suite_vanilla_request() {
        let credentials: Credentials =
            "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".parse().expect("valid");
        let authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: None,
            headers: vec![
                ("host".to_owned(), "example.amazonaws.com"),
                ("x-amz-date".to_owned(), "20150830T123600Z"),
                ("authorization".to_owned(), authorization),
            ],
            body: b"",
        };
        assert_eq!(verify(&request, &credentials), Ok(()));
        let wrong: Credentials = "AKIDEXAMPLE:other".parse().expect("valid");
        assert_eq!(
            verify(&request, &wrong).map_err(|e| e.name),
            Err("InvalidSignatureException".to_owned())
        );
        let other_key: Credentials = "AKIDOTHER:x".parse().expect("valid");
        assert_eq!(
            verify(&request, &other_key).map_err(|e| e.name),
            Err("UnrecognizedClientException".to_owned())
        );
    }

    #[test]
    fn credentials_need_key_and_secret() {
        assert!("a:b".parse::<Credentials>().is_ok());
        assert!("a:".parse::<Credentials>().is_err());
        assert!("ab".parse::<Credentials>().is_err());
    }
}
