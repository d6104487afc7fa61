//! The who-may-do-what table of SPEC §2, walked through HTTP: every persona against every action,
//! each on a fresh conversation, asserting the exact answer — success, 403 (may see, may not act),
//! 404 (may not even see), 401 (not signed in), or 409 (the last owner may not leave).

use convene_testkit::{Answer, Api, SmtpSink, TestServer};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Persona {
    SuperAdmin,
    Admin,
    Owner,
    JoinedAgent,
    OtherAgent,
    InvitedAgent,
    /// A contact who came by an emailed invite (their email is proven).
    JoinedContact,
    /// A guest of the Shareable Link who typed that same contact's email (not proven).
    LinkGuest,
    Stranger,
}

#[derive(Clone, Copy, Debug)]
enum Act {
    See,
    Create,
    AddAgent,
    RequestAnyCrew,
    RequestCustomerCrew,
    InviteContact,
    CopyLink,
    ManageLink,
    Resend,
    RevokeOthersInvite,
    RemoveUser,
    Leave,
    Post,
    /// The account's audit log (not of one conversation): SPEC §2's last row.
    ReadAuditLog,
    /// Close the conversation (a row beyond the SPEC: owners, admins, superadmins).
    Close,
}

/// What the table says: Ok(()) allowed, Err(status) refused with that status.
fn expected(p: Persona, a: Act) -> Result<(), u16> {
    use Act::*;
    use Persona::*;
    let hidden = match p {
        Stranger => return Err(401),
        OtherAgent => !matches!(a, Create | ReadAuditLog),
        _ => false,
    };
    if hidden {
        return Err(404);
    }
    let allowed = match (p, a) {
        (_, See) => true,
        (JoinedContact | LinkGuest, Create) => false,
        (_, Create) => true,
        (
            SuperAdmin | Admin | Owner | JoinedAgent,
            AddAgent | RequestAnyCrew | InviteContact | CopyLink | Resend | Post,
        ) => true,
        (
            SuperAdmin | Admin | Owner | JoinedAgent | JoinedContact | LinkGuest,
            RequestCustomerCrew,
        ) => true,
        (JoinedContact, InviteContact | CopyLink | Post) => true,
        // A guest takes part but reaches no one else until their email is proven.
        (LinkGuest, Post) => true,
        (SuperAdmin | Admin | Owner, ManageLink | RevokeOthersInvite | Close) => true,
        (SuperAdmin | Owner, RemoveUser) => true,
        (SuperAdmin | Admin, ReadAuditLog) => true,
        (JoinedAgent | JoinedContact | LinkGuest, Leave) => true,
        (Owner, Leave) => return Err(409),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(403)
    }
}

struct Setup {
    conversation: String,
    contact: Api,
    guest: Api,
    pending_contact_invite: String,
    chloe_participant: String,
}

struct World {
    t: TestServer,
    sink: SmtpSink,
    ana: Api,
    ben: Api,
    eva: Api,
    chloe: Api,
    dev: Api,
    femi: Api,
    target_agent: String,
    chloe_id: String,
    dev_id: String,
    any_crew: String,
    customer_crew: String,
}

