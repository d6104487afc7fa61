//! Reading the change feed in commit order, so a cursor never steps over a committed row.
//!
//! Every change row has a `seq` handed out at insert. On SQLite writers take turns (`BEGIN
//! IMMEDIATE`), so `seq` order is commit order. On PostgreSQL it is not: two transactions take
//! seq 10 and 11, the second commits first, and a reader of `seq > cursor` that saw 11 would
//! never read 10. So PostgreSQL rows also carry their transaction's id (`tx`), and a reader takes
//! only rows of transactions older than the oldest one still running (its snapshot's `xmin`):
//! those transactions have all ended, so no row can appear below that line any more. Positions
//! are (tx, seq) pairs in that order; on SQLite `tx` is `seq`. Writers are not slowed down: the
//! price is that rows wait, invisible to readers, while an older transaction is still running.

use convene_proto::AccountId;
use sqlx::{AnyConnection, Row};

use crate::store::{Backend, Store};

/// A place in an account's change feed: every row at or before it has been read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedPos {
    pub tx: i64,
    pub seq: i64,
}

impl FeedPos {
    /// The wire form inside cursors: `{tx}_{seq}`.
    pub fn format(self) -> String {
        format!("{}_{}", self.tx, self.seq)
    }

    /// Parses [`FeedPos::format`]'s output.
    pub fn parse(raw: &str) -> Option<Self> {
        let (tx, seq) = raw.split_once('_')?;
        let pos = Self {
            tx: tx.parse().ok()?,
            seq: seq.parse().ok()?,
        };
        (pos.tx >= 0 && pos.seq >= 0).then_some(pos)
    }
}

/// One change row as readers see it.
#[derive(Clone, Debug)]
pub struct FeedRow {
    pub pos: FeedPos,
    pub conversation_id: String,
    pub kind: String,
    pub ref_id: Option<String>,
    pub affected_agent: Option<String>,
    pub affected_contact: Option<String>,
}

/// Rows read, and whether committed rows wait behind a transaction still running.
pub struct Read {
    pub rows: Vec<FeedRow>,
    pub held_back: bool,
    /// The newest transaction whose committed rows wait (when `held_back`).
    waiting_tx: Option<i64>,
}

/// How long a sync waits for rows committed before it began to pass the horizon. Transactions
/// are short (a few milliseconds), so this is reached only behind something unusual (a backup,
/// a stuck session); the rows then come with the next sync or the realtime stream.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// The line below which the feed is final: transactions with a smaller id have all ended.
async fn horizon(conn: &mut AnyConnection, backend: Backend) -> Result<i64, sqlx::Error> {
    match backend {
        Backend::Sqlite => Ok(i64::MAX),
        Backend::Postgres => {
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                .fetch_one(&mut *conn)
                .await
        }
    }
}

/// The rows of `account` after `after`, in commit order, at most `limit`.
pub async fn read(
    conn: &mut AnyConnection,
    backend: Backend,
    account: AccountId,
    after: FeedPos,
    limit: i64,
) -> Result<Read, sqlx::Error> {
    let columns = "conversation_id, kind, ref_id, affected_agent, affected_contact";
    let (rows, waiting_tx) = match backend {
        Backend::Sqlite => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT seq, seq, {columns} FROM changes
                 WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            )))
            .bind(account.to_string())
            .bind(after.seq)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            (rows, None)
        }
        Backend::Postgres => {
            let line = horizon(conn, backend).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT tx, seq, {columns} FROM changes
                 WHERE account_id = $1 AND (tx, seq) > ($2, $3) AND tx < $4
                 ORDER BY tx, seq LIMIT $5"
            )))
            .bind(account.to_string())
            .bind(after.tx)
            .bind(after.seq)
            .bind(line)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            // A full page is followed at once anyway; a short one says whether rows wait.
            let waiting = if i64::try_from(rows.len()).unwrap_or(0) < limit {
                sqlx::query_scalar::<_, Option<i64>>(
                    "SELECT MAX(tx) FROM changes WHERE account_id = $1 AND tx >= $2",
                )
                .bind(account.to_string())
                .bind(line)
                .fetch_one(&mut *conn)
                .await?
            } else {
                None
            };
            (rows, waiting)
        }
    };
    Ok(Read {
        rows: rows.iter().map(row).collect(),
        held_back: waiting_tx.is_some(),
        waiting_tx,
    })
}

/// Like [`read`], for a reader that must see every row committed before it asked (a sync right
/// after the caller's own write): when such rows wait behind an older transaction still running
/// (anywhere on the cluster, since transaction ids are cluster-wide; only transactions that wrote
/// count, so a long read-only one such as a backup does not), waits up to [`PATIENCE`] for it to
/// end, then reads again. No connection is held while it waits.
pub async fn read_settled(
    store: &Store,
    account: AccountId,
    after: FeedPos,
    limit: i64,
) -> Result<Read, sqlx::Error> {
    let backend = store.backend();
    let first = {
        let mut conn = store.pool().acquire().await?;
        read(&mut conn, backend, account, after, limit).await?
    };
    let Some(waiting) = first.waiting_tx else {
        return Ok(first);
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let mut conn = store.pool().acquire().await?;
        if horizon(&mut conn, backend).await? > waiting {
            return read(&mut conn, backend, account, after, limit).await;
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(first);
        }
    }
}

fn row(r: &sqlx::any::AnyRow) -> FeedRow {
    FeedRow {
        pos: FeedPos {
            tx: r.get(0),
            seq: r.get(1),
        },
        conversation_id: r.get(2),
        kind: r.get(3),
        ref_id: r.get(4),
        affected_agent: r.get(5),
        affected_contact: r.get(6),
    }
}

/// The feed's final end for `account`: the last row below the horizon.
pub async fn head(store: &Store, account: AccountId) -> Result<FeedPos, sqlx::Error> {
    let mut conn = store.pool().acquire().await?;
    let backend = store.backend();
    let row = match backend {
        Backend::Sqlite => {
            sqlx::query(
                "SELECT seq, seq FROM changes WHERE account_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(account.to_string())
            .fetch_optional(&mut *conn)
            .await?
        }
        Backend::Postgres => {
            let line = horizon(&mut conn, backend).await?;
            sqlx::query(
                "SELECT tx, seq FROM changes WHERE account_id = $1 AND tx < $2
                 ORDER BY tx DESC, seq DESC LIMIT 1",
            )
            .bind(account.to_string())
            .bind(line)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    Ok(row
        .map(|r| FeedPos {
            tx: r.get(0),
            seq: r.get(1),
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::FeedPos;

    #[test]
    fn positions_order_by_transaction_then_row_and_round_trip() {
        let a = FeedPos { tx: 7, seq: 12 };
        let b = FeedPos { tx: 8, seq: 3 };
        assert!(
            a < b,
            "a later transaction's rows come after, whatever their seq"
        );
        assert_eq!(FeedPos::parse(&a.format()), Some(a));
        assert_eq!(FeedPos::parse("12"), None);
        assert_eq!(FeedPos::parse("-1_2"), None);
    }
}
