/*-------------------------------------------------------------------------
 *
 * hypertable_cache.c
 *	  Backend-local cache of hypertables, their dimensions, data nodes and
 *	  chunks, so that planning and routing never read the catalog with SQL
 *	  except on a miss.
 *
 * One entry per root table OID, negative entries included (the planner asks
 * about every INSERT target, and most tables are not hypertables).  An entry
 * owns a memory context holding the Hypertable and, once asked for, its
 * chunks.  Entries are dropped by relcache invalidation of the root:
 * create_hypertable, chunk creation and every other catalog change made by
 * multinode send one (CatalogInvalidateHypertable), which reaches this
 * backend at its next CommandCounterIncrement and other backends when they
 * next process invalidations (at the latest when they lock the root).
 * The one exception is this backend's own chunk creation, which adds the
 * new chunk to the entry instead (HypertableCacheBeginChunk).
 *
 * A dropped entry's memory is not freed at once when a transaction is in
 * progress: callers may still hold pointers into it (a statement routing
 * rows creates a chunk, which invalidates the entry it is using).  It is
 * re-parented under TopTransactionContext instead and goes away with the
 * transaction.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "multinode.h"

typedef struct HypertableCacheEntry
{
	Oid			relid;			/* hash key */
	MemoryContext mcxt;			/* owns everything below; NULL for negative */
	Hypertable *ht;				/* NULL: not a hypertable */
	bool		chunks_loaded;
	List	   *chunks;			/* Chunk *, by id */
	Chunk	   *last_found;		/* HypertableFindChunk's memo */
} HypertableCacheEntry;

static HTAB *ht_cache = NULL;
static Oid	cached_catalog_relid = InvalidOid;	/* catalog the cache was built
												 * from */
static bool loading = false;

/*
 * The root whose chunk this backend is creating (HypertableCacheBeginChunk):
 * its relcache invalidations are the creation's own and leave the entry in
 * place; the new chunk is added to it afterwards.
 */
static Oid	creating_chunk_of = InvalidOid;

static void
retire_entry(HypertableCacheEntry *entry)
{
	if (entry->mcxt != NULL)
	{
		if (IsTransactionState())
			MemoryContextSetParent(entry->mcxt, TopTransactionContext);
		else
			MemoryContextDelete(entry->mcxt);
	}
	hash_search(ht_cache, &entry->relid, HASH_REMOVE, NULL);
}

