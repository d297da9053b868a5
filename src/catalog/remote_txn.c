/*-------------------------------------------------------------------------
 *
 * remote_txn.c
 *	  _timescaledb_catalog.remote_txn: the commit decisions of distributed
 *	  transactions, one row per (transaction, data node it wrote to), keyed by
 *	  the GID of the prepared transaction on that node.
 *
 * A row is written in the access-node transaction itself, just before it
 * commits, so it exists exactly when that transaction committed: it is the
 * commit decision that healing reads.  Rows are written directly into the
 * heap (no SPI, no permission check: every role's commit writes one, and no
 * role may forge one), and read and garbage-collected through SPI as the
 * table's owner.
 *
 * This file knows SQL and tables only; what a GID means is remote/'s affair.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "multinode.h"

static Oid
log_relid(void)
{
	Oid			nsp = get_namespace_oid(MN_CATALOG_SCHEMA, false);
	Oid			relid = get_relname_relid("remote_txn", nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "table %s.remote_txn is missing", MN_CATALOG_SCHEMA);
	return relid;
}

/*
 * Record the commit decision rows of the current transaction: node_names[i]
 * was sent PREPARE TRANSACTION gids[i].  Called at pre-commit.
 */
void
RemoteTxnLogWrite(int n, const char *const *node_names, const char *const *gids)
{
	Relation	rel = table_open(log_relid(), RowExclusiveLock);
	int			i;

	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		HeapTuple	tup;

		values[0] = DirectFunctionCall1(namein, CStringGetDatum(node_names[i]));
		values[1] = CStringGetTextDatum(gids[i]);
		tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
		CatalogTupleInsert(rel, tup);
		heap_freetuple(tup);
	}
	table_close(rel, NoLock);
}

/*
 * SPI as the extension's owner, who owns the log, so healing works for
 * whoever may run it.
 */
static void
log_spi_begin(CatalogOwnerScope *scope)
{
	CatalogAsOwnerBegin(scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static void
log_spi_end(CatalogOwnerScope *scope)
{
	SPI_finish();
	CatalogAsOwnerEnd(scope);
}

static Datum
text_array(int n, char **items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * For each gids[i], whether its decision row exists (has_row[i]).  The rows
 * are read with a snapshot taken now, not the transaction's, so that a
 * transaction seen to have ended before this call has its row seen too.
 */
void
RemoteTxnLogLookup(int n, char **gids, bool *has_row)
{
	static const char *sql =
		"SELECT u.ord, EXISTS (SELECT 1 FROM " MN_CATALOG_SCHEMA ".remote_txn r "
		"                      WHERE r.remote_transaction_id OPERATOR(pg_catalog.=) u.gid) "
		"  FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS u(gid, ord)";
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		args[1];
	SPIPlanPtr	plan;
	CatalogOwnerScope s;
	uint64		row;
	int			i;

	for (i = 0; i < n; i++)
		has_row[i] = false;
	if (n == 0)
		return;
	args[0] = text_array(n, gids);
	log_spi_begin(&s);
	plan = SPI_prepare(sql, 1, argtypes);
	if (plan == NULL ||
		SPI_execute_snapshot(plan, args, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s.remote_txn", MN_CATALOG_SCHEMA);
	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		ord = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));

		if (ord < 1 || ord > n)
			elog(ERROR, "unexpected ordinal in remote_txn lookup");
		has_row[ord - 1] = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
	}
	log_spi_end(&s);
}

/*
 * Every transaction id below the returned one (a decimal full transaction
 * id) had ended when this was called: a decision row of such a transaction
 * is either committed and visible now, or will never exist.
 */
char *
RemoteTxnLogHorizon(void)
{
	MemoryContext caller = CurrentMemoryContext;
	CatalogOwnerScope s;
	char	   *result;

	log_spi_begin(&s);
	if (SPI_execute("SELECT pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::pg_catalog.text",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the transaction horizon");
	result = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	log_spi_end(&s);
	return result;
}

/*
 * Garbage-collect node_name's decision rows: a row goes once its transaction
 * (xid field xid_field of the ':'-separated GID) is below horizon, so that
 * it was committed before the caller listed the node's prepared transactions,
 * and its GID is not among keep (still prepared there).  Rows whose GID does
 * not start with prefix are not this database's (a copied database) and go
 * too, and so do the rows of data nodes that no longer exist (they can never
 * be healed).  Returns how many rows were deleted.
 */
uint64
RemoteTxnLogCollect(const char *node_name, const char *prefix, int xid_field,
					const char *horizon, int nkeep, char **keep)
{
	static const char *sql =
		"DELETE FROM " MN_CATALOG_SCHEMA ".remote_txn "
		" WHERE data_node_name OPERATOR(pg_catalog.=) $1 "
		"   AND CASE WHEN pg_catalog.starts_with(remote_transaction_id, $2) "
		"            THEN pg_catalog.split_part(remote_transaction_id, ':', $3)::pg_catalog.xid8 "
		"                   < $4::pg_catalog.xid8 "
		"                 AND remote_transaction_id OPERATOR(pg_catalog.<>) ALL ($5::pg_catalog.text[]) "
		"            ELSE true END";
	Oid			argtypes[5] = {NAMEOID, TEXTOID, INT4OID, TEXTOID, TEXTARRAYOID};
	Datum		args[5];
	CatalogOwnerScope s;
	uint64		deleted;

	args[0] = DirectFunctionCall1(namein, CStringGetDatum(node_name));
	args[1] = CStringGetTextDatum(prefix);
	args[2] = Int32GetDatum(xid_field);
	args[3] = CStringGetTextDatum(horizon);
	args[4] = text_array(nkeep, keep);
	log_spi_begin(&s);
	if (SPI_execute_with_args(sql, 5, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not garbage-collect %s.remote_txn", MN_CATALOG_SCHEMA);
	deleted = SPI_processed;
	if (SPI_execute("DELETE FROM " MN_CATALOG_SCHEMA ".remote_txn r "
					" WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_server s "
					"                    WHERE s.srvname OPERATOR(pg_catalog.=) r.data_node_name)",
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not garbage-collect %s.remote_txn", MN_CATALOG_SCHEMA);
	deleted += SPI_processed;
	log_spi_end(&s);
	return deleted;
}

/*
 * How many decision rows node_name has: delete_data_node's hint that the
 * node may hold prepared transactions when it cannot look at the node.
 */
int64
RemoteTxnLogCount(const char *node_name)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];
	CatalogOwnerScope s;
	bool		isnull;
	int64		count;

	args[0] = DirectFunctionCall1(namein, CStringGetDatum(node_name));
	log_spi_begin(&s);
	if (SPI_execute_with_args("SELECT pg_catalog.count(*) FROM " MN_CATALOG_SCHEMA ".remote_txn "
							  " WHERE data_node_name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read %s.remote_txn", MN_CATALOG_SCHEMA);
	count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	log_spi_end(&s);
	return count;
}
