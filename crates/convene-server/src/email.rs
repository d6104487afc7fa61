//! Invite emails through a durable outbox.
//!
//! An invite and its email are written in one transaction ([`enqueue_invite`]); a worker
//! ([`run_worker`]) claims due emails with a lease, sends them over SMTP (or writes `.eml` files
//! when no SMTP is configured), and records `sent` or, after retries with backoff, `failed` on the
//! invite. A worker that dies mid-send leaves its lease to expire, and the email is sent again.

use std::path::PathBuf;
use std::time::Duration;

use convene_proto::InviteId;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use crate::clock::{from_ms, now_ms};
use crate::error::Error;
use crate::store::{Backend, Store};
use crate::tx::{Announcer, Tx};

/// The sender of emails when neither the server (`--email-from`) nor the account names one.
pub const DEFAULT_FROM: &str = "Convene <no-reply@convene.invalid>";
/// Attempts before an email is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a worker may hold an email before another may take it.
const LEASE_MS: i64 = 30_000;

/// Stands for the join link in stored emails. The link carries the invite's token, which must never
/// be stored: the worker puts the link in (rebuilt from the server secret) just before sending.
pub const LINK_MARKER: &str = "{{join-link}}";

/// What an invite email says.
pub struct InviteEmail<'a> {
    pub to_name: &'a str,
    pub to_address: &'a str,
    pub inviter: &'a str,
    pub subject: &'a str,
    pub expires_at: i64,
    pub resent: bool,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{22}' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One line of header-safe text: control characters (CR, LF…) become spaces.
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Renders the subject, text and HTML parts of an invite email.
pub fn render(mail: &InviteEmail<'_>, link: &str) -> (String, String, String) {
    let expires = from_ms(mail.expires_at)
        .format(&time::macros::format_description!(
            "[day padding:none] [month repr:long] [year] at [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let subject = header_safe(&format!(
        "{} invited you to “{}”",
        mail.inviter, mail.subject
    ));
    let again = if mail.resent { " (sent again)" } else { "" };
    let text = format!(
        "Hello {to},\n\n{inviter} invited you to join the conversation “{subject}” on Convene{again}.\n\n\
         Join the conversation:\n{link}\n\n\
         This link works until {expires}. If it has expired, ask {inviter} to resend the invite.\n",
        to = mail.to_name,
        inviter = mail.inviter,
        subject = mail.subject,
        link = link,
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;color:#1d2433\">\
         <p>Hello {to},</p>\
         <p><strong>{inviter}</strong> invited you to join the conversation <strong>“{subject}”</strong> on Convene{again}.</p>\
         <p><a href=\"{link}\" style=\"display:inline-block;background:#2f5bea;color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none\">Join the conversation</a></p>\
         <p style=\"color:#667085\">This link works until {expires}. If it has expired, ask {inviter} to resend the invite.</p>\
         </body></html>",
        to = escape_html(mail.to_name),
        inviter = escape_html(mail.inviter),
        subject = escape_html(mail.subject),
        link = escape_html(link),
        expires = escape_html(&expires),
    );
    (subject, text, html)
}

/// Queues an invite's email in the caller's transaction and marks the invite `queued`.
pub async fn enqueue_invite(
    tx: &mut Tx<'_>,
    invite: InviteId,
    mail: &InviteEmail<'_>,
) -> Result<(), sqlx::Error> {
    let (subject, text, html) = render(mail, LINK_MARKER);
    let now = now_ms();
    // Built by the mail library, so a name like "Smith, John" is quoted (or encoded) as RFC 5322
    // requires and reads back as one mailbox when the worker sends it.
    let address: lettre::Address = mail
        .to_address
        .parse()
        .map_err(|e| sqlx::Error::Protocol(format!("recipient {:?}: {e}", mail.to_address)))?;
    let to = Mailbox::new(Some(header_safe(mail.to_name)), address).to_string();
    sqlx::query(
        "INSERT INTO outbox_emails (id, invite_id, to_address, subject, text_body, html_body, status, attempts, next_attempt_at, created_at, account_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8,
                 (SELECT c.account_id FROM invites i JOIN conversations c ON c.id = i.conversation_id WHERE i.id = $2))",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(invite.to_string())
    .bind(to)
    .bind(subject)
    .bind(text)
    .bind(html)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    tx.mail_queued();
    Ok(())
}

