/*-------------------------------------------------------------------------
 *
 * stats_import.c
 *	  ANALYZE of a distributed hypertable on the access node: analyze it on
 *	  its data nodes and import their row counts and column statistics.
 *
 * The access node's root is empty and its chunks are foreign tables, so
 * PostgreSQL's ANALYZE finds nothing to sample here.  Before it runs
 * (ANALYZE, VACUUM ANALYZE, with or without a table list), for each
 * distributed hypertable it covered and the caller may analyze -- the
 * table's or the database's owner, as PostgreSQL requires; others got
 * PostgreSQL's "skipping" warning and import nothing:
 *
 *  1. every data node holding chunks of it runs, in the distributed
 *	   transaction and as the calling role, all nodes at once,
 *	   "ANALYZE member, chunk, ..." (its member hypertable, whose inherited
 *	   statistics describe the node's rows, and each chunk, for its row
 *	   count) and returns its chunks' reltuples/relpages; then its member's
 *	   pg_stats rows (inherited);
 *  2. each chunk's counts are taken from one of its replicas (the first
 *	   node, in name order, that reports it), so replicas are counted once;
 *	   they go to the chunk's foreign table here, their sums to the root
 *	   (pg_class reltuples/relpages, updated in place as ANALYZE does);
 *  3. the nodes' column statistics are merged (stats_merge.c) into the
 *	   root's pg_statistic rows with stainherit = false -- the planner reads
 *	   the root without inheritance (planner/expand.c) -- as the table's
 *	   owner, in a security-restricted operation with a pinned search_path
 *	   (catalog/owner.c), as PostgreSQL's ANALYZE runs, since the column
 *	   types' input and comparison functions are called.
 *
 * PostgreSQL's ANALYZE or VACUUM of the empty root then sets its counts to
 * zero (in place: a rollback does not undo it); they are put back from its
 * chunks' imported counts afterwards.  Importing first means an import
 * that fails leaves the previous statistics whole.
 *
 * Values cross as text printed by the nodes under the fixed transmission
 * settings and are read back here under the same settings.  Column lists
 * (ANALYZE t (a, b)) are not honoured on the nodes: every column is
 * analyzed and imported.  A node that cannot be reached fails the ANALYZE,
 * as a DDL statement would; nothing is imported then.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "dist/stats_internal.h"
#include "multinode.h"
#include "remote/remote.h"

/* The member's column statistics on a node: $1 schema, $2 table. */
#define NODE_STATS_SQL \
	"SELECT s.attname, s.null_frac, s.avg_width, s.n_distinct, " \
	"s.most_common_vals::pg_catalog.text, s.most_common_freqs::pg_catalog.text, " \
	"s.histogram_bounds::pg_catalog.text, s.correlation " \
	"FROM pg_catalog.pg_stats s " \
	"WHERE s.schemaname OPERATOR(pg_catalog.=) $1 AND s.tablename OPERATOR(pg_catalog.=) $2 " \
	"AND s.inherited"

/* The member's chunks and their counts on a node (%s: the member, a literal). */
#define NODE_CHUNKS_SQL \
	"SELECT n.nspname, c.relname, c.reltuples, c.relpages " \
	"FROM pg_catalog.pg_inherits i " \
	"JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid " \
	"JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace " \
	"WHERE i.inhparent OPERATOR(pg_catalog.=) %s::pg_catalog.regclass"

/* One data node's part of an import. */
typedef struct NodeImport
{
	Oid			server_id;
	DataNodeConn *conn;
	StringInfoData sql;			/* ANALYZE ...; SELECT chunk counts */
	double		rows;			/* its chunks' rows, replicas included */
} NodeImport;

/* A chunk's counts, keyed by its quoted qualified name. */
typedef struct ChunkCount
{
	char		name[2 * NAMEDATALEN + 8];
	double		tuples;
	double		pages;
} ChunkCount;

/*
 * The root of the distributed hypertable relid, opened with ANALYZE's own
 * lock (no concurrent ANALYZE or DDL of it), with its hypertable in *ht;
 * NULL when relid is gone, is no distributed hypertable, or the current
 * user may not analyze it (PostgreSQL's rule: it gave the warning).
 */
static Relation
open_root(Oid relid, Hypertable **ht)
{
	Relation	root;

	/* most tables a database-wide VACUUM names are not ours: no lock for them */
	if (!HypertableIsDistributed(HypertableGetByRelid(relid)))
		return NULL;
	root = try_relation_open(relid, ShareUpdateExclusiveLock);
	if (root == NULL)
		return NULL;
	*ht = HypertableGetByRelid(relid);
	if (!HypertableIsDistributed(*ht) ||
		!(pg_class_ownercheck(relid, GetUserId()) ||
		  (pg_database_ownercheck(MyDatabaseId, GetUserId()) && !root->rd_rel->relisshared)))
	{
		relation_close(root, ShareUpdateExclusiveLock);
		return NULL;
	}
	return root;
}

