//! The Shareable Link: one per conversation; read, disable, rotate, expiry, maximum uses.

use convene_proto::audit::AuditKind;
use convene_proto::policy::Action;
use convene_proto::{ConversationId, ShareLink, ShareLinkPatch};
use sqlx::{AnyConnection, Row};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::actor::load_conversation;
use super::audit::Entry;
use super::{record_change, record_event, rows, s, Ctx, Need, Principal};
use crate::auth::hash_token;
use crate::clock::{from_ms, now_ms, to_ms};
use crate::error::Error;
use crate::secret::{new_nonce, Secret};

pub use crate::secret::LINK_TOKEN;

/// Gives a new conversation its link (enabled, no expiry, no limit).
pub async fn create_link(
    tx: &mut AnyConnection,
    secret: &Secret,
    id: ConversationId,
) -> Result<(), sqlx::Error> {
    let nonce = new_nonce();
    let token = secret.derive(LINK_TOKEN, &s(id), &nonce);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO share_links (conversation_id, token_hash, token_nonce, enabled, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5)",
    )
    .bind(s(id))
    .bind(hash_token(&token))
    .bind(&nonce)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The link's current token, rebuilt from the secret and the stored nonce.
async fn token(ctx: &Ctx, tx: &mut AnyConnection, id: ConversationId) -> Result<String, Error> {
    let nonce: String =
        sqlx::query_scalar("SELECT token_nonce FROM share_links WHERE conversation_id = $1")
            .bind(s(id))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound("share link"))?;
    Ok(ctx.secret.derive(LINK_TOKEN, &s(id), &nonce))
}

async fn view(ctx: &Ctx, tx: &mut AnyConnection, id: ConversationId) -> Result<ShareLink, Error> {
    let token = token(ctx, tx, id).await?;
    let r = sqlx::query(
        "SELECT enabled, expires_at, max_uses, uses FROM share_links WHERE conversation_id = $1",
    )
    .bind(s(id))
    .fetch_one(&mut *tx)
    .await?;
    Ok(ShareLink {
        url: ctx.join_url(&token),
        enabled: r.get::<i64, _>(0) != 0,
        expires_at: r.get::<Option<i64>, _>(1).map(from_ms),
        max_uses: r.get(2),
        uses: r.get(3),
        joined: rows::joined_via_link(tx, id).await?,
    })
}

/// Copy Shareable Link: its URL and settings.
pub async fn get(ctx: &Ctx, principal: &Principal, id: ConversationId) -> Result<ShareLink, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    let conv = load_conversation(&mut conn, principal, id).await?;
    conv.require(Action::CopyShareLink)?;
    view(ctx, &mut conn, id).await
}

fn parse_expiry(raw: &str) -> Result<i64, Error> {
    let t = OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
        Error::invalid(
            "expires_at",
            "expires_at must be an RFC 3339 time like 2030-01-31T12:00:00Z",
        )
    })?;
    let ms = to_ms(t);
    if ms <= now_ms() {
        return Err(Error::invalid(
            "expires_at",
            "expires_at must be in the future",
        ));
    }
    Ok(ms)
}

/// Disable or enable the link, set or clear its expiry and maximum uses.
pub async fn patch(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    patch: ShareLinkPatch,
) -> Result<ShareLink, Error> {
    let expires = match &patch.expires_at {
        Some(Some(raw)) => Some(Some(parse_expiry(raw)?)),
        Some(None) => Some(None),
        None => None,
    };
    if let Some(Some(n)) = patch.max_uses {
        if !(1..=1_000_000).contains(&n) {
            return Err(Error::invalid(
                "max_uses",
                "max_uses must be between 1 and 1000000, or null for no limit",
            ));
        }
    }
    let patch = &patch;
    ctx.change_in(
        principal,
        id,
        Need::To(Action::ManageShareLink),
        |tx, conv| {
            Box::pin(async move {
                let mut changes = Vec::new();
                if let Some(enabled) = patch.enabled {
                    sqlx::query("UPDATE share_links SET enabled = $1 WHERE conversation_id = $2")
                        .bind(i64::from(enabled))
                        .bind(s(id))
                        .execute(&mut **tx)
                        .await?;
                    changes.push(if enabled {
                        "enabled the link".to_owned()
                    } else {
                        "disabled the link".to_owned()
                    });
                }
                if let Some(e) = expires {
                    sqlx::query(
                        "UPDATE share_links SET expires_at = $1 WHERE conversation_id = $2",
                    )
                    .bind(e)
                    .bind(s(id))
                    .execute(&mut **tx)
                    .await?;
                    changes.push(match e {
                        Some(ms) => format!(
                            "set the link to expire at {}",
                            from_ms(ms).format(&Rfc3339).unwrap_or_default()
                        ),
                        None => "removed the link's expiry".to_owned(),
                    });
                }
                if let Some(m) = patch.max_uses {
                    sqlx::query("UPDATE share_links SET max_uses = $1 WHERE conversation_id = $2")
                        .bind(m)
                        .bind(s(id))
                        .execute(&mut **tx)
                        .await?;
                    changes.push(match m {
                        Some(n) => format!("limited the link to {n} uses"),
                        None => "removed the link's use limit".to_owned(),
                    });
                }
                if !changes.is_empty() {
                    sqlx::query(
                        "UPDATE share_links SET updated_at = $1 WHERE conversation_id = $2",
                    )
                    .bind(now_ms())
                    .bind(s(id))
                    .execute(&mut **tx)
                    .await?;
                    let text = format!("{} {}", principal.name(), changes.join(", "));
                    record_event(
                        tx,
                        conv,
                        Entry::new(AuditKind::LinkChanged, principal, &text),
                    )
                    .await?;
                    record_change(tx, conv, "conversation", None, None).await?;
                }
                let link = view(ctx, tx, id).await?;
                Ok(link)
            })
        },
    )
    .await
}

/// Rotate: a new URL; the old one stops working at once. People who joined stay.
pub async fn rotate(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
) -> Result<ShareLink, Error> {
    ctx.change_in(principal, id, Need::To(Action::ManageShareLink), |tx, conv| {
        Box::pin(async move {
            let nonce = new_nonce();
            let token = ctx.secret.derive(LINK_TOKEN, &s(id), &nonce);
            sqlx::query("UPDATE share_links SET token_nonce = $1, token_hash = $2, uses = 0, updated_at = $3 WHERE conversation_id = $4")
                .bind(&nonce)
                .bind(hash_token(&token))
                .bind(now_ms())
                .bind(s(id))
                .execute(&mut **tx)
                .await?;
            record_event(
                tx,
                conv,
                Entry::new(
                    AuditKind::LinkRotated,
                    principal,
                    &format!("Link rotated by {}", principal.name()),
                ),
            )
            .await?;
            record_change(tx, conv, "conversation", None, None).await?;
            let link = view(ctx, tx, id).await?;
            Ok(link)
        })
    })
    .await
}
