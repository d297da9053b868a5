/*-------------------------------------------------------------------------
 *
 * dist_exec.c
 *	  The distributed_exec procedure: run SQL on data nodes.
 *
 * Transactional (the default) runs inside the remote transactions of the
 * current local transaction, so an error on any node rolls back all of
 * them.  Non-transactional autocommits on each node, for commands that
 * cannot run in a transaction block (CREATE DATABASE, VACUUM); it therefore
 * refuses to run inside one itself.
 *
 * The text runs with the caller's search_path, then the connection goes back
 * to pg_catalog, on which multinode's own remote SQL relies.
 *
 * The text must not break out of the distributed transaction or the role:
 * a COMMIT in it would commit on one node what the others roll back, and a
 * SET ROLE would outlive the call on the cached connection.  So the text is
 * parsed here first (the nodes run the same PostgreSQL, and the nodes'
 * standard_conforming_strings is set to ours, so they split it the same way)
 * and transaction control, identity changes and session resets are refused
 * before anything is sent.  What parsing cannot see (set_config('role') in a
 * function) is caught afterwards: each node must still be inside its
 * transaction, as the same user, or the statement fails and the connection
 * is thrown away.  The settings our own remote SQL relies on are put back
 * after the text in the same transaction.  Non-transactional calls leave no
 * session state behind: their connections are closed afterwards.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "dist/dist.h"
#include "remote/remote.h"

/*
 * The server OIDs named by a name[] (NULL: every data node).  Rejects empty,
 * multi-dimensional and NULL-containing lists and unknown names, and drops
 * duplicates.
 */
List *
DataNodeIdsFromArray(ArrayType *node_list, bool null_means_all)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;
	List	   *ids = NIL;

	if (node_list == NULL)
	{
		if (null_means_all)
			return GetDataNodeServerIds();
		return NIL;
	}
	if (ARR_NDIM(node_list) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid data node list"),
				 errdetail("The list must be one-dimensional."),
				 errhint("Give the node names as an array, for example '{dn1,dn2}'.")));
	deconstruct_array(node_list, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &elems, &nulls, &nelems);
	if (nelems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid data node list"),
				 errdetail("The list is empty."),
				 errhint("Give at least one data node, or NULL for all of them.")));
	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("invalid data node list"),
					 errdetail("The list contains a NULL.")));
		ids = list_append_unique_oid(ids,
									 GetDataNodeServerId(NameStr(*DatumGetName(elems[i])), false));
	}
	return ids;
}

/* What one node's session looked like before the text ran. */
typedef struct NodeIdentity
{
	DataNodeConn *conn;
	char	   *current_user;
	char	   *session_user;
} NodeIdentity;

/* Settings of the remote transactions, which only the access node sets. */
static bool
is_transaction_setting(const char *name)
{
	return pg_strncasecmp(name, "transaction", strlen("transaction")) == 0 ||
		pg_strncasecmp(name, "default_transaction", strlen("default_transaction")) == 0;
}

static void
refuse(const char *what, Node *stmt, int sqlstate, const char *hint)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("distributed_exec cannot run %s", what),
			 errdetail("The query text contains %s.", GetCommandTagName(CreateCommandTag(stmt))),
			 errhint("%s", hint)));
}

/*
 * Refuse statements that would end or reshape the remote transaction, or
 * change who the remote session is, before anything reaches a node.  The
 * two-phase commit statements are refused in both modes: prepared
 * transactions on data nodes belong to the commit protocol and its healing.
 */
static void
check_query_text(const char *query, bool transactional)
{
	const char *txn_hint = "The text runs inside the calling transaction, which commits or rolls back on every data node as a whole; "
		"use transactional => false for commands that need their own transactions.";
	List	   *stmts = raw_parser(query, RAW_PARSE_DEFAULT);
	ListCell   *lc;

	foreach(lc, stmts)
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;

		CHECK_FOR_INTERRUPTS();
		if (IsA(stmt, TransactionStmt))
		{
			TransactionStmtKind kind = castNode(TransactionStmt, stmt)->kind;

			if (kind == TRANS_STMT_PREPARE || kind == TRANS_STMT_COMMIT_PREPARED ||
				kind == TRANS_STMT_ROLLBACK_PREPARED)
				refuse("two-phase commit statements", stmt, ERRCODE_FEATURE_NOT_SUPPORTED,
					   "Prepared transactions on data nodes belong to the access node's commit protocol; "
					   "remote_txn_heal_data_node resolves them.");
			if (transactional)
				refuse("transaction control statements", stmt, ERRCODE_ACTIVE_SQL_TRANSACTION,
					   txn_hint);
		}
		else if (IsA(stmt, VariableSetStmt) && transactional)
		{
			VariableSetStmt *set = castNode(VariableSetStmt, stmt);

			if (set->kind == VAR_SET_MULTI || (set->name && is_transaction_setting(set->name)))
				refuse("transaction control statements", stmt, ERRCODE_ACTIVE_SQL_TRANSACTION,
					   txn_hint);
			if (set->kind == VAR_RESET_ALL || pg_strcasecmp(set->name, "role") == 0 ||
				pg_strcasecmp(set->name, "session_authorization") == 0)
				refuse("statements that change the session's role or reset the session", stmt,
					   ERRCODE_FEATURE_NOT_SUPPORTED,
					   "The text runs as the calling role's data node user and cannot change it; "
					   "grant the privileges it needs on the data nodes instead.");
		}
		else if (IsA(stmt, DiscardStmt) && transactional)
			refuse("statements that change the session's role or reset the session", stmt,
				   ERRCODE_FEATURE_NOT_SUPPORTED,
				   "Use transactional => false for DISCARD.");
	}
}