static void
reset_cache(void)
{
	HASH_SEQ_STATUS status;
	HypertableCacheEntry *entry;

	if (ht_cache == NULL)
		return;
	hash_seq_init(&status, ht_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		retire_entry(entry);
}

static void
relcache_callback(Datum arg, Oid relid)
{
	HypertableCacheEntry *entry;

	if (ht_cache == NULL)
		return;
	if (!OidIsValid(relid))
	{
		reset_cache();
		return;
	}
	/* our own chunk creation: the entry gets the new chunk instead */
	if (relid == creating_chunk_of)
		return;
	entry = hash_search(ht_cache, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		retire_entry(entry);
}

void
CatalogInit(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	ExtensionCacheInit();
}

void
CatalogInvalidateHypertable(Oid root_relid)
{
	CacheInvalidateRelcacheByRelid(root_relid);
}

/*
 * The OID of _timescaledb_catalog.hypertable, or InvalidOid when the
 * extension is not (fully) installed in this database: the library is
 * preloaded everywhere, so most databases it sees have no catalog.
 */
static Oid
catalog_relid(void)
{
	Oid			nsp;

	/* a _timescaledb_catalog of TimescaleDB's is not ours */
	if (!ExtensionIsInstalled())
		return InvalidOid;
	nsp = get_namespace_oid(MN_CATALOG_SCHEMA, true);
	if (!OidIsValid(nsp))
		return InvalidOid;
	return get_relname_relid("hypertable", nsp);
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(HypertableCacheEntry);
	ctl.hcxt = CacheMemoryContext;
	ht_cache = hash_create("multinode hypertable cache", 64, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static char *
spi_text(int row, int col, bool *isnull)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	if (isnull)
		*isnull = (v == NULL);
	return v;
}

static int64
spi_int(int row, int col, bool *isnull)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &null);
	Oid			type = SPI_gettypeid(SPI_tuptable->tupdesc, col);

	if (isnull)
		*isnull = null;
	if (null)
		return 0;
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
		case OIDOID:
		case REGTYPEOID:
		case REGPROCOID:
			return DatumGetInt32(d);
		case INT8OID:
			return DatumGetInt64(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1 : 0;
		default:
			elog(ERROR, "unexpected catalog column type %u", type);
	}
	return 0;
}

/*
 * Not read-only, so that in READ COMMITTED every load takes a fresh
 * snapshot: after waiting for the root's lock, a chunk creator must see the
 * chunks that the transaction it waited for committed.  (Parallel mode
 * forbids the command counter increment that comes with it; nothing there
 * creates chunks.)
 */
static void
spi_query(const char *sql, int nargs, Oid *types, Datum *values)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			nestlevel = CatalogPinSearchPath();

	/* run as the caller, but with names the caller cannot redirect */
	if (SPI_execute_with_args(sql, nargs, types, values, NULL, IsInParallelMode(), 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the hypertable catalog");
	CatalogUnpinSearchPath(nestlevel);
	/* SPI leaves us in its procedure context; the caller allocates in its own */
	MemoryContextSwitchTo(cxt);
}

static Oid
server_id_for(const char *node_name)
{
	ForeignServer *server = GetForeignServerByName(node_name, true);

	return server ? server->serverid : InvalidOid;
}

/* Fill ht (in the current memory context) from its catalog row; SPI is connected. */
static void
load_hypertable_details(Hypertable *ht)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};
	int			i;

	spi_query("SELECT id, column_name::text, column_type::oid, num_slices, "
			  "       CASE WHEN partitioning_func IS NULL "
			  "              OR (partitioning_func OPERATOR(pg_catalog.=) 'get_partition_hash' AND partitioning_func_schema "
			  "                  IN ('_timescaledb_functions', '_timescaledb_internal')) THEN 0::oid "
			  "            ELSE pg_catalog.to_regproc(pg_catalog.quote_ident(partitioning_func_schema) "
			  "                 || '.' || pg_catalog.quote_ident(partitioning_func))::oid END, "
			  "       interval_length "
			  "  FROM " MN_CATALOG_SCHEMA ".dimension WHERE hypertable_id OPERATOR(pg_catalog.=) $1 "
			  " ORDER BY interval_length IS NULL, id", 1, types, values);
	ht->num_dimensions = SPI_processed;
	ht->dimensions = palloc0(sizeof(Dimension) * Max(1, ht->num_dimensions));
	for (i = 0; i < ht->num_dimensions; i++)
	{
		Dimension  *dim = &ht->dimensions[i];
		bool		null;

		dim->id = spi_int(i, 1, NULL);
		strlcpy(dim->column_name, spi_text(i, 2, NULL), NAMEDATALEN);
		dim->column_type = (Oid) spi_int(i, 3, NULL);
		dim->num_slices = spi_int(i, 4, &null);
		dim->is_space = !null;
		dim->partitioning_func = (Oid) spi_int(i, 5, NULL);
		dim->interval_length = spi_int(i, 6, NULL);
		dim->attno = get_attnum(ht->relid, dim->column_name);
		dim->value_type = dim->column_type;
		if (!dim->is_space && OidIsValid(dim->partitioning_func))
			dim->value_type = get_func_rettype(dim->partitioning_func);
	}

	spi_query("SELECT node_name::text, node_hypertable_id, block_chunks "
			  "  FROM " MN_CATALOG_SCHEMA ".hypertable_data_node WHERE hypertable_id OPERATOR(pg_catalog.=) $1 "
			  " ORDER BY node_name", 1, types, values);
	ht->data_nodes = NIL;
	for (i = 0; i < (int) SPI_processed; i++)
	{
		HypertableDataNode *hdn = palloc0(sizeof(HypertableDataNode));

		strlcpy(hdn->node_name, spi_text(i, 1, NULL), NAMEDATALEN);
		hdn->node_hypertable_id = spi_int(i, 2, NULL);
		hdn->block_chunks = spi_int(i, 3, NULL) != 0;
		hdn->server_id = server_id_for(hdn->node_name);
		ht->data_nodes = lappend(ht->data_nodes, hdn);
	}
}

