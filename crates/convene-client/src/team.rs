//! The Admin area's requests (online only): one typed request per team operation, so the desktop
//! shell needs one IPC command for all of them and the UI's types come from here. Each request is
//! the same HTTP call the web client makes; the server judges every one of them
//! (`convene_proto::team`), and the answers carry its verdicts for the screens.

use convene_proto::audit::{AuditFilter, AuditFormat};
use convene_proto::{AccountRole, AgentId, AgentStatus, CreateAgent, CreateCrew, CrewId};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use std::path::{Path, PathBuf};

use time::macros::format_description;
use time::OffsetDateTime;

use crate::client::encode;
use crate::{Client, ClientError};

/// One team operation the Admin area asks for.
#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TeamRequest {
    /// The agents list, filtered (answers a `TeamAgentList`).
    Agents {
        role: Option<AccountRole>,
        status: Option<AgentStatus>,
        crew: Option<CrewId>,
        q: String,
    },
    /// A new agent, who gets an email to choose their password (answers an `Agent`).
    CreateAgent {
        email: String,
        name: String,
        role: AccountRole,
    },
    SetRole {
        agent_id: AgentId,
        role: AccountRole,
    },
    Suspend {
        agent_id: AgentId,
    },
    Reactivate {
        agent_id: AgentId,
    },
    /// The account's crews with their members (answers a `CrewList`).
    Crews,
    /// A new crew (answers a `Crew`).
    CreateCrew(CreateCrew),
    /// Edits a crew (answers the `Crew`).
    UpdateCrew {
        crew_id: CrewId,
        #[serde(flatten)]
        change: convene_proto::UpdateCrew,
    },
    /// Deletes a crew (answers nothing).
    DeleteCrew {
        crew_id: CrewId,
    },
    /// The account's settings (answers a `SettingsPage`).
    Settings,
    /// Replaces the account's settings (answers the `SettingsPage`).
    SetSettings(convene_proto::team::AccountSettings),
    /// Adds or removes a crew member (answers the `Crew`).
    SetCrewMember {
        crew_id: CrewId,
        agent_id: AgentId,
        member: bool,
    },
    /// One page of the audit log, newest first (answers an `AuditPage`).
    Audit {
        #[serde(flatten)]
        filter: AuditFilter,
        /// The `next` of the page before.
        before: Option<String>,
        limit: Option<u32>,
    },
}

impl TeamRequest {
    /// The HTTP call that carries it: method, path under `/api/v1`, body.
    pub fn http(&self) -> (Method, String, Option<serde_json::Value>) {
        match self {
            TeamRequest::Agents {
                role,
                status,
                crew,
                q,
            } => {
                let mut query = vec![format!("q={}", encode(q))];
                if let Some(r) = role {
                    query.push(format!("role={r}"));
                }
                if let Some(s) = status {
                    query.push(format!("status={s}"));
                }
                if let Some(c) = crew {
                    query.push(format!("crew={c}"));
                }
                (
                    Method::GET,
                    format!("/team/agents?{}", query.join("&")),
                    None,
                )
            }
            TeamRequest::CreateAgent { email, name, role } => (
                Method::POST,
                "/agents".to_owned(),
                serde_json::to_value(CreateAgent {
                    email: email.clone(),
                    name: name.clone(),
                    role: *role,
                    password: None,
                })
                .ok(),
            ),
            TeamRequest::SetRole { agent_id, role } => (
                Method::PUT,
                format!("/agents/{agent_id}/role"),
                serde_json::to_value(convene_proto::team::SetRole { role: *role }).ok(),
            ),
            TeamRequest::Suspend { agent_id } => (
                Method::POST,
                format!("/agents/{agent_id}/suspend"),
                Some(serde_json::json!({})),
            ),
            TeamRequest::Reactivate { agent_id } => (
                Method::POST,
                format!("/agents/{agent_id}/reactivate"),
                Some(serde_json::json!({})),
            ),
            TeamRequest::Crews => (Method::GET, "/crews".to_owned(), None),
            TeamRequest::UpdateCrew { crew_id, change } => (
                Method::PATCH,
                format!("/crews/{crew_id}"),
                serde_json::to_value(change).ok(),
            ),
            TeamRequest::DeleteCrew { crew_id } => {
                (Method::DELETE, format!("/crews/{crew_id}"), None)
            }
            TeamRequest::Settings => (Method::GET, "/team/settings".to_owned(), None),
            TeamRequest::SetSettings(settings) => (
                Method::PUT,
                "/team/settings".to_owned(),
                serde_json::to_value(settings).ok(),
            ),
            TeamRequest::CreateCrew(crew) => (
                Method::POST,
                "/crews".to_owned(),
                serde_json::to_value(crew).ok(),
            ),
            TeamRequest::SetCrewMember {
                crew_id,
                agent_id,
                member,
            } => (
                if *member { Method::PUT } else { Method::DELETE },
                format!("/crews/{crew_id}/members/{agent_id}"),
                None,
            ),
            TeamRequest::Audit {
                filter,
                before,
                limit,
            } => {
                let mut pairs = filter.pairs();
                if let Some(b) = before {
                    pairs.push(("before", b.clone()));
                }
                if let Some(l) = limit {
                    pairs.push(("limit", l.to_string()));
                }
                (Method::GET, format!("/team/audit{}", query(&pairs)), None)
            }
        }
    }
}

