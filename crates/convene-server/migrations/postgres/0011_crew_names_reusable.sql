-- A deleted crew's name is free again (issue 16): UNIQUE (account_id, name) over every crew
-- becomes a unique index over the crews not deleted.
ALTER TABLE crews DROP CONSTRAINT crews_account_id_name_key;
CREATE UNIQUE INDEX crews_live_name ON crews (account_id, name) WHERE deleted_at IS NULL;
