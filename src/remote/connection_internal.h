/*-------------------------------------------------------------------------
 *
 * connection_internal.h
 *	  The connection struct, shared by the files of remote/ only.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_CONNECTION_INTERNAL_H
#define MULTINODE_CONNECTION_INTERNAL_H

#include "datatype/timestamp.h"
#include "storage/latch.h"

#include "remote/remote.h"

typedef struct RemoteTxnGid RemoteTxnGid;
typedef struct RemoteStmtCache RemoteStmtCache;

/* a named prepared statement of one connection (stmt_cache.c) */
typedef struct RemoteStmt
{
	uint32		hash;			/* of sql */
	char	   *sql;			/* TopMemoryContext */
	char		name[16];
	bool		prepared;		/* the node answered its Parse */
	uint64		last_use;
} RemoteStmt;

typedef struct ConnCacheKey
{
	Oid			server_id;
	Oid			user_id;
} ConnCacheKey;

/* a command's parameters, as libpq takes them (types, lengths, formats may be NULL) */
typedef struct CommandParams
{
	int			nparams;
	Oid		   *types;
	char	  **values;
	int		   *lengths;
	int		   *formats;
	const char *then_sql;		/* sent right after, in the same pipeline */
	int			result_format;	/* 0: text results, 1: binary */
} CommandParams;

struct DataNodeConn
{
	ConnCacheKey key;			/* hash key; must be first */
	PGconn	   *pg;				/* NULL when not connected */
	char		node_name[NAMEDATALEN];
	bool		cached;			/* lives in the connection cache */

	/* remote transaction state */
	int			xact_depth;		/* 0: none; 1: open; n > 1: savepoint levels */
	bool		xact_written;	/* wrote something in this transaction */
	bool		xact_read_only; /* the remote transaction is READ ONLY */
	bool		xact_failed;	/* lost mid-transaction: must not commit */
	bool		begin_pending;	/* START TRANSACTION not sent yet: the node has
								 * no transaction of ours */
	bool		read_once;		/* the next command is a read in the node's
								 * implicit transaction (txn.c) */
	List	   *queued;			/* statements (char *, TopMemoryContext) that
								 * go ahead of the next command (txn.c) */

	/* two-phase commit state (txn_2pc.c) */
	RemoteTxnGid *txn_gid;		/* this transaction's GID here, from pre-commit on */
	bool		prepare_sent;	/* PREPARE TRANSACTION was sent ... */
	bool		prepared;		/* ... and succeeded */
	RemoteTxnGid *pending;		/* prepared transactions this backend must still finish */

	/* connection state */
	bool		busy;			/* a command is in flight */
	bool		deferred;		/* a command whose result nobody waits for is
								 * in flight: read at the next use */
	bool		deferred_warns; /* its failure is only a warning */
	char		deferred_sql[32];	/* that command, for its error */
	List	   *sent_queued;	/* the queued statements sent with the
								 * command in flight, for errors */
	char		error_sql[64];	/* the queued statement that failed */
	bool		pipeline;		/* the command in flight is a libpq pipeline */
	char	   *retry_sql;		/* the command in flight started the remote */
	CommandParams *retry_params; /* transaction: it may be sent again on a
								 * new connection (TopTransactionContext) */
	WaitEventSet *wait_set;		/* latch, postmaster death, socket (wait_conn) */
	pgsocket	wait_sock;		/* the socket it watches */
	int			wait_pos;		/* its position in the set */
	uint32		wait_events;	/* the socket events it waits for */
	void		(*release_fn) (void *arg);	/* holder of a COPY left open (see */
	void	   *release_arg;	/* RemoteConnSetHolder) */
	RemoteStmtCache *stmts;		/* named prepared statements (stmt_cache.c) */
	RemoteStmt *parsing;		/* the statement whose Parse is in flight ... */
	int			parse_result;	/* ... and its result's place in the pipeline */
	int			then_result;	/* RemoteSendCachedThen: then_sql's place in
								 * the pipeline (0: none) ... */
	const char *then_after_sql; /* ... the command it follows (the caller's
								 * memory, alive until the result is read) */
	const char *then_failed_sql;	/* that command, when it failed */
	struct RemoteHeld *held;	/* a command held for the commit (held.c) */
	bool		broken;			/* must be closed, never reused */
	bool		invalidated;	/* server, mapping or role changed */
	bool		usable;			/* CheckDataNodeUsable passed since the last
								 * invalidation */
	LocalTransactionId checked_lxid;	/* transaction whose first use read
										 * the socket for a closed session */
	uint32		server_hashvalue;
};

/* connection.c */
extern void RemoteCheckUsable(DataNodeConn *conn, const char *sql);
extern CommandParams RemoteTypedParams(int nparams, const Oid *types, const char *const *values,
										const int *lengths, const int *formats);
extern CommandParams *RemoteCopyParams(const CommandParams *params);
extern void RemoteSendCachedThen(DataNodeConn *conn, const char *sql, const CommandParams *params,
								 const char *then_sql);
extern bool RemoteConnectInto(DataNodeConn *conn, RemoteConnParams *params, char **errmsg_out);
extern void RemoteCloseConn(DataNodeConn *conn);
extern bool RemoteSendQuietly(DataNodeConn *conn, const char *sql, TimestampTz deadline);
extern PGresult *RemoteGetResultQuietly(DataNodeConn *conn, TimestampTz deadline);
extern bool RemoteResultIs(PGresult *res, const char *sqlstate);
extern void RemoteFlushOutput(DataNodeConn *conn, const char *sql);
extern int	RemoteWaitConn(DataNodeConn *conn, uint32 events);
extern void RemoteClearQueue(DataNodeConn *conn);
extern void RemoteSendDeferred(DataNodeConn *conn, const char *sql, bool warn_only);
extern void RemoteSettle(DataNodeConn *conn);
extern bool RemoteSettleQuietly(DataNodeConn *conn, TimestampTz deadline);

/* held.c */
extern void RemoteHeldFlush(DataNodeConn *conn);
extern bool RemoteHeldSendWith(DataNodeConn *conn, const char *then_sql);
extern const char *RemoteHeldSendAlone(DataNodeConn *conn);
extern void RemoteHeldForget(DataNodeConn *conn);

/* stmt_cache.c */
extern RemoteStmt *RemoteStmtLookup(DataNodeConn *conn, const char *sql, bool *deallocate);
extern void RemoteStmtParsed(RemoteStmt *stmt, bool ok);
extern void RemoteStmtCacheFree(DataNodeConn *conn);
extern void RemoteStmtCacheInit(void);

/* connection_cache.c */
extern bool RemoteConnReopen(DataNodeConn *conn);

/* credentials.c */
extern void RemoteConnParamsSeal(RemoteConnParams *params);
extern PGconn *RemoteConnectStart(const char *const *keywords, const char *const *values);
extern char *RemoteConnectFailureDetail(RemoteConnParams *params, char *msg);

/* cancel.c */
extern bool RemoteSendCancel(PGconn *pg, TimestampTz deadline);

/* connection_cache.c */
extern void RemoteConnCacheForEach(void (*fn) (DataNodeConn *conn, void *arg), void *arg);
extern void RemoteConnCacheForEachQuietly(void (*fn) (DataNodeConn *conn, void *arg), void *arg);
extern void RemoteConnCacheCloseStale(void);

#endif							/* MULTINODE_CONNECTION_INTERNAL_H */
