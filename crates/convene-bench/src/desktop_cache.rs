//! Writes a desktop app data folder whose client cache holds N conversations (workload 6).
//!
//! The folder is written with the client crate's own cache code (sync pages applied through
//! [`Cache::apply_page`], the session through [`Cache::save_session`]), so the benchmarked app reads
//! exactly the format a real sync leaves behind. The stored session points at a port where nothing
//! listens, so the app starts signed in and offline, to its cached list.

use std::path::Path;

use anyhow::{Context, Result};
use convene_client::cache::{Cache, StoredSession};
use convene_client::CACHE_FILE;
use convene_proto::policy::{Actor, Participation};
use convene_proto::{
    AccountId, AccountRole, AgentId, ContactId, Conversation, ConversationId, ConversationSnapshot,
    ConversationStatus, InviteeKind, Me, Message, MessageId, Participant, ParticipantId,
    ParticipantRole, ParticipantState, SyncPage, Via,
};
use time::{Duration, OffsetDateTime};

/// Where the stored session points: the discard port, where nothing answers on loopback.
pub const OFFLINE_SERVER: &str = "http://127.0.0.1:9";

/// Conversations per sync page, as a real sync would deliver them.
const PAGE: usize = 500;

const TOPICS: &[&str] = &[
    "Refund for order",
    "Delivery delayed for order",
    "Invoice question on",
    "Upgrade to the business plan for",
    "Password reset for",
    "Damaged parcel, order",
    "Onboarding call with",
    "Contract renewal for",
    "Wrong size exchange, order",
    "Billing address change for",
    "API access request from",
    "Warranty claim for",
];
const COMPANIES: &[&str] = &[
    "Acme Logistics",
    "Northwind Traders",
    "Blue Harbor Bakery",
    "Lumen Dental",
    "Oakridge Schools",
    "Tessera Labs",
    "Riverside Clinic",
    "Kestrel Outdoor",
    "Marlow & Finch",
    "Sunfield Farms",
];
const FIRST: &[&str] = &[
    "Maria", "João", "Wei", "Aisha", "Lars", "Priya", "Tom", "Sofia", "Kenji", "Fatima", "Oliver",
    "Nadia",
];
const LAST: &[&str] = &[
    "Santos", "Schmidt", "Chen", "Okafor", "Berg", "Nair", "Walker", "Rossi", "Sato", "Haddad",
];

/// A small deterministic generator (SplitMix64), so every run writes the same folder.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        items[i]
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The signed-in agent the folder belongs to.
struct Owner {
    id: AgentId,
    name: String,
    email: String,
}

/// Writes the app data folder `dir` with `conversations` cached conversations, replacing any
/// cache already there.
pub fn write(dir: &Path, conversations: usize) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(CACHE_FILE);
    for suffix in ["", "-wal", "-shm"] {
        let old = dir.join(format!("{CACHE_FILE}{suffix}"));
        if old.exists() {
            std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
        }
    }
    let mut cache =
        Cache::open(&path).with_context(|| format!("opening the cache {}", path.display()))?;
    let owner = Owner {
        id: AgentId::new(),
        name: "Ana Lima".to_owned(),
        email: "ana@bench.convene.test".to_owned(),
    };
    cache
        .save_session(&StoredSession {
            server_url: OFFLINE_SERVER.to_owned(),
            token: "bench-token-not-valid-anywhere".to_owned(),
            me: Me::Agent {
                id: owner.id,
                account_id: AccountId::new(),
                account_name: "Bench Support Co".to_owned(),
                email: owner.email.clone(),
                name: owner.name.clone(),
                role: AccountRole::Agent,
                admin: Default::default(),
            },
        })
        .context("storing the session")?;

    let mut rng = Rng(0x00C0_FFEE);
    let now = OffsetDateTime::now_utc();
    let mut written = 0;
    let mut page_no = 0;
    loop {
        let count = PAGE.min(conversations - written);
        let mut page = SyncPage {
            cursor: format!("bench-{page_no}"),
            has_more: written + count < conversations,
            conversations: Vec::with_capacity(count),
            messages: Vec::with_capacity(count),
            events: Vec::new(),
            lost: Vec::new(),
            reads: Vec::new(),
            older: Vec::new(),
        };
        for _ in 0..count {
            let (snapshot, message) = conversation(&mut rng, &owner, now, written);
            page.conversations.push(snapshot);
            page.messages.push(message);
            written += 1;
        }
        cache
            .apply_page(&page)
            .with_context(|| format!("storing sync page {page_no}"))?;
        page_no += 1;
        if written >= conversations {
            break;
        }
    }
    let stored = cache
        .conversations()
        .context("reading the list back")?
        .len();
    anyhow::ensure!(
        stored == conversations,
        "the cache holds {stored} conversations, {conversations} were written"
    );
    eprintln!(
        "desktop cache: {conversations} conversations in {}",
        path.display()
    );
    Ok(())
}

