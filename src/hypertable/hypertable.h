/*-------------------------------------------------------------------------
 *
 * hypertable.h
 *	  Public face of hypertable/: creating hypertables and their chunks,
 *	  and the remote side of both on data nodes.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_HYPERTABLE_H
#define MULTINODE_HYPERTABLE_H

#include "catalog/catalog.h"

/* default chunk_time_interval for time types: 7 days in microseconds */
#define MN_DEFAULT_CHUNK_TIME_INTERVAL ((int64) 7 * 24 * 3600 * 1000000)

extern void HypertableInit(void);

/*
 * chunk.c: the chunk of ht containing point (one internal value per
 * dimension), created if it does not exist yet -- in the catalog, as a
 * table (local and member hypertables) or a foreign table (distributed),
 * and on the data nodes that hold it, all inside the current transaction.
 * Serialized per hypertable by a lock on the root held to the end of the
 * transaction, so concurrent writers make one chunk, not two.
 */
extern Chunk *ChunkGetOrCreate(Hypertable *ht, const int64 *point);

/*
 * The data nodes a new chunk of ht goes to, for the given space slice
 * index: replication_factor consecutive nodes starting at index mod N.
 */
extern List *ChunkPlacement(const Hypertable *ht, int slice_index);

/*
 * chunk_objects.c: copies of the root's indexes (classid RelationRelationId),
 * FOREIGN KEY constraints (ConstraintRelationId) and row triggers
 * (TriggerRelationId) on chunk tables, dropped with the root's object.
 */
extern void ChunkCopyRootObject(Oid root_relid, Oid chunk_relid, Oid classid, Oid object);
extern void ChunkCopyRootObjects(Oid root_relid, Oid chunk_relid);
extern List *RelationForeignKeys(Oid relid);
extern List *RelationCopiedTriggers(Oid relid);
extern void ChunkCopyRootRowSecurity(Oid root_relid, Oid chunk_relid);
extern void ChunkRenameCopies(Oid classid, Oid original, const char *newname);
extern void ChunkAlterIndexCopies(Oid root_index, const char *clause, bool reindex);
extern Oid	ChunkIndexCopy(Oid root_index, Oid chunk_relid);
extern void ChunkRunAsOwner(Oid chunk_relid, const char *sql);

/* deparse.c: SQL that recreates a table on a data node */
extern List *DeparseTableForDataNode(Oid relid);
extern char *DeparseStorageClause(Oid relid);

extern Oid	RelationOwner(Oid relid);

/* tablespace.c */
extern char *ChunkStorageClause(const Hypertable *ht, int slice_index);

/* create.c: a chunk_time_interval argument in internal units */
extern int64 DimensionIntervalFromArg(Datum interval, Oid interval_type, Oid value_type,
									  const char *column);

/* create.c: make ht a member hypertable on more data nodes */
extern void HypertableAddDataNodes(Hypertable *ht, List *server_ids, List *table_cmds,
								   bool create_default_indexes);

/* create.c: data nodes of a distributed hypertable, as server OIDs */
extern List *HypertableDataNodeServerIds(const Hypertable *ht);

/* create.c: warn when the space partitions are fewer than the data nodes */
extern void HypertableCheckPartitioning(const Hypertable *ht);

/* api.c */
extern Hypertable *HypertableRequire(Oid relid);
extern void HypertableExecOnDataNodes(const Hypertable *ht, const char *sql, int nparams,
									  const char *const *params);
extern List *HypertableDropChunks(Hypertable *ht, List *chunks, const char *skip_node);

/* Quoted "schema"."name" of a relation. */
extern char *QualifiedRelationName(Oid relid);

#endif							/* MULTINODE_HYPERTABLE_H */
