-- Distributed transactions: the commit-decision log, healing, and the view of
-- what is in doubt.  The protocol is described in src/remote/txn_2pc.c.

-- One row per (access-node transaction, data node it wrote to), written in
-- that transaction just before it commits: the row exists exactly when the
-- transaction committed.  remote_transaction_id is the GID of the prepared
-- transaction on the node.  Rows are garbage-collected by healing.
CREATE TABLE _timescaledb_catalog.remote_txn (
	data_node_name name,
	remote_transaction_id text PRIMARY KEY
);
CREATE INDEX remote_txn_data_node_name_idx
	ON _timescaledb_catalog.remote_txn (data_node_name);
GRANT SELECT ON _timescaledb_catalog.remote_txn TO PUBLIC;

-- Resolve the prepared transactions this database left on one data node;
-- returns how many it resolved.  A node that cannot be reached is a warning.
CREATE FUNCTION _timescaledb_internal.remote_txn_heal_data_node(foreign_server_id oid)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_remote_txn_heal_data_node'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION _timescaledb_functions.remote_txn_heal_data_node(foreign_server_id oid)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_remote_txn_heal_data_node'
LANGUAGE C STRICT VOLATILE;

-- What is in doubt on one data node and what healing would do with it
-- ('commit', 'rollback', or 'wait' while the access-node transaction runs).
CREATE FUNCTION _timescaledb_internal.remote_txn_in_doubt(foreign_server_id oid)
RETURNS TABLE(node_name name, gid text, prepared timestamptz, owner name,
			  action text, error text)
AS 'MODULE_PATHNAME', 'multinode_remote_txn_in_doubt'
LANGUAGE C STRICT VOLATILE;

-- Heal every data node of this database.  Never fails because of one node:
-- each is healed in its own subtransaction and a failure is a warning.  Usable as a
-- job (the built-in healing job runs it every minute).
CREATE FUNCTION _timescaledb_internal.heal_all_data_nodes(job_id integer = NULL,
														  config jsonb = NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	node record;
	resolved integer := 0;
BEGIN
	FOR node IN
		SELECT s.oid, s.srvname
		  FROM pg_foreign_server s
		  JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
		 WHERE w.fdwname = 'timescaledb_fdw'
		 ORDER BY s.srvname
	LOOP
		BEGIN
			resolved := resolved + _timescaledb_internal.remote_txn_heal_data_node(node.oid);
		EXCEPTION WHEN query_canceled THEN
			RAISE;
		WHEN OTHERS THEN
			RAISE WARNING 'could not heal data node "%": %', node.srvname, SQLERRM;
		END;
	END LOOP;
	RETURN resolved;
END
$$;

CREATE FUNCTION _timescaledb_functions.heal_all_data_nodes(job_id integer = NULL,
														   config jsonb = NULL)
RETURNS integer
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_internal.heal_all_data_nodes(job_id, config) $$;

CREATE VIEW timescaledb_information.in_doubt_transactions AS
SELECT t.node_name, t.gid, t.prepared,
	   pg_catalog.now() - t.prepared AS age,
	   t.owner, t.action, t.error
  FROM pg_catalog.pg_foreign_server s
  JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw,
	   LATERAL _timescaledb_internal.remote_txn_in_doubt(s.oid) t
 WHERE w.fdwname = 'timescaledb_fdw'
   AND pg_catalog.has_server_privilege(s.oid, 'USAGE');
GRANT SELECT ON timescaledb_information.in_doubt_transactions TO PUBLIC;
