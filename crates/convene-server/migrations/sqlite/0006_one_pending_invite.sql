-- At most one pending invite per participant: the database's own guard, so that two invites of one
-- person racing each other (which may run side by side on PostgreSQL) cannot both stay pending.
CREATE UNIQUE INDEX IF NOT EXISTS invites_one_pending ON invites(participant_id) WHERE status = 'pending';
