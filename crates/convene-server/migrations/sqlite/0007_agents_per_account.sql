-- An email may be an agent of several accounts (a consultant serving two businesses), each with
-- its own password: unique per account. Sign-in asks which account when the password opens more
-- than one, and creating an agent no longer tells anyone that the email exists elsewhere.
DROP INDEX agents_email;
CREATE UNIQUE INDEX agents_account_email ON agents(account_id, email);
CREATE INDEX agents_email ON agents(email);
