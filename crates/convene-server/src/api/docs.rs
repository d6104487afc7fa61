//! What the handlers' `#[utoipa::path]` annotations share: the `Idempotency-Key` header and the
//! problem responses. Here, beside the handlers, so that `crate::openapi` (which gathers the
//! handlers) is the only one of the two that imports the other.

use convene_proto::PROBLEM_CONTENT_TYPE;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
    Type,
};
use utoipa::{IntoParams, ToResponse};

/// The optional `Idempotency-Key` header of mutating routes.
pub struct IdempotencyKey;

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes a retry safe: the same key with the same request answers the stored response \
                 without doing anything again; the same key with a different request answers 422, and \
                 while the first request still runs, 409. Keys are scoped to the session; a UUID is a \
                 good choice.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]+$")),
            ))
            .build()]
    }
}

/// The problem documents routes answer, as reusable responses.
pub mod problem {
    use super::*;

    fn response(description: &str, retry_after: Option<&str>) -> RefOr<Response> {
        let mut builder = ResponseBuilder::new().description(description).content(
            PROBLEM_CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        );
        if let Some(retry_after) = retry_after {
            builder = builder.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(0)),
                    )
                    .description(Some(retry_after))
                    .build(),
            );
        }
        RefOr::T(builder.build())
    }

    macro_rules! problem_response {
        ($(#[$doc:meta])* $name:ident, $description:literal $(, retry_after = $retry:literal)?) => {
            $(#[$doc])*
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), response($description, None $(.or(Some($retry)))?))
                }
            }
        };
    }

    problem_response!(
        /// 400 `malformed_body`.
        BadRequest,
        "The body is not JSON, not `Content-Type: application/json`, or not of the expected shape (`malformed_body`)"
    );
    problem_response!(
        /// 401 `unauthenticated`.
        Unauthenticated,
        "Missing, unknown or expired credentials (`unauthenticated`)"
    );
    problem_response!(
        /// 403 `forbidden`.
        Forbidden,
        "Signed in, but not allowed to do this (`forbidden`); `detail` says who may"
    );
    problem_response!(
        /// 404 `not_found`.
        NotFound,
        "No such thing, or not visible to the caller (`not_found`)"
    );
    problem_response!(
        /// 409 `conflict`.
        Conflict,
        "The request conflicts with the current state, or a request with the same `Idempotency-Key` is still running (`conflict`)",
        retry_after = "Seconds to wait before retrying (sent while an idempotent request is still running)"
    );
    problem_response!(
        /// 409 at sign-in: `choose_account`, or `conflict` as [`Conflict`].
        ChooseAccount,
        "`choose_account`: the email and password sign in to several accounts, listed in `accounts`; sign in again with one's `id` as `account_id`. Or `conflict`: a request with the same `Idempotency-Key` is still running"
    );
    problem_response!(
        /// 410 `link_invalid`.
        LinkInvalid,
        "The join token is unknown, expired, revoked or used up (`link_invalid`)"
    );
    problem_response!(
        /// 413 `payload_too_large`.
        PayloadTooLarge,
        "The body is larger than the server accepts, 64 KiB (`payload_too_large`)"
    );
    problem_response!(
        /// 422 `invalid_input`.
        InvalidInput,
        "A field, query parameter or the `Idempotency-Key` is missing or malformed (`invalid_input`); `field` names it"
    );
    problem_response!(
        /// 429 `rate_limited`.
        RateLimited,
        "Too many requests (`rate_limited`); retry after `Retry-After` seconds",
        retry_after = "Seconds to wait before retrying"
    );
    problem_response!(
        /// 503 `busy`.
        Busy,
        "Nothing was stored, so retrying is safe: a conflicting change won a race the database could not order, more often than the server retries (`busy`), or the server's storage cannot be written or reached right now (`storage_unavailable`)",
        retry_after = "Seconds to wait before retrying"
    );
    problem_response!(
        /// 507 `storage_full`.
        StorageFull,
        "The server's disk is full; nothing was stored, and writes work again once space is freed (`storage_full`)",
        retry_after = "Seconds to wait before retrying"
    );
}
