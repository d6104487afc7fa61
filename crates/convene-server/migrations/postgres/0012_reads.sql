-- Read state (issue 17): how far each person has read each conversation, and whether they muted
-- it. One row per conversation and person (an agent's or a contact's id: both are UUIDs, so one
-- column holds either). The position is a message's (created_at, id), the order messages are
-- shown in; it only ever moves forward.
CREATE TABLE reads (
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    member_id        TEXT NOT NULL,
    last_read_at     BIGINT,
    last_read_id     TEXT,
    muted            BIGINT NOT NULL DEFAULT 0,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, member_id)
);
-- Paging a conversation's messages newest first by (created_at, id); it covers the old index.
CREATE INDEX messages_page ON messages(conversation_id, created_at, id);
DROP INDEX messages_conversation;
-- A change of someone's read state is a feed row of kind 'read' naming them, so their other
-- devices learn of it.
ALTER TABLE changes DROP CONSTRAINT changes_kind_check,
    ADD CONSTRAINT changes_kind_check CHECK (kind IN ('conversation', 'message', 'event', 'read'));
