/*-------------------------------------------------------------------------
 *
 * suspect.c
 *	  Data nodes recently found unreachable, shared by every backend.
 *
 * When a connection to a data node cannot be made, or is lost and a new one
 * cannot be made either, the node is marked suspect for
 * multinode.node_suspect_interval.  Readers then choose
 * other replicas and writers mark the node's replicas stale without paying
 * the connect timeout again; once the interval has passed, the next query
 * tries the node and either clears the mark (it connected) or renews it.
 * The marks live in shared memory, so one backend's timeout spares all the
 * others; they are hints, never a reason to fail: a node whose chunks have
 * no other replica is still tried.
 *
 * A lost connection alone is no evidence that the node is down: its backend
 * may have been terminated (pg_terminate_backend, idle_session_timeout, an
 * operator) on a node that is fine.  Marking it would make every backend
 * pass over a healthy node for the whole interval, and writes to chunks
 * with no other replica fail meanwhile.  So a lost connection is followed by
 * one connection attempt, as the role that lost it; only an attempt that
 * fails as an outage (RemoteConnectFailureIsOutage) marks the node.  A node
 * that is really gone answers that attempt at once (connection refused, or
 * "the database system is shutting down"); only a host that drops packets
 * makes it wait, up to the connect timeout, and then once: afterwards the
 * node is suspect.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "remote/remote.h"

/* more data nodes than any cluster of ours has; a full table drops the oldest */
#define MAX_SUSPECT_NODES 128

typedef struct SuspectEntry
{
	Oid			database_id;
	Oid			server_id;
	TimestampTz since;			/* first failure of this run of failures */
	TimestampTz until;
	char		reason[SUSPECT_REASON_LEN];
} SuspectEntry;

typedef struct SuspectShared
{
	slock_t		mutex;
	SuspectEntry entries[MAX_SUSPECT_NODES];
} SuspectShared;

static SuspectShared *suspects = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
suspect_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(sizeof(SuspectShared));
}

static void
suspect_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	suspects = ShmemInitStruct("multinode suspect data nodes", sizeof(SuspectShared), &found);
	if (!found)
	{
		memset(suspects, 0, sizeof(SuspectShared));
		SpinLockInit(&suspects->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Install the shared memory hooks; from _PG_init, in the postmaster. */
void
RemoteSuspectInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = suspect_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = suspect_shmem_startup;
}

/* The entry of server_id in this database; caller holds the mutex. */
static SuspectEntry *
find_entry(Oid server_id)
{
	int			i;

	for (i = 0; i < MAX_SUSPECT_NODES; i++)
		if (suspects->entries[i].server_id == server_id &&
			suspects->entries[i].database_id == MyDatabaseId)
			return &suspects->entries[i];
	return NULL;
}

/*
 * Whether a failed connection attempt says the node is down or unreachable,
 * as opposed to refusing this role (password, pg_hba.conf, a missing role
 * or database): only the former may make every backend avoid the node.  A
 * server that answered with a FATAL error is up, unless it said it is
 * starting, stopping or recovering.
 */
bool
RemoteConnectFailureIsOutage(const char *msg)
{
	if (msg == NULL)
		return true;
	if (strstr(msg, "the database system is") != NULL)
		return true;
	return strstr(msg, "FATAL") == NULL && strstr(msg, "fe_sendauth") == NULL &&
		strstr(msg, "password") == NULL;
}

/*
 * Mark server_id suspect from now for multinode.node_suspect_interval.
 * Never throws: called on error paths.
 */
void
DataNodeMarkSuspect(Oid server_id, const char *reason)
{
	TimestampTz now = GetCurrentTimestamp();
	SuspectEntry *e;
	int			i;

	if (suspects == NULL || !OidIsValid(server_id) || mn_node_suspect_interval <= 0)
		return;
	SpinLockAcquire(&suspects->mutex);
	e = find_entry(server_id);
	if (e == NULL)
	{
		/* a free slot, else the one that expired first */
		for (i = 0; i < MAX_SUSPECT_NODES; i++)
			if (e == NULL || suspects->entries[i].server_id == InvalidOid ||
				suspects->entries[i].until < e->until)
			{
				e = &suspects->entries[i];
				if (e->server_id == InvalidOid)
					break;
			}
		e->database_id = MyDatabaseId;
		e->server_id = server_id;
		e->since = now;
	}
	else if (e->until < now)
		e->since = now;
	e->until = TimestampTzPlusMilliseconds(now, mn_node_suspect_interval);
	strlcpy(e->reason, reason ? reason : "", SUSPECT_REASON_LEN);
	SpinLockRelease(&suspects->mutex);
}

/*
 * A command to server_id failed with edata, which RemoteErrorIsNodeFailure
 * called a node failure: mark the node suspect if there is evidence that it
 * is down.  A failed connection attempt is evidence already, and was marked
 * where it was made (connection_cache.c) if it was an outage; a node that
 * said it crashed or cannot take connections now is marked; a lost
 * connection, or a session ended by the administrator (57P01, also what a
 * shutting-down node says), first gets one new connection attempt as the
 * current role (see the header comment).  Throws only for interrupts.
 */
void
DataNodeNoteFailure(Oid server_id, const ErrorData *edata)
{
	RemoteConnParams params = {NIL, NIL};
	DataNodeConn *probe;
	char	   *msg = NULL;

	if (edata->sqlerrcode == ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION)
		return;
	if (edata->sqlerrcode == ERRCODE_CRASH_SHUTDOWN ||
		edata->sqlerrcode == ERRCODE_CANNOT_CONNECT_NOW)
	{
		DataNodeMarkSuspect(server_id, edata->message);
		return;
	}
	DataNodeConnParams(server_id, GetUserId(), &params);
	probe = RemoteConnect(GetForeignServer(server_id)->servername, &params, &msg);
	if (probe != NULL)
	{
		RemoteDisconnect(probe);
		DataNodeClearSuspect(server_id);
		return;
	}
	if (RemoteConnectFailureIsOutage(msg))
		DataNodeMarkSuspect(server_id, edata->message);
}

/* The node answered: forget that it was suspect. */
void
DataNodeClearSuspect(Oid server_id)
{
	SuspectEntry *e;

	if (suspects == NULL)
		return;
	SpinLockAcquire(&suspects->mutex);
	e = find_entry(server_id);
	if (e != NULL)
		memset(e, 0, sizeof(SuspectEntry));
	SpinLockRelease(&suspects->mutex);
}

/*
 * Whether server_id is suspect now; if so and since/reason are given, when
 * its failures began and the last one's message (reason: a buffer of
 * SUSPECT_REASON_LEN, or NULL).
 */
bool
DataNodeIsSuspect(Oid server_id, TimestampTz *since, TimestampTz *until, char *reason)
{
	TimestampTz now = GetCurrentTimestamp();
	SuspectEntry *e;
	bool		suspect = false;

	if (suspects == NULL)
		return false;
	SpinLockAcquire(&suspects->mutex);
	e = find_entry(server_id);
	if (e != NULL && e->until > now)
	{
		suspect = true;
		if (since)
			*since = e->since;
		if (until)
			*until = e->until;
		if (reason)
			strlcpy(reason, e->reason, SUSPECT_REASON_LEN);
	}
	SpinLockRelease(&suspects->mutex);
	return suspect;
}
