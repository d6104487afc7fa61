//! Fixed-window rate limits kept in the database (so they hold across server instances).

use crate::clock::now_ms;
use crate::error::Error;
use crate::store::Store;

/// A limit: at most `max` hits per `window_secs` for one bucket.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: i64,
    pub window_secs: i64,
    pub what: &'static str,
}

/// The limits a server enforces (configurable, so load tests and the permission-table test can
/// raise them; the defaults are what production uses).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Sign-in attempts for one email address from one client address.
    pub login: Limit,
    /// Sign-in attempts from one client address, whatever the email.
    pub login_client: Limit,
    /// Sign-in attempts for one email address from anywhere: a slower, higher bound on guessing a
    /// person's password from many places, high enough that strangers cannot lock them out.
    pub login_email: Limit,
    /// Invites (agent, crew, contact) per person.
    pub invites: Limit,
    /// Join-token redemptions per client address.
    pub redeem: Limit,
    /// Sign-in links asked for one email address.
    pub email_link: Limit,
    /// Sign-in links asked for from one client address (whatever the email).
    pub email_link_client: Limit,
    /// Invite emails from agents to addresses new to the account, per account and day: a bound
    /// on how much mail to strangers the team can make the server send.
    pub new_addresses: Limit,
    /// The same for invites by contacts (customers inviting customers), all contacts of the
    /// account together: apart from the agents', so customers can never use up the team's.
    pub new_addresses_by_contacts: Limit,
    /// The same, per inviting contact: a tighter bound.
    pub new_addresses_by_contact: Limit,
    /// How long after an invite was sent it may be resent (Resend Invite answers 429 with the
    /// wait before that).
    pub resend_interval_ms: i64,
    /// How often the server ends the invites whose time is up (each with its timeline event).
    pub invite_sweep_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login: Limit {
                max: 10,
                window_secs: 60,
                what: "sign-in attempts",
            },
            login_client: Limit {
                max: 30,
                window_secs: 60,
                what: "sign-in attempts from this address",
            },
            login_email: Limit {
                max: 200,
                window_secs: 3600,
                what: "sign-in attempts for this account",
            },
            invites: Limit {
                max: 60,
                window_secs: 60,
                what: "invites",
            },
            redeem: Limit {
                max: 30,
                window_secs: 60,
                what: "join attempts",
            },
            email_link: Limit {
                max: 3,
                window_secs: 600,
                what: "sign-in links for this address",
            },
            email_link_client: Limit {
                max: 20,
                window_secs: 600,
                what: "sign-in links",
            },
            new_addresses: Limit {
                max: 500,
                window_secs: DAY_SECS,
                what: "invites to new email addresses for this account",
            },
            new_addresses_by_contacts: Limit {
                max: 100,
                window_secs: DAY_SECS,
                what: "invites to new email addresses by customers of this account",
            },
            new_addresses_by_contact: Limit {
                max: 20,
                window_secs: DAY_SECS,
                what: "invites to new email addresses from you",
            },
            resend_interval_ms: crate::service::invites::RESEND_INTERVAL_MS,
            invite_sweep_ms: 30_000,
        }
    }
}

impl Limits {
    /// Every limit multiplied by `factor` (for tests that act faster than people do).
    pub fn scaled(factor: i64) -> Self {
        let d = Self::default();
        let scale = |l: Limit| Limit {
            max: l.max * factor,
            ..l
        };
        Self {
            login: scale(d.login),
            login_client: scale(d.login_client),
            login_email: scale(d.login_email),
            invites: scale(d.invites),
            redeem: scale(d.redeem),
            email_link: scale(d.email_link),
            email_link_client: scale(d.email_link_client),
            new_addresses: scale(d.new_addresses),
            new_addresses_by_contacts: scale(d.new_addresses_by_contacts),
            new_addresses_by_contact: scale(d.new_addresses_by_contact),
            resend_interval_ms: d.resend_interval_ms,
            invite_sweep_ms: d.invite_sweep_ms,
        }
    }
}

/// A day, for daily caps.
pub const DAY_SECS: i64 = 24 * 3600;

/// The start of the window that `now` falls in.
fn window_start(limit: Limit, now: i64) -> i64 {
    let window = limit.window_secs * 1000;
    now - now.rem_euclid(window)
}

