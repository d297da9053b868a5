/*-------------------------------------------------------------------------
 *
 * tablespace.c
 *	  Tablespaces attached to a hypertable, and where a new chunk table goes.
 *
 * attach_tablespace, detach_tablespace, detach_tablespaces and
 * show_tablespaces keep _timescaledb_catalog.tablespace, one row per
 * (hypertable, tablespace) in attach order.  A new chunk table is created in
 * one of them, chosen by the chunk's space slice (its time slice when there
 * is no space dimension) round-robin over the list, so that one device's
 * chunks stay on one disk.  Chunks already made stay where they are.
 *
 * As in TimescaleDB 2.13, tablespaces cannot be attached to a distributed
 * hypertable on the access node: its chunks there are foreign tables and
 * hold nothing, and the tablespaces that matter are the data nodes' own
 * (attach them to the member hypertable on a data node, where the
 * same rules apply).  A chunk table also takes the root's access method and
 * storage parameters, which CREATE TABLE ... INHERITS does not copy.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/tablespace.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "hypertable/hypertable.h"
#include "multinode.h"

/* The names of the tablespaces attached to hypertable id, in attach order. */
static List *
attached_tablespaces(int32 hypertable_id)
{
	CatalogOwnerScope scope;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(hypertable_id)};
	List	   *names = NIL;
	MemoryContext caller = CurrentMemoryContext;
	uint64		i;

	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	if (SPI_execute_with_args("SELECT tablespace_name::pg_catalog.text FROM " MN_CATALOG_SCHEMA ".tablespace "
							  "WHERE hypertable_id OPERATOR(pg_catalog.=) $1 ORDER BY id",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the tablespaces of hypertable %d", hypertable_id);
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		MemoryContext spi = MemoryContextSwitchTo(caller);

		names = lappend(names, pstrdup(name));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	CatalogAsOwnerEnd(&scope);
	return names;
}

static bool
name_in_list(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

/*
 * What follows a new local chunk's CREATE TABLE: the root's access method
 * and storage parameters, and the tablespace chosen by slice_index.
 */
char *
ChunkStorageClause(const Hypertable *ht, int slice_index)
{
	List	   *tablespaces = attached_tablespaces(ht->id);
	char	   *clause = DeparseStorageClause(ht->relid);
	int			n = list_length(tablespaces);

	if (n == 0)
		return clause;
	return psprintf("%s TABLESPACE %s", clause,
					quote_identifier(list_nth(tablespaces, ((slice_index % n) + n) % n)));
}

/* The root moves to ts (or back to the database's default) while it is empty. */
static void
set_root_tablespace(Oid relid, const char *ts)
{
	SPI_connect();
	SPI_execute(psprintf("ALTER TABLE %s SET TABLESPACE %s", QualifiedRelationName(relid),
						 quote_identifier(ts)), false, 0);
	SPI_finish();
}

/* TimescaleDB's check and message: members of the owning role pass. */
static void
require_hypertable_owner(Oid relid)
{
	if (!has_privs_of_role(GetUserId(), RelationOwner(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of hypertable \"%s\"", get_rel_name(relid))));
}

PG_FUNCTION_INFO_V1(multinode_attach_tablespace);

/*
 * attach_tablespace(tablespace name, hypertable regclass,
 *					 if_not_attached boolean = false) RETURNS void
 */
Datum
multinode_attach_tablespace(PG_FUNCTION_ARGS)
{
	char	   *ts;
	Oid			relid;
	bool		if_not_attached = PG_ARGISNULL(2) ? false : PG_GETARG_BOOL(2);
	Oid			ts_oid;
	Oid			owner;
	Hypertable *ht;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid tablespace name")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid hypertable")));
	ts = NameStr(*PG_GETARG_NAME(0));
	relid = PG_GETARG_OID(1);
	ts_oid = get_tablespace_oid(ts, true);
	if (!OidIsValid(ts_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("tablespace \"%s\" does not exist", ts),
				 errhint("The tablespace needs to be created before attaching it to a hypertable.")));
	require_hypertable_owner(relid);

	/*
	 * The chunks will belong to the table's owner, so it is the owner who
	 * needs CREATE on the tablespace; the database's default needs none.
	 */
	owner = RelationOwner(relid);
	if (ts_oid != MyDatabaseTableSpace &&
		pg_tablespace_aclcheck(ts_oid, owner, ACL_CREATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for tablespace \"%s\" by table owner \"%s\"",
						ts, GetUserNameFromId(owner, true))));
	ht = HypertableRequire(relid);
	if (HypertableIsDistributed(ht))
		ereport(ERROR,
				(errcode(ERRCODE_MN_OPERATION_NOT_SUPPORTED),
				 errmsg("cannot attach tablespace to distributed hypertable")));

	if (name_in_list(attached_tablespaces(ht->id), ts))
	{
		ereport(if_not_attached ? NOTICE : ERROR,
				(errcode(ERRCODE_MN_TABLESPACE_ALREADY_ATTACHED),
				 errmsg(if_not_attached ?
						"tablespace \"%s\" is already attached to hypertable \"%s\", skipping" :
						"tablespace \"%s\" is already attached to hypertable \"%s\"",
						ts, get_rel_name(relid))));
	}
	else
	{
		Oid			types[2] = {INT4OID, NAMEOID};
		Datum		values[2];

		values[0] = Int32GetDatum(ht->id);
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(ts));
		CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".tablespace (hypertable_id, tablespace_name) "
					"VALUES ($1, $2)", 2, types, values, NULL, false);
	}

	/* a root without a tablespace of its own takes the first one attached */
	if (!OidIsValid(get_rel_tablespace(relid)))
		set_root_tablespace(relid, ts);
	PG_RETURN_VOID();
}

