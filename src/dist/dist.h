/*-------------------------------------------------------------------------
 *
 * dist.h
 *	  Public face of dist/: data node management, distributed DDL,
 *	  distributed_exec and the health and size reports.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_DIST_H
#define MULTINODE_DIST_H

#include "nodes/pg_list.h"
#include "utils/array.h"

extern void DistInit(void);

/* data_node.c */
extern List *GetDataNodeServerIds(void);
extern Oid	GetDataNodeServerId(const char *node_name, bool missing_ok);
extern void RequireAccessNode(const char *what);
extern void DistBeforeDeleteDataNode(Oid server_id, bool force);

/* node_claim.c: the claim add_data_node makes on a data node */
struct DataNodeConn;
extern char *DataNodeClaim(struct DataNodeConn *conn, const char *node_name, const char *dbname,
						   const char *remote_uuid, const char *local_uuid);
extern const char *DataNodeReleaseSQL(void);

/* hypertable_ddl.c: around a utility statement, keep hypertables in step */
struct PlannedStmt;
extern void *HypertableDDLBefore(struct PlannedStmt *pstmt, const char *query_string);
extern void HypertableDDLAfter(struct PlannedStmt *pstmt, const char *query_string, void *state);

/* stats_import.c: around VACUUM/ANALYZE, the data nodes' statistics */
extern void DistStatsBeforeUtility(Node *parsetree);
extern void DistStatsAfterUtility(Node *parsetree);

/* dist_exec.c */
extern List *DataNodeIdsFromArray(ArrayType *node_list, bool null_means_all);

#endif							/* MULTINODE_DIST_H */
