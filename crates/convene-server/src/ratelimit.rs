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
        }
    }
}

/// Counts a hit on `bucket`; 429 with `Retry-After` when over the limit.
pub async fn hit(store: &Store, limit: Limit, bucket: &str) -> Result<(), Error> {
    let now = now_ms();
    let window = limit.window_secs * 1000;
    let start = now - now.rem_euclid(window);
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
    if count > limit.max {
        let wait = ((start + window - now) / 1000).max(1);
        return Err(Error::RateLimited {
            retry_after_secs: u64::try_from(wait).unwrap_or(60),
            message: format!(
                "too many {}: at most {} in {} s; try again in {wait} s",
                limit.what, limit.max, limit.window_secs
            ),
        });
    }
    Ok(())
}