/*
 * Detach ts from the hypertable relid (the caller owns it); the root leaves
 * it for the database's default.  Returns the number of rows removed.
 */
static int
detach_one(Oid relid, const char *ts, Oid ts_oid, bool if_attached)
{
	Hypertable *ht;
	Oid			types[2] = {INT4OID, NAMEOID};
	Datum		values[2];
	int			n = 0;

	require_hypertable_owner(relid);
	ht = HypertableRequire(relid);
	if (name_in_list(attached_tablespaces(ht->id), ts))
	{
		values[0] = Int32GetDatum(ht->id);
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(ts));
		n = CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".tablespace WHERE hypertable_id OPERATOR(pg_catalog.=) $1 "
						"AND tablespace_name OPERATOR(pg_catalog.=) $2", 2, types, values, NULL, false);
	}
	else
		ereport(if_attached ? NOTICE : ERROR,
				(errcode(ERRCODE_MN_TABLESPACE_NOT_ATTACHED),
				 errmsg(if_attached ?
						"tablespace \"%s\" is not attached to hypertable \"%s\", skipping" :
						"tablespace \"%s\" is not attached to hypertable \"%s\"",
						ts, get_rel_name(relid))));
	if (get_rel_tablespace(relid) == ts_oid)
		set_root_tablespace(relid, "pg_default");
	return n;
}

PG_FUNCTION_INFO_V1(multinode_detach_tablespace);

/*
 * detach_tablespace(tablespace name, hypertable regclass = NULL,
 *					 if_attached boolean = false) RETURNS integer
 *
 * Without a hypertable: from every hypertable the caller owns; the others
 * keep it, with a NOTICE saying how many.
 */
Datum
multinode_detach_tablespace(PG_FUNCTION_ARGS)
{
	char	   *ts;
	bool		if_attached = PG_ARGISNULL(2) ? false : PG_GETARG_BOOL(2);
	Oid			ts_oid;
	int			n = 0;
	int			kept = 0;
	CatalogOwnerScope scope;
	List	   *roots = NIL;
	ListCell   *lc;
	MemoryContext caller = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid tablespace name")));
	ts = NameStr(*PG_GETARG_NAME(0));
	ts_oid = get_tablespace_oid(ts, true);
	if (!OidIsValid(ts_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("tablespace \"%s\" does not exist", ts)));
	if (!PG_ARGISNULL(1))
		PG_RETURN_INT32(detach_one(PG_GETARG_OID(1), ts, ts_oid, if_attached));

	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	{
		Oid			types[1] = {NAMEOID};
		Datum		values[1] = {DirectFunctionCall1(namein, CStringGetDatum(ts))};
		MemoryContext spi;
		uint64		i;

		if (SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', h.schema_name, h.table_name)::pg_catalog.regclass::pg_catalog.oid "
								  "FROM " MN_CATALOG_SCHEMA ".tablespace t JOIN " MN_CATALOG_SCHEMA ".hypertable h "
								  "ON h.id OPERATOR(pg_catalog.=) t.hypertable_id "
								  "WHERE t.tablespace_name OPERATOR(pg_catalog.=) $1 ORDER BY h.id",
								  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the hypertables of tablespace \"%s\"", ts);
		spi = MemoryContextSwitchTo(caller);
		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			roots = lappend_oid(roots, DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	  SPI_tuptable->tupdesc, 1, &isnull)));
		}
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	CatalogAsOwnerEnd(&scope);

	foreach(lc, roots)
	{
		Oid			relid = lfirst_oid(lc);

		if (has_privs_of_role(GetUserId(), RelationOwner(relid)))
			n += detach_one(relid, ts, ts_oid, true);
		else
			kept++;
	}
	if (kept > 0)
		ereport(NOTICE,
				(errmsg("tablespace \"%s\" remains attached to %d hypertable(s) due to lack of permissions",
						ts, kept)));
	PG_RETURN_INT32(n);
}

PG_FUNCTION_INFO_V1(multinode_detach_tablespaces);

/* detach_tablespaces(hypertable regclass) RETURNS integer */
Datum
multinode_detach_tablespaces(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Hypertable *ht;
	Oid			types[1] = {INT4OID};
	Datum		values[1];
	int			n;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid hypertable")));
	relid = PG_GETARG_OID(0);
	require_hypertable_owner(relid);
	ht = HypertableRequire(relid);
	values[0] = Int32GetDatum(ht->id);
	n = CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".tablespace WHERE hypertable_id OPERATOR(pg_catalog.=) $1",
					1, types, values, NULL, false);
	set_root_tablespace(relid, "pg_default");
	PG_RETURN_INT32(n);
}

PG_FUNCTION_INFO_V1(multinode_show_tablespaces);

/* show_tablespaces(hypertable regclass) RETURNS SETOF name */
Datum
multinode_show_tablespaces(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid hypertable")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, attached_tablespaces(HypertableRequire(PG_GETARG_OID(0))->id))
	{
		Datum		value = DirectFunctionCall1(namein, CStringGetDatum(lfirst(lc)));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}
