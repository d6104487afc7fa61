-- Indexes for scale: first sync pages over conversations by id, contacts' conversations, and
-- contact typeahead as a range scan over search terms (each word of the name and the email).

CREATE INDEX conversations_account_id ON conversations(account_id, id);
CREATE INDEX participants_by_contact ON participants(contact_id, state);
-- The unique (conversation, agent|contact) indexes are partial, so they cannot serve "the
-- participants of a conversation"; without this, counting them scans the whole table.
CREATE INDEX participants_conversation ON participants(conversation_id, state);

CREATE TABLE contact_terms (
    account_id  TEXT NOT NULL,
    term        TEXT NOT NULL,
    contact_id  TEXT NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (account_id, term, contact_id)
) WITHOUT ROWID;
