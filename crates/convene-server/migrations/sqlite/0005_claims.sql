-- A sign-in link asked for by a guest of that address from their own session names the guest:
-- following it hands that guest's conversations (and only theirs) to the proven contact.
ALTER TABLE email_logins ADD COLUMN guest_id TEXT REFERENCES contacts(id);
