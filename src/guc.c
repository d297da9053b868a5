/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every multinode.* configuration parameter, in alphabetical order.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "postmaster/postmaster.h"
#include "utils/guc.h"

#include "guc.h"
#include "remote/remote.h"

bool		mn_access_node_session = false;
int			mn_connect_timeout = 5;
char	   *mn_debug_chunk_copy_fault = NULL;
char	   *mn_debug_fault = NULL;
bool		mn_enable_2pc = true;
bool		mn_enable_aggregate_pushdown = true;
bool		mn_enable_client_ddl_on_data_nodes = false;
bool		mn_enable_distributed_ddl = false;
bool		mn_enable_ordered_append = true;
bool		mn_explain_data_node_plans = false;
int			mn_max_background_workers = 8;
int			mn_max_insert_batch_size = 1000;
int			mn_max_open_chunks_per_insert = 1024;
char	   *mn_passfile = NULL;
int			mn_remote_statement_cache_size = 32;
char	   *mn_ssl_dir = NULL;
char	   *mn_ssl_rootcert = NULL;

/* node-down handling (remote/suspect.c) */
int			mn_node_suspect_interval = 30000;

/* autocommit INSERTs sent with their commit (remote/held.c) */
bool		mn_hold_autocommit_insert = true;

void
MultinodeDefineGucs(void)
{
	/*
	 * Set by the access node in each session it opens on a data node (the
	 * session set-up of remote/connection.c): DDL on member hypertables is
	 * theirs to send.  Not a privilege -- a user who sets it by hand only
	 * loses the guard against changing one node alone.
	 */
	DefineCustomBoolVariable("multinode.access_node_session",
							 "Marks a data node session opened by the access node.",
							 NULL,
							 &mn_access_node_session,
							 false,
							 PGC_USERSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("multinode.connect_timeout",
							"Seconds to wait for a connection to a data node.",
							"A data node that does not answer within this time is reported "
							"as unreachable instead of hanging the session.",
							&mn_connect_timeout,
							5, 1, 3600,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("multinode.debug_chunk_copy_fault",
							   "Fault point in chunk copy and move, for tests.",
							   "Empty (the default) disables it. Otherwise \"stage\" or "
							   "\"stage:wait\"; see src/dist/chunk_copy.c.",
							   &mn_debug_chunk_copy_fault,
							   "",
							   PGC_SUSET,
							   GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("multinode.debug_fault",
							   "Fault point in the distributed commit protocol, for tests.",
							   "Empty (the default) disables it. Otherwise \"point\" or "
							   "\"point:action\"; see src/remote/txn_fault.c.",
							   &mn_debug_fault,
							   "",
							   PGC_SUSET,
							   GUC_NOT_IN_SAMPLE,
							   RemoteTxnFaultCheckHook, RemoteTxnFaultAssignHook, NULL);

	DefineCustomBoolVariable("multinode.enable_2pc",
							 "Commit distributed transactions with two-phase commit.",
							 "When off, data nodes are committed one after the other in one "
							 "phase, and a failure between two of them leaves the transaction "
							 "committed on some nodes only.",
							 &mn_enable_2pc,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("multinode.enable_aggregate_pushdown",
							 "Let the data nodes compute GROUP BY and aggregates.",
							 "When off, a distributed hypertable's rows are fetched and "
							 "aggregated on the access node. Unlike enable_partitionwise_aggregate, "
							 "which does not govern it, this is on by default.",
							 &mn_enable_aggregate_pushdown,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("multinode.enable_client_ddl_on_data_nodes",
							 "Allow DDL on member hypertables in a data node's own sessions.",
							 "Off, a data node refuses DDL on the members of distributed "
							 "hypertables unless the access node sends it, so that their "
							 "schema stays the same on every node.",
							 &mn_enable_client_ddl_on_data_nodes,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("multinode.enable_distributed_ddl",
							 "Send DDL on schemas, default privileges and database grants to every data node.",
							 "When on (on an access node), CREATE, ALTER and DROP SCHEMA, GRANT and "
							 "REVOKE on schemas, on the database and ON ALL TABLES IN SCHEMA, and "
							 "ALTER DEFAULT PRIVILEGES also run on every data node in the same "
							 "distributed transaction. Off by default, as TimescaleDB 2.13's "
							 "timescaledb_experimental.enable_distributed_ddl, which is honoured too.",
							 &mn_enable_distributed_ddl,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("multinode.enable_ordered_append",
							 "Read a data node's chunks one after another in time order for a sorted read.",
							 "On a data node, a read of a member hypertable sorted on its time "
							 "column takes the chunks in time order (an ordered Append) instead "
							 "of merging all of them, so that a LIMIT stops in the first chunks.",
							 &mn_enable_ordered_append,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("multinode.explain_data_node_plans",
							 "Show the data nodes' own plans in EXPLAIN.",
							 "Each data node explains the SQL it is sent (never with ANALYZE: "
							 "the node's plan is shown, not run a second time), and its plan "
							 "appears under the node's entry.",
							 &mn_explain_data_node_plans,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("multinode.max_background_workers",
							"Maximum number of jobs running at the same time.",
							"Counts job workers of all databases; 0 stops starting jobs. "
							"Each also needs a slot of max_worker_processes.",
							&mn_max_background_workers,
							8, 0, MAX_BACKENDS,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("multinode.max_insert_batch_size",
							"Rows buffered per data node before an insert ships them.",
							"Rows routed to a distributed hypertable are sent to each data node "
							"in batches of this many rows, with COPY, all nodes in parallel.",
							&mn_max_insert_batch_size,
							1000, 1, 1000000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("multinode.max_open_chunks_per_insert",
							"Maximum number of chunks of a local hypertable one insert keeps open.",
							"An INSERT or COPY into a hypertable keeps each chunk table it writes "
							"open, with its indexes and triggers, until the statement ends; past "
							"this many, the least recently used is closed, so that a statement "
							"writing thousands of chunks keeps a bounded amount of memory.",
							&mn_max_open_chunks_per_insert,
							1024, 1, 1000000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("multinode.passfile",
							   "Password file used to connect to data nodes.",
							   "Relative paths are taken from the data directory. Used when "
							   "no user mapping gives a password, only for data nodes owned by "
							   "a superuser, and only the line naming the role (user field \"*\" "
							   "matches no role).",
							   &mn_passfile,
							   "passfile",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("multinode.remote_statement_cache_size",
							"Named prepared statements kept per data node connection.",
							"Remote SQL that a session sends a second time on a connection "
							"(a small read, a single-row INSERT) is prepared on the data "
							"node, which then reuses its plan. 0 disables it.",
							&mn_remote_statement_cache_size,
							32, 0, 1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("multinode.ssl_dir",
							   "Directory of the client certificates used to connect to data nodes.",
							   "Relative paths are taken from the data directory. Role R's "
							   "certificate and key are the files md5(R).crt and md5(R).key "
							   "(hexadecimal); a key others can read is refused. Used only for "
							   "data nodes owned by a superuser.",
							   &mn_ssl_dir,
							   "certs",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("multinode.ssl_rootcert",
							   "Root certificate that data nodes' server certificates must chain to.",
							   "When set, connections to data nodes verify the node's certificate "
							   "and host name (sslmode verify-full) unless the node's own options "
							   "say otherwise. Relative paths are taken from the data directory.",
							   &mn_ssl_rootcert,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	/* node-down handling (remote/suspect.c) */
	DefineCustomIntVariable("multinode.node_suspect_interval",
							"How long a data node that could not be reached is skipped.",
							"Reads use other replicas and writes mark the node's replicas "
							"stale instead of waiting for it again; afterwards the next "
							"query tries it. 0 tries every time.",
							&mn_node_suspect_interval,
							30000, 0, 3600000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	/* autocommit INSERTs sent with their commit (remote/held.c) */
	DefineCustomBoolVariable("multinode.hold_autocommit_insert",
							 "Sends a few-row autocommit INSERT to its data node with the commit.",
							 "The rows of an INSERT that is its own transaction travel in one "
							 "round trip with the node's COMMIT or PREPARE TRANSACTION; an error "
							 "on the node (a unique violation, say) is then reported at commit, "
							 "as a deferred constraint's is.",
							 &mn_hold_autocommit_insert,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("multinode");
}