/// The 429 for a bucket at `count` hits, if that is over the limit.
fn over(limit: Limit, count: i64, now: i64) -> Result<(), Error> {
    if count <= limit.max {
        return Ok(());
    }
    let end = window_start(limit, now) + limit.window_secs * 1000;
    let wait = ((end - now) / 1000).max(1);
    let per = if limit.window_secs == DAY_SECS {
        "a day".to_owned()
    } else {
        format!("in {} s", limit.window_secs)
    };
    Err(Error::RateLimited {
        retry_after_secs: u64::try_from(wait).unwrap_or(60),
        message: format!(
            "too many {}: at most {} {per}; try again in {wait} s",
            limit.what, limit.max
        ),
    })
}

/// Counts a hit on `bucket`; 429 with `Retry-After` when over the limit.
pub async fn hit(store: &Store, limit: Limit, bucket: &str) -> Result<(), Error> {
    let now = now_ms();
    let count = add(store, limit, bucket, now).await?;
    over(limit, count, now)
}

/// Refuses (429) when `bucket` has no room left, counting nothing.
pub async fn check_room(store: &Store, limit: Limit, bucket: &str) -> Result<(), Error> {
    let now = now_ms();
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT count FROM rate_buckets WHERE bucket = $1 AND window_start = $2",
    )
    .bind(bucket)
    .bind(window_start(limit, now))
    .fetch_optional(store.pool())
    .await?;
    over(limit, count.unwrap_or(0) + 1, now)
}

/// Takes one place in `bucket`, or 429 when it is full. Each place is taken by one atomic
/// increment, so however many run at once no more than `max` are granted; a refused one gives its
/// increment back. For caps on what succeeds: take the place before the change, and give it back
/// with [`release`] when the change fails or turns out not to need it.
pub async fn reserve(store: &Store, limit: Limit, bucket: &str) -> Result<(), Error> {
    let now = now_ms();
    let count = add(store, limit, bucket, now).await?;
    let verdict = over(limit, count, now);
    if verdict.is_err() {
        release(store, limit, bucket).await;
    }
    verdict
}

/// Gives back a place taken with [`reserve`] (best effort: a release that fails costs the cap one).
pub async fn release(store: &Store, limit: Limit, bucket: &str) {
    let released = sqlx::query(
        "UPDATE rate_buckets SET count = count - 1 WHERE bucket = $1 AND window_start = $2 AND count > 0",
    )
    .bind(bucket)
    .bind(window_start(limit, now_ms()))
    .execute(store.pool())
    .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, bucket, "could not give a place back to a cap");
    }
}

/// Whether `bucket` was hit within the last `within_secs` (a marker, such as "this person signed in
/// from this address").
pub async fn seen(store: &Store, bucket: &str, within_secs: i64) -> Result<bool, Error> {
    let row: Option<i64> = sqlx::query_scalar(
        "SELECT count FROM rate_buckets WHERE bucket = $1 AND window_start > $2",
    )
    .bind(bucket)
    .bind(now_ms() - within_secs * 1000)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.is_some())
}

/// Counts one hit on `bucket` without refusing.
pub async fn count(store: &Store, limit: Limit, bucket: &str) -> Result<(), Error> {
    add(store, limit, bucket, now_ms()).await.map(drop)
}

/// Adds one hit to `bucket`'s current window; answers the window's count.
async fn add(store: &Store, limit: Limit, bucket: &str, now: i64) -> Result<i64, Error> {
    let start = window_start(limit, now);
    // One statement, committed by itself. On PostgreSQL its commit does not wait for the log to
    // reach the disk (a counter need not survive a crash), so the bucket's row, which every such
    // request updates, is not held through a flush.
    let sql = match store.backend() {
        crate::store::Backend::Postgres => {
            "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))
             INSERT INTO rate_buckets (bucket, window_start, count) SELECT $1, $2, 1 FROM quick
             ON CONFLICT(bucket) DO UPDATE SET
               count = CASE WHEN rate_buckets.window_start = excluded.window_start THEN rate_buckets.count + 1 ELSE 1 END,
               window_start = excluded.window_start
             RETURNING count"
        }
        crate::store::Backend::Sqlite => {
            "INSERT INTO rate_buckets (bucket, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT(bucket) DO UPDATE SET
               count = CASE WHEN rate_buckets.window_start = excluded.window_start THEN rate_buckets.count + 1 ELSE 1 END,
               window_start = excluded.window_start
             RETURNING count"
        }
    };
    let count: i64 = sqlx::query_scalar(sql)
        .bind(bucket)
        .bind(start)
        .fetch_one(store.pool())
        .await?;
    Ok(count)
}
