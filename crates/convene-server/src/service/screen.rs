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
    Ok(ScreenPage {
        verdicts: verdicts(&snapshot, principal.member()),
        crews,
        messages: rows::messages(&mut conn, id).await?,
        events: rows::events(&mut conn, id, principal.member()).await?,
        snapshot,
    })
}
