-- The change feed is read in commit order (issue 13). Identity values are handed out at insert and
-- committed later, in another order, so `seq > cursor` could step over a row that commits a
-- moment later. Each row now carries its transaction's id (`tx`); readers take only rows of
-- transactions older than the oldest one still running (the snapshot's xmin: all of those have
-- ended, so nothing can appear below it any more) and order them by (tx, seq).
ALTER TABLE changes ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX changes_account_tx ON changes(account_id, tx, seq);

-- A sign-in link asked for by a guest of that address from their own session names the guest:
-- following it hands that guest's conversations (and only theirs) to the proven contact.
ALTER TABLE email_logins ADD COLUMN guest_id TEXT REFERENCES contacts(id);
