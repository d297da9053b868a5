/*-------------------------------------------------------------------------
 *
 * chunk_rows.c
 *	  A new chunk's catalog rows, written with heap inserts, not SQL.
 *
 * Creating a chunk writes a chunk row, a dimension_slice row per new slice,
 * a chunk_constraint row per dimension and, on the access node, a
 * chunk_data_node row per replica.  As SQL that was one SPI statement per
 * row (parse, plan, executor start and end), a large part of a chunk's cost
 * on both the access node and the data nodes.  Here each table is opened
 * once per chunk and its rows go in with CatalogTupleInsert, which also
 * maintains the indexes and enforces their uniqueness.
 *
 * What SQL did and this does not: the foreign key and CHECK constraints of
 * the catalog tables are not evaluated.  The rows are ours and consistent by
 * construction (the hypertable and dimension exist: the caller holds the
 * root's lock, which dropping them needs too; ranges are computed with
 * start < end), so nothing they would have caught can happen.
 *
 * The ids are the ones the SQL gave, so catalog contents do not change:
 * the slice id is drawn from the sequence before looking for an equal
 * slice, as the INSERT ... ON CONFLICT did (an existing slice leaves the
 * drawn number unused).  Everything runs as the extension's owner, like
 * CatalogExec; no user code is reached (no SQL, no triggers, default
 * operator classes of built-in types in the indexes).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog/catalog.h"
#include "multinode.h"

/* The OID of a relation of the catalog schema; errors if it is missing. */
static Oid
catalog_rel(const char *name)
{
	Oid			nsp = get_namespace_oid(MN_CATALOG_SCHEMA, false);
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "catalog relation \"%s.%s\" is missing", MN_CATALOG_SCHEMA, name);
	return relid;
}

/* nextval as the caller: the sequences are the owner's, hence the scope */
static int32
next_id(const char *sequence)
{
	CatalogOwnerScope scope;
	int32		id;

	CatalogAsOwnerBegin(&scope);
	id = (int32) nextval_internal(catalog_rel(sequence), true);
	CatalogAsOwnerEnd(&scope);
	return id;
}

/* A new chunk id, drawn before the rows are written (the table name needs it). */
int32
CatalogChunkNextId(void)
{
	return next_id("chunk_id_seq");
}

static Datum
name_datum(const char *s)
{
	return DirectFunctionCall1(namein, CStringGetDatum(s));
}

/* natts: the columns we fill, which must be all of them */
static void
insert_row(Relation rel, int natts, Datum *values, bool *nulls)
{
	HeapTuple	tup;

	if (RelationGetDescr(rel)->natts != natts)
		elog(ERROR, "catalog table \"%s\" has %d columns, expected %d",
			 RelationGetRelationName(rel), RelationGetDescr(rel)->natts, natts);
	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);

	CatalogTupleInsert(rel, tup);
	heap_freetuple(tup);
}

/*
 * The id of the slice (dimension_id, start, end), inserting it if there is
 * none.  drawn: the id a new slice gets.
 */
static int32
slice_get_or_insert(Relation rel, Oid index, int32 dimension_id, int64 start, int64 end,
					int32 drawn)
{
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	int32		id = 0;

	/* heap attribute numbers: systable_beginscan maps them to the index's */
	ScanKeyInit(&key[0], 2, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(dimension_id));
	ScanKeyInit(&key[1], 3, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(start));
	ScanKeyInit(&key[2], 4, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(end));
	scan = systable_beginscan(rel, index, true, snap, 3, key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;

		id = DatumGetInt32(heap_getattr(tup, 1, RelationGetDescr(rel), &isnull));
	}
	systable_endscan(scan);
	UnregisterSnapshot(snap);
	if (id != 0)
		return id;

	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int32GetDatum(drawn);
		values[1] = Int32GetDatum(dimension_id);
		values[2] = Int64GetDatum(start);
		values[3] = Int64GetDatum(end);
		insert_row(rel, 4, values, nulls);
	}
	return drawn;
}

/* slice_ids[ndims] get the slices. */
void
CatalogChunkRowsInsert(int32 chunk_id, int32 hypertable_id, const char *schema_name,
					   const char *table_name, int ndims, const int32 *dimension_ids,
					   const int64 *start, const int64 *end, int32 *slice_ids)
{
	CatalogOwnerScope scope;
	Relation	rel;
	Oid			index;
	int			d;

	CatalogAsOwnerBegin(&scope);
	rel = table_open(catalog_rel("dimension_slice"), RowExclusiveLock);
	index = catalog_rel("dimension_slice_dimension_id_range_start_range_end_key");
	for (d = 0; d < ndims; d++)
		slice_ids[d] = slice_get_or_insert(rel, index, dimension_ids[d], start[d], end[d],
										   next_id("dimension_slice_id_seq"));
	table_close(rel, NoLock);

	/*
	 * id, hypertable_id, schema_name, table_name, compressed_chunk_id,
	 * dropped, status, osm_chunk, creation_time
	 */
	rel = table_open(catalog_rel("chunk"), RowExclusiveLock);
	{
		Datum		values[9];
		bool		nulls[9] = {false, false, false, false, true, false, false, false, false};

		values[0] = Int32GetDatum(chunk_id);
		values[1] = Int32GetDatum(hypertable_id);
		values[2] = name_datum(schema_name);
		values[3] = name_datum(table_name);
		values[4] = (Datum) 0;
		values[5] = BoolGetDatum(false);
		values[6] = Int32GetDatum(0);
		values[7] = BoolGetDatum(false);
		/* the wall clock, as 2.13: chunks made by one long transaction differ */
		values[8] = TimestampTzGetDatum(GetCurrentTimestamp());
		insert_row(rel, 9, values, nulls);
	}
	table_close(rel, NoLock);

	/* chunk_id, dimension_slice_id, constraint_name, hypertable_constraint_name */
	rel = table_open(catalog_rel("chunk_constraint"), RowExclusiveLock);
	for (d = 0; d < ndims; d++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, true};
		char		constraint_name[NAMEDATALEN];

		snprintf(constraint_name, sizeof(constraint_name), "constraint_%d", slice_ids[d]);
		values[0] = Int32GetDatum(chunk_id);
		values[1] = Int32GetDatum(slice_ids[d]);
		values[2] = name_datum(constraint_name);
		values[3] = (Datum) 0;
		insert_row(rel, 4, values, nulls);
	}
	table_close(rel, NoLock);
	CatalogAsOwnerEnd(&scope);
}

/* chunk_data_node rows of a distributed chunk: one per replica. */
void
CatalogChunkDataNodesInsert(int32 chunk_id, int n, const int32 *node_chunk_ids,
							const char *const *node_names)
{
	CatalogOwnerScope scope;
	Relation	rel;
	int			i;

	if (n == 0)
		return;
	CatalogAsOwnerBegin(&scope);
	rel = table_open(catalog_rel("chunk_data_node"), RowExclusiveLock);
	for (i = 0; i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum(chunk_id);
		values[1] = Int32GetDatum(node_chunk_ids[i]);
		values[2] = name_datum(node_names[i]);
		insert_row(rel, 3, values, nulls);
	}
	table_close(rel, NoLock);
	CatalogAsOwnerEnd(&scope);
}
