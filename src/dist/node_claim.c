/*-------------------------------------------------------------------------
 *
 * node_claim.c
 *	  The claim add_data_node makes on a data node, and how a claim left by
 *	  an add_data_node that never committed is recognised.
 *
 * A data node belongs to the access node whose uuid is its dist_uuid.  The
 * claim is written on the node in autocommit, before the access node's own
 * transaction (which creates the foreign server) commits; if that
 * transaction then aborts (add_data_node in a DO block or function that
 * fails afterwards, a crash) nothing on the access node knows the node, yet
 * the node is claimed.  So the claim also records the access node
 * transaction that made it (dist_claim_xid, a full xid, so never ambiguous):
 * a later add_data_node from the same access node whose claiming
 * transaction aborted or was lost takes the claim over.  A claim whose
 * transaction committed is a real membership; one still in progress is
 * another add_data_node at work; one too old to look up is kept.  Claims of
 * other access nodes are never touched: nothing here can know whether they
 * are alive.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/xid8.h"

#include "dist/dist.h"
#include "multinode.h"
#include "remote/remote.h"

typedef enum ClaimState
{
	CLAIM_MEMBER,	   /* committed, or unknown: the node is ours */
	CLAIM_IN_PROGRESS, /* being added by a running transaction */
	CLAIM_ABANDONED,   /* its transaction aborted or was lost */
} ClaimState;

static char *
claim_value(DataNodeConn *conn, const char *key)
{
	const char *params[1] = {key};

	return RemoteExecValue(conn, "SELECT value FROM _timescaledb_catalog.metadata WHERE key = $1",
						   1, params);
}

/* What became of the access node transaction recorded in a claim. */
static ClaimState
claim_state(const char *xid_text)
{
	FullTransactionId fxid;
	char			 *end;
	uint64			  value;
	LOCAL_FCINFO(fcinfo, 1);
	Datum status;

	if (xid_text == NULL)
		return CLAIM_MEMBER; /* made before claims recorded their xid */
	errno = 0;
	value = strtou64(xid_text, &end, 10);
	if (errno != 0 || *end != '\0' || end == xid_text)
		return CLAIM_MEMBER;
	fxid = FullTransactionIdFromU64(value);
	/* at or past the next xid: handed out before a crash, never committed */
	if (FullTransactionIdFollowsOrEquals(fxid, ReadNextFullTransactionId()))
		return CLAIM_ABANDONED;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = FullTransactionIdGetDatum(fxid);
	fcinfo->args[0].isnull = false;
	status = pg_xact_status(fcinfo);
	if (fcinfo->isnull)
		return CLAIM_MEMBER; /* too old to know: keep it */
	if (strcmp(TextDatumGetCString(status), "in progress") == 0)
		return CLAIM_IN_PROGRESS;
	if (strcmp(TextDatumGetCString(status), "aborted") == 0)
		return CLAIM_ABANDONED;
	return CLAIM_MEMBER;
}

/*
 * Claim the node for local_uuid, given the node's uuid (remote_uuid).
 * Refuses the access node itself, a node of another distributed database
 * and one already ours; takes over our own abandoned claim.  Returns the SQL
 * that removes the claim again, for when add_data_node fails after it.
 */
char *
DataNodeClaim(DataNodeConn *conn, const char *node_name, const char *dbname,
			  const char *remote_uuid, const char *local_uuid)
{
	char	   *dist_uuid = claim_value(conn, "dist_uuid");
	char	   *claim_xid = claim_value(conn, "dist_claim_xid");
	const char *my_xid =
		psprintf(UINT64_FORMAT, U64FromFullTransactionId(GetCurrentFullTransactionId()));
	const char *params[3] = {local_uuid, my_xid, claim_xid};
	PGresult   *res;
	bool		claimed;

	/* the messages are TimescaleDB's, the hints say which case it was */
	if (remote_uuid && strcmp(remote_uuid, local_uuid) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_MN_DATA_NODE_INVALID_CONFIG),
				 errmsg("cannot add the current database as a data node to itself"),
				 errdetail("Adding the current database as a data node to itself would create a "
						   "cycle. Use a different instance or database for the data node."),
				 errhint("Check that the 'port' parameter refers to a different instance or that "
						 "the 'database' parameter refers to a different database.")));
	if (dist_uuid && strcmp(dist_uuid, local_uuid) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_MN_DATA_NODE_INVALID_CONFIG),
				 errmsg("cannot add \"%s\" as a data node", node_name),
				 errdetail("database is already a member of a distributed database"),
				 remote_uuid && strcmp(remote_uuid, dist_uuid) == 0
					 ? errhint("Database \"%s\" on that node is an access node.", dbname)
					 : errhint("Database \"%s\" on that node belongs to another distributed "
							   "database; delete it from that access node first, or use another "
							   "database.", dbname)));
	if (dist_uuid)
	{
		switch (claim_state(claim_xid))
		{
			case CLAIM_MEMBER:
				ereport(ERROR, (errcode(ERRCODE_MN_DATA_NODE_INVALID_CONFIG),
								errmsg("cannot add \"%s\" as a data node", node_name),
								errdetail("database is already a member of a distributed database"),
								errhint("Database \"%s\" is already a data node of this distributed "
										"database; each data node needs a database of its own.",
										dbname)));
				break;
			case CLAIM_IN_PROGRESS:
				ereport(ERROR, (errcode(ERRCODE_OBJECT_IN_USE),
								errmsg("database \"%s\" of data node \"%s\" is being added by a "
									   "transaction in progress",
									   dbname, node_name),
								errhint("Wait for that transaction to end, then try again.")));
				break;
			case CLAIM_ABANDONED:
				break;
		}
		/* ours, from a transaction that never committed: take it over */
		res = RemoteExecParams(conn,
							   "UPDATE _timescaledb_catalog.metadata SET value = $2 "
							   "WHERE key = 'dist_claim_xid' AND value = $3 "
							   "AND EXISTS (SELECT FROM _timescaledb_catalog.metadata "
							   "            WHERE key = 'dist_uuid' AND value = $1)",
							   3, params);
	}
	else
		res = RemoteExecParams(
			conn,
			"WITH claim AS (INSERT INTO _timescaledb_catalog.metadata (key, value) "
			"               VALUES ('dist_uuid', $1) ON CONFLICT (key) DO NOTHING RETURNING key) "
			"INSERT INTO _timescaledb_catalog.metadata (key, value) "
			"SELECT 'dist_claim_xid', $2 FROM claim "
			"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			2, params);
	claimed = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!claimed)
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_IN_USE),
			 errmsg(
				 "database \"%s\" of data node \"%s\" was claimed by another transaction meanwhile",
				 dbname, node_name),
			 errhint("Try again.")));
	return psprintf("DELETE FROM _timescaledb_catalog.metadata "
					"WHERE (key = 'dist_uuid' AND value = %s) "
					"   OR (key = 'dist_claim_xid' AND value = %s)",
					quote_literal_cstr(local_uuid), quote_literal_cstr(my_xid));
}

/* SQL that releases a node from its distributed database. */
const char *
DataNodeReleaseSQL(void)
{
	return "DELETE FROM _timescaledb_catalog.metadata WHERE key IN ('dist_uuid', 'dist_claim_xid')";
}
