-- no-transaction
-- A deleted crew's name is free again (issue 16): UNIQUE (account_id, name) over every crew
-- becomes a unique index over the crews not deleted. SQLite cannot drop a table's constraint, so
-- the table is rebuilt as its documentation lays out (new table, copy, drop, rename), in one
-- transaction; foreign keys are off meanwhile, so dropping the old table neither cascades into
-- crew_members nor trips the service requests that point at its rows (the ids stay the same).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE crews_rebuilt (
    id                    TEXT PRIMARY KEY NOT NULL,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    name                  TEXT NOT NULL,
    call_to_action        TEXT NOT NULL,
    customer_requestable  INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    deleted_at            INTEGER
);
INSERT INTO crews_rebuilt (id, account_id, name, call_to_action, customer_requestable, created_at, deleted_at)
    SELECT id, account_id, name, call_to_action, customer_requestable, created_at, deleted_at FROM crews;
DROP TABLE crews;
ALTER TABLE crews_rebuilt RENAME TO crews;
CREATE UNIQUE INDEX crews_live_name ON crews (account_id, name) WHERE deleted_at IS NULL;
COMMIT;
PRAGMA foreign_keys = ON;
