-- Guests and sign-in links (issue 12).
--
-- A *guest* is the identity a Shareable Link hands out: a contact row with the name and email the
-- person typed, which nobody has proven. It is never merged with, nor looked up as, the contact who
-- really owns that address, so several guests may claim one email; only proven contacts
-- (guest = 0) are unique per account and email.
ALTER TABLE contacts DROP CONSTRAINT contacts_account_id_email_key;
ALTER TABLE contacts ADD COLUMN guest BIGINT NOT NULL DEFAULT 0;
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
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX email_logins_email ON email_logins(account_id, email);

ALTER TABLE outbox_emails ADD COLUMN login_id TEXT REFERENCES email_logins(id);