/*
 * Set a relation's row and page counts in place, as ANALYZE does (no new
 * row version, so no catalog bloat from a daily refresh).  Skips a relation
 * someone else is changing right now rather than wait for it.
 */
static void
set_relation_counts(Relation pg_class, Oid relid, double tuples, double pages, bool locked)
{
	HeapTuple	tup;
	Form_pg_class form;

	if (!locked && !ConditionalLockRelationOid(relid, ShareUpdateExclusiveLock))
		return;
	tup = SearchSysCacheCopy1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tup))
	{
		form = (Form_pg_class) GETSTRUCT(tup);
		pages = Min(pages, (double) MaxBlockNumber);
		if (form->reltuples != (float4) tuples || form->relpages != (int32) pages)
		{
			form->reltuples = (float4) tuples;
			form->relpages = (int32) (BlockNumber) pages;
			heap_inplace_update(pg_class, tup);
		}
		heap_freetuple(tup);
	}
	/* the in-place update needs no lock past itself */
	if (!locked)
		UnlockRelationOid(relid, ShareUpdateExclusiveLock);
}

static HTAB *
chunk_count_table(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(((ChunkCount *) NULL)->name);
	ctl.entrysize = sizeof(ChunkCount);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("multinode chunk counts", 256, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* Keep the counts of a node's chunks (the first replica's win). */
static void
read_chunk_counts(NodeImport *ni, PGresult *res, HTAB *counts)
{
	int			r;

	for (r = 0; r < PQntuples(res); r++)
	{
		const char *qname = quote_qualified_identifier(PQgetvalue(res, r, 0),
													   PQgetvalue(res, r, 1));
		double		tuples = strtod(PQgetvalue(res, r, 2), NULL);
		double		pages = strtod(PQgetvalue(res, r, 3), NULL);
		ChunkCount *cc;
		bool		found;

		if (strlen(qname) >= sizeof(cc->name) || tuples < 0)
			continue;			/* never analyzed there */
		ni->rows += tuples;
		cc = hash_search(counts, qname, HASH_ENTER, &found);
		if (!found)
		{
			cc->tuples = tuples;
			cc->pages = pages;
		}
	}
}

/* A node's pg_stats rows, appended to per_column[attnum]. */
static void
read_column_stats(NodeImport *ni, PGresult *res, Oid relid, List **per_column, int natts)
{
	int			r;

	for (r = 0; r < PQntuples(res); r++)
	{
		AttrNumber	attnum = get_attnum(relid, PQgetvalue(res, r, 0));
		NodeColumnStats *ns;

		if (attnum <= 0 || attnum > natts)
			continue;
		ns = palloc0(sizeof(NodeColumnStats));
		ns->rows = ni->rows;
		ns->null_frac = strtof(PQgetvalue(res, r, 1), NULL);
		ns->avg_width = atoi(PQgetvalue(res, r, 2));
		ns->n_distinct = strtof(PQgetvalue(res, r, 3), NULL);
		ns->mcv = PQgetisnull(res, r, 4) ? NULL : pstrdup(PQgetvalue(res, r, 4));
		ns->mcf = PQgetisnull(res, r, 5) ? NULL : pstrdup(PQgetvalue(res, r, 5));
		ns->histogram = PQgetisnull(res, r, 6) ? NULL : pstrdup(PQgetvalue(res, r, 6));
		ns->has_correlation = !PQgetisnull(res, r, 7);
		ns->correlation = ns->has_correlation ? strtof(PQgetvalue(res, r, 7), NULL) : 0;
		per_column[attnum] = lappend(per_column[attnum], ns);
	}
}

/* Send each node its command, then read every result; raise the first failure. */
static void
run_on_nodes(List *nodes, bool stats_query, const char *const *params, Oid relid,
			 List **per_column, int natts, HTAB *counts)
{
	RemoteFirstError fe = {0};
	ListCell   *lc;

	foreach(lc, nodes)
	{
		NodeImport *ni = lfirst(lc);

		if (stats_query)
			RemoteSendParams(ni->conn, NODE_STATS_SQL, 2, params);
		else
			RemoteSend(ni->conn, ni->sql.data);
	}
	foreach(lc, nodes)
	{
		NodeImport *ni = lfirst(lc);
		const char *sql = stats_query ? NODE_STATS_SQL : ni->sql.data;
		PGresult   *res = RemoteGetResult(ni->conn, sql);

		if (!RemoteCollectResult(&fe, ni->conn, res, sql))
			continue;
		if (fe.conn == NULL)
		{
			if (stats_query)
				read_column_stats(ni, res, relid, per_column, natts);
			else
				read_chunk_counts(ni, res, counts);
		}
		PQclear(res);
	}
	RemoteRaiseFirstError(&fe);
}

/*
 * Analyze the distributed hypertable whose root is relid on its data nodes
 * and import the results (see the file header).  Does nothing for other
 * tables, or when the caller may not analyze it.
 */
static void
import_hypertable(Oid relid)
{
	Relation	root;
	Hypertable *ht;
	const Dimension *space;
	List	   *nodes = NIL;
	List	  **per_column;
	HTAB	   *counts;
	HASH_SEQ_STATUS seq;
	ChunkCount *cc;
	const char *root_name;
	const char *params[2];
	double		total_rows = 0;
	double		total_pages = 0;
	double		node_rows = 0;
	int			natts;
	AttrNumber	attnum;
	CatalogOwnerScope scope;
	int			nestlevel;
	Relation	pg_class;
	ListCell   *lc;
	ListCell   *lc2;

	CHECK_FOR_INTERRUPTS();
	root = open_root(relid, &ht);
	if (root == NULL)
		return;
	root_name = quote_qualified_identifier(ht->schema_name, ht->table_name);

	/* each node analyzes its member and the chunks it holds */
	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);
		NodeImport *ni;

		if (!OidIsValid(hdn->server_id))
			continue;
		ni = palloc0(sizeof(NodeImport));
		ni->server_id = hdn->server_id;
		initStringInfo(&ni->sql);
		appendStringInfo(&ni->sql, "ANALYZE %s", root_name);
		nodes = lappend(nodes, ni);
	}
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		foreach(lc2, chunk->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(lc2);
			ListCell   *lc3;

			CHECK_FOR_INTERRUPTS();
			foreach(lc3, nodes)
			{
				NodeImport *ni = lfirst(lc3);

				if (ni->server_id == cdn->server_id && OidIsValid(cdn->server_id))
					appendStringInfo(&ni->sql, ", %s",
									 quote_qualified_identifier(chunk->schema_name,
																chunk->table_name));
			}
		}
	}
	foreach(lc, nodes)
	{
		NodeImport *ni = lfirst(lc);

		appendStringInfo(&ni->sql, "; " NODE_CHUNKS_SQL, quote_literal_cstr(root_name));
		ni->conn = GetDataNodeConnection(ni->server_id, REMOTE_TXN_WRITE);
	}

	natts = RelationGetNumberOfAttributes(root);
	per_column = palloc0(sizeof(List *) * (natts + 1));
	counts = chunk_count_table();
	params[0] = ht->schema_name;
	params[1] = ht->table_name;
	run_on_nodes(nodes, false, params, relid, per_column, natts, counts);
	run_on_nodes(nodes, true, params, relid, per_column, natts, counts);

	hash_seq_init(&seq, counts);
	while ((cc = hash_seq_search(&seq)) != NULL)
	{
		total_rows += cc->tuples;
		total_pages += cc->pages;
	}
	foreach(lc, nodes)
		node_rows += ((NodeImport *) lfirst(lc))->rows;

	/* as the table's owner, as PostgreSQL's ANALYZE stores statistics */
	CatalogAsRoleBegin(&scope, root->rd_rel->relowner);
	nestlevel = TransmissionModesBegin();
	space = HypertableSpaceDimension(ht);
	for (attnum = 1; attnum <= natts; attnum++)
	{
		CHECK_FOR_INTERRUPTS();
		if (TupleDescAttr(RelationGetDescr(root), attnum - 1)->attisdropped)
			continue;
		StatsMergeColumn(root, attnum, per_column[attnum], total_rows, node_rows,
						 space != NULL && space->attno == attnum);
	}
	TransmissionModesEnd(nestlevel);
	CatalogAsOwnerEnd(&scope);

	pg_class = table_open(RelationRelationId, RowExclusiveLock);
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		cc = hash_search(counts, quote_qualified_identifier(chunk->schema_name,
															 chunk->table_name),
						 HASH_FIND, NULL);
		if (cc != NULL && OidIsValid(chunk->relid))
			set_relation_counts(pg_class, chunk->relid, cc->tuples, cc->pages, false);
	}
	set_relation_counts(pg_class, relid, total_rows, total_pages, true);
	table_close(pg_class, RowExclusiveLock);
	CommandCounterIncrement();
	relation_close(root, NoLock);
}

