-- Accounts, agents, sessions, crews, contacts and conversations: the foundation the membership domain builds on.
-- Times are Unix milliseconds (INTEGER); ids are UUID text.

CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    contacts_may_invite  INTEGER NOT NULL DEFAULT 1,   -- may joined contacts invite other contacts?
    created_at           INTEGER NOT NULL
);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    email          TEXT NOT NULL,            -- trimmed and lower-cased
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('superadmin', 'admin', 'agent')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    password_hash  TEXT NOT NULL,            -- argon2id PHC string
    created_at     INTEGER NOT NULL
);
-- Agents sign in with email and password alone, so an email names one agent across all accounts.
CREATE UNIQUE INDEX agents_email ON agents(email);
CREATE INDEX agents_account ON agents(account_id, name);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,   -- SHA-256 of the bearer token; the token itself is never stored
    agent_id    TEXT REFERENCES agents(id),
    contact_id  TEXT REFERENCES contacts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    CHECK ((agent_id IS NULL) <> (contact_id IS NULL))
);

CREATE TABLE crews (
    id                    TEXT PRIMARY KEY NOT NULL,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    name                  TEXT NOT NULL,
    call_to_action        TEXT NOT NULL,
    customer_requestable  INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
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
    created_at  INTEGER NOT NULL,
    UNIQUE (account_id, email)
);

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    subject     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by  TEXT NOT NULL REFERENCES agents(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
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
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
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
    created_at         INTEGER NOT NULL,
    CHECK ((author_agent_id IS NULL) <> (author_contact_id IS NULL))
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
