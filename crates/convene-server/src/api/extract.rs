//! Extractors that turn bad requests into problem documents instead of axum's plain-text rejections.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::hash_token;
use crate::error::Error;
use crate::service::Principal;

/// A JSON body whose rejections are problem documents naming what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .is_some_and(|m| {
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !json {
            return Err(Error::MalformedBody(
                "expected Content-Type: application/json".to_owned(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::PayloadTooLarge
                } else {
                    Error::MalformedBody(r.body_text())
                }
            })?;
        require_object(&bytes)?;
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

/// Every body is a JSON object: serde would also read a struct from an array (`[false]` as
/// `{"enabled": false}`), which nobody means.
fn require_object(bytes: &[u8]) -> Result<(), Error> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ => Err(Error::MalformedBody(
            "the body must be a JSON object, like {\"name\": \"…\"}".to_owned(),
        )),
    }
}

fn json_problem(rejection: JsonRejection) -> Error {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge;
    }
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde's message names the field and the expected type ("missing field `subject`").
            Error::invalid(
                &field_of(&e.body_text()).unwrap_or_else(|| "body".to_owned()),
                e.body_text(),
            )
        }
        JsonRejection::MissingJsonContentType(_) => {
            Error::MalformedBody("expected Content-Type: application/json".to_owned())
        }
        other => Error::MalformedBody(other.body_text()),
    }
}

/// An optional JSON body: empty means the type's default.
pub fn json_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    require_object(body)?;
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            let message = e.to_string();
            Error::invalid(
                &field_of(&message).unwrap_or_else(|| "body".to_owned()),
                message,
            )
        } else {
            Error::MalformedBody(format!("the body is not valid JSON: {e}"))
        }
    })
}

/// Pulls the field name out of serde's messages ("missing field `x`", "x: invalid type …").
fn field_of(message: &str) -> Option<String> {
    let body = message
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(message);
    for marker in ["missing field `", "unknown field `"] {
        if let Some(start) = body.find(marker) {
            let rest = &body[start + marker.len()..];
            return rest.find('`').map(|end| rest[..end].to_owned());
        }
    }
    let (path, _) = body.split_once(": ")?;
    (!path.is_empty() && !path.contains(' ')).then(|| path.to_owned())
}

/// The bearer token of the request, if it carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A request from a signed-in agent or contact.
pub struct Authed {
    pub principal: Principal,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = match bearer(parts) {
            Some(token) => token.to_owned(),
            None => {
                // Contacts in the browser carry their session in an HttpOnly cookie; a request that
                // could change something (or open the stream) must then come from our own origin.
                let token = crate::cookies::session_cookie(&parts.headers).ok_or_else(|| {
                    Error::Unauthenticated("sign in first: missing bearer token".to_owned())
                })?;
                let safe = matches!(
                    parts.method,
                    axum::http::Method::GET | axum::http::Method::HEAD
                ) && !parts.uri.path().ends_with("/stream");
                if !safe
                    && !crate::cookies::same_origin(&parts.headers, state.ctx().public_url.as_str())
                {
                    return Err(Error::Forbidden(
                        "cross-site request refused: it must come from the Convene web page"
                            .to_owned(),
                    ));
                }
                token
            }
        };
        let token_hash = hash_token(&token);
        let principal = state
            .store()
            .session_principal(&token_hash)
            .await?
            .ok_or_else(|| {
                Error::Unauthenticated("session expired or signed out; sign in again".to_owned())
            })?;
        Ok(Self {
            principal,
            token_hash,
        })
    }
}

/// The signed-in caller if the request carries a live session (bearer or cookie), else nobody.
/// For routes anyone may call whose answer depends on who is asking (joining through a link).
pub struct MaybeAuthed(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeAuthed {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // A cookie counts only when the request comes from our own pages: another site's page
        // must not act as the visitor (join them somewhere as themselves).
        let token = bearer(parts).map(str::to_owned).or_else(|| {
            crate::cookies::session_cookie(&parts.headers).filter(|_| {
                !crate::cookies::from_elsewhere(&parts.headers, state.ctx().public_url.as_str())
            })
        });
        let Some(token) = token else {
            return Ok(Self(None));
        };
        Ok(Self(
            state.store().session_principal(&hash_token(&token)).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn serde_messages_yield_the_field_name() {
        assert_eq!(
            field_of("missing field `subject` at line 1").as_deref(),
            Some("subject")
        );
        assert_eq!(
            field_of("Failed to deserialize the JSON body into the target type: subject: invalid type: integer `3`, expected a string").as_deref(),
            Some("subject")
        );
    }
}
