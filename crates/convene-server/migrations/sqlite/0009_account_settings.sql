-- Account settings (issue 16): who the account's emails come from, and how long email invites
-- last; NULL means the server's default (`--email-from`, 14 days). An email in the outbox names
-- its account, so the worker sends it from that account's sender.
ALTER TABLE accounts ADD COLUMN email_from_name TEXT;
ALTER TABLE accounts ADD COLUMN email_from_address TEXT;
ALTER TABLE accounts ADD COLUMN invite_ttl_days INTEGER;
ALTER TABLE outbox_emails ADD COLUMN account_id TEXT REFERENCES accounts(id);
