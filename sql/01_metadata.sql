-- The database's identity: 'uuid' is made at install; 'dist_uuid' is set once the
-- database joins a distributed database (on the access node: its own uuid; on a
-- data node: the access node's).
CREATE TABLE _timescaledb_catalog.metadata (
	key name PRIMARY KEY,
	value text NOT NULL,
	include_in_telemetry boolean NOT NULL DEFAULT false
);
INSERT INTO _timescaledb_catalog.metadata (key, value, include_in_telemetry)
VALUES ('uuid', pg_catalog.gen_random_uuid()::text, true);
GRANT SELECT ON _timescaledb_catalog.metadata TO PUBLIC;
