/*-------------------------------------------------------------------------
 *
 * cancel.c
 *	  Asking a data node to cancel the command in flight, within a deadline.
 *
 * libpq's PQcancel (PostgreSQL 15's libpq has no other way) blocks until the
 * node's postmaster has read the request and closed the socket: against a
 * node that is stopped or drops packets that is forever, and cancels are
 * sent on abort paths, where interrupts are held and nothing can end the
 * wait.  So the request is made by a short-lived thread that does nothing
 * but call PQcancel, which libpq documents as safe even in a signal handler:
 * it uses neither PostgreSQL's memory nor its error handling.  The thread
 * blocks every signal, so they keep reaching the backend's own thread.  The
 * backend waits for it until the deadline; a thread still blocked then is
 * left to finish on its own (when the node answers or the connection
 * times out) and frees its own state.  The caller then throws the
 * connection away.  At most MAX_ABANDONED such threads live at once (each
 * holds a small stack and a socket); past that, no cancel is sent, and
 * closing the connection is all that is done.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "port/atomics.h"
#include "utils/timestamp.h"

#include "remote/connection_internal.h"

#define MAX_ABANDONED 16
#define CANCEL_STACK_SIZE (256 * 1024)

/* threads left blocked at their deadline and still running */
static pg_atomic_uint32 abandoned_running;
static bool				abandoned_initialized = false;

typedef enum CancelState
{
	CANCEL_RUNNING,
	CANCEL_DONE,	  /* the thread finished */
	CANCEL_ABANDONED, /* the backend stopped waiting */
} CancelState;

/* Shared by the backend and the thread; malloc'ed, freed by the last one. */
typedef struct CancelRequest
{
	PGcancel		*cancel;
	pg_atomic_uint32 state;
	bool			 sent;
	char			 errbuf[256];
} CancelRequest;

static void
free_request(CancelRequest *req)
{
	PQfreeCancel(req->cancel);
	free(req);
}

static void *
cancel_thread(void *arg)
{
	CancelRequest *req = arg;

	req->sent = PQcancel(req->cancel, req->errbuf, sizeof(req->errbuf)) == 1;
	if (pg_atomic_exchange_u32(&req->state, CANCEL_DONE) == CANCEL_ABANDONED)
	{
		free_request(req);
		pg_atomic_fetch_sub_u32(&abandoned_running, 1);
	}
	return NULL;
}

/*
 * Ask the node of pg to cancel what it runs, waiting at most until deadline.
 * Returns whether the node took the request in time.  Never throws.
 */
bool
RemoteSendCancel(PGconn *pg, TimestampTz deadline)
{
	CancelRequest  *req;
	pthread_t		thread;
	pthread_attr_t	attr;
	sigset_t		all, old;
	struct timespec until;
	TimestampTz		now = GetCurrentTimestamp();
	long			secs;
	int				usecs;
	bool			sent;
	int				rc;

	if (!abandoned_initialized)
	{
		pg_atomic_init_u32(&abandoned_running, 0);
		abandoned_initialized = true;
	}
	if (pg == NULL || PQstatus(pg) != CONNECTION_OK || now >= deadline ||
		pg_atomic_read_u32(&abandoned_running) >= MAX_ABANDONED)
		return false;
	req = malloc(sizeof(CancelRequest));
	if (req == NULL)
		return false;
	req->cancel = PQgetCancel(pg);
	req->sent = false;
	req->errbuf[0] = '\0';
	pg_atomic_init_u32(&req->state, CANCEL_RUNNING);
	if (req->cancel == NULL)
	{
		free(req);
		return false;
	}

	/* the thread inherits a mask that keeps every signal for the backend */
	sigfillset(&all);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CANCEL_STACK_SIZE);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&thread, &attr, cancel_thread, req);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
	{
		free_request(req);
		return false;
	}

	TimestampDifference(now, deadline, &secs, &usecs);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	until.tv_nsec += (long) usecs * 1000;
	if (until.tv_nsec >= 1000000000L)
	{
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(thread, NULL, &until) == 0)
	{
		sent = req->sent;
		free_request(req);
		return sent;
	}
	pg_atomic_fetch_add_u32(&abandoned_running, 1);
	if (pg_atomic_exchange_u32(&req->state, CANCEL_ABANDONED) == CANCEL_DONE)
	{
		pg_atomic_fetch_sub_u32(&abandoned_running, 1);
		/* it finished just now */
		pthread_join(thread, NULL);
		sent = req->sent;
		free_request(req);
		return sent;
	}
	pthread_detach(thread);
	return false;
}
