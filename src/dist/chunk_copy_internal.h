/*-------------------------------------------------------------------------
 *
 * chunk_copy_internal.h
 *	  What chunk copy, move and repair share (chunk_copy.c, chunk_capture.c,
 *	  chunk_repair.c, repair_worker.c).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_CHUNK_COPY_INTERNAL_H
#define MULTINODE_CHUNK_COPY_INTERNAL_H

#include "catalog/catalog.h"
#include "lib/stringinfo.h"

extern ChunkDataNode *ChunkReplicaOn(const Chunk *chunk, const char *node_name);
extern bool ChunkReplicaIsStale(int32 chunk_id, const char *node_name);
extern void ChunkCopyLockSource(Oid source_server, const Chunk *chunk);
extern int64 ChunkCopyRows(const Hypertable *ht, const Chunk *chunk, Oid source_server,
						   Oid dest_server, int32 *node_chunk_id);
extern void ChunkSetDefaultServer(Oid chunk_relid, Oid server_id);
extern char *ChunkCopyStart(Oid chunk_relid, const char *source, const char *dest,
							const char *operation_id, bool delete_on_source, const char *caller);
extern bool ChunkCopyNextStage(const char *operation_id);
extern char *ChunkCopyUnfinishedOperation(int32 chunk_id);
extern void ChunkDropMember(Oid server_id, const Hypertable *ht, const Chunk *chunk);
extern bool ChunkCopyCleanup(const char *operation_id);
extern void ChunkCopyPreventTransactionBlock(const char *what, const char *detail);
extern char *ChunkCopyColumnList(Oid relid, const char *prefix);
extern void ChunkCopyAppendArrayElement(StringInfo buf, const char *s);

/* chunk_repair.c and repair_worker.c: repair_chunk_replicas() in a background worker */
typedef struct ChunkRepairResult
{
	int32		repaired;		/* replicas repaired or made */
	int32		failed;			/* items that failed (undone) */
	int32		sqlerrcode;		/* of the first failure */
	char		message[256];	/* of the first failure */
} ChunkRepairResult;

extern void ChunkRepairRun(Oid ht_relid, ChunkRepairResult *result);
extern int	ChunkRepairInWorker(Oid ht_relid);
extern PGDLLEXPORT void ChunkRepairWorkerMain(Datum main_arg);

/*
 * chunk_capture.c: the writes a source takes during an online copy, recorded
 * by a trigger of this name on the source's chunk table (one operation per
 * chunk at a time; capture_guard.c protects it)
 */
#define CHUNK_CAPTURE_TRIGGER_NAME "_multinode_chunk_copy_capture"

extern void ChunkCaptureStart(Oid source_server, const Chunk *chunk, const char *operation_id);
extern void ChunkCaptureForgetSeen(Oid source_server, const Chunk *chunk,
								   const char *operation_id);
extern int64 ChunkCaptureApply(const Hypertable *ht, const Chunk *chunk, Oid source_server,
							   Oid dest_server, const char *operation_id);
extern void ChunkCaptureCatchUp(const Hypertable *ht, const Chunk *chunk, Oid source_server,
								Oid dest_server, const char *operation_id);
extern void ChunkCaptureStop(Oid source_server, const Chunk *chunk, const char *operation_id);

#endif							/* MULTINODE_CHUNK_COPY_INTERNAL_H */
