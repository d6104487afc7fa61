-- no-transaction
-- Guests and sign-in links (issue 12).
--
-- A *guest* is the identity a Shareable Link hands out: a contact row with the name and email the
-- person typed, which nobody has proven. It is never merged with, nor looked up as, the contact who
-- really owns that address, so several guests may claim one email; only proven contacts
-- (guest = 0) are unique per account and email. SQLite cannot drop a table constraint, so the
-- contacts table is rebuilt (the documented 12-step way: foreign keys off, copy, swap, check).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE contacts_new (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    email       TEXT NOT NULL,               -- trimmed and lower-cased; for a guest, what they typed
    name        TEXT NOT NULL,
    guest       INTEGER NOT NULL DEFAULT 0,  -- 1: joined through a Shareable Link, email not proven
    created_at  INTEGER NOT NULL
);
INSERT INTO contacts_new (id, account_id, email, name, guest, created_at)
    SELECT id, account_id, email, name, 0, created_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE UNIQUE INDEX contacts_email ON contacts(account_id, email) WHERE guest = 0;
CREATE INDEX contacts_guest_email ON contacts(account_id, email, guest);

-- Sign-in links emailed to contacts ("Email me a sign-in link", and a guest proving their email).
-- The token is derived from the server secret and the nonce (so the outbox never stores it); only
-- its hash is kept. Single use: `used_at` is set when it is redeemed.
CREATE TABLE email_logins (
    id          TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    token_nonce TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX email_logins_email ON email_logins(account_id, email);

-- A sign-in email in the outbox names its login (as an invite email names its invite).
ALTER TABLE outbox_emails ADD COLUMN login_id TEXT REFERENCES email_logins(id);
COMMIT;
PRAGMA foreign_keys = ON;
