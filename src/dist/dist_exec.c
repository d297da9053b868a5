/*-------------------------------------------------------------------------
 *
 * dist_exec.c
 *	  The distributed_exec procedure: run SQL on data nodes.
 *
 * Transactional (the default) runs inside the remote transactions of the
 * current local transaction, so an error on any node rolls back all of
 * them.  Non-transactional autocommits on each node, for commands that
 * cannot run in a transaction block (CREATE DATABASE, VACUUM); it therefore
 * refuses to run inside one itself.
 *
 * The text runs with the caller's search_path, then the connection goes back
 * to pg_catalog, on which multinode's own remote SQL relies.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "dist/dist.h"
#include "remote/remote.h"

/*
 * The server OIDs named by a name[] (NULL: every data node).  Rejects empty,
 * multi-dimensional and NULL-containing lists and unknown names, and drops
 * duplicates.
 */
List *
DataNodeIdsFromArray(ArrayType *node_list, bool null_means_all)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;
	List	   *ids = NIL;

	if (node_list == NULL)
	{
		if (null_means_all)
			return GetDataNodeServerIds();
		return NIL;
	}
	if (ARR_NDIM(node_list) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid data node list"),
				 errdetail("The list must be one-dimensional."),
				 errhint("Give the node names as an array, for example '{dn1,dn2}'.")));
	deconstruct_array(node_list, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &elems, &nulls, &nelems);
	if (nelems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid data node list"),
				 errdetail("The list is empty."),
				 errhint("Give at least one data node, or NULL for all of them.")));
	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("invalid data node list"),
					 errdetail("The list contains a NULL.")));
		ids = list_append_unique_oid(ids,
									 GetDataNodeServerId(NameStr(*DatumGetName(elems[i])), false));
	}
	return ids;
}

static void
set_search_path(DataNodeConn *conn, const char *path)
{
	const char *params[1] = {path};

	PQclear(RemoteExecParams(conn, "SELECT pg_catalog.set_config('search_path', $1, false)",
							 1, params));
}

PG_FUNCTION_INFO_V1(multinode_distributed_exec);

/*
 * CALL distributed_exec(query text, node_list name[] = NULL,
 *						 transactional bool = true)
 */
Datum
multinode_distributed_exec(PG_FUNCTION_ARGS)
{
	char	   *query;
	bool		transactional = PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	bool		top_level = IsTransactionBlock() ||
		(fcinfo->context && IsA(fcinfo->context, CallContext) &&
		 !castNode(CallContext, fcinfo->context)->atomic);
	const char *search_path = GetConfigOption("search_path", false, false);
	List	   *ids;
	List	   *conns = NIL;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query cannot be NULL")));
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));

	RequireAccessNode("distributed_exec");
	if (!transactional)
		PreventInTransactionBlock(top_level, "distributed_exec with transactional => false");

	ids = DataNodeIdsFromArray(PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), true);
	/* running any command on a node is a use of it, as placing data is */
	foreach(lc, ids)
		CheckDataNodeUsage(lfirst_oid(lc), GetUserId());
	foreach(lc, ids)
		conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc),
													 transactional ? REMOTE_TXN_WRITE : REMOTE_TXN_NONE));

	foreach(lc, conns)
		set_search_path(lfirst(lc), search_path);
	RemoteExecOnAll(conns, query);
	foreach(lc, conns)
		RemoteExecCommand(lfirst(lc), "SET search_path = pg_catalog");

	PG_RETURN_VOID();
}