/*
 * Give every node the caller's search_path and our lexer's idea of
 * backslashes (so the node splits the text as check_query_text did), and
 * note who each node's session is.
 */
static List *
prepare_sessions(List *conns)
{
	const char *sql = "SELECT pg_catalog.set_config('search_path', $1, false), "
		"pg_catalog.set_config('standard_conforming_strings', $2, false), current_user, session_user";
	const char *params[2] = {GetConfigOption("search_path", false, false),
	standard_conforming_strings ? "on" : "off"};
	RemoteFirstError fe = {NULL, NULL, NULL};
	List	   *ids = NIL;
	ListCell   *lc;

	foreach(lc, conns)
		RemoteSendParams(lfirst(lc), sql, 2, params);
	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);
		PGresult   *res = RemoteGetResult(conn, sql);

		if (RemoteCollectResult(&fe, conn, res, sql))
		{
			NodeIdentity *id = palloc(sizeof(NodeIdentity));

			id->conn = conn;
			id->current_user = pstrdup(PQgetvalue(res, 0, 2));
			id->session_user = pstrdup(PQgetvalue(res, 0, 3));
			ids = lappend(ids, id);
			PQclear(res);
		}
	}
	RemoteRaiseFirstError(&fe);
	return ids;
}

static void
lost_transaction(DataNodeConn *conn)
{
	RemoteConnDiscard(conn);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
			 errmsg("distributed_exec ended the transaction on data node \"%s\"",
					RemoteConnNodeName(conn)),
			 errdetail("The data node is no longer inside the distributed transaction."),
			 errhint("Remove transaction control from the query text.")));
}

/*
 * After the text: every node must still be inside its transaction, as the
 * same user; the session settings our remote SQL relies on are put back in
 * the same transaction.  A node that fails this is thrown away and the
 * whole statement fails, so its transaction never commits.
 */
static void
check_sessions(List *ids)
{
	char	   *sql = psprintf("%s; SELECT current_user, session_user", RemoteSessionSetupSQL());
	RemoteFirstError fe = {NULL, NULL, NULL};
	NodeIdentity *changed = NULL;
	char	   *now_user = NULL;
	char	   *now_session_user = NULL;
	ListCell   *lc;

	foreach(lc, ids)
	{
		NodeIdentity *id = lfirst(lc);

		if (PQtransactionStatus(RemoteConnPG(id->conn)) != PQTRANS_INTRANS)
			lost_transaction(id->conn);
	}
	foreach(lc, ids)
		RemoteSend(((NodeIdentity *) lfirst(lc))->conn, sql);
	foreach(lc, ids)
	{
		NodeIdentity *id = lfirst(lc);
		PGresult   *res = RemoteGetResult(id->conn, sql);

		if (!RemoteCollectResult(&fe, id->conn, res, sql))
			continue;
		if (changed == NULL &&
			(strcmp(PQgetvalue(res, 0, 0), id->current_user) != 0 ||
			 strcmp(PQgetvalue(res, 0, 1), id->session_user) != 0))
		{
			changed = id;
			now_user = pstrdup(PQgetvalue(res, 0, 0));
			now_session_user = pstrdup(PQgetvalue(res, 0, 1));
		}
		PQclear(res);
	}
	if (changed != NULL)
	{
		RemoteConnDiscard(changed->conn);
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("distributed_exec changed the role on data node \"%s\"",
						RemoteConnNodeName(changed->conn)),
				 errdetail("The session ran as \"%s\" (session user \"%s\") and then as \"%s\" (session user \"%s\").",
						   changed->current_user, changed->session_user,
						   now_user, now_session_user),
				 errhint("The text runs as the calling role's data node user and cannot change it.")));
	}
	RemoteRaiseFirstError(&fe);
	foreach(lc, ids)
	{
		NodeIdentity *id = lfirst(lc);

		if (PQtransactionStatus(RemoteConnPG(id->conn)) != PQTRANS_INTRANS)
			lost_transaction(id->conn);
	}
}

PG_FUNCTION_INFO_V1(multinode_distributed_exec);

/*
 * CALL distributed_exec(query text, node_list name[] = NULL,
 *						 transactional bool = true)
 */
Datum
multinode_distributed_exec(PG_FUNCTION_ARGS)
{
	char	   *query;
	bool		transactional = PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	bool		top_level = IsTransactionBlock() ||
		(fcinfo->context && IsA(fcinfo->context, CallContext) &&
		 !castNode(CallContext, fcinfo->context)->atomic);
	List	   *node_ids;
	List	   *conns = NIL;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query cannot be NULL")));
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));

	RequireAccessNode("distributed_exec");
	if (!transactional)
		PreventInTransactionBlock(top_level, "distributed_exec with transactional => false");
	check_query_text(query, transactional);

	node_ids = DataNodeIdsFromArray(PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), true);
	/* running any command on a node is a use of it, as placing data is */
	foreach(lc, node_ids)
		CheckDataNodeUsage(lfirst_oid(lc), GetUserId());
	foreach(lc, node_ids)
		conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc),
													 transactional ? REMOTE_TXN_WRITE : REMOTE_TXN_NONE));

	if (transactional)
	{
		List	   *ids = prepare_sessions(conns);

		/* the text may deallocate them, and its own survive the transaction */
		foreach(lc, conns)
			RemoteForgetStatements(lfirst(lc));
		RemoteExecOnAll(conns, query);
		check_sessions(ids);
	}
	else
	{
		/* whatever the text left in the sessions goes with them */
		PG_TRY();
		{
			(void) prepare_sessions(conns);
			RemoteExecOnAll(conns, query);
		}
		PG_FINALLY();
		{
			foreach(lc, conns)
				RemoteConnDiscard(lfirst(lc));
		}
		PG_END_TRY();
	}

	PG_RETURN_VOID();
}
