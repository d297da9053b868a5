/*-------------------------------------------------------------------------
 *
 * txn_internal.h
 *	  The distributed transaction manager's pieces, shared by the files of
 *	  remote/ only: GIDs (txn_id.c), the commit protocol (txn_2pc.c), healing
 *	  (txn_resolve.c) and fault points (txn_fault.c).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_TXN_INTERNAL_H
#define MULTINODE_TXN_INTERNAL_H

#include "access/transam.h"

#include "remote/connection_internal.h"

/*
 * PostgreSQL allows GIDs of up to 199 bytes; ours stay under 100.  The buffer
 * is sized for the limit so a GID read from a node always fits.
 */
#define MN_GID_SIZE 200

/* The parts of one of our GIDs. */
typedef struct RemoteTxnId
{
	char		cluster[64];	/* the access node's dist_uuid */
	Oid			database;		/* the access node database's OID */
	FullTransactionId fxid;		/* the access-node transaction */
	Oid			server_id;		/* the data node (foreign server) */
	Oid			user_id;		/* the local role whose connection it was */
} RemoteTxnId;

/*
 * A prepared transaction on one node that this backend must still finish:
 * made at pre-commit in TopMemoryContext, so that the commit and abort paths
 * never allocate.  Linked into a connection's "pending" list when the
 * finishing command failed, so the next use of that connection retries it.
 */
struct RemoteTxnGid
{
	char		gid[MN_GID_SIZE];
	bool		commit;			/* COMMIT PREPARED, else ROLLBACK PREPARED */
	struct RemoteTxnGid *next;
};

/* txn_id.c */
extern void RemoteTxnIdFormat(char *buf, const char *cluster, Oid database,
							  FullTransactionId fxid, Oid server_id, Oid user_id);
extern bool RemoteTxnIdParse(const char *gid, RemoteTxnId *id);
extern char *RemoteTxnIdPrefix(const char *cluster, Oid database);

/* txn.c */
extern void RemoteTxnBeginReadOnce(DataNodeConn *conn);

/* txn_2pc.c */
extern void RemoteTxnPreCommit(void);
extern void RemoteTxnPostCommit(void);
extern void RemoteTxnAbortPrepared(DataNodeConn *conn);
extern void RemoteTxnResolvePending(DataNodeConn *conn);

/* txn_fault.c: test-only fault points, inert unless multinode.debug_fault is set */
typedef enum RemoteTxnFaultPoint
{
	FAULT_NONE,
	FAULT_BEFORE_PREPARE,		/* nothing prepared yet */
	FAULT_AFTER_PREPARE_SOME,	/* the first written node prepared, the others not */
	FAULT_AFTER_PREPARE,		/* every written node prepared, no decision yet */
	FAULT_AFTER_DECISION,		/* decision rows written, local commit not done */
	FAULT_AFTER_COMMIT,			/* committed locally, no COMMIT PREPARED sent */
	FAULT_BETWEEN_COMMIT_PREPARED,	/* the first node committed, the others not */
} RemoteTxnFaultPoint;

extern bool RemoteTxnFaultArmed(RemoteTxnFaultPoint point);
extern bool RemoteTxnFault(RemoteTxnFaultPoint point, bool post_commit);

#endif							/* MULTINODE_TXN_INTERNAL_H */
