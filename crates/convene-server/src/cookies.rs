//! The browser's session cookie and where a request came from: read by the API's extractors, the
//! idempotency layer and the web pages alike, so it lives apart from all of them.

use axum::http::header;

/// The cookie that carries a contact's session in the browser.
pub const SESSION_COOKIE: &str = "convene_session";

/// The session token in the request's cookie, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether the request's `Origin` is the server's own public origin.
pub fn same_origin(headers: &axum::http::HeaderMap, public_url: &str) -> bool {
    let origin = |url: &str| -> String {
        let rest = url
            .split_once("://")
            .map(|(scheme, rest)| (scheme, rest.split('/').next().unwrap_or("")));
        rest.map(|(s, host)| format!("{s}://{host}"))
            .unwrap_or_default()
            .to_lowercase()
    };
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o.to_lowercase() == origin(public_url))
}

/// Whether a browser sent this request from another site's page (a forged form: it would sign the
/// visitor in as someone else, or act with their cookie). Browsers say so in `Sec-Fetch-Site`; older
/// ones only by a foreign `Origin`. Our pages' forms send `Origin: null` (they are served with
/// `Referrer-Policy: no-referrer`), so the origin alone cannot tell them apart from a forged one.
/// Requests from no browser (no such header) are not from another site.
pub fn from_elsewhere(headers: &axum::http::HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o != "null" && !same_origin(headers, public_url))
}

/// `Set-Cookie` for a browser session (a contact's, or an agent's signed in at `/app/`): HttpOnly,
/// Secure, SameSite=Strict, 30 days.
pub fn session_cookie_header(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        crate::auth::SESSION_DAYS * 24 * 3600
    )
}

/// `Set-Cookie` for an agent signed in at the web client: like [`session_cookie_header`], but
/// gone when the browser closes (no `Max-Age`).
pub fn browser_session_cookie_header(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict")
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}
