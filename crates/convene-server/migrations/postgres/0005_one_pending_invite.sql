-- At most one pending invite per participant: invites of one conversation run side by side (they
-- share the conversation's lock), so two invites of one person racing each other meet here; the
-- loser's transaction is retried and answers as a repeat would.
CREATE UNIQUE INDEX IF NOT EXISTS invites_one_pending ON invites(participant_id) WHERE status = 'pending';
