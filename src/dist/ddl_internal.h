/*-------------------------------------------------------------------------
 *
 * ddl_internal.h
 *	  What the DDL files of dist/ share (not part of the folder's public face).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_DIST_DDL_INTERNAL_H
#define MULTINODE_DIST_DDL_INTERNAL_H

#include "hypertable/hypertable.h"

/* hypertable_ddl.c */
extern void DDLForwardSQL(const Hypertable *ht, const char *sql, bool callers_settings);
extern void DDLDropHypertableCatalog(Hypertable *ht);
extern List *DDLTablesMatching(Oid nsp, Oid owner, Oid grantee);
struct PlannedStmt;
extern char *DDLStatementText(struct PlannedStmt *pstmt, const char *query_string);

/* ddl_objects.c: statements on a hypertable's indexes, constraints, triggers */
extern void *DDLObjectsBefore(struct PlannedStmt *pstmt, const char *query_string);
extern void DDLObjectsAfter(void *state);

/* vacuum.c */
extern struct PlannedStmt *DDLVacuumBefore(struct PlannedStmt *pstmt, List **dist_out);
extern void DDLVacuumAfter(struct PlannedStmt *pstmt, List *dist);

/* member_guard.c */
extern void DDLCheckMemberGuard(struct PlannedStmt *pstmt);

#endif							/* MULTINODE_DIST_DDL_INTERNAL_H */
