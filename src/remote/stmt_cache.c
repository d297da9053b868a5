/*-------------------------------------------------------------------------
 *
 * stmt_cache.c
 *	  Named prepared statements on a data node connection, for remote SQL
 *	  that a session sends again and again.
 *
 * A small query costs the data node more to parse and plan than to run: a
 * read of a member hypertable is expanded into its chunks (member_expand.c)
 * and planned over them on every arrival, a single-row INSERT parsed and
 * planned for one row.  Text sent a second time on a connection is
 * therefore prepared under a name of its own (Parse in the same pipeline as
 * its first Bind/Execute, so it costs no round trip) and later only bound
 * and executed: the node keeps its plan (PostgreSQL's plan cache, which
 * replans when the relations behind it change and keeps custom plans while
 * a generic one would read more chunks).  Text seen once takes the unnamed
 * statement as before, so one-off queries leave nothing on the node.
 *
 * A name counts as prepared only once the node has answered its Parse
 * (connection.c reads that answer): names are never reused, so a Parse
 * that failed or whose answer was lost leaves no name taken twice.
 *
 * A prepared statement fixes its result's row type.  When a relation on
 * this server changes (a column's type, say, on a distributed hypertable's
 * root, which the DDL also changes on the nodes), every connection forgets
 * its statements and the next prepared command sends DEALLOCATE ALL ahead
 * of it, so no stale statement fails a query.  So does a connection that
 * ran a user's text (distributed_exec), which could have deallocated them.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "guc.h"
#include "remote/connection_internal.h"

struct RemoteStmtCache
{
	int			capacity;
	int			nentries;
	uint64		generation;		/* relation changes seen when last emptied */
	bool		deallocate;		/* the node may hold statements we forgot */
	uint64		clock;			/* for least recently used */
	RemoteStmt	entries[FLEXIBLE_ARRAY_MEMBER];
};

/* relation changes seen by this backend (bumped by the relcache callback) */
static uint64 relation_generation = 0;

/* names are unique within the backend, so within each of its connections */
static uint32 statement_number = 0;

static void
forget_entries(RemoteStmtCache *cache)
{
	int			i;

	for (i = 0; i < cache->nentries; i++)
	{
		if (cache->entries[i].prepared)
			cache->deallocate = true;
		pfree(cache->entries[i].sql);
	}
	cache->nentries = 0;
}

/*
 * The statement to send sql as, or NULL for the unnamed one (first
 * sighting, cache full or disabled).  A statement not yet prepared is to be
 * parsed in the same pipeline (RemoteStmtSent).  *deallocate says that
 * DEALLOCATE ALL must go first.
 */
RemoteStmt *
RemoteStmtLookup(DataNodeConn *conn, const char *sql, bool *deallocate)
{
	RemoteStmtCache *cache = conn->stmts;
	uint32		hash;
	RemoteStmt *victim = NULL;
	RemoteStmt *stmt;
	int			i;

	*deallocate = false;
	if (mn_remote_statement_cache_size <= 0)
		return NULL;
	if (cache == NULL || cache->capacity != mn_remote_statement_cache_size)
	{
		bool		had_statements = false;

		if (cache != NULL)
		{
			forget_entries(cache);
			had_statements = cache->deallocate;
			pfree(cache);
		}
		cache = MemoryContextAllocZero(TopMemoryContext,
									   offsetof(RemoteStmtCache, entries) +
									   sizeof(RemoteStmt) * mn_remote_statement_cache_size);
		cache->capacity = mn_remote_statement_cache_size;
		cache->generation = relation_generation;
		cache->deallocate = had_statements;
		conn->stmts = cache;
	}
	if (cache->generation != relation_generation)
	{
		forget_entries(cache);
		cache->generation = relation_generation;
	}

	hash = hash_bytes((const unsigned char *) sql, strlen(sql));
	cache->clock++;
	for (i = 0; i < cache->nentries; i++)
	{
		stmt = &cache->entries[i];
		if (stmt->hash == hash && strcmp(stmt->sql, sql) == 0)
		{
			stmt->last_use = cache->clock;
			if (!stmt->prepared)
				snprintf(stmt->name, sizeof(stmt->name), "mn_s%u", ++statement_number);
			*deallocate = cache->deallocate;
			cache->deallocate = false;
			return stmt;
		}
		if (!stmt->prepared && (victim == NULL || stmt->last_use < victim->last_use))
			victim = stmt;
	}

	/* first sighting: remember it, in place of the oldest one seen once */
	if (cache->nentries < cache->capacity)
		stmt = &cache->entries[cache->nentries++];
	else if (victim != NULL)
	{
		stmt = victim;
		pfree(stmt->sql);
	}
	else
		return NULL;
	memset(stmt, 0, sizeof(RemoteStmt));
	stmt->hash = hash;
	stmt->sql = MemoryContextStrdup(TopMemoryContext, sql);
	stmt->last_use = cache->clock;
	return NULL;
}

/* The node answered stmt's Parse: ok says whether it now holds the name. */
void
RemoteStmtParsed(RemoteStmt *stmt, bool ok)
{
	stmt->prepared = ok;
}

/*
 * The connection's statements are forgotten; the next prepared command
 * deallocates whatever the node still holds of them.  Never throws.
 */
void
RemoteForgetStatements(DataNodeConn *conn)
{
	if (conn->stmts != NULL)
		forget_entries(conn->stmts);
}

/* The connection's session is gone: so are its statements.  Never throws. */
void
RemoteStmtCacheFree(DataNodeConn *conn)
{
	conn->parsing = NULL;
	if (conn->stmts == NULL)
		return;
	forget_entries(conn->stmts);
	pfree(conn->stmts);
	conn->stmts = NULL;
}

static void
relation_changed(Datum arg, Oid relid)
{
	relation_generation++;
}

void
RemoteStmtCacheInit(void)
{
	CacheRegisterRelcacheCallback(relation_changed, (Datum) 0);
}
