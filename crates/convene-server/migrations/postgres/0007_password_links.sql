-- Password links (issue 16): the email that lets a new agent set their first password, or any
-- agent reset a forgotten one. Like sign-in links, the token is derived from the server secret and
-- the nonce (the outbox never stores it) and only its hash is kept; single use (`used_at`).
CREATE TABLE password_links (
    id          TEXT PRIMARY KEY NOT NULL,
    agent_id    TEXT NOT NULL REFERENCES agents(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('welcome', 'reset')),
    token_hash  TEXT NOT NULL UNIQUE,
    token_nonce TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX password_links_agent ON password_links(agent_id);

-- A password email in the outbox names its link.
ALTER TABLE outbox_emails ADD COLUMN password_link_id TEXT REFERENCES password_links(id);
