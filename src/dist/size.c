/*-------------------------------------------------------------------------
 *
 * size.c
 *	  The data nodes' side of the size reports: one remote call per data
 *	  node of a hypertable, all nodes at once.
 *
 * A node that cannot be reached, or fails, is reported with a WARNING and a
 * row of NULL sizes instead of failing the whole report: size reports are
 * what one looks at when something is wrong.  The SQL functions in
 * sql/25_sizes.sql combine these rows with the local ones.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "multinode.h"
#include "remote/remote.h"

/*
 * Run query (one parameter: param, the qualified name of the hypertable or
 * of one of its indexes) on every data node of the hypertable rooted at
 * relid; return its rows prefixed by the node's name.
 */
static void
size_fan_out(FunctionCallInfo fcinfo, Oid relid, const char *param, const char *query)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Hypertable *ht = HypertableGetByRelid(relid);
	AttInMetadata *attinmeta;
	List	   *sent = NIL;
	List	   *sent_names = NIL;
	List	   *null_nodes = NIL;
	ListCell   *lc,
			   *lc2;
	const char *params[1];
	int			ncols;
	char	  **values;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (!HypertableIsDistributed(ht))
		return;
	attinmeta = TupleDescGetAttInMetadata(rsinfo->setDesc);
	ncols = rsinfo->setDesc->natts;
	values = palloc0(sizeof(char *) * ncols);
	params[0] = param ? param : quote_qualified_identifier(ht->schema_name, ht->table_name);

	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);
		char	   *msg = NULL;
		DataNodeConn *conn = OidIsValid(hdn->server_id) ?
			TryDataNodeConnection(hdn->server_id, &msg) : NULL;

		if (conn == NULL || RemoteConnIsBusy(conn))
		{
			ereport(WARNING,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not get sizes from data node \"%s\"", hdn->node_name),
					 msg ? errdetail_internal("%s", msg) : 0));
			null_nodes = lappend(null_nodes, hdn->node_name);
			continue;
		}
		RemoteSendParams(conn, query, 1, params);
		sent = lappend(sent, conn);
		sent_names = lappend(sent_names, hdn->node_name);
	}
	forboth(lc, sent, lc2, sent_names)
	{
		DataNodeConn *conn = lfirst(lc);
		PGresult   *res = RemoteGetResult(conn, query);
		int			r,
					c;

		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			ereport(WARNING,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not get sizes from data node \"%s\"", (char *) lfirst(lc2)),
					 res ? errdetail_internal("%s", PQresultErrorMessage(res)) : 0));
			PQclear(res);
			null_nodes = lappend(null_nodes, lfirst(lc2));
			continue;
		}
		for (r = 0; r < PQntuples(res); r++)
		{
			values[0] = lfirst(lc2);
			for (c = 1; c < ncols; c++)
				values[c] = (c - 1 < PQnfields(res) && !PQgetisnull(res, r, c - 1)) ?
					PQgetvalue(res, r, c - 1) : NULL;
			tuplestore_puttuple(rsinfo->setResult, BuildTupleFromCStrings(attinmeta, values));
		}
		PQclear(res);
	}
	foreach(lc, null_nodes)
	{
		int			c;

		values[0] = lfirst(lc);
		for (c = 1; c < ncols; c++)
			values[c] = NULL;
		tuplestore_puttuple(rsinfo->setResult, BuildTupleFromCStrings(attinmeta, values));
	}
}

PG_FUNCTION_INFO_V1(multinode_data_node_hypertable_sizes);

/* _timescaledb_functions.data_node_hypertable_sizes(hypertable regclass) */
Datum
multinode_data_node_hypertable_sizes(PG_FUNCTION_ARGS)
{
	size_fan_out(fcinfo, PG_GETARG_OID(0), NULL, "SELECT table_bytes, index_bytes, toast_bytes, total_bytes FROM "
				 MN_FUNCTIONS_SCHEMA ".local_hypertable_size($1::regclass)");
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(multinode_data_node_chunk_sizes);

/* _timescaledb_functions.data_node_chunk_sizes(hypertable regclass) */
Datum
multinode_data_node_chunk_sizes(PG_FUNCTION_ARGS)
{
	size_fan_out(fcinfo, PG_GETARG_OID(0), NULL, "SELECT chunk_schema, chunk_name, table_bytes, index_bytes, toast_bytes, "
				 "total_bytes FROM " MN_FUNCTIONS_SCHEMA ".local_chunk_sizes($1::regclass)");
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(multinode_data_node_index_sizes);

/*
 * _timescaledb_functions.data_node_index_sizes(index_name regclass): the
 * index of the same name on each data node of its distributed hypertable,
 * with its chunk copies there.
 */
Datum
multinode_data_node_index_sizes(PG_FUNCTION_ARGS)
{
	Oid			index = PG_GETARG_OID(0);
	Oid			table = get_rel_relkind(index) == RELKIND_INDEX ? IndexGetRelation(index, false) :
		InvalidOid;

	if (!OidIsValid(table))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(index))));
	size_fan_out(fcinfo, table,
				 quote_qualified_identifier(get_namespace_name(get_rel_namespace(index)),
											get_rel_name(index)),
				 "SELECT " MN_FUNCTIONS_SCHEMA ".local_index_size($1::regclass)");
	return (Datum) 0;
}
