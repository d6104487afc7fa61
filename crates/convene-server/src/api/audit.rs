//! The account's audit log over HTTP: one page at a time for the Admin area, or everything that
//! matches the filters as a CSV or JSON download (the reading is done in `service::audit`).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use convene_proto::audit::{AuditFilter, AuditFormat, AuditPage};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::problem;
use super::{AppState, Authed};
use crate::error::Error;
use crate::service::audit::{self, Cursor, Filter, Format};

/// Paging through the log.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPaging {
    /// The `next` of the page before (older entries follow it).
    pub before: Option<String>,
    /// Entries per page (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The export's format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` or `json`.
    #[param(inline)]
    pub format: AuditFormat,
}

fn moment(field: &str, raw: Option<&str>) -> Result<Option<OffsetDateTime>, Error> {
    raw.filter(|r| !r.is_empty())
        .map(|r| {
            OffsetDateTime::parse(r, &Rfc3339).map_err(|_| {
                Error::invalid(
                    field,
                    format!("{field} must be a moment like 2026-12-03T09:00:00Z"),
                )
            })
        })
        .transpose()
}

/// The service's filter from the API's, or 422 naming the field that makes no sense.
fn checked(f: AuditFilter) -> Result<Filter, Error> {
    {
        let q = f.q.unwrap_or_default();
        if q.chars().count() > 254 {
            return Err(Error::invalid("q", "q must be at most 254 characters"));
        }
        if f.person.as_ref().is_some_and(|p| p.len() > 64) {
            return Err(Error::invalid(
                "person",
                "person must be an agent's or contact's id",
            ));
        }
        let conversation = f
            .conversation
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.parse().map_err(|_| {
                    Error::invalid("conversation", "conversation must be a conversation's id")
                })
            })
            .transpose()?;
        let from = moment("from", f.from.as_deref())?;
        let to = moment("to", f.to.as_deref())?;
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err(Error::invalid("to", "to must be later than from"));
            }
        }
        Ok(Filter {
            person: f.person.filter(|p| !p.is_empty()),
            conversation,
            kind: f.kind,
            category: f.category,
            text: q,
            from,
            to,
        })
    }
}

type QueryOf<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

fn query<T>(q: QueryOf<T>) -> Result<T, Error> {
    q.map(|Query(q)| q)
        .map_err(|e| Error::invalid("query", e.body_text()))
}

/// Read the audit log
///
/// Every membership, invite, link, directory and settings change of the account, newest first,
/// with who made it (id and name), to whom, in which conversation, how it came in and when.
/// Admins and superadmins only.
#[utoipa::path(
    get,
    path = "/api/v1/team/audit",
    operation_id = "audit_log",
    tag = "team",
    params(AuditFilter, AuditPaging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of entries", body = AuditPage),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
    )
)]
pub async fn page(
    State(state): State<AppState>,
    authed: Authed,
    filter: QueryOf<AuditFilter>,
    paging: QueryOf<AuditPaging>,
) -> Result<Json<AuditPage>, Error> {
    let filter = checked(query(filter)?)?;
    let paging = query(paging)?;
    let before = paging
        .before
        .as_deref()
        .filter(|b| !b.is_empty())
        .map(Cursor::parse)
        .transpose()?;
    let limit = paging.limit.unwrap_or(audit::PAGE);
    if !(1..=audit::MAX_PAGE).contains(&limit) {
        return Err(Error::invalid("limit", "limit must be between 1 and 500"));
    }
    Ok(Json(
        audit::page(state.ctx(), &authed.principal, &filter, before, limit).await?,
    ))
}

/// Export the audit log
///
/// Every entry that matches the filters, newest first, as one download: CSV (a header row, then
/// one row per entry; cells a spreadsheet would run as formulas start with `'`) or JSON (an array
/// of the entries the page returns). Admins and superadmins only.
#[utoipa::path(
    get,
    path = "/api/v1/team/audit/export",
    operation_id = "audit_export",
    tag = "team",
    params(ExportFormat, AuditFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entries", content(
            (String = "text/csv"),
            (Vec<convene_proto::audit::AuditEntry> = "application/json"),
        )),
        (status = 401, response = problem::Unauthenticated),
        (status = 403, response = problem::Forbidden),
        (status = 422, response = problem::InvalidInput),
        (status = 503, response = problem::Busy),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    authed: Authed,
    format: QueryOf<ExportFormat>,
    filter: QueryOf<AuditFilter>,
) -> Result<Response, Error> {
    let format = match query(format)?.format {
        AuditFormat::Csv => Format::Csv,
        AuditFormat::Json => Format::Json,
    };
    let filter = checked(query(filter)?)?;
    let body = audit::export(state.ctx(), &authed.principal, filter, format).await?;
    let (content_type, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
    };
    let day = OffsetDateTime::now_utc().date();
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"convene-audit-{day}.{ext}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
