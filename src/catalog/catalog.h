/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Public face of catalog/: the _timescaledb_catalog tables and the
 *	  backend-local caches of hypertables and their chunks.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_CATALOG_H
#define MULTINODE_CATALOG_H

#include "access/attnum.h"
#include "nodes/pg_list.h"

/* extension.c: whether this database is ours (hooks ask before anything) */
extern bool ExtensionIsInstalled(void);

/* metadata.c: the database's identity in a distributed database */
extern char *MetadataGet(const char *key);
extern void MetadataSet(const char *key, const char *value);
extern void MetadataDelete(const char *key);
extern char *ExtensionVersion(void);
extern const char *MetadataClusterId(void);

typedef enum DistRole
{
	DIST_ROLE_NONE,				/* not part of a distributed database */
	DIST_ROLE_ACCESS_NODE,
	DIST_ROLE_DATA_NODE,
} DistRole;

extern DistRole GetDistRole(void);

/* remote_txn.c: the commit decisions of distributed transactions */
extern void RemoteTxnLogWrite(int n, const char *const *node_names, const char *const *gids);
extern void RemoteTxnLogLookup(int n, char **gids, bool *has_row);
extern char *RemoteTxnLogHorizon(void);
extern uint64 RemoteTxnLogCollect(const char *node_name, const char *prefix, int xid_field,
								  const char *horizon, int nkeep, char **keep);
extern int64 RemoteTxnLogCount(const char *node_name);
/* ---------------------------------------------------------------------------
 * Hypertables and chunks (hypertable_cache.c)
 *
 * Everything below comes from a backend-local cache that reads the catalog
 * with SQL only on a miss.  Entries are dropped by relcache invalidation of
 * the hypertable's root table, which every function that changes a
 * hypertable's catalog rows sends (CatalogInvalidateHypertable), so other
 * backends see the change when they next take a lock or start a command.
 *
 * Lifetime: pointers returned here stay valid until the end of the current
 * transaction, even if the entry is invalidated meanwhile (the old copy is
 * handed to the transaction's memory and freed at its end).  Do not keep
 * them across transactions.  Treat them as read-only.
 * ---------------------------------------------------------------------------
 */

/* Internal time: microseconds since 1970-01-01 UTC, or the integer itself. */
#define MN_TIME_MIN PG_INT64_MIN
#define MN_TIME_MAX PG_INT64_MAX

/* Space slices partition [0, 2^31) of hash values. */
#define MN_SPACE_HASH_MAX ((int64) 2147483648)	/* exclusive */

typedef struct Dimension
{
	int32		id;
	AttrNumber	attno;			/* in the root table */
	char		column_name[NAMEDATALEN];
	Oid			column_type;
	Oid			value_type;		/* time: the type partitioning works on (the
								 * column's, or its converter's result) */
	bool		is_space;		/* num_slices set: hash dimension */
	int16		num_slices;		/* space only */
	Oid			partitioning_func;	/* space: a custom hash function, or
									 * InvalidOid for the default hash; time:
									 * optional converter to a time type */
	int64		interval_length;	/* time only */
} Dimension;

typedef struct HypertableDataNode
{
	char		node_name[NAMEDATALEN];
	Oid			server_id;		/* InvalidOid if the server is gone */
	int32		node_hypertable_id;
	bool		block_chunks;
} HypertableDataNode;

typedef struct Hypertable
{
	int32		id;
	Oid			relid;			/* the root table */
	char		schema_name[NAMEDATALEN];
	char		table_name[NAMEDATALEN];
	char		associated_schema_name[NAMEDATALEN];
	char		associated_table_prefix[NAMEDATALEN];
	int16		replication_factor; /* 0 when NULL in the catalog */
	int			num_dimensions;
	Dimension  *dimensions;		/* [num_dimensions]; time dimension first */
	List	   *data_nodes;		/* HypertableDataNode *, in node name order */
} Hypertable;

/* One replica of a chunk. */
typedef struct ChunkDataNode
{
	char		node_name[NAMEDATALEN];
	Oid			server_id;		/* InvalidOid if the server is gone */
	int32		node_chunk_id;
	bool		stale;			/* in chunk_replica_stale: missed writes, never read */
} ChunkDataNode;

typedef struct Chunk
{
	int32		id;
	int32		hypertable_id;
	Oid			relid;			/* the local (foreign, on the access node) table */
	char		schema_name[NAMEDATALEN];
	char		table_name[NAMEDATALEN];
	/* one slice per dimension, in the hypertable's dimension order */
	int32	   *slice_ids;
	int64	   *range_start;	/* inclusive */
	int64	   *range_end;		/* exclusive */
	List	   *data_nodes;		/* ChunkDataNode *, in node name order */
} Chunk;

/* The hypertable whose root is relid, or NULL if relid is not one. */
extern Hypertable *HypertableGetByRelid(Oid relid);
extern Hypertable *HypertableGetById(int32 hypertable_id);

/* replication_factor >= 1: a distributed hypertable on the access node */
extern bool HypertableIsDistributed(const Hypertable *ht);

/* replication_factor = -1: a data node's member of a distributed hypertable */
extern bool HypertableIsDistMember(const Hypertable *ht);

/* The first time dimension, and the space dimension (NULL if none). */
extern const Dimension *HypertableTimeDimension(const Hypertable *ht);
extern const Dimension *HypertableSpaceDimension(const Hypertable *ht);

/*
 * Every chunk of the hypertable (not dropped), ordered by id.  The list and
 * the chunks belong to the cache.
 */
extern List *HypertableGetChunks(const Hypertable *ht);

