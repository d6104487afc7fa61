//! The account's settings: whether contacts may invite contacts, who its emails come from, and how
//! long email invites last. Admins see them; superadmins change them (`convene_proto::team`).

use convene_proto::audit::{AuditKind, AuditPartyKind};
use convene_proto::team::{self, AccountSettings, SettingsPage};
use convene_proto::AccountId;
use sqlx::{AnyConnection, Row};

use super::audit::{self, Entry};
use super::{s, Ctx, Principal};
use crate::error::Error;
use crate::tx::Tx;
use crate::validate;

/// Days an email invite lasts when the account sets nothing.
pub const DEFAULT_INVITE_TTL_DAYS: u32 = 14;
/// The longest an account may make its invites last.
pub const MAX_INVITE_TTL_DAYS: u32 = 90;

async fn read(conn: &mut AnyConnection, account: AccountId) -> Result<AccountSettings, Error> {
    let row = sqlx::query(
        "SELECT contacts_may_invite, email_from_name, email_from_address, invite_ttl_days FROM accounts WHERE id = $1",
    )
    .bind(s(account))
    .fetch_one(conn)
    .await?;
    Ok(AccountSettings {
        contacts_may_invite: row.get::<i64, _>(0) != 0,
        email_from_name: row.get(1),
        email_from_address: row.get(2),
        invite_ttl_days: row
            .get::<Option<i64>, _>(3)
            .and_then(|d| u32::try_from(d).ok()),
    })
}

/// How long an email invite lasts, in milliseconds, for an account's `invite_ttl_days` column
/// (read with the conversation by every change to one: `ConversationRow::invite_ttl_ms`).
pub fn ttl_ms(days: Option<i64>) -> i64 {
    days.unwrap_or(i64::from(DEFAULT_INVITE_TTL_DAYS)) * 24 * 3600 * 1000
}

fn page(ctx: &Ctx, principal: &Principal, settings: AccountSettings) -> SettingsPage {
    SettingsPage {
        settings,
        server_from: ctx.email_from.to_string(),
        default_invite_ttl_days: DEFAULT_INVITE_TTL_DAYS,
        may_edit: team::may_edit_settings(principal.account_role()).into(),
    }
}

/// The settings page for an admin or superadmin.
pub async fn get(ctx: &Ctx, principal: &Principal) -> Result<SettingsPage, Error> {
    team::may_administer(principal.account_role()).map_err(super::team::refused)?;
    let mut conn = ctx.store.pool().acquire().await?;
    let settings = read(&mut conn, principal.account_id()).await?;
    Ok(page(ctx, principal, settings))
}

/// Whether `address` is at one of `domains` (or a subdomain of one).
fn at_sender_domain(address: &str, domains: &[String]) -> bool {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    domains
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
}

/// Checks new settings: a sender address mail can carry at a domain the server's operator allows
/// (so no team can send as another team, or as anyone, through the server's relay), a name fit
/// for a header, a sane expiry.
fn checked(ctx: &Ctx, new: AccountSettings) -> Result<AccountSettings, Error> {
    let email_from_address = match new.email_from_address.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            let address = validate::email("email_from_address", raw)?;
            if !at_sender_domain(&address, &ctx.sender_domains) {
                return Err(Error::invalid(
                    "email_from_address",
                    format!(
                        "email_from_address must be at a domain this server sends for ({}); its operator allows more with --email-sender-domains",
                        ctx.sender_domains.join(", ")
                    ),
                ));
            }
            Some(address)
        }
    };
    let email_from_name = match new.email_from_name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(validate::text("email_from_name", raw, validate::MAX_NAME)?),
    };
    if email_from_name.is_some() && email_from_address.is_none() {
        return Err(Error::invalid(
            "email_from_address",
            "email_from_address is needed with a sender name",
        ));
    }
    if let Some(days) = new.invite_ttl_days {
        if !(1..=MAX_INVITE_TTL_DAYS).contains(&days) {
            return Err(Error::invalid(
                "invite_ttl_days",
                format!("invite_ttl_days must be between 1 and {MAX_INVITE_TTL_DAYS}"),
            ));
        }
    }
    Ok(AccountSettings {
        contacts_may_invite: new.contacts_may_invite,
        email_from_name,
        email_from_address,
        invite_ttl_days: new.invite_ttl_days,
    })
}

