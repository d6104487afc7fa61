//! The web client's conversation screen: the snapshot sync would send, with the verdicts the
//! desktop app computes from its cache for the same rows (one function,
//! [`convene_proto::screen::verdicts`]), Request Service's crews and the timeline.

use convene_proto::screen::{crew_choices, verdicts, ScreenPage};
use convene_proto::ConversationId;

use super::{bulk, directory, rows, s, Ctx, Principal};
use crate::error::Error;

/// One conversation's screen for `principal`; 404 when they may not see it.
pub async fn screen(
    ctx: &Ctx,
    principal: &Principal,
    id: ConversationId,
) -> Result<ScreenPage, Error> {
    // With members, to judge who is left to ask here; a contact's answer then drops them.
    let crews = directory::crews_with(ctx, principal, true).await?;
    let mut conn = ctx.store.pool().acquire().await?;
    let ids = [s(id)];
    let (mut snapshots, _) =
        bulk::snapshots(&mut conn, ctx.store.backend(), principal, &ids).await?;
    let snapshot = snapshots.pop().ok_or(Error::NotFound("conversation"))?;
    let mut crews = crew_choices(&snapshot, crews);
    if matches!(principal, Principal::Contact { .. }) {
        for choice in &mut crews {
            choice.crew.members.clear();
        }
    }
    // The newest page; older ones on scroll (`GET …/messages?before=`).
    let (mut messages, more) = bulk::older_messages(
        &mut conn,
        &ids[0],
        None,
        0,
        convene_proto::reading::MESSAGE_PAGE,
    )
    .await?;
    let older_messages = more.then(|| messages.last().map(|m| s(m.id))).flatten();
    messages.reverse();
    let read = super::reading::states(&mut conn, principal.member(), &ids)
        .await?
        .pop()
        .unwrap_or(convene_proto::ReadState {
            conversation_id: id,
            last_read_message_id: None,
            last_read_at: None,
            muted: false,
        });
    Ok(ScreenPage {
        read,
        verdicts: verdicts(&snapshot, principal.member()),
        crews,
        messages,
        older_messages,
        events: rows::events(&mut conn, id, principal.member()).await?,
        snapshot,
    })
}