/*
 * The chunk whose ranges contain point (one internal value per dimension,
 * in dimension order), or NULL.  Never reads the catalog once the chunk
 * list is cached.
 */
extern Chunk *HypertableFindChunk(const Hypertable *ht, const int64 *point);

/* A chunk by its local table (e.g. a foreign table on the access node). */
extern Chunk *ChunkGetByRelid(Oid chunk_relid);

/* Drop the cached copies of one hypertable (relcache inval of its root). */
extern void CatalogInvalidateHypertable(Oid root_relid);

/*
 * Chunk creation (hypertable/chunk.c), holding the root's SHARE UPDATE
 * EXCLUSIVE lock: Begin before the catalog rows and the table are made,
 * End after the CommandCounterIncrement that makes them visible, with the
 * new chunk (copied into the cache), or with NULL on error.  Between them
 * the root's invalidations do not drop its cache entry.
 */
extern void HypertableCacheBeginChunk(Oid root_relid);
extern void HypertableCacheEndChunk(Oid root_relid, const Chunk *chunk);

/* ---------------------------------------------------------------------------
 * Values (dimension_value.c): shared by routing, chunk creation, exclusion
 * ---------------------------------------------------------------------------
 */

/* Is type usable as a time dimension (timestamptz, timestamp, date, int2/4/8)? */
extern bool TimeTypeIsSupported(Oid type);
extern bool TimeTypeIsInteger(Oid type);

/* A value of a time type as internal time; errors on infinity. */
extern int64 InternalTimeFromDatum(Datum value, Oid type);

/* The inverse, for building constraints and reports. */
extern Datum InternalTimeToDatum(int64 value, Oid type);

/* Internal time as SQL literal text that means the same on every node. */
extern char *InternalTimeToLiteral(int64 value, Oid type);

/*
 * The dimension's internal value for a column value: time → internal time;
 * space → partitioning hash in [0, 2^31).  isnull gives 0 for space; a
 * NULL time is the caller's error to report.
 */
extern int64 DimensionValue(const Dimension *dim, Datum value, bool isnull, Oid collation);

/* The slice index [0, num_slices) of a hash value of a space dimension. */
extern int	SpaceSliceIndex(const Dimension *dim, int64 hash);

/* The range of slice index i of a space dimension. */
extern void SpaceSliceRange(const Dimension *dim, int slice, int64 *start, int64 *end);

/* The aligned range of a time dimension containing value. */
extern void TimeSliceRange(const Dimension *dim, int64 value, int64 *start, int64 *end);

/* ---------------------------------------------------------------------------
 * Catalog writes (catalog_write.c).  Run as the extension's owner, so users
 * need no rights on the catalog; callers check the user's rights on the
 * hypertable first.
 * ---------------------------------------------------------------------------
 */
extern int	CatalogExec(const char *sql, int nargs, Oid *argtypes, Datum *values,
						const char *nulls, bool read_only);
extern int32 CatalogExecInt(const char *sql, int nargs, Oid *argtypes, Datum *values,
							const char *nulls);

/*
 * A new chunk's catalog rows, inserted directly (chunk_rows.c), as the
 * extension's owner: the chunk row, its slices (found or inserted; ids to
 * slice_ids[ndims]) and chunk_constraint rows; chunk_data_node rows.
 * Caller holds the root's lock.
 */
extern int32 CatalogChunkNextId(void);
extern void CatalogChunkRowsInsert(int32 chunk_id, int32 hypertable_id,
								   const char *schema_name, const char *table_name,
								   int ndims, const int32 *dimension_ids,
								   const int64 *start, const int64 *end, int32 *slice_ids);
extern void CatalogChunkDataNodesInsert(int32 chunk_id, int n, const int32 *node_chunk_ids,
										const char *const *node_names);

/*
 * chunk_replicas.c: replicas lost and repaired, and the chunk copy
 * operation log (_timescaledb_catalog.chunk_copy_operation).
 */
extern void CatalogChunkDataNodeDelete(int32 chunk_id, const char *node_name);
extern bool CatalogChunkReplicaStaleDelete(int32 chunk_id, const char *node_name);
extern char *CatalogChunkCopyOpInsert(const char *operation_id, int32 chunk_id,
									  const char *source_node, const char *dest_node,
									  bool delete_on_source);
extern void CatalogChunkCopyOpSetStage(const char *operation_id, const char *stage);
extern void CatalogChunkCopyOpDelete(const char *operation_id);
extern void CatalogChunkCopyChangeInsert(const char *operation_id, Oid chunk_relid, int16 delta,
										 const char *row_image);
extern uint64 CatalogChunkCopyChangesDelete(Oid chunk_relid, bool latest);

/* ---------------------------------------------------------------------------
 * Running as another role (owner.c): the only way the code base switches
 * user.  The scope pins search_path to pg_catalog, pg_temp and is a
 * security-restricted operation; end it with CatalogAsOwnerEnd.
 * ---------------------------------------------------------------------------
 */
typedef struct CatalogOwnerScope
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} CatalogOwnerScope;

extern Oid	CatalogExtensionOwner(void);
extern void CatalogAsOwnerBegin(CatalogOwnerScope *scope);
extern void CatalogAsRoleBegin(CatalogOwnerScope *scope, Oid role);
extern void CatalogAsOwnerEnd(CatalogOwnerScope *scope);
extern int	CatalogPinSearchPath(void);
extern void CatalogUnpinSearchPath(int nestlevel);

extern void CatalogInit(void);
extern void ExtensionCacheInit(void);

#endif							/* MULTINODE_CATALOG_H */