/// Renders a sign-in email: subject, text and HTML. It names no person (a guest's name is
/// whatever a stranger typed) and carries nothing but the account's name and the link.
pub fn render_login(account_name: &str, expires_at: i64, link: &str) -> (String, String, String) {
    let expires = from_ms(expires_at)
        .format(&time::macros::format_description!(
            "[hour]:[minute] UTC on [day padding:none] [month repr:long] [year]"
        ))
        .unwrap_or_default();
    let subject = header_safe(&format!(
        "Sign in to your conversations with {account_name}"
    ));
    let text = format!(
        "Hello,\n\nSomeone asked for a sign-in link for this address, to see its conversations with \
         {account_name} on Convene.\n\nSign in:\n{link}\n\n\
         The link works once, until {expires}. If you did not ask for it, ignore this email: \
         nobody can sign in without the link.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;color:#1d2433\">\
         <p>Hello,</p>\
         <p>Someone asked for a sign-in link for this address, to see its conversations with <strong>{account}</strong> on Convene.</p>\
         <p><a href=\"{link}\" style=\"display:inline-block;background:#2f5bea;color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none\">Sign in</a></p>\
         <p style=\"color:#667085\">The link works once, until {expires}. If you did not ask for it, ignore this email: nobody can sign in without the link.</p>\
         </body></html>",
        account = escape_html(account_name),
        link = escape_html(link),
        expires = escape_html(&expires),
    );
    (subject, text, html)
}

/// Queues a sign-in email for login `login` in the caller's transaction.
pub async fn enqueue_login(
    tx: &mut Tx<'_>,
    login: &str,
    to_address: &str,
    account_name: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let (subject, text, html) = render_login(account_name, expires_at, LINK_MARKER);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox_emails (id, login_id, to_address, subject, text_body, html_body, status, attempts, next_attempt_at, created_at, account_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8, (SELECT account_id FROM email_logins WHERE id = $2))",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(login)
    .bind(to_address)
    .bind(subject)
    .bind(text)
    .bind(html)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    tx.mail_queued();
    Ok(())
}

/// Renders a password email: subject, text and HTML. `by` is the admin who added a new agent.
pub fn render_password(
    welcome_by: Option<&str>,
    to_name: &str,
    account_name: &str,
    expires_at: i64,
    link: &str,
) -> (String, String, String) {
    let expires = from_ms(expires_at)
        .format(&time::macros::format_description!(
            "[hour]:[minute] UTC on [day padding:none] [month repr:long] [year]"
        ))
        .unwrap_or_default();
    let (subject, lead, button, after) = match welcome_by {
        Some(by) => (
            format!("{by} added you to {account_name} on Convene"),
            format!("{by} added you to the {account_name} team on Convene. Choose your password to sign in."),
            "Choose your password",
            "The link works once, until",
        ),
        None => (
            format!("Reset your Convene password for {account_name}"),
            format!("Someone asked to reset the Convene password of this address for {account_name}."),
            "Choose a new password",
            "If you did not ask for it, ignore this email: your password stays as it is. The link works once, until",
        ),
    };
    let subject = header_safe(&subject);
    let text = format!("Hello {to_name},\n\n{lead}\n\n{button}:\n{link}\n\n{after} {expires}.\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;color:#1d2433\">\
         <p>Hello {name},</p><p>{lead}</p>\
         <p><a href=\"{link}\" style=\"display:inline-block;background:#2f5bea;color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none\">{button}</a></p>\
         <p style=\"color:#667085\">{after} {expires}.</p></body></html>",
        name = escape_html(to_name),
        lead = escape_html(&lead),
        link = escape_html(link),
        after = escape_html(after),
        expires = escape_html(&expires),
    );
    (subject, text, html)
}