/*
 * After VACUUM or ANALYZE: PostgreSQL has set the empty root's counts to
 * zero; give it back the sum of its chunks' imported counts (VACUUM and
 * ANALYZE leave foreign tables alone), or the planner would take the
 * hypertable for empty.  Nothing when no chunk was ever imported.
 */
static void
restore_root_counts(Oid relid)
{
	Hypertable *ht;
	Relation	root = open_root(relid, &ht);
	Relation	pg_class;
	double		tuples = 0;
	double		pages = 0;
	bool		imported = false;
	ListCell   *lc;

	if (root == NULL)
		return;
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(chunk->relid));

		CHECK_FOR_INTERRUPTS();
		if (!HeapTupleIsValid(tup))
			continue;
		if (((Form_pg_class) GETSTRUCT(tup))->reltuples >= 0)
		{
			imported = true;
			tuples += ((Form_pg_class) GETSTRUCT(tup))->reltuples;
			pages += ((Form_pg_class) GETSTRUCT(tup))->relpages;
		}
		ReleaseSysCache(tup);
	}
	if (imported)
	{
		pg_class = table_open(RelationRelationId, RowExclusiveLock);
		set_relation_counts(pg_class, relid, tuples, pages, true);
		table_close(pg_class, RowExclusiveLock);
		CommandCounterIncrement();
	}
	relation_close(root, NoLock);
}

