/*-------------------------------------------------------------------------
 *
 * restore_point.c
 *	  create_distributed_restore_point(): one named restore point on the
 *	  access node and every data node, between the same transactions.
 *
 * Recovering every node to its restore point gives a consistent cluster
 * only if no distributed transaction committed on some nodes before their
 * point and on others after theirs.  Distributed commits hold the commit
 * window lock in share mode from before PREPARE until after COMMIT PREPARED
 * (remote/txn_2pc.c); taking it exclusively here waits for those in flight
 * and holds back new ones until this transaction ends, so all the points
 * are written while no commit is half done.  Data nodes are not added or
 * deleted meanwhile (the foreign server catalog is locked too).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "catalog/pg_foreign_server.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/pg_lsn.h"

#include "dist/dist.h"
#include "guc.h"
#include "remote/remote.h"

PG_FUNCTION_INFO_V1(multinode_create_distributed_restore_point);

/*
 * create_distributed_restore_point(name): rows (node_name, node_type,
 * restore_point), the access node's first (node_name NULL), then each data
 * node's in name order.  Superuser only, as pg_create_restore_point was and
 * TimescaleDB's is.
 */
Datum
multinode_create_distributed_restore_point(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *sql;
	List	   *conns = NIL;
	List	   *servers;
	Datum		values[3];
	bool		nulls[3] = {true, false, false};
	RemoteFirstError fe = {0};
	ListCell   *lc;

	if (strlen(name) >= MAXFNAMELEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("restore point name is too long"),
				 errdetail("The maximum length is %d bytes; this name has %d.",
						   MAXFNAMELEN - 1, (int) strlen(name))));
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("recovery is in progress"),
				 errdetail("WAL control functions cannot be executed during recovery.")));
	if (!XLogIsNeeded())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("WAL level '%s' is not sufficient for creating a restore point",
						GetConfigOptionByName("wal_level", NULL, false)),
				 errhint("Set wal_level to \"replica\" or \"logical\" at server start.")));
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to create restore point")));
	if (!mn_enable_2pc)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("two-phase commit transactions are not enabled"),
				 errdetail("Without two-phase commit a transaction may commit on some data nodes before the restore point and on others after it."),
				 errhint("Set multinode.enable_2pc to on.")));
	RequireAccessNode("create_distributed_restore_point");

	RemoteTxnLockCommitWindow(true);
	LockRelationOid(ForeignServerRelationId, ExclusiveLock);

	InitMaterializedSRF(fcinfo, 0);

	/* the data nodes' connections first: a node that is down fails it early */
	servers = GetDataNodeServerIds();
	foreach(lc, servers)
		conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc), REMOTE_TXN_READ));

	values[1] = CStringGetTextDatum("access_node");
	values[2] = LSNGetDatum(XLogRestorePoint(name));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	sql = psprintf("SELECT pg_catalog.pg_create_restore_point(%s)", quote_literal_cstr(name));
	foreach(lc, conns)
		RemoteSend(lfirst(lc), sql);
	nulls[0] = false;
	values[1] = CStringGetTextDatum("data_node");
	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);
		PGresult   *res = RemoteGetResult(conn, sql);

		if (!RemoteCollectResult(&fe, conn, res, sql))
			continue;
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		{
			values[0] = DirectFunctionCall1(namein, CStringGetDatum(RemoteConnNodeName(conn)));
			values[2] = DirectFunctionCall1(pg_lsn_in, CStringGetDatum(PQgetvalue(res, 0, 0)));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		PQclear(res);
	}
	RemoteRaiseFirstError(&fe);
	return (Datum) 0;
}
