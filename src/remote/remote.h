/*-------------------------------------------------------------------------
 *
 * remote.h
 *	  Public face of remote/: libpq connections to data nodes, their cache,
 *	  commands sent to one or many nodes in parallel, and the remote
 *	  transactions that follow the local one.
 *
 * remote/ knows nothing of hypertables: it speaks in foreign servers (data
 * nodes), roles and SQL text.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_REMOTE_H
#define MULTINODE_REMOTE_H

#include "libpq-fe.h"
#include "nodes/pg_list.h"
#include "datatype/timestamp.h"
#include "utils/guc.h"

/* A connection to one data node database, as one role. */
typedef struct DataNodeConn DataNodeConn;

typedef enum RemoteTxnMode
{
	REMOTE_TXN_NONE,			/* no remote transaction: commands autocommit */
	REMOTE_TXN_READ,			/* inside the remote transaction, reading only */
	REMOTE_TXN_WRITE,			/* inside the remote transaction, writing */
	REMOTE_TXN_READ_ONCE,		/* one read whose snapshot nothing else shares:
								 * the node's own implicit transaction when the
								 * local one allows it (txn.c), else READ */
} RemoteTxnMode;

/*
 * Where to connect: libpq keywords and values, as parallel lists of char *,
 * and what credentials.c needs at connect time.
 */
typedef struct RemoteConnParams
{
	List	   *keywords;
	List	   *values;
	char	   *passfile;		/* password file to look the password up in */
	char	   *expected_cert;	/* the role's missing client certificate */
	bool		require_password;	/* fail unless the node asked for the password */
} RemoteConnParams;

extern void RemoteInit(void);

/* connection.c: one libpq connection and the commands sent on it */
extern void RemoteConnParamsAdd(RemoteConnParams *params, const char *keyword, const char *value);
extern void RemoteConnParamsSet(RemoteConnParams *params, const char *keyword, const char *value);
extern const char *RemoteConnParamsGet(RemoteConnParams *params, const char *keyword);
extern void RemoteReportConnectFailure(const char *node_name, const char *detail) pg_attribute_noreturn();
extern DataNodeConn *RemoteConnect(const char *node_name, RemoteConnParams *params, char **errmsg_out);
extern void RemoteDisconnect(DataNodeConn *conn);
extern PGconn *RemoteConnPG(DataNodeConn *conn);
extern const char *RemoteSessionSetupSQL(void);
extern const char *RemoteConnNodeName(DataNodeConn *conn);
extern void RemoteSend(DataNodeConn *conn, const char *sql);
extern void RemoteSendParams(DataNodeConn *conn, const char *sql, int nparams,
							 const char *const *values);
extern void RemoteSendParamsThen(DataNodeConn *conn, const char *sql, int nparams,
								 const char *const *values, const char *then_sql);
extern void RemoteSendTypedParams(DataNodeConn *conn, const char *sql, int nparams,
								  const Oid *types, const char *const *values,
								  const int *lengths, const int *formats);
extern void RemoteSendCached(DataNodeConn *conn, const char *sql, int nparams,
							 const Oid *types, const char *const *values,
							 const int *lengths, const int *formats);
extern void RemoteSendCachedBinary(DataNodeConn *conn, const char *sql);
extern void RemoteForgetStatements(DataNodeConn *conn);

/* held.c: a command of an autocommit statement sent with its commit */
extern bool RemoteHoldCached(DataNodeConn *conn, const char *sql, int nparams,
							 const Oid *types, const char *const *values,
							 const int *lengths, const int *formats);
extern void RemoteQueueStatement(DataNodeConn *conn, const char *sql);
extern PGresult *RemoteGetResult(DataNodeConn *conn, const char *sql);
extern PGresult *RemoteExec(DataNodeConn *conn, const char *sql);
extern PGresult *RemoteExecParams(DataNodeConn *conn, const char *sql, int nparams,
								  const char *const *values);
extern char *RemoteExecValue(DataNodeConn *conn, const char *sql, int nparams,
							 const char *const *values);
extern void RemoteExecCommand(DataNodeConn *conn, const char *sql);
extern void RemoteExecOnAll(List *conns, const char *sql);
extern bool RemoteExecCleanup(DataNodeConn *conn, const char *sql, int timeout_ms);
extern void RemoteCancelAndDrain(DataNodeConn *conn, int timeout_ms);
extern bool RemoteConnIsBusy(DataNodeConn *conn);
extern void RemoteReportError(int elevel, DataNodeConn *conn, PGresult *res,
							  const char *sql) pg_attribute_cold;
extern char *RemoteCatchErrors(void (*fn) (void *arg), void *arg);
extern bool RemoteErrorIsInterrupt(ErrorData *edata);
extern bool RemoteErrorIsNodeFailure(ErrorData *edata);

