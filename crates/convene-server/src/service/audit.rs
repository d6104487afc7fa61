//! The account's audit log: [`record`] writes one entry inside the transaction of the change it
//! describes (every timeline event goes through it, and so does every directory and settings
//! change), and [`page`] and [`export`] read it back for the account's admins, filtered.
//!
//! How a change came in (`via`) and the caller's address are taken from the request the change runs
//! in ([`within`], set by a middleware for every request), so no service has to pass them along;
//! a change made outside a request is the server's own (`system`).

use std::future::Future;
use std::net::IpAddr;

use bytes::Bytes;
use convene_proto::audit::{
    AuditCategory, AuditConversation, AuditEntry, AuditKind, AuditPage, AuditParty, AuditPartyKind,
    AuditVia, CSV_COLUMNS,
};
use convene_proto::{team, AccountId, ConversationId};
use futures_util::Stream;
use sqlx::Row;
use time::OffsetDateTime;

use super::{s, Ctx, Principal};
use crate::clock::{from_ms, now_ms, to_ms};
use crate::error::Error;
use crate::tx::Tx;

tokio::task_local! {
    static ORIGIN: Origin;
}

/// Where the request a change runs in came from.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub via: AuditVia,
    pub ip: Option<IpAddr>,
}

impl Origin {
    const SERVER: Origin = Origin {
        via: AuditVia::System,
        ip: None,
    };
}

/// Runs `work` (one request, or work it hands to a background task) with `origin` known to every
/// entry it records.
pub async fn within<F: Future>(origin: Origin, work: F) -> F::Output {
    ORIGIN.scope(origin, work).await
}

/// The origin of the request running now (the server's own outside a request).
pub fn origin() -> Origin {
    ORIGIN.try_with(|o| *o).unwrap_or(Origin::SERVER)
}

/// Who made a change.
#[derive(Clone, Copy)]
pub enum By<'a> {
    Person(&'a Principal),
    /// An agent proven otherwise than by a session (a password link).
    Agent(convene_proto::AgentId, &'a str),
    /// The server, on its own (the demo data, an expiry).
    Server,
}

impl<'a> By<'a> {
    /// The name the timeline shows.
    pub fn name(self) -> &'a str {
        match self {
            By::Person(p) => p.name(),
            By::Agent(_, name) => name,
            By::Server => "Convene",
        }
    }

    fn party(self) -> AuditParty {
        match self {
            By::Person(Principal::Agent { id, name, .. }) => AuditParty {
                kind: AuditPartyKind::Agent,
                id: Some(id.to_string()),
                name: name.clone(),
            },
            By::Person(Principal::Contact { id, name, .. }) => AuditParty {
                kind: AuditPartyKind::Contact,
                id: Some(id.to_string()),
                name: name.clone(),
            },
            By::Agent(id, name) => AuditParty {
                kind: AuditPartyKind::Agent,
                id: Some(id.to_string()),
                name: name.to_owned(),
            },
            By::Server => AuditParty {
                kind: AuditPartyKind::System,
                id: None,
                name: "Convene".to_owned(),
            },
        }
    }
}

impl<'a> From<&'a Principal> for By<'a> {
    fn from(p: &'a Principal) -> Self {
        By::Person(p)
    }
}

/// What a change was made to.
pub fn target(kind: AuditPartyKind, id: impl ToString, name: impl Into<String>) -> AuditParty {
    AuditParty {
        kind,
        id: Some(id.to_string()),
        name: name.into(),
    }
}

/// The person a participant or an invite names, as a target.
pub fn person(member: convene_proto::Member, name: impl Into<String>) -> AuditParty {
    match member {
        convene_proto::Member::Agent(id) => target(AuditPartyKind::Agent, id, name),
        convene_proto::Member::Contact(id) => target(AuditPartyKind::Contact, id, name),
    }
}

/// One change, as [`record`] writes it.
pub struct Entry<'a> {
    pub kind: AuditKind,
    pub by: By<'a>,
    pub target: Option<AuditParty>,
    pub conversation: Option<(ConversationId, &'a str)>,
    /// How it came in when that is not simply the request (a Shareable Link, an email's link).
    pub via: Option<AuditVia>,
    pub summary: &'a str,
}

