-- The account's audit log (issue 16): one row for every membership, invite, link, directory and
-- settings change, written in the change's own transaction. Names and subjects are kept as they
-- were at the time; ids name who and what, so the log can be filtered by person and conversation.
-- It starts with this migration: changes made before it are in the conversations' timelines only.
CREATE TABLE audit_log (
    id                    TEXT PRIMARY KEY NOT NULL,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    at                    BIGINT NOT NULL,
    kind                  TEXT NOT NULL,
    category              TEXT NOT NULL,
    actor_kind            TEXT NOT NULL CHECK (actor_kind IN ('agent', 'contact', 'system')),
    actor_id              TEXT,
    actor_name            TEXT NOT NULL,
    target_kind           TEXT,
    target_id             TEXT,
    target_name           TEXT,
    conversation_id       TEXT,
    conversation_subject  TEXT,
    via                   TEXT NOT NULL CHECK (via IN ('app', 'web', 'link', 'email', 'system')),
    summary               TEXT NOT NULL,
    ip                    TEXT
);
CREATE INDEX audit_log_account ON audit_log(account_id, at, id);
CREATE INDEX audit_log_actor ON audit_log(account_id, actor_id);
CREATE INDEX audit_log_target ON audit_log(account_id, target_id);
CREATE INDEX audit_log_conversation ON audit_log(conversation_id);
