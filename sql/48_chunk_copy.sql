-- Copying, moving and repairing chunk replicas, rebalancing and draining
-- data nodes (src/dist/chunk_copy.c, src/dist/chunk_repair.c).  The
-- procedures commit after each stage, so they cannot be run inside a
-- transaction block, and (a PostgreSQL rule for procedures that commit)
-- carry no SET clause: every name in them is schema-qualified instead.

CREATE SCHEMA IF NOT EXISTS timescaledb_experimental;
GRANT USAGE ON SCHEMA timescaledb_experimental TO PUBLIC;

-- The log of copy and move operations, shaped as TimescaleDB 2.13's: one row
-- per operation, completed_stage written in the same distributed transaction
-- as that stage's work.
CREATE SEQUENCE _timescaledb_catalog.chunk_copy_operation_id_seq MINVALUE 1;

CREATE TABLE _timescaledb_catalog.chunk_copy_operation (
	operation_id name PRIMARY KEY,
	backend_pid integer NOT NULL,
	completed_stage name NOT NULL,
	time_start timestamptz NOT NULL DEFAULT pg_catalog.now(),
	chunk_id integer NOT NULL REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
	compress_chunk_name name NOT NULL,
	source_node_name name NOT NULL,
	dest_node_name name NOT NULL,
	delete_on_source_node bool NOT NULL
);

SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_copy_operation', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_copy_operation_id_seq', '');
GRANT SELECT ON _timescaledb_catalog.chunk_copy_operation,
	_timescaledb_catalog.chunk_copy_operation_id_seq TO PUBLIC;

-- On a copy's source data node, the rows written to the chunk while it is
-- copied (src/dist/chunk_capture.c): each row that appeared (+1) or went
-- (-1), as text.  Written by the capture trigger as the extension's owner,
-- read and forgotten through the functions below, which check that the
-- caller owns the chunk; no privileges for anyone else.
CREATE TABLE _timescaledb_catalog.chunk_copy_change (
	operation_id name NOT NULL,
	chunk_relid oid NOT NULL,
	delta smallint NOT NULL,
	row_image text NOT NULL
);

CREATE FUNCTION _timescaledb_functions.chunk_copy_capture_row()
RETURNS trigger AS 'MODULE_PATHNAME', 'multinode_chunk_copy_capture_row' LANGUAGE C;

CREATE FUNCTION _timescaledb_functions.chunk_copy_changes(chunk regclass, operation_id name)
RETURNS TABLE (row_image text, delta bigint)
AS 'MODULE_PATHNAME', 'multinode_chunk_copy_changes' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION _timescaledb_functions.chunk_copy_forget_changes(chunk regclass, operation_id name)
RETURNS bigint AS 'MODULE_PATHNAME', 'multinode_chunk_copy_forget_changes' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION _timescaledb_functions.chunk_copy_capture_stop(chunk text, operation_id name)
RETURNS bigint AS 'MODULE_PATHNAME', 'multinode_chunk_copy_capture_stop' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION _timescaledb_functions.chunk_copy_start(chunk regclass, source_node name,
														destination_node name, operation_id name,
														delete_on_source_node boolean, caller text)
RETURNS name AS 'MODULE_PATHNAME', 'multinode_chunk_copy_start' LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_functions.chunk_copy_next_stage(operation_id name)
RETURNS boolean AS 'MODULE_PATHNAME', 'multinode_chunk_copy_next_stage' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION _timescaledb_functions.chunk_copy_cleanup(operation_id name, caller text = NULL)
RETURNS boolean AS 'MODULE_PATHNAME', 'multinode_chunk_copy_cleanup' LANGUAGE C VOLATILE;

-- A copy (delete_on_source_node false) or move, stage by stage, each
-- committed: what move_chunk and copy_chunk run.
CREATE PROCEDURE _timescaledb_functions.chunk_copy_run(chunk regclass, source_node name,
														destination_node name, operation_id name,
														delete_on_source_node boolean, caller text)
LANGUAGE plpgsql AS $$
DECLARE
	op name;