/// What changed from `before` to `after`, in words ("invite expiry: 14 → 30 days").
fn differences(ctx: &Ctx, before: &AccountSettings, after: &AccountSettings) -> Vec<String> {
    let onoff = |b: bool| if b { "on" } else { "off" };
    let sender = |s: &AccountSettings| match (&s.email_from_name, &s.email_from_address) {
        (None, None) => format!("the server's ({})", ctx.email_from),
        (name, address) => format!(
            "{} <{}>",
            name.as_deref().unwrap_or(""),
            address.as_deref().unwrap_or(ctx.email_from.email.as_ref())
        )
        .trim_start()
        .to_owned(),
    };
    let ttl = |s: &AccountSettings| s.invite_ttl_days.unwrap_or(DEFAULT_INVITE_TTL_DAYS);
    let mut what = Vec::new();
    if before.contacts_may_invite != after.contacts_may_invite {
        what.push(format!(
            "contacts may invite contacts: {} → {}",
            onoff(before.contacts_may_invite),
            onoff(after.contacts_may_invite)
        ));
    }
    if (&before.email_from_name, &before.email_from_address)
        != (&after.email_from_name, &after.email_from_address)
    {
        what.push(format!(
            "email sender: {} → {}",
            sender(before),
            sender(after)
        ));
    }
    if ttl(before) != ttl(after) {
        what.push(format!(
            "invite expiry: {} → {} days",
            ttl(before),
            ttl(after)
        ));
    }
    what
}

/// Every conversation with a contact in it comes again whole to whoever follows the feed: the
/// contacts' verdicts ("Invite") read the switch. Their `updated_at` stays, so no list reorders.
async fn reverdict_contacts(tx: &mut Tx<'_>, account: AccountId) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO changes (account_id, conversation_id, kind, created_at)
         SELECT c.account_id, c.id, 'conversation', $2 FROM conversations c
         WHERE c.account_id = $1
           AND EXISTS (SELECT 1 FROM participants p
                       WHERE p.conversation_id = c.id AND p.contact_id IS NOT NULL AND p.state = 'joined')",
    )
    .bind(s(account))
    .bind(crate::clock::now_ms())
    .execute(&mut **tx)
    .await?;
    tx.changed(account);
    Ok(())
}

/// Replaces the settings (superadmins only); answers the page as it now is.
pub async fn put(
    ctx: &Ctx,
    principal: &Principal,
    new: AccountSettings,
) -> Result<SettingsPage, Error> {
    team::may_edit_settings(principal.account_role()).map_err(super::team::refused)?;
    let new = checked(ctx, new)?;
    let new = &new;
    let account = principal.account_id();
    let settings = ctx
        .change(move |tx| {
            Box::pin(async move {
                super::team::lock_account(tx, account).await?;
                let me = super::team::me_now(tx, principal).await?;
                team::may_edit_settings(Some(me.role)).map_err(super::team::refused)?;
                let before = read(tx, account).await?;
                sqlx::query(
                    "UPDATE accounts SET contacts_may_invite = $1, email_from_name = $2, email_from_address = $3, invite_ttl_days = $4
                     WHERE id = $5",
                )
                .bind(i64::from(new.contacts_may_invite))
                .bind(new.email_from_name.as_deref())
                .bind(new.email_from_address.as_deref())
                .bind(new.invite_ttl_days.map(i64::from))
                .bind(s(account))
                .execute(&mut **tx)
                .await?;
                let after = read(tx, account).await?;
                if before.contacts_may_invite != after.contacts_may_invite {
                    reverdict_contacts(tx, account).await?;
                }
                let what = differences(ctx, &before, &after);
                if !what.is_empty() {
                    let summary = format!("{} changed the settings: {}", principal.name(), what.join("; "));
                    let account_name: String = sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
                        .bind(s(account))
                        .fetch_one(&mut **tx)
                        .await?;
                    audit::record(
                        tx,
                        account,
                        Entry::new(AuditKind::SettingsChanged, principal, &summary)
                            .to(audit::target(AuditPartyKind::Account, account, account_name)),
                    )
                    .await?;
                }
                Ok(after)
            })
        })
        .await?;
    Ok(page(ctx, principal, settings))
}
