//! The demo account `serve --demo` seeds: enough agents, crews, contacts and conversations to try
//! every flow by hand. Seeding is idempotent: a second start finds the account and leaves it alone.

use convene_proto::audit::AuditKind;
use convene_proto::{AccountId, AccountRole, AgentId, ConversationId, ParticipantId};

use crate::auth::hash_password;
use crate::clock::now_ms;
use crate::service::audit::{self, Entry};
use crate::service::{
    load_for_change, messages, participants, record_change, record_event, Ctx, Hold, Member,
    Principal,
};
use crate::store::NewAgent;

/// The demo account's name.
pub const DEMO_ACCOUNT: &str = "Convene Demo";
/// The password of every demo agent. Demo data only; printed in the log on purpose.
pub const DEMO_PASSWORD: &str = "convene-demo";

/// Demo agents: (email, name, role).
pub const DEMO_AGENTS: &[(&str, &str, AccountRole)] = &[
    ("ana@demo.convene.test", "Ana Lima", AccountRole::SuperAdmin),
    ("ben@demo.convene.test", "Ben Okafor", AccountRole::Admin),
    ("chloe@demo.convene.test", "Chloe Park", AccountRole::Agent),
    ("dev@demo.convene.test", "Dev Patel", AccountRole::Agent),
    ("eva@demo.convene.test", "Eva Rossi", AccountRole::Agent),
    ("femi@demo.convene.test", "Femi Adeyemi", AccountRole::Agent),
];

/// Demo conversations owned by Ana, most recent first.
pub const DEMO_CONVERSATIONS: &[&str] = &[
    "Order #1042 arrived damaged",
    "Upgrade to the Team plan",
    "Invoice question for March",
];

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Hash(#[from] crate::auth::HashError),
    #[error(transparent)]
    Api(#[from] crate::error::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Seeds the demo account unless it exists, and logs its sign-ins either way.
pub async fn seed(ctx: &Ctx) -> Result<(), DemoError> {
    if ctx.store.account_by_name(DEMO_ACCOUNT).await?.is_none() {
        create(ctx).await?;
    }
    for (email, name, role) in DEMO_AGENTS {
        tracing::info!("demo sign-in: {email} / {DEMO_PASSWORD} ({name}, {role})");
    }
    Ok(())
}

fn agent(account_id: AccountId, id: AgentId, index: usize) -> Principal {
    let (email, name, role) = DEMO_AGENTS[index];
    Principal::Agent {
        id,
        account_id,
        role,
        name: name.to_owned(),
        email: email.to_owned(),
    }
}

/// Puts someone straight into a conversation as joined (demo history, as if they had accepted long ago).
async fn seat(
    ctx: &Ctx,
    conversation: ConversationId,
    by: &Principal,
    member: Member,
    role: &str,
    via: &str,
    name: &str,
) -> Result<(), DemoError> {
    ctx.change(|tx| {
        Box::pin(async move {
            let now = now_ms();
            sqlx::query(
                "INSERT INTO participants (id, conversation_id, agent_id, contact_id, role, state, added_by, via, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 'joined', $6, $7, $8, $9)",
            )
            .bind(ParticipantId::new().to_string())
            .bind(conversation.to_string())
            .bind(member.agent())
            .bind(member.contact())
            .bind(role)
            .bind(match by { Principal::Agent { id, .. } => id.to_string(), Principal::Contact { id, .. } => id.to_string() })
            .bind(via)
            .bind(now)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            let conv = load_for_change(tx, by, conversation, Hold::Exclusive).await?;
            record_event(
                tx,
                &conv,
                Entry::new(
                    AuditKind::ParticipantAdded,
                    by,
                    &format!("{} added {name}", by.name()),
                )
                .to(audit::person(member, name)),
            )
            .await?;
            record_change(tx, &conv, "conversation", None, None).await?;
            Ok(())
        })
    })
    .await
    .map_err(DemoError::from)
}

async fn create(ctx: &Ctx) -> Result<(), DemoError> {
    let store = &ctx.store;
    let hash = hash_password(DEMO_PASSWORD)?;
    let (first_email, first_name, _) = DEMO_AGENTS[0];
    let (account, ana_id) = store
        .create_account(DEMO_ACCOUNT, first_email, first_name, &hash)
        .await?;
    let mut ids = vec![ana_id];
    for (email, name, role) in &DEMO_AGENTS[1..] {
        ids.push(
            store
                .create_agent(&NewAgent {
                    account_id: account,
                    email,
                    name,
                    role: *role,
                    password_hash: &hash,
                })
                .await?,
        );
    }
    let ana = agent(account, ids[0], 0);
    let (chloe, dev, eva, femi) = (ids[2], ids[3], ids[4], ids[5]);
    store
        .create_crew(account, "Billing", "Talk to Billing", true, &[chloe, dev])
        .await?;
    store
        .create_crew(
            account,
            "Technical Support",
            "Get technical help",
            false,
            &[dev, eva, femi],
        )
        .await?;
    let carol = store
        .create_contact(account, "carol@example.com", "Carol Jones")
        .await?;
    store
        .create_contact(account, "dan@example.net", "Dan Brown")
        .await?;

    // A few milliseconds between steps give the demo a clear order by time (newest: the damaged order).
    let tick = || tokio::time::sleep(std::time::Duration::from_millis(3));
    let invoice = participants::create(ctx, &ana, DEMO_CONVERSATIONS[2]).await?;
    tick().await;
    let upgrade = participants::create(ctx, &ana, DEMO_CONVERSATIONS[1]).await?;
    seat(
        ctx,
        upgrade.id,
        &ana,
        Member::Agent(ids[1]),
        "agent",
        "direct",
        DEMO_AGENTS[1].1,
    )
    .await?;
    tick().await;
    let damaged = participants::create(ctx, &ana, DEMO_CONVERSATIONS[0]).await?;
    seat(
        ctx,
        damaged.id,
        &ana,
        Member::Agent(chloe),
        "agent",
        "direct",
        DEMO_AGENTS[2].1,
    )
    .await?;
    seat(
        ctx,
        damaged.id,
        &ana,
        Member::Contact(carol),
        "contact",
        "email_invite",
        "Carol Jones",
    )
    .await?;
    let carol_p = Principal::Contact {
        id: carol,
        account_id: account,
        name: "Carol Jones".into(),
        email: "carol@example.com".into(),
        guest: false,
    };
    messages::post(
        ctx,
        &carol_p,
        damaged.id,
        "Hi, my order arrived with a cracked lid.",
    )
    .await?;
    tick().await;
    messages::post(
        ctx,
        &ana,
        damaged.id,
        "Sorry to hear that, Carol. Chloe will arrange a replacement.",
    )
    .await?;
    let _ = invoice;
    tracing::info!("demo account seeded");
    Ok(())
}