BEGIN
	op := _timescaledb_functions.chunk_copy_start(chunk, source_node, destination_node,
												  operation_id, delete_on_source_node, caller);
	COMMIT;
	WHILE _timescaledb_functions.chunk_copy_next_stage(op) LOOP
		COMMIT;
	END LOOP;
	COMMIT;
END
$$;

CREATE PROCEDURE timescaledb_experimental.move_chunk(chunk regclass, source_node name = NULL,
													 destination_node name = NULL,
													 operation_id name = NULL)
LANGUAGE plpgsql AS $$
BEGIN
	CALL _timescaledb_functions.chunk_copy_run(chunk, source_node, destination_node,
											   operation_id, true, 'move_chunk');
END
$$;

CREATE PROCEDURE timescaledb_experimental.copy_chunk(chunk regclass, source_node name = NULL,
													 destination_node name = NULL,
													 operation_id name = NULL)
LANGUAGE plpgsql AS $$
BEGIN
	CALL _timescaledb_functions.chunk_copy_run(chunk, source_node, destination_node,
											   operation_id, false, 'copy_chunk');
END
$$;

-- Finish (from attach_chunk on) or undo (before it: init, create_empty_chunk,
-- sync_start, sync, catch_up) an operation that did not complete, and forget
-- it; a completed one is just forgotten.
CREATE PROCEDURE timescaledb_experimental.cleanup_copy_chunk_operation(operation_id name)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM _timescaledb_functions.chunk_copy_cleanup(operation_id,
													  'cleanup_copy_chunk_operation');
	COMMIT;
END
$$;

CREATE FUNCTION _timescaledb_functions.set_chunk_default_data_node(chunk regclass, node_name name)
RETURNS boolean AS 'MODULE_PATHNAME', 'multinode_set_chunk_default_data_node' LANGUAGE C VOLATILE;
CREATE FUNCTION _timescaledb_internal.set_chunk_default_data_node(chunk regclass, node_name name)
RETURNS boolean AS 'MODULE_PATHNAME', 'multinode_set_chunk_default_data_node' LANGUAGE C VOLATILE;

CREATE FUNCTION repair_chunk_replicas(hypertable regclass = NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'multinode_repair_chunk_replicas' LANGUAGE C VOLATILE;

CREATE VIEW timescaledb_experimental.chunk_replication_status AS
SELECT h.schema_name AS hypertable_schema,
	   h.table_name AS hypertable_name,
	   c.schema_name AS chunk_schema,
	   c.table_name AS chunk_name,
	   h.replication_factor AS desired_num_replicas,
	   r.num_replicas,
	   r.replica_nodes,
	   (SELECT pg_catalog.array_agg(hdn.node_name ORDER BY hdn.node_name)
		  FROM _timescaledb_catalog.hypertable_data_node hdn
		 WHERE hdn.hypertable_id = h.id
		   AND hdn.node_name <> ALL (r.replica_nodes)) AS non_replica_nodes
  FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
 CROSS JOIN LATERAL
	   (SELECT pg_catalog.count(*) AS num_replicas,
			   pg_catalog.array_agg(cdn.node_name ORDER BY cdn.node_name) AS replica_nodes
		  FROM _timescaledb_catalog.chunk_data_node cdn
		 WHERE cdn.chunk_id = c.id) r
 WHERE h.replication_factor > 0 AND NOT c.dropped
 ORDER BY h.id, c.id;

-- Copies and moves, running or left unfinished, with their progress.
CREATE VIEW timescaledb_information.chunk_moves AS
SELECT o.operation_id,
	   h.schema_name AS hypertable_schema,
	   h.table_name AS hypertable_name,
	   c.schema_name AS chunk_schema,
	   c.table_name AS chunk_name,
	   o.source_node_name AS source_node,
	   o.dest_node_name AS destination_node,
	   o.delete_on_source_node AS is_move,
	   o.completed_stage,
	   o.time_start,
	   o.backend_pid,
	   o.completed_stage <> 'complete'
		   AND EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.pid = o.backend_pid)
		   AS running
  FROM _timescaledb_catalog.chunk_copy_operation o
  JOIN _timescaledb_catalog.chunk c ON c.id = o.chunk_id
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
 ORDER BY o.time_start, o.operation_id;

