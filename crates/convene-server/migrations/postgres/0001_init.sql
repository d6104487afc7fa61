-- Accounts, agents, sessions, crews, contacts and conversations: the foundation the membership domain builds on.
-- Times are Unix milliseconds (BIGINT); ids are UUID text.

CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    contacts_may_invite  BIGINT NOT NULL DEFAULT 1,   -- may joined contacts invite other contacts?
    created_at           BIGINT NOT NULL
);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    email          TEXT NOT NULL,            -- trimmed and lower-cased
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('superadmin', 'admin', 'agent')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    password_hash  TEXT NOT NULL,            -- argon2id PHC string
    created_at     BIGINT NOT NULL
);
-- Agents sign in with email and password alone, so an email names one agent across all accounts.
CREATE UNIQUE INDEX agents_email ON agents(email);
CREATE INDEX agents_account ON agents(account_id, name);



CREATE TABLE crews (
    id                    TEXT PRIMARY KEY NOT NULL,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    name                  TEXT NOT NULL,
    call_to_action        TEXT NOT NULL,
    customer_requestable  BIGINT NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE crew_members (
    crew_id   TEXT NOT NULL REFERENCES crews(id) ON DELETE CASCADE,
    agent_id  TEXT NOT NULL REFERENCES agents(id),
    PRIMARY KEY (crew_id, agent_id)
);

CREATE TABLE contacts (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    email       TEXT NOT NULL,               -- trimmed and lower-cased
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (account_id, email)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,   -- SHA-256 of the bearer token; the token itself is never stored
    agent_id    TEXT REFERENCES agents(id),
    contact_id  TEXT REFERENCES contacts(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    CHECK ((agent_id IS NULL) <> (contact_id IS NULL))
);

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    subject     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by  TEXT NOT NULL REFERENCES agents(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX conversations_account ON conversations(account_id, updated_at);

CREATE TABLE participants (
    id               TEXT PRIMARY KEY NOT NULL,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    agent_id         TEXT REFERENCES agents(id),
    contact_id       TEXT REFERENCES contacts(id),
    role             TEXT NOT NULL CHECK (role IN ('owner', 'agent', 'contact')),
    state            TEXT NOT NULL CHECK (state IN ('invited', 'joined', 'left', 'removed')),
    added_by         TEXT,
    via              TEXT NOT NULL CHECK (via IN ('direct', 'crew_request', 'email_invite', 'shareable_link', 'created')),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CHECK ((agent_id IS NULL) <> (contact_id IS NULL))
);
CREATE UNIQUE INDEX participants_agent ON participants(conversation_id, agent_id) WHERE agent_id IS NOT NULL;
CREATE UNIQUE INDEX participants_contact ON participants(conversation_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX participants_by_agent ON participants(agent_id, state);

CREATE TABLE messages (
    id                 TEXT PRIMARY KEY NOT NULL,
    conversation_id    TEXT NOT NULL REFERENCES conversations(id),
    author_agent_id    TEXT REFERENCES agents(id),
    author_contact_id  TEXT REFERENCES contacts(id),
    body               TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    CHECK ((author_agent_id IS NULL) <> (author_contact_id IS NULL))
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);

-- The membership domain: invites, service requests, the Shareable Link, events, the change feed
-- for sync, the email outbox, idempotency keys and rate-limit buckets.

CREATE TABLE service_requests (
    id                     TEXT PRIMARY KEY NOT NULL,
    conversation_id        TEXT NOT NULL REFERENCES conversations(id),
    crew_id                TEXT NOT NULL REFERENCES crews(id),
    requested_by_agent     TEXT REFERENCES agents(id),
    requested_by_contact   TEXT REFERENCES contacts(id),
    notified               BIGINT NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'fulfilled')),
    fulfilled_by           TEXT REFERENCES agents(id),
    fulfilled_at           BIGINT,
    created_at             BIGINT NOT NULL
);
CREATE INDEX service_requests_conversation ON service_requests(conversation_id, created_at);

CREATE TABLE invites (
    id                   TEXT PRIMARY KEY NOT NULL,
    conversation_id      TEXT NOT NULL REFERENCES conversations(id),
    participant_id       TEXT NOT NULL REFERENCES participants(id),
    kind                 TEXT NOT NULL CHECK (kind IN ('agent', 'contact')),
    invited_by_agent     TEXT REFERENCES agents(id),
    invited_by_contact   TEXT REFERENCES contacts(id),
    service_request_id   TEXT REFERENCES service_requests(id),
    status               TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired', 'superseded')),
    -- Contact invites carry a link token: only its hash is stored; the token itself is derived
    -- from the server secret and token_nonce, so a resend can send the same link again.
    token_hash           TEXT UNIQUE,
    token_nonce          TEXT,
    expires_at           BIGINT,
    delivery             TEXT CHECK (delivery IN ('queued', 'sent', 'failed')),
    delivery_error       TEXT,
    send_count           BIGINT NOT NULL DEFAULT 0,
    last_sent_at         BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX invites_participant ON invites(participant_id, status);
CREATE INDEX invites_conversation ON invites(conversation_id, status);

-- Every resend of an invite, to enforce the resend limits (once a minute, 10 a day).
-- Only resends are logged here; the first send is the invite itself.
CREATE TABLE invite_sends (
    invite_id  TEXT NOT NULL REFERENCES invites(id),
    sent_at    BIGINT NOT NULL
);
CREATE INDEX invite_sends_invite ON invite_sends(invite_id, sent_at);

CREATE TABLE share_links (
    conversation_id  TEXT PRIMARY KEY NOT NULL REFERENCES conversations(id),
    token_hash       TEXT NOT NULL UNIQUE,
    token_nonce      TEXT NOT NULL,
    enabled          BIGINT NOT NULL DEFAULT 1,
    expires_at       BIGINT,
    max_uses         BIGINT,
    uses             BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE events (
    id               TEXT PRIMARY KEY NOT NULL,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    kind             TEXT NOT NULL,
    actor            TEXT NOT NULL,       -- display name at the time
    text             TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX events_conversation ON events(conversation_id, created_at);

-- The change feed behind sync and the realtime stream. `affected_*` names the person whose access
-- changed (removed, revoked, left), so their sync can report the loss.
CREATE TABLE changes (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id         TEXT NOT NULL,
    conversation_id    TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('conversation', 'message', 'event')),
    ref_id             TEXT,
    affected_agent     TEXT,
    affected_contact   TEXT,
    created_at         BIGINT NOT NULL
);
CREATE INDEX changes_account ON changes(account_id, seq);

CREATE TABLE outbox_emails (
    id               TEXT PRIMARY KEY NOT NULL,
    invite_id        TEXT REFERENCES invites(id),
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_until    BIGINT,             -- a worker's lease; an expired lease makes the email due again
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX outbox_due ON outbox_emails(status, next_attempt_at);

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,        -- 0 while the first request is still running
    content_type TEXT NOT NULL DEFAULT '',
    body         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (principal, key)
);

CREATE TABLE rate_buckets (
    bucket        TEXT PRIMARY KEY NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL
);
