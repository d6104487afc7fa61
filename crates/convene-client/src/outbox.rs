//! User actions as data: what the outbox stores, how each becomes a request, and how an answer
//! is classified.
//!
//! Modelled on a send queue: every action is written to the cache with an idempotency key before
//! the UI shows it as pending, and is removed only when the server acknowledged it. Failures are
//! classified: *transient* (network down, 5xx, 429, a duplicate still running) pause the queue and
//! keep the action for a later retry with the same key, so the server never applies it twice;
//! *session ended* (401: signed out elsewhere, suspended, expired) stops the queue altogether, the
//! action still pending, until the user signs in again (retrying with a dead session would only
//! ask again and again); *permanent* (the server refused: 400, 403, 404, 409, 410, 413, 422) mark
//! it failed with the server's reason and roll back its local effect.

use convene_proto::{
    AgentId, ContactInviteRequest, ConversationId, CrewId, InviteId, InviteeKind, Message,
    MessageId, ParticipantId, ShareLinkPatch,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::ClientError;

/// Something the user did, waiting to reach the server.
#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "OutboxAction")]
pub enum Action {
    PostMessage {
        conversation_id: ConversationId,
        local_id: MessageId,
        body: String,
        author_name: String,
        author_kind: InviteeKind,
        /// The author's id (the signed-in user), so their own message is never unread.
        #[serde(default)]
        author_id: String,
    },
    InviteAgent {
        conversation_id: ConversationId,
        agent_id: AgentId,
    },
    RequestService {
        conversation_id: ConversationId,
        crew_id: CrewId,
    },
    InviteContact {
        conversation_id: ConversationId,
        request: ContactInviteRequest,
    },
    ResendInvite {
        conversation_id: ConversationId,
        invite_id: InviteId,
    },
    RevokeInvite {
        conversation_id: ConversationId,
        invite_id: InviteId,
    },
    AcceptInvite {
        conversation_id: ConversationId,
        invite_id: InviteId,
    },
    DeclineInvite {
        conversation_id: ConversationId,
        invite_id: InviteId,
    },
    RemoveParticipant {
        conversation_id: ConversationId,
        participant_id: ParticipantId,
    },
    MakeOwner {
        conversation_id: ConversationId,
        participant_id: ParticipantId,
    },
    Leave {
        conversation_id: ConversationId,
    },
    /// Close the conversation (owners, admins, superadmins).
    Close {
        conversation_id: ConversationId,
    },
    /// Reopen a closed conversation.
    Reopen {
        conversation_id: ConversationId,
    },
    PatchShareLink {
        conversation_id: ConversationId,
        patch: ShareLinkPatch,
    },
    RotateShareLink {
        conversation_id: ConversationId,
    },
}

impl Action {
    /// The conversation the action is about.
    /// Whether later actions of the conversation must wait while this one waits for the server's
    /// `Retry-After`: messages keep their order; an invite resent later than asked, or a link
    /// changed after a removal, changes nothing the others depend on.
    pub fn keeps_order(&self) -> bool {
        matches!(
            self,
            Action::PostMessage { .. } | Action::AcceptInvite { .. }
        )
    }

    pub fn conversation_id(&self) -> Option<ConversationId> {
        Some(match self {
            Action::PostMessage {
                conversation_id, ..
            }
            | Action::InviteAgent {
                conversation_id, ..
            }
            | Action::RequestService {
                conversation_id, ..
            }
            | Action::InviteContact {
                conversation_id, ..
            }
            | Action::ResendInvite {
                conversation_id, ..
            }
            | Action::RevokeInvite {
                conversation_id, ..
            }
            | Action::AcceptInvite {
                conversation_id, ..
            }
            | Action::DeclineInvite {
                conversation_id, ..
            }
            | Action::RemoveParticipant {
                conversation_id, ..
            }
            | Action::MakeOwner {
                conversation_id, ..
            }
            | Action::Leave { conversation_id }
            | Action::Close { conversation_id }
            | Action::Reopen { conversation_id }
            | Action::PatchShareLink {
                conversation_id, ..
            }
            | Action::RotateShareLink { conversation_id } => *conversation_id,
        })
    }

    /// What the user sees while it is pending ("Send message", "Invite agent", …).
    pub fn label(&self) -> &'static str {
        match self {
            Action::PostMessage { .. } => "Send message",
            Action::InviteAgent { .. } => "Send invite",
            Action::RequestService { .. } => "Request Service",
            Action::InviteContact { .. } => "Add to Conversation",
            Action::ResendInvite { .. } => "Resend Invite",
            Action::RevokeInvite { .. } => "Revoke invite",
            Action::AcceptInvite { .. } => "Join",
            Action::DeclineInvite { .. } => "Decline",
            Action::RemoveParticipant { .. } => "Remove User",
            Action::MakeOwner { .. } => "Make owner",
            Action::Leave { .. } => "Leave conversation",
            Action::Close { .. } => "Close conversation",
            Action::Reopen { .. } => "Reopen conversation",
            Action::PatchShareLink { .. } => "Change the Shareable Link",
            Action::RotateShareLink { .. } => "Rotate the Shareable Link",
        }
    }

    /// The local copy a pending message shows in the timeline.
    pub fn local_message(&self, now: &str) -> Option<Message> {
        match self {
            Action::PostMessage {
                conversation_id,
                local_id,
                body,
                author_name,
                author_kind,
                author_id,
            } => Some(Message {
                id: *local_id,
                conversation_id: *conversation_id,
                author_name: author_name.clone(),
                author_kind: *author_kind,
                author_id: author_id.clone(),
                body: body.clone(),
                created_at: time::OffsetDateTime::parse(
                    now,
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
            }),
            _ => None,
        }
    }

    /// The HTTP request that performs it.
    pub fn request(&self) -> (Method, String, Option<Value>) {
        let c = |id: &ConversationId| format!("/conversations/{id}");
        match self {
            Action::PostMessage {
                conversation_id,
                body,
                ..
            } => (
                Method::POST,
                format!("{}/messages", c(conversation_id)),
                Some(json!({ "body": body })),
            ),
            Action::InviteAgent {
                conversation_id,
                agent_id,
            } => (
                Method::POST,
                format!("{}/agent-invites", c(conversation_id)),
                Some(json!({ "agent_id": agent_id })),
            ),
            Action::RequestService {
                conversation_id,
                crew_id,
            } => (
                Method::POST,
                format!("{}/service-requests", c(conversation_id)),
                Some(json!({ "crew_id": crew_id })),
            ),
            Action::InviteContact {
                conversation_id,
                request,
            } => (
                Method::POST,
                format!("{}/contact-invites", c(conversation_id)),
                Some(serde_json::to_value(request).unwrap_or(Value::Null)),
            ),
            Action::ResendInvite { invite_id, .. } => (
                Method::POST,
                format!("/invites/{invite_id}/resend"),
                Some(json!({})),
            ),
            Action::RevokeInvite { invite_id, .. } => (
                Method::POST,
                format!("/invites/{invite_id}/revoke"),
                Some(json!({})),
            ),
            Action::AcceptInvite { invite_id, .. } => (
                Method::POST,
                format!("/invites/{invite_id}/accept"),
                Some(json!({})),
            ),
            Action::DeclineInvite { invite_id, .. } => (
                Method::POST,
                format!("/invites/{invite_id}/decline"),
                Some(json!({})),
            ),
            Action::RemoveParticipant {
                conversation_id,
                participant_id,
            } => (
                Method::DELETE,
                format!("{}/participants/{participant_id}", c(conversation_id)),
                None,
            ),
            Action::MakeOwner {
                conversation_id,
                participant_id,
            } => (
                Method::POST,
                format!(
                    "{}/participants/{participant_id}/make-owner",
                    c(conversation_id)
                ),
                Some(json!({})),
            ),
            Action::Leave { conversation_id } => (
                Method::POST,
                format!("{}/leave", c(conversation_id)),
                Some(json!({})),
            ),
            Action::Close { conversation_id } => (
                Method::POST,
                format!("{}/close", c(conversation_id)),
                Some(json!({})),
            ),
            Action::Reopen { conversation_id } => (
                Method::POST,
                format!("{}/reopen", c(conversation_id)),
                Some(json!({})),
            ),
            Action::PatchShareLink {
                conversation_id,
                patch,
            } => (
                Method::PATCH,
                format!("{}/share-link", c(conversation_id)),
                Some(serde_json::to_value(patch).unwrap_or(Value::Null)),
            ),
            Action::RotateShareLink { conversation_id } => (
                Method::POST,
                format!("{}/share-link/rotate", c(conversation_id)),
                Some(json!({})),
            ),
        }
    }
}

/// How a failed send is handled. Only an unreachable server or an ended session stops the whole
/// queue; everything else holds back at most the action's own conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server cannot be reached: stop sending; everything waits for the connection.
    Unreachable(String),
    /// Keep the action and try it again at the next send, with the same key; later actions of
    /// the same conversation wait behind it, other conversations' do not.
    Transient(String),
    /// The server asked to wait (429, or 503/507 with `Retry-After`): keep it, send it again with
    /// the same key after `secs`, and hold back its conversation meanwhile.
    Wait { reason: String, secs: u64 },
    /// The session is over: keep the action pending and send nothing until a new sign-in.
    SessionEnded,
    /// The server refused it: mark it failed with this reason.
    Permanent(String),
}