impl<'a> Entry<'a> {
    /// `kind` of change by `by`, in the words of `summary`.
    pub fn new(kind: AuditKind, by: impl Into<By<'a>>, summary: &'a str) -> Self {
        Self {
            kind,
            by: by.into(),
            target: None,
            conversation: None,
            via: None,
            summary,
        }
    }

    /// Made to `target`.
    pub fn to(self, target: AuditParty) -> Self {
        Self {
            target: Some(target),
            ..self
        }
    }

    /// Made to the person `member` (when known), named `name`.
    pub fn to_person(self, member: impl Into<Option<convene_proto::Member>>, name: &str) -> Self {
        match member.into() {
            Some(m) => self.to(person(m, name)),
            None => self,
        }
    }

    /// Came in `via` (rather than as the request came; `None` changes nothing).
    pub fn via(self, via: impl Into<Option<AuditVia>>) -> Self {
        Self {
            via: via.into().or(self.via),
            ..self
        }
    }
}

/// Writes `entry` to `account`'s log, in the change's own transaction.
pub async fn record(
    tx: &mut Tx<'_>,
    account: AccountId,
    entry: Entry<'_>,
) -> Result<(), sqlx::Error> {
    let origin = origin();
    let actor = entry.by.party();
    let target = entry.target.as_ref();
    sqlx::query(
        "INSERT INTO audit_log (id, account_id, at, kind, category, actor_kind, actor_id, actor_name,
            target_kind, target_id, target_name, conversation_id, conversation_subject, via, summary, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(s(account))
    .bind(now_ms())
    .bind(entry.kind.as_str())
    .bind(entry.kind.category().as_str())
    .bind(actor.kind.as_str())
    .bind(actor.id)
    .bind(actor.name)
    .bind(target.map(|t| t.kind.as_str()))
    .bind(target.and_then(|t| t.id.clone()))
    .bind(target.map(|t| t.name.clone()))
    .bind(entry.conversation.map(|(id, _)| id.to_string()))
    .bind(entry.conversation.map(|(_, subject)| subject))
    .bind(entry.via.unwrap_or(origin.via).as_str())
    .bind(entry.summary)
    .bind(origin.ip.map(|ip| ip.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Which entries to read.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// An agent's or contact's id: the entries they made or that were made to them.
    pub person: Option<String>,
    pub conversation: Option<ConversationId>,
    pub kind: Option<AuditKind>,
    pub category: Option<AuditCategory>,
    /// Words in the names, the subject or the summary.
    pub text: String,
    /// From this moment on (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Until this moment (exclusive).
    pub to: Option<OffsetDateTime>,
}

/// Entries on one page by default, and at most.
pub const PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

/// Where a page starts: just older than the entry at `at` with `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    at: i64,
    id: String,
}

impl Cursor {
    /// A `before` value from the API; 422 naming the field when it is none the server handed out.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let bad = || Error::invalid("before", "before must be the `next` of an earlier page");
        let (at, id) = raw.split_once('_').ok_or_else(bad)?;
        let at = at.parse().map_err(|_| bad())?;
        uuid::Uuid::parse_str(id).map_err(|_| bad())?;
        Ok(Self {
            at,
            id: id.to_owned(),
        })
    }

    fn encode(&self) -> String {
        format!("{}_{}", self.at, self.id)
    }
}

/// 403 unless the caller may read the account's log.
fn require_reader(principal: &Principal) -> Result<(), Error> {
    team::may_read_audit(principal.account_role()).map_err(super::team::refused)
}

/// One page of `principal`'s account's log, newest first, after `before`.
pub async fn page(
    ctx: &Ctx,
    principal: &Principal,
    filter: &Filter,
    before: Option<Cursor>,
    limit: u32,
) -> Result<AuditPage, Error> {
    require_reader(principal)?;
    let mut conn = ctx.store.pool().acquire().await?;
    super::team::me_now(&mut conn, principal)
        .await
        .and_then(|me| team::may_read_audit(Some(me.role)).map_err(super::team::refused))?;
    let limit = limit.clamp(1, MAX_PAGE);
    let mut entries = read(
        &mut conn,
        principal.account_id(),
        filter,
        before.as_ref(),
        limit + 1,
    )
    .await?;
    let next = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| {
            Cursor {
                at: to_ms(e.at),
                id: e.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(AuditPage { entries, next })
}

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// Every entry that matches `filter`, newest first, as one CSV or JSON document, streamed a page
/// at a time (the whole log is never held in memory).
pub async fn export(
    ctx: &Ctx,
    principal: &Principal,
    filter: Filter,
    format: Format,
) -> Result<impl Stream<Item = Result<Bytes, Error>> + Send + 'static, Error> {
    require_reader(principal)?;
    let me = super::team::me_now(&mut *ctx.store.pool().acquire().await?, principal).await?;
    team::may_read_audit(Some(me.role)).map_err(super::team::refused)?;
    let store = ctx.store.clone();
    let account = principal.account_id();
    struct State {
        cursor: Option<Cursor>,
        first: bool,
        done: bool,
    }
    let start = State {
        cursor: None,
        first: true,
        done: false,
    };
    Ok(futures_util::stream::unfold(start, move |mut st| {
        let store = store.clone();
        let filter = filter.clone();
        async move {
            if st.done {
                return None;
            }
            let mut out = Vec::new();
            if st.first {
                match format {
                    Format::Csv => out.extend(csv_line(CSV_COLUMNS.iter().map(|c| c.to_string()))),
                    Format::Json => out.push(b'['),
                }
            }
            let batch = async {
                let mut conn = store.pool().acquire().await?;
                read(&mut conn, account, &filter, st.cursor.as_ref(), 1000).await
            }
            .await;
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            };
            for e in &batch {
                match format {
                    Format::Csv => out.extend(csv_line(csv_cells(e))),
                    Format::Json => {
                        if !(st.first && out.len() == 1) {
                            out.push(b',');
                        }
                        out.push(b'\n');
                        // Serialising our own types cannot fail.
                        out.extend(serde_json::to_vec(e).unwrap_or_default());
                    }
                }
                st.first = false;
            }
            st.first = false;
            match batch.last() {
                Some(last) if batch.len() == 1000 => {
                    st.cursor = Some(Cursor {
                        at: to_ms(last.at),
                        id: last.id.clone(),
                    });
                }
                _ => {
                    st.done = true;
                    if format == Format::Json {
                        out.extend(b"\n]\n");
                    }
                }
            }
            Some((Ok(Bytes::from(out)), st))
        }
    }))
}

/// The cells of one CSV row, in [`CSV_COLUMNS`] order.
fn csv_cells(e: &AuditEntry) -> Vec<String> {
    let party = |p: Option<&AuditParty>| {
        (
            p.map(|p| p.kind.as_str().to_owned()).unwrap_or_default(),
            p.and_then(|p| p.id.clone()).unwrap_or_default(),
            p.map(|p| p.name.clone()).unwrap_or_default(),
        )
    };
    let (ak, ai, an) = party(Some(&e.actor));
    let (tk, ti, tn) = party(e.target.as_ref());
    let at =
        e.at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
    vec![
        e.id.clone(),
        at,
        e.kind.as_str().to_owned(),
        e.category.as_str().to_owned(),
        ak,
        ai,
        an,
        tk,
        ti,
        tn,
        e.conversation
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default(),
        e.conversation
            .as_ref()
            .map(|c| c.subject.clone())
            .unwrap_or_default(),
        e.via.as_str().to_owned(),
        e.summary.clone(),
        e.ip.clone().unwrap_or_default(),
    ]
}

/// One CSV record. A cell a spreadsheet would run as a formula (a name like `=HYPERLINK(…)` that a
/// contact gave themselves) is prefixed with `'`, so opening the export runs nothing.
fn csv_line(cells: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let cells: Vec<String> = cells.into_iter().map(defuse).collect();
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&cells);
    w.into_inner().unwrap_or_default()
}

