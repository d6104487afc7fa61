-- The membership domain: invites, service requests, the Shareable Link, events, the change feed
-- for sync, the email outbox, idempotency keys and rate-limit buckets.

CREATE TABLE service_requests (
    id                     TEXT PRIMARY KEY NOT NULL,
    conversation_id        TEXT NOT NULL REFERENCES conversations(id),
    crew_id                TEXT NOT NULL REFERENCES crews(id),
    requested_by_agent     TEXT REFERENCES agents(id),
    requested_by_contact   TEXT REFERENCES contacts(id),
    notified               INTEGER NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'fulfilled')),
    fulfilled_by           TEXT REFERENCES agents(id),
    fulfilled_at           INTEGER,
    created_at             INTEGER NOT NULL
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
    expires_at           INTEGER,
    delivery             TEXT CHECK (delivery IN ('queued', 'sent', 'failed')),
    delivery_error       TEXT,
    send_count           INTEGER NOT NULL DEFAULT 0,
    last_sent_at         INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX invites_participant ON invites(participant_id, status);
CREATE INDEX invites_conversation ON invites(conversation_id, status);

-- Every resend of an invite, to enforce the resend limits (once a minute, 10 a day).
-- Only resends are logged here; the first send is the invite itself.
CREATE TABLE invite_sends (
    invite_id  TEXT NOT NULL REFERENCES invites(id),
    sent_at    INTEGER NOT NULL
);
CREATE INDEX invite_sends_invite ON invite_sends(invite_id, sent_at);

CREATE TABLE share_links (
    conversation_id  TEXT PRIMARY KEY NOT NULL REFERENCES conversations(id),
    token_hash       TEXT NOT NULL UNIQUE,
    token_nonce      TEXT NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    expires_at       INTEGER,
    max_uses         INTEGER,
    uses             INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE events (
    id               TEXT PRIMARY KEY NOT NULL,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    kind             TEXT NOT NULL,
    actor            TEXT NOT NULL,       -- display name at the time
    text             TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX events_conversation ON events(conversation_id, created_at);

-- The change feed behind sync and the realtime stream. `affected_*` names the person whose access
-- changed (removed, revoked, left), so their sync can report the loss.
CREATE TABLE changes (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id         TEXT NOT NULL,
    conversation_id    TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('conversation', 'message', 'event')),
    ref_id             TEXT,
    affected_agent     TEXT,
    affected_contact   TEXT,
    created_at         INTEGER NOT NULL
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
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_until    INTEGER,             -- a worker's lease; an expired lease makes the email due again
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX outbox_due ON outbox_emails(status, next_attempt_at);

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,        -- 0 while the first request is still running
    content_type TEXT NOT NULL DEFAULT '',
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
);

CREATE TABLE rate_buckets (
    bucket        TEXT PRIMARY KEY NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL
);