/*
 * Read the hypertable rooted at relid; NULL if there is none.  Allocates in
 * mcxt.
 */
static Hypertable *
load_hypertable(Oid relid, MemoryContext mcxt)
{
	Oid			types[2] = {NAMEOID, NAMEOID};
	Datum		values[2];
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));
	char	   *relname = get_rel_name(relid);
	Hypertable *ht = NULL;
	MemoryContext oldcxt;

	if (nspname == NULL || relname == NULL)
		return NULL;
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(nspname));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(relname));

	SPI_connect();
	spi_query("SELECT id, schema_name::text, table_name::text, associated_schema_name::text, "
			  "       associated_table_prefix::text, replication_factor "
			  "  FROM " MN_CATALOG_SCHEMA ".hypertable WHERE schema_name OPERATOR(pg_catalog.=) $1 AND table_name OPERATOR(pg_catalog.=) $2",
			  2, types, values);
	if (SPI_processed == 1)
	{
		bool		null;

		oldcxt = MemoryContextSwitchTo(mcxt);
		ht = palloc0(sizeof(Hypertable));
		ht->id = spi_int(0, 1, NULL);
		ht->relid = relid;
		strlcpy(ht->schema_name, spi_text(0, 2, NULL), NAMEDATALEN);
		strlcpy(ht->table_name, spi_text(0, 3, NULL), NAMEDATALEN);
		strlcpy(ht->associated_schema_name, spi_text(0, 4, NULL), NAMEDATALEN);
		strlcpy(ht->associated_table_prefix, spi_text(0, 5, NULL), NAMEDATALEN);
		ht->replication_factor = spi_int(0, 6, &null);
		if (null)
			ht->replication_factor = 0;
		load_hypertable_details(ht);
		MemoryContextSwitchTo(oldcxt);
	}
	SPI_finish();
	return ht;
}

static HypertableCacheEntry *
get_entry(Oid relid)
{
	HypertableCacheEntry *entry;
	bool		found;
	Oid			catrel;
	MemoryContext mcxt;
	Hypertable *ht;

	if (!OidIsValid(relid) || relid < FirstNormalObjectId || loading ||
		!IsTransactionState())
		return NULL;
	catrel = catalog_relid();
	if (!OidIsValid(catrel))
		return NULL;
	if (ht_cache == NULL)
		init_cache();
	if (catrel != cached_catalog_relid)
	{
		/* the extension was re-created: nothing cached is true any more */
		reset_cache();
		cached_catalog_relid = catrel;
	}

	entry = hash_search(ht_cache, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		return entry;

	/* the catalog's own tables are never hypertables; do not recurse */
	if (get_rel_namespace(relid) == get_rel_namespace(catrel))
		return NULL;

	mcxt = AllocSetContextCreate(CacheMemoryContext, "multinode hypertable entry",
								 ALLOCSET_SMALL_SIZES);
	loading = true;
	PG_TRY();
	{
		ht = load_hypertable(relid, mcxt);
	}
	PG_FINALLY();
	{
		loading = false;
	}
	PG_END_TRY();

	/*
	 * An invalidation processed while loading may have made what we read
	 * stale; it only matters for entries that existed, and this one did not,
	 * so the result is as fresh as the snapshot that read it.
	 */
	entry = hash_search(ht_cache, &relid, HASH_ENTER, &found);
	if (found)
		retire_entry(entry), entry = hash_search(ht_cache, &relid, HASH_ENTER, &found);
	entry->ht = ht;
	entry->chunks_loaded = false;
	entry->chunks = NIL;
	entry->last_found = NULL;
	if (ht == NULL)
	{
		MemoryContextDelete(mcxt);
		entry->mcxt = NULL;
	}
	else
	{
		entry->mcxt = mcxt;
		MemoryContextSetIdentifier(mcxt, ht->table_name);
	}
	return entry;
}

Hypertable *
HypertableGetByRelid(Oid relid)
{
	HypertableCacheEntry *entry = get_entry(relid);

	return entry ? entry->ht : NULL;
}

Hypertable *
HypertableGetById(int32 hypertable_id)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(hypertable_id)};
	Oid			relid = InvalidOid;

	if (ht_cache != NULL)
	{
		HASH_SEQ_STATUS status;
		HypertableCacheEntry *entry;

		hash_seq_init(&status, ht_cache);
		while ((entry = hash_seq_search(&status)) != NULL)
		{
			if (entry->ht != NULL && entry->ht->id == hypertable_id)
			{
				hash_seq_term(&status);
				return entry->ht;
			}
		}
	}
	if (!OidIsValid(catalog_relid()))
		return NULL;
	SPI_connect();
	spi_query("SELECT pg_catalog.to_regclass(pg_catalog.quote_ident(schema_name) || '.' || "
			  "pg_catalog.quote_ident(table_name))::oid FROM " MN_CATALOG_SCHEMA ".hypertable "
			  "WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values);
	if (SPI_processed == 1)
	{
		bool		null;

		relid = (Oid) spi_int(0, 1, &null);
		if (null)
			relid = InvalidOid;
	}
	SPI_finish();
	return HypertableGetByRelid(relid);
}

