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
extern void DDLForwardSQLToNodes(List *server_ids, const char *sql, bool callers_settings);
struct GrantStmt;
extern char *DDLDeparseGrant(struct GrantStmt *stmt, const char *object_sql);
extern void DDLDropHypertableCatalog(Hypertable *ht);
extern List *DDLTablesMatching(Oid nsp, Oid owner, Oid grantee);
struct PlannedStmt;
extern char *DDLStatementText(struct PlannedStmt *pstmt, const char *query_string);

/* ddl_objects.c: statements on a hypertable's indexes, constraints, triggers */
extern void *DDLObjectsBefore(struct PlannedStmt *pstmt, const char *query_string);
extern void DDLObjectsAfter(void *state);

/* ddl_global.c: schemas, default privileges, grants on the database */
extern void *DDLGlobalBefore(struct PlannedStmt *pstmt, const char *query_string);
extern void DDLGlobalAfter(void *state);
extern void DDLCheckRolesOnNodes(List *server_ids, List *roles);
extern List *DDLNamedRoles(List *rolespecs);

/* vacuum.c */
extern struct PlannedStmt *DDLVacuumBefore(struct PlannedStmt *pstmt, List **dist_out);
extern void DDLVacuumAfter(struct PlannedStmt *pstmt, List *dist);

/* member_guard.c */
extern void DDLCheckMemberGuard(struct PlannedStmt *pstmt);

/* capture_guard.c */
extern void DDLCheckCaptureGuard(struct PlannedStmt *pstmt);

#endif							/* MULTINODE_DIST_DDL_INTERNAL_H */