/// `?a=1&b=2` from unencoded pairs (empty when there are none).
fn query(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// The export's path under `/api/v1` for these filters.
pub fn audit_export_path(filter: &AuditFilter, format: AuditFormat) -> String {
    let mut pairs = vec![("format", format.as_str().to_owned())];
    pairs.extend(filter.pairs());
    format!("/team/audit/export{}", query(&pairs))
}

impl Client {
    /// Performs a team request with the session (online only); answers the server's JSON.
    pub async fn team(&self, request: &TeamRequest) -> Result<serde_json::Value, ClientError> {
        let (method, path, body) = request.http();
        let key = uuid::Uuid::now_v7().to_string();
        self.call(|api| async move { api.perform(method, &path, body.as_ref(), &key).await })
            .await
    }

    /// Downloads the audit log export (everything matching `filter`) into `folder` as
    /// `convene-audit-<time>.<csv|json>`, and answers the file's path. The file appears whole
    /// or not at all: it is written beside under a `.part` name and renamed when complete.
    pub async fn export_audit(
        &self,
        filter: &AuditFilter,
        format: AuditFormat,
        folder: &Path,
    ) -> Result<PathBuf, ClientError> {
        let stamp = OffsetDateTime::now_utc()
            .format(format_description!(
                "[year][month][day]-[hour][minute][second]"
            ))
            .unwrap_or_default();
        let name = format!("convene-audit-{stamp}.{}", format.as_str());
        let path = free_name(folder, &name);
        let part = path.with_extension(format!("{}.part", format.as_str()));
        let url = audit_export_path(filter, format);
        let written = self
            .call(|api| {
                let part = part.clone();
                async move { api.download(&url, &part).await }
            })
            .await;
        match written.and_then(|()| {
            std::fs::rename(&part, &path).map_err(|e| ClientError::File {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }) {
            Ok(()) => Ok(path),
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                Err(e)
            }
        }
    }
}

/// `name` in `folder`, or `name (2)`, `name (3)`… when a file of that name is already there.
fn free_name(folder: &Path, name: &str) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    (2..)
        .map(|n| folder.join(format!("{stem} ({n}).{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_is_the_web_clients_call() {
        let id = AgentId(uuid::Uuid::nil());
        let (m, path, _) = TeamRequest::Agents {
            role: Some(AccountRole::Admin),
            status: None,
            crew: None,
            q: "a b&c".into(),
        }
        .http();
        assert_eq!(
            (m, path.as_str()),
            (Method::GET, "/team/agents?q=a%20b%26c&role=admin")
        );
        let (m, path, body) = TeamRequest::SetRole {
            agent_id: id,
            role: AccountRole::Agent,
        }
        .http();
        assert_eq!(m, Method::PUT);
        assert_eq!(path, format!("/agents/{id}/role"));
        assert_eq!(body, Some(serde_json::json!({"role": "agent"})));
        let wire: TeamRequest =
            serde_json::from_value(serde_json::json!({"op": "suspend", "agent_id": id}))
                .expect("the UI's shape");
        assert_eq!(wire.http().1, format!("/agents/{id}/suspend"));

        let filter = AuditFilter {
            q: Some("a&b".into()),
            kind: Some(convene_proto::audit::AuditKind::LinkRotated),
            person: Some(String::new()),
            ..AuditFilter::default()
        };
        let (m, path, body) = TeamRequest::Audit {
            filter: filter.clone(),
            before: Some("x:1".into()),
            limit: Some(20),
        }
        .http();
        assert_eq!((m, body), (Method::GET, None));
        assert_eq!(
            path,
            "/team/audit?kind=link_rotated&q=a%26b&before=x%3A1&limit=20"
        );
        assert_eq!(
            audit_export_path(&filter, AuditFormat::Csv),
            "/team/audit/export?format=csv&kind=link_rotated&q=a%26b"
        );
        let wire: TeamRequest = serde_json::from_value(serde_json::json!({
            "op": "audit", "person": null, "conversation": null, "kind": null, "category": "link",
            "q": null, "from": null, "to": null, "before": null, "limit": null
        }))
        .expect("the UI's shape");
        assert_eq!(wire.http().1, "/team/audit?category=link");
    }
}