/// Queues a password email for password link `link_id` in the caller's transaction.
pub async fn enqueue_password(
    tx: &mut Tx<'_>,
    link_id: &str,
    to: (&str, &str),
    rendered: (String, String, String),
) -> Result<(), sqlx::Error> {
    let (to_name, to_address) = to;
    let address: lettre::Address = to_address
        .parse()
        .map_err(|e| sqlx::Error::Protocol(format!("recipient {to_address:?}: {e}")))?;
    let to = Mailbox::new(Some(header_safe(to_name)), address).to_string();
    let (subject, text, html) = rendered;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox_emails (id, password_link_id, to_address, subject, text_body, html_body, status, attempts, next_attempt_at, created_at, account_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8,
                 (SELECT g.account_id FROM password_links l JOIN agents g ON g.id = l.agent_id WHERE l.id = $2))",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(link_id)
    .bind(to)
    .bind(subject)
    .bind(text)
    .bind(html)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    tx.mail_queued();
    Ok(())
}

/// Where emails go.
#[derive(Clone)]
pub enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP configured: `.eml` files in this folder.
    Files(PathBuf),
}

/// Why the email configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[error("SMTP_URL is not usable: {0}")]
pub struct SmtpConfigError(String);

impl Delivery {
    /// SMTP when `smtp_url` is set (e.g. `smtp://127.0.0.1:2525`), else `.eml` files in `data_dir/outbox`.
    pub fn from_config(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> Result<Self, SmtpConfigError> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Delivery::Smtp(b.timeout(Some(Duration::from_secs(10))).build()))
                .map_err(|e| SmtpConfigError(e.to_string())),
            None => Ok(Delivery::Files(data_dir.join("outbox"))),
        }
    }
}

struct Claimed {
    id: String,
    invite_id: Option<String>,
    /// A sign-in email names its login instead of an invite.
    login_id: Option<String>,
    /// A password email names its password link.
    password_link_id: Option<String>,
    /// The account's own sender, when it set one.
    from_name: Option<String>,
    from_address: Option<String>,
    token_nonce: Option<String>,
    to: String,
    subject: String,
    text: String,
    html: String,
    attempts: i64,
}

/// Claims up to `limit` due emails for this worker (a lease, so a dead worker's emails come back).
async fn claim(store: &Store, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = now_ms();
    // On PostgreSQL several workers claim at once: SKIP LOCKED hands each email to one of them.
    let sql = match store.backend() {
        Backend::Sqlite => {
            "UPDATE outbox_emails SET claimed_until = $1
             WHERE id IN (SELECT id FROM outbox_emails WHERE status = 'queued' AND next_attempt_at <= $2
                          AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY next_attempt_at LIMIT $4)
             RETURNING id, invite_id, to_address, subject, text_body, html_body, attempts,
                       COALESCE((SELECT token_nonce FROM invites i WHERE i.id = outbox_emails.invite_id),
                                (SELECT token_nonce FROM email_logins l WHERE l.id = outbox_emails.login_id),
                                (SELECT token_nonce FROM password_links p WHERE p.id = outbox_emails.password_link_id)),
                       login_id, password_link_id,
                       (SELECT email_from_name FROM accounts a WHERE a.id = outbox_emails.account_id),
                       (SELECT email_from_address FROM accounts a WHERE a.id = outbox_emails.account_id)"
        }
        Backend::Postgres => {
            "UPDATE outbox_emails SET claimed_until = $1
             WHERE id IN (SELECT id FROM outbox_emails WHERE status = 'queued' AND next_attempt_at <= $2
                          AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY next_attempt_at LIMIT $4
                          FOR UPDATE SKIP LOCKED)
             RETURNING id, invite_id, to_address, subject, text_body, html_body, attempts,
                       COALESCE((SELECT token_nonce FROM invites i WHERE i.id = outbox_emails.invite_id),
                                (SELECT token_nonce FROM email_logins l WHERE l.id = outbox_emails.login_id),
                                (SELECT token_nonce FROM password_links p WHERE p.id = outbox_emails.password_link_id)),
                       login_id, password_link_id,
                       (SELECT email_from_name FROM accounts a WHERE a.id = outbox_emails.account_id),
                       (SELECT email_from_address FROM accounts a WHERE a.id = outbox_emails.account_id)"
        }
    };
    let rows = sqlx::query(sql)
        .bind(now + LEASE_MS)
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| Claimed {
            id: r.get(0),
            invite_id: r.get(1),
            to: r.get(2),
            subject: r.get(3),
            text: r.get(4),
            html: r.get(5),
            attempts: r.get(6),
            token_nonce: r.get(7),
            login_id: r.get(8),
            password_link_id: r.get(9),
            from_name: r.get(10),
            from_address: r.get(11),
        })
        .collect())
}

