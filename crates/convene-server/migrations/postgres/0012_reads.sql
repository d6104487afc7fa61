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
-- NOT VALID, then VALIDATE: the rows are checked without holding the table's exclusive lock.
ALTER TABLE changes DROP CONSTRAINT changes_kind_check,
    ADD CONSTRAINT changes_kind_check CHECK (kind IN ('conversation', 'message', 'event', 'read')) NOT VALID;
ALTER TABLE changes VALIDATE CONSTRAINT changes_kind_check;
-- Existing conversations start read up to their newest message for everyone joined, so an
-- upgrade does not light up every conversation as unread.
INSERT INTO reads (conversation_id, member_id, last_read_at, last_read_id, muted, updated_at)
SELECT p.conversation_id, COALESCE(p.agent_id, p.contact_id), m.created_at, m.id, 0, m.created_at
FROM participants p JOIN messages m ON m.conversation_id = p.conversation_id
WHERE p.state = 'joined' AND NOT EXISTS (
    SELECT 1 FROM messages n WHERE n.conversation_id = m.conversation_id
      AND (n.created_at > m.created_at OR (n.created_at = m.created_at AND n.id > m.id)));