/// `cell`, made inert for spreadsheets (OWASP's advice for CSV injection).
pub fn defuse(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

async fn read(
    conn: &mut sqlx::AnyConnection,
    account: AccountId,
    filter: &Filter,
    before: Option<&Cursor>,
    limit: u32,
) -> Result<Vec<AuditEntry>, Error> {
    let text = filter.text.trim().to_lowercase();
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = sqlx::query(
        "SELECT id, at, kind, actor_kind, actor_id, actor_name, target_kind, target_id, target_name,
                conversation_id, conversation_subject, via, summary, ip
         FROM audit_log
         WHERE account_id = $1
           AND ($2 = '' OR actor_id = $2 OR target_id = $2)
           AND ($3 = '' OR conversation_id = $3)
           AND ($4 = '' OR kind = $4)
           AND ($5 = '' OR category = $5)
           AND ($6 = '' OR lower(actor_name) LIKE $7 ESCAPE '\\' OR lower(target_name) LIKE $7 ESCAPE '\\'
                OR lower(conversation_subject) LIKE $7 ESCAPE '\\' OR lower(summary) LIKE $7 ESCAPE '\\')
           AND at >= $8 AND at < $9
           AND ($10 < 0 OR at < $10 OR (at = $10 AND id < $11))
         ORDER BY at DESC, id DESC LIMIT $12",
    )
    .bind(s(account))
    .bind(filter.person.clone().unwrap_or_default())
    .bind(filter.conversation.map(s).unwrap_or_default())
    .bind(filter.kind.map(|k| k.as_str()).unwrap_or(""))
    .bind(filter.category.map(|c| c.as_str()).unwrap_or(""))
    .bind(&text)
    .bind(&pattern)
    .bind(filter.from.map(to_ms).unwrap_or(i64::MIN))
    .bind(filter.to.map(to_ms).unwrap_or(i64::MAX))
    .bind(before.map(|c| c.at).unwrap_or(-1))
    .bind(before.map(|c| c.id.clone()).unwrap_or_default())
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(entry).collect()
}

fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry, Error> {
    let parse = |raw: &str| -> Result<AuditPartyKind, Error> {
        raw.parse()
            .map_err(|_| Error::Internal(anyhow::anyhow!("audit party kind {raw}")))
    };
    let kind: AuditKind = r
        .get::<&str, _>(2)
        .parse()
        .map_err(|_| Error::Internal(anyhow::anyhow!("audit kind")))?;
    let target = match r.get::<Option<String>, _>(6) {
        Some(k) => Some(AuditParty {
            kind: parse(&k)?,
            id: r.get(7),
            name: r.get::<Option<String>, _>(8).unwrap_or_default(),
        }),
        None => None,
    };
    let conversation = match r.get::<Option<String>, _>(9) {
        Some(id) => Some(AuditConversation {
            id: super::rows::parse(&id)?,
            subject: r.get::<Option<String>, _>(10).unwrap_or_default(),
        }),
        None => None,
    };
    Ok(AuditEntry {
        id: r.get(0),
        at: from_ms(r.get(1)),
        kind,
        category: kind.category(),
        actor: AuditParty {
            kind: parse(r.get::<&str, _>(3))?,
            id: r.get(4),
            name: r.get(5),
        },
        target,
        conversation,
        via: r
            .get::<&str, _>(11)
            .parse()
            .map_err(|_| Error::Internal(anyhow::anyhow!("audit via")))?,
        summary: r.get(12),
        ip: r.get(13),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_cursors_round_trip() {
        assert_eq!(defuse("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("Ann".into()), "Ann");
        let c = Cursor {
            at: 17,
            id: uuid::Uuid::now_v7().to_string(),
        };
        assert_eq!(Cursor::parse(&c.encode()).expect("parses"), c);
        assert!(Cursor::parse("17_x").is_err());
        assert!(Cursor::parse("nonsense").is_err());
    }
}
