//! Messages and the timeline of events.

use convene_proto::policy::Action;
use convene_proto::{ConversationId, Event, Message, MessageId};

use super::actor::load_conversation;
use super::{record_change_at, rows, s, Ctx, Need, Principal};
use crate::clock::now_ms;
use crate::error::Error;

pub use convene_proto::limits::MAX_MESSAGE;

/// Posts a message as the caller.
pub async fn post(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
    body: &str,
) -> Result<Message, Error> {
    let body = &crate::validate::body("body", body, MAX_MESSAGE)?;
    ctx.change_in(principal, id, Need::To(Action::PostMessage), |tx, conv| {
        Box::pin(async move {
            let message = MessageId::new();
            let (agent, contact) = principal.columns();
            let now = now_ms();
            sqlx::query(
                "INSERT INTO messages (id, conversation_id, author_agent_id, author_contact_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(s(message))
            .bind(s(id))
            .bind(agent)
            .bind(contact)
            .bind(body)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            // The conversation's `updated_at` becomes the message's `created_at` exactly, so a
            // client that gets only the message can move the conversation up the list by itself.
            record_change_at(tx, conv, "message", Some(&s(message)), None, now).await?;
            rows::message(tx, &s(message))
                .await?
                .ok_or(Error::NotFound("message"))
        })
    })
    .await
}

/// The membership timeline (also the account's audit log for this conversation).
pub async fn events(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
) -> Result<Vec<Event>, Error> {
    let mut conn = ctx.store.pool().acquire().await?;
    load_conversation(&mut conn, principal, id).await?;
    rows::events(&mut conn, id, principal.member()).await
}