async fn id(api: &Api) -> String {
    api.get("/api/v1/me").await.ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

impl World {
    async fn new() -> Self {
        // The table test acts far faster than people: raise the per-minute limits.
        let sink = SmtpSink::start().await;
        let t = TestServer::start_with(Some(&sink), |c| {
            c.limits = convene_server::ratelimit::Limits::scaled(100)
        })
        .await;
        let ana = t.agent("ana@demo.convene.test").await;
        // A target for Add Agent and a free member for a customer-requestable crew.
        let gus = ana.post("/api/v1/agents", json!({"email": "gus@demo.convene.test", "name": "Gus Target", "role": "agent", "password": "long-password-1"})).await;
        let hal = ana.post("/api/v1/agents", json!({"email": "hal@demo.convene.test", "name": "Hal Sales", "role": "agent", "password": "long-password-2"})).await;
        let sales = ana.post("/api/v1/crews", json!({"name": "Sales", "call_to_action": "Talk to Sales", "customer_requestable": true})).await;
        let sales_id = sales.ok()["id"].as_str().expect("id").to_owned();
        ana.send(
            reqwest::Method::PUT,
            &format!(
                "/api/v1/crews/{sales_id}/members/{}",
                hal.ok()["id"].as_str().expect("id")
            ),
            None,
            &[],
        )
        .await
        .ok();
        let support = ana.post("/api/v1/crews", json!({"name": "Night shift", "call_to_action": "Get help", "customer_requestable": false})).await;
        let support_id = support.ok()["id"].as_str().expect("id").to_owned();
        ana.send(
            reqwest::Method::PUT,
            &format!(
                "/api/v1/crews/{support_id}/members/{}",
                gus.ok()["id"].as_str().expect("id")
            ),
            None,
            &[],
        )
        .await
        .ok();
        let chloe = t.agent("chloe@demo.convene.test").await;
        let dev = t.agent("dev@demo.convene.test").await;
        Self {
            ben: t.agent("ben@demo.convene.test").await,
            eva: t.agent("eva@demo.convene.test").await,
            femi: t.agent("femi@demo.convene.test").await,
            chloe_id: id(&chloe).await,
            dev_id: id(&dev).await,
            target_agent: gus.body["id"].as_str().expect("id").to_owned(),
            any_crew: support_id,
            customer_crew: sales_id,
            chloe,
            dev,
            ana,
            t,
            sink,
        }
    }

    /// A conversation owned by Eva, with Chloe joined, Dev invited, a contact joined through an
    /// emailed invite, a guest who joined through the link typing that contact's email, and a
    /// pending contact invite sent by Eva.
    async fn setup(&self) -> Setup {
        let conversation = self
            .eva
            .post(
                "/api/v1/conversations",
                json!({"subject": "Permission check"}),
            )
            .await
            .ok()["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let base = format!("/api/v1/conversations/{conversation}");
        let invite = self
            .eva
            .post(
                &format!("{base}/agent-invites"),
                json!({"agent_id": self.chloe_id}),
            )
            .await;
        let invite_id = invite.ok()["invite"]["id"].as_str().expect("id").to_owned();
        self.chloe
            .post(&format!("/api/v1/invites/{invite_id}/accept"), json!({}))
            .await
            .ok();
        self.eva
            .post(
                &format!("{base}/agent-invites"),
                json!({"agent_id": self.dev_id}),
            )
            .await
            .ok();
        let link = self.eva.get(&format!("{base}/share-link")).await;
        let token = link.ok()["url"]
            .as_str()
            .expect("url")
            .rsplit("/j/")
            .next()
            .expect("token")
            .to_owned();
        let before = self.sink.messages().len();
        self.eva
            .post(
                &format!("{base}/contact-invites"),
                json!({"email": "cleo@example.com", "name": "Cleo Contact"}),
            )
            .await
            .ok();
        // Other setups' emails may still be arriving: take the new one addressed to Cleo.
        let mut mail = None;
        for n in before + 1.. {
            let got = self
                .sink
                .wait_for(n, std::time::Duration::from_secs(10))
                .await;
            assert!(got.len() >= n, "Cleo's invite email did not arrive");
            mail = got.into_iter().skip(before).find(|m| {
                m.header("To")
                    .is_some_and(|to| to.contains("cleo@example.com"))
            });
            if mail.is_some() {
                break;
            }
        }
        let mail = mail.expect("invite email");
        let invite_token = mail
            .join_link()
            .expect("join link")
            .rsplit("/j/")
            .next()
            .expect("token")
            .to_owned();
        let joined = self
            .t
            .anonymous()
            .post(&format!("/api/v1/join/{invite_token}"), json!({}))
            .await;
        let contact = self
            .t
            .anonymous()
            .with_token(joined.ok()["token"].as_str().expect("token"));
        let claimed = self
            .t
            .anonymous()
            .post(
                &format!("/api/v1/join/{token}"),
                json!({"name": "Cleo?", "email": "cleo@example.com"}),
            )
            .await;
        let guest = self
            .t
            .anonymous()
            .with_token(claimed.ok()["token"].as_str().expect("token"));
        let pending = self
            .eva
            .post(
                &format!("{base}/contact-invites"),
                json!({"email": "pending@example.com"}),
            )
            .await;
        Setup {
            pending_contact_invite: pending.ok()["invite"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
            chloe_participant: self
                .eva
                .participant_id(&conversation, "chloe@demo.convene.test")
                .await,
            conversation,
            contact,
            guest,
        }
    }

    fn client(&self, p: Persona, s: &Setup) -> Api {
        match p {
            Persona::SuperAdmin => self.ana.clone(),
            Persona::Admin => self.ben.clone(),
            Persona::Owner => self.eva.clone(),
            Persona::JoinedAgent => self.chloe.clone(),
            Persona::OtherAgent => self.femi.clone(),
            Persona::InvitedAgent => self.dev.clone(),
            Persona::JoinedContact => s.contact.clone(),
            Persona::LinkGuest => s.guest.clone(),
            Persona::Stranger => self.t.anonymous(),
        }
    }

    async fn act(&self, api: &Api, a: Act, s: &Setup) -> Answer {
        let base = format!("/api/v1/conversations/{}", s.conversation);
        match a {
            Act::See => api.get(&base).await,
            Act::Create => {
                api.post("/api/v1/conversations", json!({"subject": "Mine"}))
                    .await
            }
            Act::AddAgent => {
                api.post(
                    &format!("{base}/agent-invites"),
                    json!({"agent_id": self.target_agent}),
                )
                .await
            }
            Act::RequestAnyCrew => {
                api.post(
                    &format!("{base}/service-requests"),
                    json!({"crew_id": self.any_crew}),
                )
                .await
            }
            Act::RequestCustomerCrew => {
                api.post(
                    &format!("{base}/service-requests"),
                    json!({"crew_id": self.customer_crew}),
                )
                .await
            }
            Act::InviteContact => {
                api.post(
                    &format!("{base}/contact-invites"),
                    json!({"email": "newbie@example.com"}),
                )
                .await
            }
            Act::CopyLink => api.get(&format!("{base}/share-link")).await,
            Act::ManageLink => {
                api.patch(&format!("{base}/share-link"), json!({"enabled": false}))
                    .await
            }
            Act::Resend => {
                api.post(
                    &format!("/api/v1/invites/{}/resend", s.pending_contact_invite),
                    json!({}),
                )
                .await
            }
            Act::RevokeOthersInvite => {
                api.post(
                    &format!("/api/v1/invites/{}/revoke", s.pending_contact_invite),
                    json!({}),
                )
                .await
            }
            Act::RemoveUser => {
                api.delete(&format!("{base}/participants/{}", s.chloe_participant))
                    .await
            }
            Act::Leave => api.post(&format!("{base}/leave"), json!({})).await,
            Act::ReadAuditLog => api.get("/api/v1/team/audit").await,
            Act::Close => api.post(&format!("{base}/close"), json!({})).await,
            Act::Post => {
                api.post(&format!("{base}/messages"), json!({"body": "hello"}))
                    .await
            }
        }
    }
}

#[tokio::test]
async fn every_persona_against_every_action_matches_the_permission_table() {
    let world = World::new().await;
    let personas = [
        Persona::SuperAdmin,
        Persona::Admin,
        Persona::Owner,
        Persona::JoinedAgent,
        Persona::OtherAgent,
        Persona::InvitedAgent,
        Persona::JoinedContact,
        Persona::LinkGuest,
        Persona::Stranger,
    ];
    let acts = [
        Act::See,
        Act::Create,
        Act::AddAgent,
        Act::RequestAnyCrew,
        Act::RequestCustomerCrew,
        Act::InviteContact,
        Act::CopyLink,
        Act::ManageLink,
        Act::Resend,
        Act::RevokeOthersInvite,
        Act::RemoveUser,
        Act::Leave,
        Act::Post,
        Act::ReadAuditLog,
        Act::Close,
    ];
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for persona in personas {
        for act in acts {
            let setup = world.setup().await;
            let api = world.client(persona, &setup);
            let answer = world.act(&api, act, &setup).await;
            let got = if (200..300).contains(&answer.status) {
                Ok(())
            } else {
                Err(answer.status)
            };
            let want = expected(persona, act);
            if got != want {
                mismatches.push(format!(
                    "{persona:?} {act:?}: want {want:?}, got {got:?} {}",
                    answer.body
                ));
            }
            if got.is_err() {
                assert_eq!(
                    answer.content_type, "application/problem+json",
                    "{persona:?} {act:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked} cells differ from the table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn the_account_setting_can_stop_contacts_inviting_contacts() {
    // The setting is on by default; with it off a joined contact is refused (403).
    let world = World::new().await;
    let setup = world.setup().await;
    let base = format!("/api/v1/conversations/{}", setup.conversation);
    setup
        .contact
        .post(
            &format!("{base}/contact-invites"),
            json!({"email": "friend@example.com"}),
        )
        .await
        .ok();
    // Through the settings API, as a superadmin.
    let page = world.ana.get("/api/v1/team/settings").await;
    let mut settings = page.ok()["settings"].clone();
    settings["contacts_may_invite"] = json!(false);
    world.ana.put("/api/v1/team/settings", settings).await.ok();
    setup
        .contact
        .post(
            &format!("{base}/contact-invites"),
            json!({"email": "friend2@example.com"}),
        )
        .await
        .problem(403, "forbidden");
}

/// Team administration: SPEC §2's last row ("superadmins manage everyone, admins manage agents and
/// crews but never superadmins"), every persona against every operation of the Admin area, each
/// on targets made fresh for it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum TeamAct {
    ListAgents,
    CreateAgent,
    CreateSuperAdmin,
    MakeAgentAdmin,
    DemoteSuperAdmin,
    SuspendAgent,
    SuspendSuperAdmin,
    ReactivateAgent,
    CreateCrew,
    EditCrew,
    DeleteCrew,
    AddAgentToCrew,
    AddSuperAdminToCrew,
    RemoveSuperAdminFromCrew,
    ReadSettings,
    ChangeSettings,
    ReadAuditLog,
    ExportAuditLog,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum TeamPersona {
    SuperAdmin,
    Admin,
    Agent,
    Contact,
    Stranger,
}

fn team_expected(p: TeamPersona, a: TeamAct) -> Result<(), u16> {
    use TeamAct::*;
    use TeamPersona::*;
    match p {
        Stranger => Err(401),
        Agent | Contact => Err(403),
        SuperAdmin => Ok(()),
        Admin => match a {
            CreateSuperAdmin
            | DemoteSuperAdmin
            | SuspendSuperAdmin
            | AddSuperAdminToCrew
            | RemoveSuperAdminFromCrew
            | ChangeSettings => Err(403),
            _ => Ok(()),
        },
    }
}

#[tokio::test]
async fn every_persona_against_every_team_operation_matches_the_table() {
    let sink = SmtpSink::start().await;
    let t = TestServer::start_with(Some(&sink), |c| {
        c.limits = convene_server::ratelimit::Limits::scaled(100)
    })
    .await;
    let ana = t.agent("ana@demo.convene.test").await;
    let ben = t.agent("ben@demo.convene.test").await;
    let chloe = t.agent("chloe@demo.convene.test").await;
    let conversation = ana.new_conversation("Team table").await;
    let contact = t
        .seat_contact(&sink, &ana, &conversation, "carla@example.com")
        .await;
    let stranger = t.anonymous();
    let mut n = 0;
    let mut fresh_agent = |role: &'static str| {
        n += 1;
        let ana = &ana;
        async move {
            let made = ana
                .post(
                    "/api/v1/agents",
                    json!({"email": format!("target{n}@demo.convene.test"), "name": format!("Target {n}"), "role": role, "password": "long-password-1"}),
                )
                .await;
            made.ok()["id"].as_str().expect("id").to_owned()
        }
    };
    let mut m = 0;
    let mut fresh_crew = || {
        m += 1;
        let ana = &ana;
        async move {
            let made = ana
                .post(
                    "/api/v1/crews",
                    json!({"name": format!("Crew {m}"), "call_to_action": "Ask"}),
                )
                .await;
            made.ok()["id"].as_str().expect("id").to_owned()
        }
    };
    let settings = json!({"contacts_may_invite": true, "email_from_name": null, "email_from_address": null, "invite_ttl_days": 10});
    let personas = [
        (TeamPersona::SuperAdmin, &ana),
        (TeamPersona::Admin, &ben),
        (TeamPersona::Agent, &chloe),
        (TeamPersona::Contact, &contact),
        (TeamPersona::Stranger, &stranger),
    ];
    use TeamAct::*;
    let acts = [
        ListAgents,
        CreateAgent,
        CreateSuperAdmin,
        MakeAgentAdmin,
        DemoteSuperAdmin,
        SuspendAgent,
        SuspendSuperAdmin,
        ReactivateAgent,
        CreateCrew,
        EditCrew,
        DeleteCrew,
        AddAgentToCrew,
        AddSuperAdminToCrew,
        RemoveSuperAdminFromCrew,
        ReadSettings,
        ChangeSettings,
        ReadAuditLog,
        ExportAuditLog,
    ];
    let mut wrong = Vec::new();
    let mut k = 0;
    for (persona, api) in personas {
        for act in acts {
            k += 1;
            let answer: Answer = match act {
                ListAgents => api.get("/api/v1/team/agents").await,
                CreateAgent | CreateSuperAdmin => {
                    let role = if act == CreateAgent {
                        "agent"
                    } else {
                        "superadmin"
                    };
                    api.post(
                        "/api/v1/agents",
                        json!({"email": format!("new{k}@demo.convene.test"), "name": format!("New {k}"), "role": role}),
                    )
                    .await
                }
                MakeAgentAdmin => {
                    let id = fresh_agent("agent").await;
                    api.put(
                        &format!("/api/v1/agents/{id}/role"),
                        json!({"role": "admin"}),
                    )
                    .await
                }
                DemoteSuperAdmin => {
                    let id = fresh_agent("superadmin").await;
                    api.put(
                        &format!("/api/v1/agents/{id}/role"),
                        json!({"role": "agent"}),
                    )
                    .await
                }
                SuspendAgent | SuspendSuperAdmin => {
                    let id = fresh_agent(if act == SuspendAgent {
                        "agent"
                    } else {
                        "superadmin"
                    })
                    .await;
                    api.post(&format!("/api/v1/agents/{id}/suspend"), json!({}))
                        .await
                }
                ReactivateAgent => {
                    let id = fresh_agent("agent").await;
                    ana.post(&format!("/api/v1/agents/{id}/suspend"), json!({}))
                        .await
                        .ok();
                    api.post(&format!("/api/v1/agents/{id}/reactivate"), json!({}))
                        .await
                }
                CreateCrew => {
                    api.post(
                        "/api/v1/crews",
                        json!({"name": format!("By {k}"), "call_to_action": "Ask"}),
                    )
                    .await
                }
                EditCrew => {
                    let crew = fresh_crew().await;
                    api.patch(
                        &format!("/api/v1/crews/{crew}"),
                        json!({"name": format!("Renamed {k}")}),
                    )
                    .await
                }
                DeleteCrew => {
                    let crew = fresh_crew().await;
                    api.delete(&format!("/api/v1/crews/{crew}")).await
                }
                AddAgentToCrew | AddSuperAdminToCrew => {
                    let crew = fresh_crew().await;
                    let id = fresh_agent(if act == AddAgentToCrew {
                        "agent"
                    } else {
                        "superadmin"
                    })
                    .await;
                    api.put(&format!("/api/v1/crews/{crew}/members/{id}"), json!({}))
                        .await
                }
                RemoveSuperAdminFromCrew => {
                    let crew = fresh_crew().await;
                    let id = fresh_agent("superadmin").await;
                    ana.put(&format!("/api/v1/crews/{crew}/members/{id}"), json!({}))
                        .await
                        .ok();
                    api.delete(&format!("/api/v1/crews/{crew}/members/{id}"))
                        .await
                }
                ReadSettings => api.get("/api/v1/team/settings").await,
                ChangeSettings => api.put("/api/v1/team/settings", settings.clone()).await,
                ReadAuditLog => api.get("/api/v1/team/audit").await,
                ExportAuditLog => api.get("/api/v1/team/audit/export?format=json").await,
            };
            let got = if (200..300).contains(&answer.status) {
                Ok(())
            } else {
                Err(answer.status)
            };
            let want = team_expected(persona, act);
            if got != want {
                wrong.push(format!(
                    "{persona:?} {act:?}: expected {want:?}, got {got:?} {}",
                    answer.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A closed conversation reads as before and takes nothing new: posting, inviting, Request
/// Service, resending and accepting answer 409 saying it is closed; its Shareable Link and emailed
/// invites admit nobody (410, naming who can reopen it); leaving, removing, revoking and declining
/// still work. Reopened, the link and the pending invites work as they were.
#[tokio::test]
async fn a_closed_conversation_takes_nothing_new_until_reopened() {
    let world = World::new().await;
    let s = world.setup().await;
    let base = format!("/api/v1/conversations/{}", s.conversation);
    let eva = &world.eva;
    let link = eva.share_token(&s.conversation).await;
    let dev_invite = world.dev.get("/api/v1/home").await.ok()["invites"]
        .as_array()
        .expect("invites")
        .iter()
        .find(|i| i["conversation_id"] == s.conversation.as_str())
        .expect("Dev's invite")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The pending contact invite's email link.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let invite_link = loop {
        if let Some(link) = world
            .sink
            .messages()
            .iter()
            .find(|m| {
                m.header("To")
                    .is_some_and(|to| to.contains("pending@example.com"))
            })
            .and_then(|m| m.join_link())
        {
            break link;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no invite email to pending@"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let invite_token = invite_link.rsplit("/j/").next().expect("token").to_owned();

    // Chloe (a joined agent) may not close it; Eva (owner) does.
    assert_eq!(
        world
            .chloe
            .post(&format!("{base}/close"), json!({}))
            .await
            .status,
        403
    );
    let closed = eva.post(&format!("{base}/close"), json!({})).await;
    assert_eq!(closed.ok()["status"], "closed");
    assert_eq!(
        eva.post(&format!("{base}/close"), json!({})).await.status,
        200,
        "closing again changes nothing"
    );

    for (who, answer) in [
        (
            "post",
            world
                .chloe
                .post(&format!("{base}/messages"), json!({"body": "hi"}))
                .await,
        ),
        (
            "contact posts",
            s.contact
                .post(&format!("{base}/messages"), json!({"body": "hi"}))
                .await,
        ),
        (
            "invite",
            eva.post(
                &format!("{base}/contact-invites"),
                json!({"email": "late@example.com"}),
            )
            .await,
        ),
        (
            "add agent",
            eva.post(
                &format!("{base}/agent-invites"),
                json!({"agent_id": world.target_agent}),
            )
            .await,
        ),
        (
            "request",
            eva.post(
                &format!("{base}/service-requests"),
                json!({"crew_id": world.any_crew}),
            )
            .await,
        ),
        (
            "resend",
            eva.post(
                &format!("/api/v1/invites/{}/resend", s.pending_contact_invite),
                json!({}),
            )
            .await,
        ),
        (
            "accept",
            world
                .dev
                .post(&format!("/api/v1/invites/{dev_invite}/accept"), json!({}))
                .await,
        ),
        (
            "copy the link",
            eva.get(&format!("{base}/share-link")).await,
        ),
    ] {
        assert_eq!(answer.status, 409, "{who}: {}", answer.body);
        assert_eq!(
            answer.body["detail"], "The conversation is closed; reopen it first",
            "{who}"
        );
    }
    for token in [&link, &invite_token] {
        let refused = world
            .t
            .anonymous()
            .post(
                &format!("/api/v1/join/{token}"),
                json!({"name": "Late", "email": "late@example.com"}),
            )
            .await;
        assert_eq!(refused.status, 410, "{}", refused.body);
        assert!(
            refused.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("closed") && d.contains("reopen")),
            "{}",
            refused.body
        );
    }
    // The screen says why, from Rust.
    let screen = world.chloe.get(&format!("{base}/screen")).await;
    let post = screen.ok()["verdicts"]["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .find(|p| p["action"] == "post_message")
        .expect("post verdict")
        .clone();
    assert_eq!(post["why"], "The conversation is closed; reopen it first");
    // Reading and leaving still work; the timeline says who closed it.
    assert_eq!(s.contact.get(&format!("{base}/messages")).await.status, 200);
    let events = eva.get(&format!("{base}/events")).await;
    assert!(
        events
            .ok()
            .to_string()
            .contains("Eva Rossi closed the conversation"),
        "{}",
        events.body
    );
    assert!(
        s.guest
            .post(&format!("{base}/leave"), json!({}))
            .await
            .status
            < 300
    );

    // Reopened: the link and the pending invites work as they were.
    let reopened = world.admin_reopens(&base).await;
    assert_eq!(reopened["status"], "open");
    let joined = world
        .t
        .anonymous()
        .post(
            &format!("/api/v1/join/{link}"),
            json!({"name": "Late", "email": "late@example.com"}),
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let accepted = world
        .dev
        .post(&format!("/api/v1/invites/{dev_invite}/accept"), json!({}))
        .await;
    assert!(accepted.status < 300, "{}", accepted.body);
    assert!(
        world
            .chloe
            .post(&format!("{base}/messages"), json!({"body": "back"}))
            .await
            .status
            < 300
    );
}

impl World {
    /// Ben (an admin, not in the conversation) reopens it.
    async fn admin_reopens(&self, base: &str) -> serde_json::Value {
        self.ben
            .post(&format!("{base}/reopen"), json!({}))
            .await
            .ok()
            .clone()
    }
}