/// Rebuilds join links from the server secret, for the worker.
#[derive(Clone)]
pub struct Links {
    pub secret: crate::secret::Secret,
    pub public_url: String,
    /// The server's sender (`--email-from`), for accounts that set none.
    pub from: Mailbox,
}

impl Links {
    fn join_link(&self, email: &Claimed) -> Option<String> {
        let nonce = email.token_nonce.as_deref()?;
        if let Some(login) = email.login_id.as_deref() {
            return Some(format!(
                "{}/s/{}",
                self.public_url,
                self.secret.derive(crate::secret::LOGIN_TOKEN, login, nonce)
            ));
        }
        if let Some(link) = email.password_link_id.as_deref() {
            return Some(format!(
                "{}/p/{}",
                self.public_url,
                self.secret
                    .derive(crate::secret::PASSWORD_TOKEN, link, nonce)
            ));
        }
        let invite = email.invite_id.as_deref()?;
        Some(format!(
            "{}/j/{}",
            self.public_url,
            self.secret
                .derive(crate::secret::INVITE_TOKEN, invite, nonce)
        ))
    }
}

fn build(email: &Claimed, links: &Links) -> Result<Message, String> {
    let link = links.join_link(email).unwrap_or_default();
    let text = email.text.replace(LINK_MARKER, &link);
    let html = email.html.replace(LINK_MARKER, &escape_html(&link));
    let from = match &email.from_address {
        Some(address) => Mailbox::new(
            email.from_name.as_deref().map(header_safe),
            address
                .parse()
                .map_err(|e| format!("the account's sender {address:?}: {e}"))?,
        ),
        None => links.from.clone(),
    };
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", email.to))?;
    Message::builder()
        // One Message-ID per outbox email, so a retry after a crash mid-send is recognisably the same email.
        .message_id(Some(format!("<{}@convene>", email.id)))
        .from(from)
        .to(to)
        .subject(&email.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}

async fn deliver(delivery: &Delivery, links: &Links, email: &Claimed) -> Result<(), String> {
    let message = build(email, links)?;
    match delivery {
        Delivery::Smtp(transport) => transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Delivery::Files(dir) => {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| e.to_string())?;
            let path = dir.join(format!("{}.eml", email.id));
            tokio::fs::write(&path, message.formatted())
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(path = %path.display(), "no SMTP_URL set: email written to a file");
            Ok(())
        }
    }
}

