//! The web client's conversation list: the rows the desktop app builds over its cache (one
//! function, [`convene_proto::list::row`]), here from the database in a few set queries, with
//! the invites addressed to the user (the desktop app has those from sync).

use std::collections::{BTreeSet, HashMap, HashSet};

use convene_proto::list::{self, HomeList, ListEntry, MessageHead, PREVIEW_CHARS};
use convene_proto::{Conversation, ConversationId, Invite, InviteeKind};
use sqlx::Row;

use super::bulk::fetch_in;
use super::rows::{self, invite_row, INVITE_SELECT};
use super::{participants, s, Ctx, Principal};
use crate::clock::from_ms;
use crate::error::Error;

/// The conversations `principal` has joined, most recently updated first, as list rows.
pub async fn home(ctx: &Ctx, principal: &Principal) -> Result<HomeList, Error> {
    let mut conversations: Vec<(Conversation, bool)> = participants::mine(ctx, principal)
        .await?
        .into_iter()
        .map(|c| (c, false))
        .collect();
    let mut conn = ctx.store.pool().acquire().await?;

    // Invites addressed to the user, and the conversations they open (not joined yet).
    let (agent, contact) = principal.columns();
    let sql = format!(
        "{INVITE_SELECT} WHERE i.status = 'pending' AND (p.agent_id = $1 OR p.contact_id = $2)
           AND c.account_id = $3 AND p.state = 'invited' ORDER BY i.created_at, i.id"
    );
    let invites = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(agent)
        .bind(contact)
        .bind(s(principal.account_id()))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(invite_row)
        .collect::<Result<Vec<Invite>, Error>>()?;
    let joined: HashSet<ConversationId> = conversations.iter().map(|(c, _)| c.id).collect();
    let invited: BTreeSet<ConversationId> = invites
        .iter()
        .map(|i| i.conversation_id)
        .filter(|id| !joined.contains(id))
        .collect();
    for id in invited {
        conversations.push((rows::conversation(&mut conn, id, None).await?, true));
    }
    conversations.sort_by_key(|(c, _)| std::cmp::Reverse((c.updated_at, c.id.0)));
    let ids: Vec<String> = conversations.iter().map(|(c, _)| s(c.id)).collect();

    let mut customers: HashMap<String, Vec<String>> = HashMap::new();
    let rows = fetch_in(
        &mut conn,
        "SELECT p.conversation_id, k.name FROM participants p JOIN contacts k ON k.id = p.contact_id
         WHERE p.state = 'joined' AND p.conversation_id IN ({in})
         ORDER BY p.conversation_id, p.created_at, p.id",
        &[],
        &ids,
    )
    .await?;
    for r in &rows {
        customers
            .entry(r.get::<String, _>(0))
            .or_default()
            .push(r.get(1));
    }

    // The newest message of each: no later one in the same conversation (by index).
    let sql = format!(
        "SELECT m.conversation_id, COALESCE(a.name, k.name), m.author_agent_id,
                substr(m.body, 1, {head}), m.created_at
         FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id
                         LEFT JOIN contacts k ON k.id = m.author_contact_id
         WHERE m.conversation_id IN ({{in}}) AND NOT EXISTS (
            SELECT 1 FROM messages n WHERE n.conversation_id = m.conversation_id
              AND (n.created_at > m.created_at OR (n.created_at = m.created_at AND n.id > m.id)))",
        head = PREVIEW_CHARS * 4,
    );
    let mut last: HashMap<String, MessageHead> = HashMap::new();
    for r in fetch_in(&mut conn, &sql, &[], &ids).await? {
        last.insert(
            r.get(0),
            MessageHead {
                author_name: r.get(1),
                author_kind: if r.get::<Option<&str>, _>(2).is_some() {
                    InviteeKind::Agent
                } else {
                    InviteeKind::Contact
                },
                text: r.get(3),
                at: from_ms(r.get(4)),
            },
        );
    }

    let unread = super::reading::unread_counts(&mut conn, principal.member(), &ids).await?;
    let conversations = conversations
        .into_iter()
        .map(|(c, invited)| {
            let key = s(c.id);
            let names = customers.remove(&key).unwrap_or_default();
            let count = names.len() as i64;
            let (unread, muted) = unread.get(&key).copied().unwrap_or_default();
            ListEntry {
                conversation: list::row(
                    c,
                    names,
                    count,
                    last.remove(&key),
                    list::Unread {
                        count: unread,
                        muted,
                    },
                ),
                invited,
                pending_actions: 0,
            }
        })
        .collect();
    Ok(HomeList {
        conversations,
        invites,
    })
}
