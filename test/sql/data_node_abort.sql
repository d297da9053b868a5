-- add_data_node whose transaction aborts leaves the node re-addable: a
-- database it created is dropped at abort; its claim on the node (dist_uuid)
-- records the access node transaction, and a claim whose transaction never
-- committed is taken over.  Claims that committed, and claims of other
-- access nodes, are still refused.
\set VERBOSITY terse
SET client_min_messages = notice;
CREATE DATABASE mn_ab_access;
CREATE DATABASE mn_ab_access2;
\c mn_ab_access2
CREATE EXTENSION multinode;
\c mn_ab_access
CREATE EXTENSION multinode;

-- in a transaction block: refused, nothing claimed
BEGIN;
SELECT add_data_node('abn1', host => 'localhost', database => 'mn_ab_dn1');
ROLLBACK;
SELECT node_name, database_created FROM add_data_node('abn1', host => 'localhost', database => 'mn_ab_dn1');
SELECT delete_data_node('abn1');

-- in a DO block that fails afterwards: the node is claimed, but re-addable
DO $$
BEGIN
  PERFORM add_data_node('abn1', host => 'localhost', database => 'mn_ab_dn1');
  RAISE EXCEPTION 'x';
END $$;
SELECT count(*) AS servers FROM pg_foreign_server;
SELECT node_name, database_created, extension_created
  FROM add_data_node('abn1', host => 'localhost', database => 'mn_ab_dn1');

-- in a function whose caller fails afterwards, with a new database: the
-- database goes with the abort, and adding the node again creates it
CREATE FUNCTION add_then_fail(node name, db name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_data_node(node, host => 'localhost', database => db);
  RAISE EXCEPTION 'after adding %', node;
END $$;
SELECT add_then_fail('abn2', 'mn_ab_dn2');
SELECT node_name, database_created FROM add_data_node('abn2', host => 'localhost', database => 'mn_ab_dn2');

-- in a subtransaction: refused, nothing claimed
SELECT delete_data_node('abn2');
DO $$
BEGIN
  BEGIN
    PERFORM add_data_node('abn2', host => 'localhost', database => 'mn_ab_dn2');
    RAISE EXCEPTION 'inner';
  EXCEPTION WHEN raise_exception THEN
    RAISE NOTICE 'caught %', SQLERRM;
  END;
END $$;
SELECT node_name FROM add_data_node('abn2', host => 'localhost', database => 'mn_ab_dn2');

-- twice in one transaction: the second sees the first one's claim at work
DO $$
BEGIN
  PERFORM add_data_node('abn3', host => 'localhost', database => 'mn_ab_dn3');
  PERFORM add_data_node('abn3_again', host => 'localhost', database => 'mn_ab_dn3');
END $$;
SELECT node_name, database_created FROM add_data_node('abn3', host => 'localhost', database => 'mn_ab_dn3');

-- committed claims are still refused, under another name too
SELECT add_data_node('abn1_again', host => 'localhost', database => 'mn_ab_dn1');

-- another access node's unfinished claim is not ours to take (in a database
-- that was there before, so the abort leaves it and the claim behind)
CREATE DATABASE mn_ab_dn4;
\c mn_ab_access2
CREATE FUNCTION add_then_fail(node name, db name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_data_node(node, host => 'localhost', database => db);
  RAISE EXCEPTION 'after adding %', node;
END $$;
SELECT add_then_fail('other', 'mn_ab_dn4');
\c mn_ab_access
SELECT node_name FROM add_data_node('abn4', host => 'localhost', database => 'mn_ab_dn4');
\c mn_ab_access2
SELECT node_name, database_created FROM add_data_node('other', host => 'localhost', database => 'mn_ab_dn4');
SELECT delete_data_node('other', drop_database => true);

-- the nodes are in working order, and release drops the whole claim
\c mn_ab_access
CALL distributed_exec('CREATE TABLE t (a int)');
SELECT node_name FROM timescaledb_information.data_nodes ORDER BY 1;
SELECT delete_data_node('abn1');
\c mn_ab_dn1
SELECT key FROM _timescaledb_catalog.metadata ORDER BY key;
\c mn_ab_access
SELECT delete_data_node('abn2', drop_database => true);
SELECT delete_data_node('abn3', drop_database => true);
\c regression
DROP DATABASE mn_ab_access;
DROP DATABASE mn_ab_access2;
DROP DATABASE mn_ab_dn1;