/// Records the outcome of one delivery attempt, on the email and on its invite (whose people
/// see the delivery state: the change is announced like any other).
async fn record(
    store: &Store,
    announcer: &Announcer,
    email: &Claimed,
    result: &Result<(), String>,
) -> Result<(), Error> {
    let now = now_ms();
    let (status, delivery, error) = match result {
        Ok(()) => ("sent", Some("sent"), None),
        Err(e) if email.attempts + 1 >= MAX_ATTEMPTS => ("failed", Some("failed"), Some(e.clone())),
        Err(e) => ("queued", None, Some(e.clone())),
    };
    let error = &error;
    let backoff = 1000 * 2i64.pow(u32::try_from(email.attempts.clamp(0, 9)).unwrap_or(9));
    crate::tx::run(store, announcer, |tx| {
        Box::pin(async move {
            sqlx::query(
                "UPDATE outbox_emails SET status = $1, attempts = attempts + 1, last_error = $2, claimed_until = NULL,
                        next_attempt_at = $3, sent_at = CASE WHEN $4 = 'sent' THEN $5 ELSE sent_at END WHERE id = $6",
            )
            .bind(status)
            .bind(error)
            .bind(now + backoff)
            .bind(status)
            .bind(now)
            .bind(&email.id)
            .execute(&mut **tx)
            .await?;
            let (Some(invite), Some(delivery)) = (&email.invite_id, delivery) else {
                return Ok(());
            };
            sqlx::query(
                "UPDATE invites SET delivery = $1, delivery_error = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(delivery)
            .bind(error)
            .bind(now)
            .bind(invite)
            .execute(&mut **tx)
            .await?;
            let row = sqlx::query("SELECT c.account_id, c.id FROM invites i JOIN conversations c ON c.id = i.conversation_id WHERE i.id = $1")
                .bind(invite)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(r) = row {
                let account: String = r.get(0);
                sqlx::query("INSERT INTO changes (account_id, conversation_id, kind, created_at) VALUES ($1, $2, 'conversation', $3)")
                    .bind(&account)
                    .bind(r.get::<String, _>(1))
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                if let Ok(account) = account.parse() {
                    tx.changed(account);
                }
            }
            Ok(())
        })
    })
    .await
}

/// Sends every due email once.
pub async fn deliver_due(
    store: &Store,
    announcer: &Announcer,
    delivery: &Delivery,
    links: &Links,
) -> Result<(), Error> {
    loop {
        let batch = claim(store, 5).await?;
        if batch.is_empty() {
            return Ok(());
        }
        for email in &batch {
            let result = deliver(delivery, links, email).await;
            if let Err(e) = &result {
                tracing::warn!(email = %email.id, attempt = email.attempts + 1, error = %e, "email delivery failed");
            }
            record(store, announcer, email, &result).await?;
        }
    }
}

/// The outbox worker: delivers due emails whenever woken, and at least every second.
pub async fn run_worker(store: Store, announcer: Announcer, delivery: Delivery, links: Links) {
    loop {
        if let Err(e) = deliver_due(&store, &announcer, &delivery, &links).await {
            tracing::error!(error = %e, "outbox worker failed; retrying");
        }
        tokio::select! {
            _ = announcer.outbox.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail<'a>(subject: &'a str, inviter: &'a str) -> InviteEmail<'a> {
        InviteEmail {
            to_name: "Carol",
            to_address: "carol@example.com",
            inviter,
            subject,
            expires_at: 1_800_000_000_000,
            resent: false,
        }
    }

    #[test]
    fn the_email_names_inviter_subject_expiry_and_carries_one_link() {
        let (subject, text, html) = render(
            &mail("Order #1042", "Ana Lima"),
            "https://convene.example/j/abc",
        );
        assert_eq!(subject, "Ana Lima invited you to “Order #1042”");
        assert!(text.contains("https://convene.example/j/abc"));
        assert!(text.contains("2027"), "expiry date in the text: {text}");
        assert_eq!(html.matches("href=").count(), 1);
    }

    #[test]
    fn user_text_is_escaped_in_html_and_cannot_break_headers() {
        let (subject, _, html) = render(
            &mail(
                "<script>alert(1)</script>\r\nBcc: evil@example.com",
                "Eve \"<b>\"",
            ),
            "https://x/j/t",
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!subject.contains('\r') && !subject.contains('\n'));
    }
}
