-- Deleting a crew (issue 16) keeps its row, marked, so the service requests made to it stay
-- readable with its name; a deleted crew is listed nowhere and can be requested by nobody.
ALTER TABLE crews ADD COLUMN deleted_at BIGINT;