GRANT SELECT ON timescaledb_experimental.chunk_replication_status,
	timescaledb_information.chunk_moves TO PUBLIC;

CREATE FUNCTION _timescaledb_functions.block_chunks_on_data_node(node_name name)
RETURNS integer AS 'MODULE_PATHNAME', 'multinode_block_chunks_on_data_node' LANGUAGE C VOLATILE STRICT;

-- Per data node of a distributed hypertable that can take chunks (its
-- server exists, new chunks are not blocked on it), how many of the
-- hypertable's chunks it holds.
CREATE FUNCTION _timescaledb_functions.hypertable_node_loads(hypertable_id integer)
RETURNS TABLE (node_name name, num_chunks bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT hdn.node_name,
		   (SELECT count(*) FROM _timescaledb_catalog.chunk_data_node cdn
			  JOIN _timescaledb_catalog.chunk c ON c.id OPERATOR(pg_catalog.=) cdn.chunk_id
			 WHERE c.hypertable_id OPERATOR(pg_catalog.=) hdn.hypertable_id AND NOT c.dropped
			   AND cdn.node_name OPERATOR(pg_catalog.=) hdn.node_name)
	  FROM _timescaledb_catalog.hypertable_data_node hdn
	  JOIN pg_catalog.pg_foreign_server s ON s.srvname OPERATOR(pg_catalog.=) hdn.node_name
	 WHERE hdn.hypertable_id OPERATOR(pg_catalog.=) $1 AND NOT hdn.block_chunks
	 ORDER BY 2, 1
$$;

-- The most recent chunk of a hypertable on from_node that can move to
-- to_node: not already there, its replica on from_node fresh, no copy or
-- move of it unfinished.  Recent first: by the start of its time slice.
CREATE FUNCTION _timescaledb_functions.chunk_to_move(hypertable_id integer, from_node name,
													 to_node name)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('%I.%I', c.schema_name, c.table_name)::regclass
	  FROM _timescaledb_catalog.chunk c
	  JOIN _timescaledb_catalog.chunk_data_node cdn
		ON cdn.chunk_id OPERATOR(pg_catalog.=) c.id
	   AND cdn.node_name OPERATOR(pg_catalog.=) $2
	 WHERE c.hypertable_id OPERATOR(pg_catalog.=) $1 AND NOT c.dropped
	   AND NOT EXISTS (SELECT 1 FROM _timescaledb_catalog.chunk_data_node o
						WHERE o.chunk_id OPERATOR(pg_catalog.=) c.id
						  AND o.node_name OPERATOR(pg_catalog.=) $3)
	   AND NOT EXISTS (SELECT 1 FROM _timescaledb_catalog.chunk_replica_stale s
						WHERE s.chunk_id OPERATOR(pg_catalog.=) c.id
						  AND s.node_name OPERATOR(pg_catalog.=) $2)
	   AND NOT EXISTS (SELECT 1 FROM _timescaledb_catalog.chunk_copy_operation op
						WHERE op.chunk_id OPERATOR(pg_catalog.=) c.id
						  AND op.completed_stage OPERATOR(pg_catalog.<>) 'complete')
	 ORDER BY (SELECT max(ds.range_start)
				 FROM _timescaledb_catalog.chunk_constraint cc
				 JOIN _timescaledb_catalog.dimension_slice ds
				   ON ds.id OPERATOR(pg_catalog.=) cc.dimension_slice_id
				 JOIN _timescaledb_catalog.dimension d
				   ON d.id OPERATOR(pg_catalog.=) ds.dimension_id
				  AND d.interval_length IS NOT NULL
				WHERE cc.chunk_id OPERATOR(pg_catalog.=) c.id) DESC NULLS LAST,
			  c.id DESC
	 LIMIT 1
$$;

-- Move chunks of a distributed hypertable (every one when NULL) from the
-- data nodes holding most of its chunks to those holding fewest, most
-- recent chunks first, until the counts are within one of each other.
-- Each move is move_chunk's, committed on its own: interrupted, it leaves
-- the moves done so far, and at most one operation to clean up.
CREATE PROCEDURE rebalance_chunks(hypertable regclass = NULL)
LANGUAGE plpgsql AS $$
DECLARE
	ht record;
	most record;
	fewest record;
	ch regclass;
	moves integer := 0;
BEGIN
	IF hypertable IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM _timescaledb_catalog.hypertable h
		 WHERE h.replication_factor > 0
		   AND pg_catalog.format('%I.%I', h.schema_name, h.table_name)::regclass
			   OPERATOR(pg_catalog.=) hypertable) THEN
		RAISE EXCEPTION 'hypertable "%" is not distributed', hypertable
			USING ERRCODE = 'feature_not_supported';
	END IF;
	FOR ht IN
		SELECT h.id, pg_catalog.format('%I.%I', h.schema_name, h.table_name)::regclass AS relid
		  FROM _timescaledb_catalog.hypertable h
		 WHERE h.replication_factor > 0
		 ORDER BY h.id
	LOOP
		CONTINUE WHEN hypertable IS NOT NULL AND ht.relid OPERATOR(pg_catalog.<>) hypertable;
		LOOP
			SELECT * INTO fewest FROM _timescaledb_functions.hypertable_node_loads(ht.id)
			 ORDER BY num_chunks, node_name LIMIT 1;
			SELECT * INTO most FROM _timescaledb_functions.hypertable_node_loads(ht.id)
			 ORDER BY num_chunks DESC, node_name LIMIT 1;
			EXIT WHEN most IS NULL OR most.num_chunks OPERATOR(pg_catalog.-) fewest.num_chunks
				OPERATOR(pg_catalog.<=) 1;
			ch := _timescaledb_functions.chunk_to_move(ht.id, most.node_name, fewest.node_name);
			EXIT WHEN ch IS NULL;
			RAISE NOTICE 'moving chunk % from data node "%" to "%"', ch, most.node_name,
				fewest.node_name;
			CALL timescaledb_experimental.move_chunk(ch, most.node_name, fewest.node_name);
			moves := moves OPERATOR(pg_catalog.+) 1;
		END LOOP;
	END LOOP;
	RAISE NOTICE 'rebalance_chunks moved % chunks', moves;
