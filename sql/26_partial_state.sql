-- Partial aggregation across data nodes (src/planner/upper_agg.c on the
-- access node, src/planner/partialize.c on the data node).
--
-- The access node sends "partial_state(agg(...), NULL::<state type>,
-- '<aggregate>'::regprocedure, <major>)" around an aggregate whose groups span
-- nodes (the aggregate named so that a node resolving the call to another
-- one, say after a column's type changed there, refuses); the node's planner makes
-- that aggregate stop before its final function and return its transition
-- state (serialized to bytea when the state is internal).  Run anywhere else
-- it raises an error.  It only produces states: nothing on either side takes
-- a state from SQL input.
CREATE FUNCTION _timescaledb_internal.partial_state(agg "any", state_type anyelement,
                                                    aggregate regprocedure, pg_major int)
RETURNS anyelement
AS 'MODULE_PATHNAME', 'multinode_partial_state' LANGUAGE C IMMUTABLE PARALLEL SAFE;
