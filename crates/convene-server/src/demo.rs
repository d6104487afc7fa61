//! The demo account `serve --demo` seeds: enough agents, crews, contacts and conversations to try
//! every flow by hand. Seeding is idempotent: a second start finds the account and leaves it alone.

use convene_proto::{AccountRole, ParticipantRole, Via};

use crate::auth::hash_password;
use crate::store::{Member, NewAgent, Store};

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

/// Demo conversations owned by Ana, in creation order.
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
}

/// Seeds the demo account unless it exists, and logs its sign-ins either way.
pub async fn seed(store: &Store) -> Result<(), DemoError> {
    if store.account_by_name(DEMO_ACCOUNT).await?.is_none() {
        create(store).await?;
    }
    for (email, name, role) in DEMO_AGENTS {
        tracing::info!("demo sign-in: {email} / {DEMO_PASSWORD} ({name}, {role})");
    }
    Ok(())
}

async fn create(store: &Store) -> Result<(), DemoError> {
    let hash = hash_password(DEMO_PASSWORD)?;
    let (first_email, first_name, _) = DEMO_AGENTS[0];
    let (account, ana) = store
        .create_account(DEMO_ACCOUNT, first_email, first_name, &hash)
        .await?;
    let mut agents = vec![ana];
    for (email, name, role) in &DEMO_AGENTS[1..] {
        let id = store
            .create_agent(&NewAgent {
                account_id: account,
                email,
                name,
                role: *role,
                password_hash: &hash,
            })
            .await?;
        agents.push(id);
    }
    let (ben, chloe, dev, eva, femi) = (agents[1], agents[2], agents[3], agents[4], agents[5]);
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

    let damaged = store
        .create_conversation(account, ana, DEMO_CONVERSATIONS[0])
        .await?;
    store
        .add_participant(
            damaged.id,
            Member::Agent(chloe),
            ParticipantRole::Agent,
            Some(ana),
            Via::Direct,
        )
        .await?;
    store
        .add_participant(
            damaged.id,
            Member::Contact(carol),
            ParticipantRole::Contact,
            Some(ana),
            Via::EmailInvite,
        )
        .await?;
    store
        .add_message(
            damaged.id,
            Member::Contact(carol),
            "Hi, my order arrived with a cracked lid.",
        )
        .await?;
    store
        .add_message(
            damaged.id,
            Member::Agent(ana),
            "Sorry to hear that, Carol. Chloe will arrange a replacement.",
        )
        .await?;

    let upgrade = store
        .create_conversation(account, ana, DEMO_CONVERSATIONS[1])
        .await?;
    store
        .add_participant(
            upgrade.id,
            Member::Agent(ben),
            ParticipantRole::Agent,
            Some(ana),
            Via::Direct,
        )
        .await?;
    store
        .create_conversation(account, ana, DEMO_CONVERSATIONS[2])
        .await?;
    tracing::info!("demo account seeded");
    Ok(())
}