/// How long to wait after a 429 that did not say.
pub const DEFAULT_WAIT_SECS: u64 = 30;

/// Classifies an error from sending an action.
pub fn classify(error: &ClientError) -> Failure {
    match error {
        ClientError::SessionEnded => Failure::SessionEnded,
        ClientError::Refused(problem) if problem.status == 401 => Failure::SessionEnded,
        ClientError::Refused(problem) => {
            let reason = problem
                .detail
                .clone()
                .unwrap_or_else(|| problem.title.clone());
            let still_running =
                problem.status == 409 && problem.field.as_deref() == Some("Idempotency-Key");
            match (problem.status, problem.retry_after_secs) {
                (429, secs) => Failure::Wait {
                    reason,
                    secs: secs.unwrap_or(DEFAULT_WAIT_SECS).max(1),
                },
                (500.., Some(secs)) => Failure::Wait {
                    reason,
                    secs: secs.max(1),
                },
                (500.., None) => Failure::Transient(reason),
                _ if still_running => Failure::Transient(reason),
                _ => Failure::Permanent(reason),
            }
        }
        ClientError::Network(_) => Failure::Unreachable(error.to_string()),
        ClientError::Protocol(reason) => Failure::Transient(reason.clone()),
        other => Failure::Transient(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use convene_proto::{ErrorCode, Problem};

    fn refused(status: u16, field: Option<&str>) -> ClientError {
        ClientError::Refused(Box::new(Problem {
            type_uri: String::new(),
            title: "t".into(),
            status,
            detail: Some(format!("reason {status}")),
            code: ErrorCode::Forbidden,
            field: field.map(str::to_owned),
            accounts: None,
            retry_after_secs: None,
        }))
    }

    #[test]
    fn refusals_are_permanent_and_outages_transient() {
        for status in [400, 403, 404, 409, 410, 413, 422] {
            assert_eq!(
                classify(&refused(status, None)),
                Failure::Permanent(format!("reason {status}"))
            );
        }
        for status in [500, 503] {
            assert!(
                matches!(classify(&refused(status, None)), Failure::Transient(_)),
                "{status}"
            );
        }
        // 429 waits as long as the server says, or a default when it does not say.
        let mut limited = refused(429, None);
        assert_eq!(
            classify(&limited),
            Failure::Wait {
                reason: "reason 429".into(),
                secs: DEFAULT_WAIT_SECS
            }
        );
        if let ClientError::Refused(p) = &mut limited {
            p.retry_after_secs = Some(42);
        }
        assert_eq!(
            classify(&limited),
            Failure::Wait {
                reason: "reason 429".into(),
                secs: 42
            }
        );
        let mut busy = refused(503, None);
        if let ClientError::Refused(p) = &mut busy {
            p.retry_after_secs = Some(1);
        }
        assert!(matches!(classify(&busy), Failure::Wait { secs: 1, .. }));
        assert!(matches!(
            classify(&refused(409, Some("Idempotency-Key"))),
            Failure::Transient(_)
        ));
    }

    #[test]
    fn an_ended_session_is_neither_retried_nor_a_refusal() {
        assert_eq!(classify(&ClientError::SessionEnded), Failure::SessionEnded);
        assert_eq!(classify(&refused(401, None)), Failure::SessionEnded);
    }

    #[test]
    fn actions_round_trip_through_their_stored_json() {
        let action = Action::PatchShareLink {
            conversation_id: ConversationId::new(),
            patch: ShareLinkPatch {
                enabled: None,
                expires_at: Some(None),
                max_uses: Some(Some(3)),
            },
        };
        let stored = serde_json::to_string(&action).expect("json");
        let back: Action = serde_json::from_str(&stored).expect("parse");
        assert_eq!(back.request().2, action.request().2);
        assert_eq!(
            back.request().2,
            Some(json!({"expires_at": null, "max_uses": 3}))
        );
    }
}