/*
 * results.c: reading the results of one command sent to many nodes.  Every
 * result must be read before raising an error, or connections stay busy;
 * RemoteCollectResult returns whether res succeeded (the caller then clears
 * it) and otherwise keeps the first failure, which RemoteRaiseFirstError
 * raises once all are read.
 */
typedef struct RemoteFirstError
{
	DataNodeConn *conn;
	PGresult   *res;
	const char *sql;
} RemoteFirstError;

extern bool RemoteCollectResult(RemoteFirstError *fe, DataNodeConn *conn, PGresult *res,
								const char *sql);
extern void RemoteRaiseFirstError(RemoteFirstError *fe);

/*
 * copy.c: COPY ... FROM STDIN to data nodes, without blocking.  Start the
 * COPY on every connection first (RemoteCopyStart sends, RemoteCopyBegin
 * waits for the node to accept data), then send data and end on each, then
 * RemoteCopyFinish each (RemoteCollectResult), so the nodes work in
 * parallel.  Any failure raises an error naming the node; the transaction
 * callback cleans up connections left mid-COPY.  A caller that keeps a COPY
 * open between its own calls registers itself as the connection's holder:
 * whoever sends on the connection next first has the holder end its COPY.
 */
extern void RemoteCopyStart(DataNodeConn *conn, const char *sql);
extern void RemoteConnSetHolder(DataNodeConn *conn, void (*release) (void *arg), void *arg);
extern void RemoteConnClearHolder(DataNodeConn *conn);
extern void RemoteCopyBegin(DataNodeConn *conn, const char *sql);
extern void RemoteCopySend(DataNodeConn *conn, const char *data, int len, const char *sql);
extern bool RemoteCopyDrained(DataNodeConn *conn, const char *sql);
extern void RemoteCopyWaitDrained(DataNodeConn *conn, const char *sql);
extern void RemoteCopyEnd(DataNodeConn *conn, const char *sql);
extern PGresult *RemoteCopyFinish(DataNodeConn *conn, const char *sql);

/* COPY ... TO STDOUT from a data node: begin, receive until -1, finish */
extern void RemoteCopyOutBegin(DataNodeConn *conn, const char *sql);
extern int	RemoteCopyReceive(DataNodeConn *conn, char **buf, const char *sql);

/* connection_cache.c: one connection per (data node, role) per backend */
extern DataNodeConn *GetDataNodeConnection(Oid server_id, RemoteTxnMode mode);
extern DataNodeConn *TryDataNodeConnection(Oid server_id, char **errmsg_out);
extern void DataNodeConnParams(Oid server_id, Oid user_id, RemoteConnParams *params);

/* credentials.c: the remote user, its password, certificate and TLS settings */
extern void RemoteConnParamsAddCredentials(RemoteConnParams *params, const char *user,
										   const char *password, bool node_credentials);
extern void CheckDataNodeUsable(Oid server_id, Oid user_id);
extern void CheckDataNodeUsage(Oid server_id, Oid user_id);
extern void CloseDataNodeConnections(Oid server_id);
extern void RemoteConnDiscard(DataNodeConn *conn);

/* transmission.c: fixed output settings for values shipped as text */
extern int	TransmissionModesBegin(void);
extern void TransmissionModesEnd(int nestlevel);
extern void RemoteUseCallerSettings(DataNodeConn *conn);
extern void RemoteRestoreSettings(DataNodeConn *conn);

/* txn.c: remote transactions that follow the local one */
extern void RemoteTxnBegin(DataNodeConn *conn, RemoteTxnMode mode);
extern List *RemoteTxnParticipants(void);
typedef void (*RemoteTxnAbortFn) (void *arg);
extern void RemoteTxnAtAbort(RemoteTxnAbortFn fn, void *arg);

/* txn_2pc.c: the lock distributed commits hold around their commit window */
extern void RemoteTxnLockCommitWindow(bool exclusive);

/*
 * suspect.c: data nodes recently found unreachable, in shared memory, for
 * multinode.node_suspect_interval.  reason buffers hold SUSPECT_REASON_LEN.
 */
#define SUSPECT_REASON_LEN 128
extern void RemoteSuspectInit(void);
extern bool RemoteConnectFailureIsOutage(const char *msg);
extern void DataNodeMarkSuspect(Oid server_id, const char *reason);
extern void DataNodeNoteFailure(Oid server_id, const ErrorData *edata);
extern void DataNodeClearSuspect(Oid server_id);
extern bool DataNodeIsSuspect(Oid server_id, TimestampTz *since, TimestampTz *until,
							  char *reason);

/* txn_fault.c: the multinode.debug_fault setting */
extern bool RemoteTxnFaultCheckHook(char **newval, void **extra, GucSource source);
extern void RemoteTxnFaultAssignHook(const char *newval, void *extra);

/* txn_resolve.c: healing prepared transactions left on data nodes */
extern int	RemoteTxnHealDataNode(Oid server_id, int *in_doubt);

#endif							/* MULTINODE_REMOTE_H */