/// One conversation with its owner, another agent and a contact, and one message.
fn conversation(
    rng: &mut Rng,
    owner: &Owner,
    now: OffsetDateTime,
    n: usize,
) -> (ConversationSnapshot, Message) {
    let id = ConversationId::new();
    let company = rng.pick(COMPANIES);
    let subject = match rng.below(3) {
        0 => format!("{} {}", rng.pick(TOPICS), 10_000 + rng.below(90_000)),
        _ => format!("{} {company}", rng.pick(TOPICS)),
    };
    // Spread over the last year, minutes apart, newest first in the order written.
    let updated_at = now
        - Duration::minutes(i64::try_from(n).unwrap_or(0) * 50)
        - Duration::seconds(i64::try_from(rng.below(3000)).unwrap_or(0));
    let created_at = updated_at - Duration::days(i64::try_from(rng.below(30)).unwrap_or(0));
    let my_role = if rng.below(5) == 0 {
        ParticipantRole::Agent
    } else {
        ParticipantRole::Owner
    };
    let colleague = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    let customer = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    let customer_email = format!(
        "{}.{}@example.com",
        customer.replace(' ', ".").to_lowercase(),
        rng.below(1000)
    );
    let participant = |kind, name: &str, email: &str, role, via| Participant {
        id: ParticipantId::new(),
        conversation_id: id,
        kind,
        agent_id: (kind == InviteeKind::Agent).then(AgentId::new),
        contact_id: (kind == InviteeKind::Contact).then(ContactId::new),
        name: name.to_owned(),
        email: email.to_owned(),
        email_verified: true,
        role,
        state: ParticipantState::Joined,
        added_by: (via != Via::Created).then(|| owner.name.clone()),
        via,
        updated_at,
    };
    let mut me = participant(
        InviteeKind::Agent,
        &owner.name,
        &owner.email,
        my_role,
        Via::Created,
    );
    me.agent_id = Some(owner.id);
    let participants = vec![
        me,
        participant(
            InviteeKind::Agent,
            &colleague,
            &format!(
                "{}@bench.convene.test",
                colleague.replace(' ', ".").to_lowercase()
            ),
            if my_role == ParticipantRole::Owner {
                ParticipantRole::Agent
            } else {
                ParticipantRole::Owner
            },
            Via::Direct,
        ),
        participant(
            InviteeKind::Contact,
            &customer,
            &customer_email,
            ParticipantRole::Contact,
            Via::EmailInvite,
        ),
    ];
    let conversation = Conversation {
        id,
        subject: subject.clone(),
        status: ConversationStatus::Open,
        created_by: owner.id,
        created_at,
        updated_at,
        my_role: Some(my_role),
        participant_count: i64::try_from(participants.len()).unwrap_or(0),
    };
    let message = Message {
        id: MessageId::new(),
        conversation_id: id,
        author_name: customer.clone(),
        author_kind: InviteeKind::Contact,
        author_id: String::new(),
        body: format!(
            "Hello, this is {customer} from {company}. Could you have a look at \"{subject}\"? Thanks!"
        ),
        created_at: updated_at,
    };
    let snapshot = ConversationSnapshot {
        conversation,
        me: Actor {
            account_role: Some(AccountRole::Agent),
            participation: Some(Participation {
                role: my_role,
                state: ParticipantState::Joined,
            }),
            pending_invite: false,
            contacts_may_invite: true,
            guest: false,
            closed: false,
        },
        participants,
        invites: Vec::new(),
        service_requests: Vec::new(),
    };
    (snapshot, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_folder_opens_signed_in_and_offline_with_every_conversation() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), 1203).expect("write");
        let client = convene_client::Client::open(dir.path()).expect("open");
        let session = client.session().expect("session").expect("signed in");
        assert_eq!(session.server_url, OFFLINE_SERVER);
        let list = client.cached_conversations().expect("list");
        assert_eq!(list.len(), 1203);
        assert!(list.windows(2).all(|w| w[0].updated_at >= w[1].updated_at));
        let screen = client
            .conversation_screen(&list[0].id, convene_proto::reading::MESSAGE_PAGE)
            .expect("screen")
            .expect("cached");
        assert_eq!(screen.view.participants.len(), 3);
        assert_eq!(screen.timeline.messages.len(), 1);
    }

    #[test]
    fn writing_again_replaces_the_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), 30).expect("first");
        write(dir.path(), 0).expect("second");
        let client = convene_client::Client::open(dir.path()).expect("open");
        assert!(client.cached_conversations().expect("list").is_empty());
    }
}