/* Every distributed hypertable's root, read as the extension's owner. */
static List *
distributed_roots(void)
{
	MemoryContext caller = CurrentMemoryContext;
	CatalogOwnerScope scope;
	List	   *roots = NIL;
	uint64		i;

	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	if (SPI_execute("SELECT c.oid FROM " MN_CATALOG_SCHEMA ".hypertable h "
					"JOIN pg_catalog.pg_namespace n "
					"ON n.nspname OPERATOR(pg_catalog.=) h.schema_name "
					"JOIN pg_catalog.pg_class c "
					"ON c.relnamespace OPERATOR(pg_catalog.=) n.oid "
					"AND c.relname OPERATOR(pg_catalog.=) h.table_name "
					"WHERE h.replication_factor OPERATOR(pg_catalog.>) 0 ORDER BY h.id",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list distributed hypertables");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(caller);

		roots = lappend_oid(roots, DatumGetObjectId(d));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	CatalogAsOwnerEnd(&scope);
	return roots;
}

static bool
vacuum_analyzes(VacuumStmt *stmt)
{
	ListCell   *lc;

	if (!stmt->is_vacuumcmd)
		return true;
	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, "analyze") == 0)
			return defGetBoolean(opt);
	}
	return false;
}

/*
 * The distributed hypertables a VACUUM or ANALYZE names (all, when it names
 * none); NIL when this database is not ours.  Tables that are not
 * distributed hypertables are weeded out when opened.
 */
static List *
statement_roots(VacuumStmt *stmt)
{
	List	   *roots = NIL;
	ListCell   *lc;

	/* not our database (or not yet, or not any more) */
	if (!ExtensionIsInstalled() || !OidIsValid(get_namespace_oid(MN_CATALOG_SCHEMA, true)))
		return NIL;
	if (stmt->rels == NIL)
		return distributed_roots();
	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = lfirst_node(VacuumRelation, lc);
		Oid			relid = OidIsValid(vrel->oid) ? vrel->oid :
			RangeVarGetRelid(vrel->relation, NoLock, true);

		if (OidIsValid(relid))
			roots = list_append_unique_oid(roots, relid);
	}
	return roots;
}

/*
 * Before ANALYZE (or VACUUM ANALYZE) runs here: import the statistics of
 * the distributed hypertables it covers.  Before, not after: PostgreSQL's
 * ANALYZE of the empty root zeroes its counts in place, which no rollback
 * undoes, so an import that fails (a data node down) must fail first.
 */
void
DistStatsBeforeUtility(Node *parsetree)
{
	ListCell   *lc;

	if (!IsA(parsetree, VacuumStmt) || !vacuum_analyzes((VacuumStmt *) parsetree))
		return;
	foreach(lc, statement_roots((VacuumStmt *) parsetree))
	{
		/* what one hypertable's import reads and merges goes with it */
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
												  "multinode statistics import",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);

		import_hypertable(lfirst_oid(lc));
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
	}
}

/*
 * After VACUUM or ANALYZE has run here: PostgreSQL has set each empty
 * root's counts to zero; put back its chunks' imported counts (there are no
 * distributed hypertables but on the access node: a data node's members
 * are not).
 */
void
DistStatsAfterUtility(Node *parsetree)
{
	ListCell   *lc;

	if (!IsA(parsetree, VacuumStmt))
		return;
	foreach(lc, statement_roots((VacuumStmt *) parsetree))
		restore_root_counts(lfirst_oid(lc));
}