END
$$;

-- Move every chunk replica off a data node, each to the node of its
-- hypertable holding fewest chunks that does not hold it, before the node
-- is detached or deleted.  New chunks are blocked on the node first (as
-- detach would), so that draining ends.
CREATE PROCEDURE drain_data_node(node_name name)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	dest name;
	moves integer := 0;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_server s
					WHERE s.srvname OPERATOR(pg_catalog.=) node_name) THEN
		RAISE EXCEPTION 'server "%" does not exist', node_name USING ERRCODE = 'undefined_object';
	END IF;
	PERFORM _timescaledb_functions.block_chunks_on_data_node(node_name);
	COMMIT;
	FOR r IN
		SELECT c.id, c.hypertable_id,
			   pg_catalog.format('%I.%I', c.schema_name, c.table_name)::regclass AS relid
		  FROM _timescaledb_catalog.chunk c
		  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id OPERATOR(pg_catalog.=) c.id
		 WHERE cdn.node_name OPERATOR(pg_catalog.=) drain_data_node.node_name AND NOT c.dropped
		 ORDER BY c.id
	LOOP
		SELECT l.node_name INTO dest
		  FROM _timescaledb_functions.hypertable_node_loads(r.hypertable_id) l
		 WHERE l.node_name OPERATOR(pg_catalog.<>) drain_data_node.node_name
		   AND NOT EXISTS (SELECT 1 FROM _timescaledb_catalog.chunk_data_node o
							WHERE o.chunk_id OPERATOR(pg_catalog.=) r.id
							  AND o.node_name OPERATOR(pg_catalog.=) l.node_name)
		 ORDER BY l.num_chunks, l.node_name
		 LIMIT 1;
		IF dest IS NULL THEN
			RAISE EXCEPTION 'cannot drain data node "%": chunk % has no other data node to go to',
				node_name, r.relid
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Attach another data node to its hypertable first.';
		END IF;
		CALL timescaledb_experimental.move_chunk(r.relid, node_name, dest);
		moves := moves OPERATOR(pg_catalog.+) 1;
	END LOOP;
	RAISE NOTICE 'drain_data_node moved % chunks off data node "%"', moves, node_name;
END
$$;
