/*-------------------------------------------------------------------------
 *
 * txn_fault.c
 *	  Named fault points in the commit protocol, for tests.
 *
 * multinode.debug_fault (superuser only, empty by default) names one point
 * and what happens there, as "point" or "point:action":
 *
 *	points	before_prepare, after_prepare_some, after_prepare, after_decision,
 *			after_commit, between_commit_prepared (see RemoteTxnFaultPoint)
 *	actions	error	raise an error (default).  After the local commit an
 *					error is impossible, so there it means skip.
 *			skip	after the local commit: send no (more) COMMIT PREPARED,
 *					leaving the prepared transactions to healing, as if the
 *					nodes had become unreachable.  Before it: as error.
 *			panic	crash the access node (every backend restarts), as if it
 *					had been killed at that point.
 *			wait	block until session advisory lock 4242 can be taken and
 *					then go on: a test holds the lock, sees the backend wait
 *					(pg_locks), does its damage, and lets go.  No sleeps.
 *
 * The setting is inert unless set, costs one comparison per transaction when
 * unset, and fires only in the session that set it.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/guc.h"

#include "remote/remote.h"
#include "remote/txn_internal.h"

/* the advisory lock key a "wait" fault blocks on */
#define FAULT_WAIT_LOCK_KEY 4242

typedef enum FaultAction
{
	FAULT_ACTION_ERROR,
	FAULT_ACTION_SKIP,
	FAULT_ACTION_PANIC,
	FAULT_ACTION_WAIT,
} FaultAction;

static const char *const point_names[] = {
	[FAULT_NONE] = "",
	[FAULT_BEFORE_PREPARE] = "before_prepare",
	[FAULT_AFTER_PREPARE_SOME] = "after_prepare_some",
	[FAULT_AFTER_PREPARE] = "after_prepare",
	[FAULT_AFTER_DECISION] = "after_decision",
	[FAULT_AFTER_COMMIT] = "after_commit",
	[FAULT_BETWEEN_COMMIT_PREPARED] = "between_commit_prepared",
};

static const char *const action_names[] = {
	[FAULT_ACTION_ERROR] = "error",
	[FAULT_ACTION_SKIP] = "skip",
	[FAULT_ACTION_PANIC] = "panic",
	[FAULT_ACTION_WAIT] = "wait",
};

typedef struct FaultSetting
{
	RemoteTxnFaultPoint point;
	FaultAction action;
} FaultSetting;

static FaultSetting fault = {FAULT_NONE, FAULT_ACTION_ERROR};

static bool
parse_fault(const char *value, FaultSetting *out)
{
	const char *colon = strchr(value, ':');
	size_t		len = colon ? (size_t) (colon - value) : strlen(value);
	int			i;

	out->point = FAULT_NONE;
	out->action = FAULT_ACTION_ERROR;
	if (len == 0 && colon == NULL)
		return true;
	for (i = 1; i < lengthof(point_names); i++)
		if (strlen(point_names[i]) == len && strncmp(point_names[i], value, len) == 0)
			out->point = (RemoteTxnFaultPoint) i;
	if (out->point == FAULT_NONE)
		return false;
	if (colon == NULL)
		return true;
	for (i = 0; i < lengthof(action_names); i++)
		if (strcmp(action_names[i], colon + 1) == 0)
		{
			out->action = (FaultAction) i;
			return true;
		}
	return false;
}

bool
RemoteTxnFaultCheckHook(char **newval, void **extra, GucSource source)
{
	FaultSetting parsed;
	FaultSetting *copy;

	if (!parse_fault(*newval, &parsed))
	{
		GUC_check_errdetail("Expected a point (before_prepare, after_prepare_some, after_prepare, "
							"after_decision, after_commit, between_commit_prepared), optionally "
							"followed by :error, :skip, :panic or :wait.");
		return false;
	}
	/* GUC extra data is malloc()ed: the GUC machinery free()s it */
	copy = malloc(sizeof(FaultSetting));
	if (copy == NULL)
		return false;
	*copy = parsed;
	*extra = copy;
	return true;
}

void
RemoteTxnFaultAssignHook(const char *newval, void *extra)
{
	fault = *(FaultSetting *) extra;
}

/* Whether a fault is set at point (the protocol then goes one node at a time). */
bool
RemoteTxnFaultArmed(RemoteTxnFaultPoint point)
{
	return fault.point == point;
}

/*
 * Fire the fault at point, if one is set there.  Before the local commit
 * "error" and "skip" throw; after it (post_commit) they return true, telling
 * the caller to skip what remains.  Returns false when nothing fired or the
 * fault only waited.
 */
bool
RemoteTxnFault(RemoteTxnFaultPoint point, bool post_commit)
{
	if (likely(fault.point != point))
		return false;

	switch (fault.action)
	{
		case FAULT_ACTION_PANIC:
			ereport(PANIC,
					(errmsg("multinode fault point \"%s\" reached: crashing", point_names[point])));
			break;
		case FAULT_ACTION_WAIT:
			{
				LOCKTAG		tag;

				/* the same tag as pg_advisory_lock(4242) */
				SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, FAULT_WAIT_LOCK_KEY, 1);
				(void) LockAcquire(&tag, ExclusiveLock, true, false);
				LockRelease(&tag, ExclusiveLock, true);
				return false;
			}
		case FAULT_ACTION_ERROR:
		case FAULT_ACTION_SKIP:
			if (post_commit)
			{
				ereport(WARNING,
						(errmsg("multinode fault point \"%s\" reached: leaving prepared transactions to healing",
								point_names[point])));
				return true;
			}
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("multinode fault point \"%s\" reached", point_names[point])));
			break;
	}
	return false;
}