bool
HypertableIsDistributed(const Hypertable *ht)
{
	return ht != NULL && ht->replication_factor > 0;
}

bool
HypertableIsDistMember(const Hypertable *ht)
{
	return ht != NULL && ht->replication_factor == -1;
}

const Dimension *
HypertableTimeDimension(const Hypertable *ht)
{
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
		if (!ht->dimensions[i].is_space)
			return &ht->dimensions[i];
	return NULL;
}

const Dimension *
HypertableSpaceDimension(const Hypertable *ht)
{
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
		if (ht->dimensions[i].is_space)
			return &ht->dimensions[i];
	return NULL;
}

static int
dimension_index(const Hypertable *ht, int32 dimension_id)
{
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
		if (ht->dimensions[i].id == dimension_id)
			return i;
	return -1;
}

static Chunk *
chunk_by_id(Chunk **sorted, int n, int32 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (sorted[mid]->id == id)
			return sorted[mid];
		if (sorted[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Read the chunks of entry's hypertable into its memory context. */
static void
load_chunks(HypertableCacheEntry *entry)
{
	Hypertable *ht = entry->ht;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};
	MemoryContext oldcxt;
	Chunk	  **sorted;
	int			n;
	int			i;
	List	   *chunks = NIL;

	SPI_connect();
	oldcxt = MemoryContextSwitchTo(entry->mcxt);

	spi_query("SELECT id, schema_name::text, table_name::text FROM " MN_CATALOG_SCHEMA ".chunk "
			  " WHERE hypertable_id OPERATOR(pg_catalog.=) $1 AND NOT dropped ORDER BY id", 1, types, values);
	n = SPI_processed;
	sorted = palloc(sizeof(Chunk *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		Chunk	   *chunk = palloc0(sizeof(Chunk));
		Oid			nsp;
		int			d;

		chunk->id = spi_int(i, 1, NULL);
		chunk->hypertable_id = ht->id;
		strlcpy(chunk->schema_name, spi_text(i, 2, NULL), NAMEDATALEN);
		strlcpy(chunk->table_name, spi_text(i, 3, NULL), NAMEDATALEN);
		nsp = get_namespace_oid(chunk->schema_name, true);
		chunk->relid = OidIsValid(nsp) ? get_relname_relid(chunk->table_name, nsp) : InvalidOid;
		chunk->slice_ids = palloc0(sizeof(int32) * Max(1, ht->num_dimensions));
		chunk->range_start = palloc(sizeof(int64) * Max(1, ht->num_dimensions));
		chunk->range_end = palloc(sizeof(int64) * Max(1, ht->num_dimensions));
		/* a dimension without a slice (added later) covers everything */
		for (d = 0; d < ht->num_dimensions; d++)
		{
			chunk->range_start[d] = MN_TIME_MIN;
			chunk->range_end[d] = MN_TIME_MAX;
		}
		sorted[i] = chunk;
		chunks = lappend(chunks, chunk);
	}

	spi_query("SELECT cc.chunk_id, s.dimension_id, s.id, s.range_start, s.range_end "
			  "  FROM " MN_CATALOG_SCHEMA ".chunk_constraint cc "
			  "  JOIN " MN_CATALOG_SCHEMA ".dimension_slice s ON s.id OPERATOR(pg_catalog.=) cc.dimension_slice_id "
			  "  JOIN " MN_CATALOG_SCHEMA ".chunk c ON c.id OPERATOR(pg_catalog.=) cc.chunk_id "
			  " WHERE c.hypertable_id OPERATOR(pg_catalog.=) $1 AND NOT c.dropped", 1, types, values);
	for (i = 0; i < (int) SPI_processed; i++)
	{
		Chunk	   *chunk = chunk_by_id(sorted, n, spi_int(i, 1, NULL));
		int			d = dimension_index(ht, spi_int(i, 2, NULL));

		if (chunk == NULL || d < 0)
			continue;
		chunk->slice_ids[d] = spi_int(i, 3, NULL);
		chunk->range_start[d] = spi_int(i, 4, NULL);
		chunk->range_end[d] = spi_int(i, 5, NULL);
	}

	spi_query("SELECT cdn.chunk_id, cdn.node_name::text, cdn.node_chunk_id, "
			  "       EXISTS (SELECT FROM " MN_CATALOG_SCHEMA ".chunk_replica_stale s "
			  "                WHERE s.chunk_id OPERATOR(pg_catalog.=) cdn.chunk_id "
			  "                  AND s.node_name OPERATOR(pg_catalog.=) cdn.node_name) "
			  "  FROM " MN_CATALOG_SCHEMA ".chunk_data_node cdn "
			  "  JOIN " MN_CATALOG_SCHEMA ".chunk c ON c.id OPERATOR(pg_catalog.=) cdn.chunk_id "
			  " WHERE c.hypertable_id OPERATOR(pg_catalog.=) $1 AND NOT c.dropped ORDER BY cdn.node_name",
			  1, types, values);
	for (i = 0; i < (int) SPI_processed; i++)
	{
		Chunk	   *chunk = chunk_by_id(sorted, n, spi_int(i, 1, NULL));
		ChunkDataNode *cdn;

		if (chunk == NULL)
			continue;
		cdn = palloc0(sizeof(ChunkDataNode));
		strlcpy(cdn->node_name, spi_text(i, 2, NULL), NAMEDATALEN);
		cdn->node_chunk_id = spi_int(i, 3, NULL);
		cdn->stale = spi_text(i, 4, NULL)[0] == 't';
		cdn->server_id = server_id_for(cdn->node_name);
		chunk->data_nodes = lappend(chunk->data_nodes, cdn);
	}

	MemoryContextSwitchTo(oldcxt);
	SPI_finish();

	entry->chunks = chunks;
	entry->chunks_loaded = true;
}

static HypertableCacheEntry *
entry_with_chunks(const Hypertable *ht)
{
	HypertableCacheEntry *entry = get_entry(ht->relid);

	if (entry == NULL || entry->ht == NULL)
		return NULL;
	if (!entry->chunks_loaded)
	{
		loading = true;
		PG_TRY();
		{
			load_chunks(entry);
		}
		PG_FINALLY();
		{
			loading = false;
		}
		PG_END_TRY();
	}
	return entry;
}

List *
HypertableGetChunks(const Hypertable *ht)
{
	HypertableCacheEntry *entry = entry_with_chunks(ht);

	return entry ? entry->chunks : NIL;
}

static bool
chunk_contains(const Chunk *chunk, int ndims, const int64 *point)
{
	int			d;

	for (d = 0; d < ndims; d++)
		if (point[d] < chunk->range_start[d] ||
			(point[d] >= chunk->range_end[d] && chunk->range_end[d] != MN_TIME_MAX))
			return false;
	return true;
}

Chunk *
HypertableFindChunk(const Hypertable *ht, const int64 *point)
{
	HypertableCacheEntry *entry = entry_with_chunks(ht);
	ListCell   *lc;
	int			ndims;

	if (entry == NULL)
		return NULL;
	ndims = entry->ht->num_dimensions;
	if (entry->last_found && chunk_contains(entry->last_found, ndims, point))
		return entry->last_found;
	foreach(lc, entry->chunks)
	{
		Chunk	   *chunk = lfirst(lc);

		if (chunk_contains(chunk, ndims, point))
		{
			entry->last_found = chunk;
			return chunk;
		}
	}
	return NULL;
}

/*
 * Chunk creation keeps the cache instead of reloading it: between
 * HypertableCacheBeginChunk and HypertableCacheEndChunk the root's relcache
 * invalidations (CREATE TABLE ... INHERITS sends one, and so does
 * CatalogInvalidateHypertable) leave its entry alone, and the new chunk is
 * then added to the entry's list.  Reloading every chunk after each new one
 * made a statement that creates k chunks next to n cost k * (n + k) in time
 * and, as the retired copies live until the end of the transaction, in
 * memory too.
 *
 * Only the creator's own invalidations can arrive in the window: it holds
 * the root's SHARE UPDATE EXCLUSIVE lock, which every other change to the
 * hypertable's catalog rows takes too (a reset of the whole cache still
 * resets it).  Other backends get the invalidation as before, at commit;
 * an abort, or a rollback to a savepoint, replays it here and drops the
 * entry, with the chunk that no longer exists.  The caller ends the window
 * on error too (chunk == NULL).
 */
void
HypertableCacheBeginChunk(Oid root_relid)
{
	creating_chunk_of = root_relid;
}

void
HypertableCacheEndChunk(Oid root_relid, const Chunk *chunk)
{
	HypertableCacheEntry *entry;
	MemoryContext old;
	Chunk	   *copy;
	ListCell   *lc;
	int			ndims;
	int			pos;

	creating_chunk_of = InvalidOid;
	if (chunk == NULL || ht_cache == NULL)
		return;
	entry = hash_search(ht_cache, &root_relid, HASH_FIND, NULL);
	/* not loaded (or reset meanwhile): the next look reads the catalog */
	if (entry == NULL || entry->ht == NULL || !entry->chunks_loaded)
		return;

	ndims = entry->ht->num_dimensions;
	old = MemoryContextSwitchTo(entry->mcxt);
	copy = palloc0(sizeof(Chunk));
	copy->id = chunk->id;
	copy->hypertable_id = entry->ht->id;
	copy->relid = chunk->relid;
	strlcpy(copy->schema_name, chunk->schema_name, NAMEDATALEN);
	strlcpy(copy->table_name, chunk->table_name, NAMEDATALEN);
	copy->slice_ids = palloc(sizeof(int32) * Max(1, ndims));
	copy->range_start = palloc(sizeof(int64) * Max(1, ndims));
	copy->range_end = palloc(sizeof(int64) * Max(1, ndims));
	memcpy(copy->slice_ids, chunk->slice_ids, sizeof(int32) * ndims);
	memcpy(copy->range_start, chunk->range_start, sizeof(int64) * ndims);
	memcpy(copy->range_end, chunk->range_end, sizeof(int64) * ndims);
	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = palloc(sizeof(ChunkDataNode));

		memcpy(cdn, lfirst(lc), sizeof(ChunkDataNode));
		copy->data_nodes = lappend(copy->data_nodes, cdn);
	}
	/* the list is ordered by id; a new chunk's id is normally the largest */
	pos = list_length(entry->chunks);
	while (pos > 0 && ((Chunk *) list_nth(entry->chunks, pos - 1))->id > copy->id)
		pos--;
	entry->chunks = list_insert_nth(entry->chunks, pos, copy);
	MemoryContextSwitchTo(old);
}

/* The inheritance parent of relid, or InvalidOid. */
static Oid
inheritance_parent(Oid relid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[1];
	HeapTuple	tup;
	Oid			parent = InvalidOid;

	rel = table_open(InheritsRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_inherits_inhrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, InheritsRelidSeqnoIndexId, true, NULL, 1, key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		parent = ((Form_pg_inherits) GETSTRUCT(tup))->inhparent;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return parent;
}

Chunk *
ChunkGetByRelid(Oid chunk_relid)
{
	Oid			parent = inheritance_parent(chunk_relid);
	Hypertable *ht;
	ListCell   *lc;

	if (!OidIsValid(parent) || (ht = HypertableGetByRelid(parent)) == NULL)
		return NULL;
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		if (chunk->relid == chunk_relid)
			return chunk;
	}
	return NULL;
}
