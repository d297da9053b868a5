/*-------------------------------------------------------------------------
 *
 * member_expand.c
 *	  On a data node: reads of a distributed hypertable's member name only
 *	  the chunks their conditions leave, so that PostgreSQL does not lock,
 *	  open and constraint-prove every chunk the node holds.
 *
 * The access node sends each data node one query on the member hypertable,
 * "SELECT <columns> FROM <root> WHERE <conditions> ..." (scan_plan.c).
 * PostgreSQL would expand the root into every chunk of the node before
 * excluding almost all of them by their CHECK constraints, a cost that grows
 * with the chunks that exist.  Before planning, such a query's root is
 * replaced by the subquery
 *
 *		SELECT <columns> FROM ONLY <root>
 *		UNION ALL SELECT <columns> FROM ONLY <chunk> ...
 *
 * over the chunks the catalog's slices leave for the query's top-level
 * conditions (expand.c), which PostgreSQL flattens into the same Append of
 * chunk scans it would have made, minus the chunks it would have excluded.
 *
 * The root of a member holds no rows (inserts and COPY route every row to a
 * chunk).  When it has no pages it gets no arm: the subquery is the chunks'
 * arms alone, with the root's range table entry kept beside them, joined to
 * nothing, for the statement's permission check and lock (as PostgreSQL
 * keeps a view's).  A read of one chunk is then that chunk's scan, with no
 * Append above it and no projection step of its own: in a grouping by hour
 * that was a tenth of the node's work per row.  A root that has pages
 * anyway keeps a real arm; with no chunk left, the root's arm stays, as
 * "FROM ONLY <root> WHERE false" when it has no pages.
 *
 * Only for the simplest shape, which is what the access node sends: a
 * SELECT whose FROM is the root alone, without row locks, sublinks, system
 * or whole-row columns of the root, nor row-security quals on it.  The root's
 * arm keeps the statement's permission check on the root (the chunks, as
 * inheritance children, are not checked).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "planner/planner.h"

/* Does the query use a system or whole-row column of range table entry rti? */
static bool
uses_special_column_walker(Node *node, Index *rti)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		return var->varno == *rti && var->varlevelsup == 0 && var->varattno <= 0;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, uses_special_column_walker, rti, 0);
	return expression_tree_walker(node, uses_special_column_walker, rti);
}

/* The select list naming every attribute of rel in order; dropped ones as NULL. */
static char *
column_list(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cols;
	int			i;

	initStringInfo(&cols);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (i > 0)
			appendStringInfoString(&cols, ", ");
		if (att->attisdropped)
			appendStringInfoString(&cols, "NULL::pg_catalog.int4");
		else
			appendStringInfoString(&cols, quote_identifier(NameStr(att->attname)));
	}
	return cols.data;
}

/*
 * The conditions with each external parameter whose value is fixed for this
 * plan (PARAM_FLAG_CONST: an unnamed statement, as the access node sends,
 * or a custom plan of a prepared one) replaced by that value, so that
 * "time >= $1" leaves only the chunks it can match.  The conditions
 * planned keep their parameters; other parameters stay as they are and
 * leave every chunk their condition would have excluded.
 */
static Node *
bind_params_mutator(Node *node, ParamListInfo params)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Param))
	{
		Param	   *param = (Param *) node;
		ParamExternData *prm;
		ParamExternData prmdata;
		int16		typlen;
		bool		typbyval;

		if (param->paramkind != PARAM_EXTERN || param->paramid <= 0 ||
			param->paramid > params->numParams)
			return node;
		if (params->paramFetch != NULL)
			prm = params->paramFetch(params, param->paramid, false, &prmdata);
		else
			prm = &params->params[param->paramid - 1];
		if (prm->ptype != param->paramtype || !(prm->pflags & PARAM_FLAG_CONST))
			return node;
		get_typlenbyval(param->paramtype, &typlen, &typbyval);
		return (Node *) makeConst(param->paramtype, param->paramtypmod, param->paramcollid,
								  (int) typlen,
								  prm->isnull ? (Datum) 0 : datumCopy(prm->value, typbyval, typlen),
								  prm->isnull, typbyval);
	}
	return expression_tree_mutator(node, bind_params_mutator, params);
}

/*
 * If parse reads a distributed hypertable's member in the simple shape
 * described above, replace the root by the subquery over the chunks that
 * may match.  Called by the planner hook before planning, with the
 * statement's parameters (NULL: none); changes parse in place.
 */
void
MemberExpandQuery(Query *parse, ParamListInfo params)
{
	RangeTblRef *rtr;
	RangeTblEntry *rte;
	Index		rti;
	Hypertable *ht;
	List	   *quals;
	List	   *chunks;
	Relation	rel;
	char	   *cols;
	StringInfoData sql;
	ListCell   *lc;
	List	   *raw;
	Query	   *sub;
	RangeTblEntry *root_arm = NULL;
	int			nestlevel;
	bool		root_empty;

	if (parse->commandType != CMD_SELECT || parse->utilityStmt != NULL ||
		parse->rowMarks != NIL || parse->hasSubLinks || parse->hasModifyingCTE ||
		parse->cteList != NIL || parse->setOperations != NULL ||
		list_length(parse->rtable) != 1 || parse->jointree == NULL ||
		list_length(parse->jointree->fromlist) != 1 ||
		!IsA(linitial(parse->jointree->fromlist), RangeTblRef))
		return;
	rtr = linitial(parse->jointree->fromlist);
	rti = rtr->rtindex;
	rte = rt_fetch(rti, parse->rtable);
	if (rte->rtekind != RTE_RELATION || !rte->inh || rte->relkind != RELKIND_RELATION ||
		rte->tablesample != NULL || rte->securityQuals != NIL)
		return;
	ht = HypertableGetByRelid(rte->relid);
	if (!HypertableIsDistMember(ht))
		return;
	if (uses_special_column_walker((Node *) parse, &rti))
		return;

	quals = make_ands_implicit((Expr *) parse->jointree->quals);
	if (params != NULL && params->numParams > 0)
		quals = (List *) bind_params_mutator((Node *) quals, params);
	chunks = HypertableChunksMatching(ht, quals, rti);
	if (list_length(chunks) == list_length(HypertableGetChunks(ht)))
		return;					/* every chunk: nothing to gain */

	/* the root is locked already (parse analysis of the statement) */
	rel = table_open(rte->relid, NoLock);
	cols = column_list(rel);
	root_empty = RelationGetNumberOfBlocks(rel) == 0;
	table_close(rel, NoLock);
	initStringInfo(&sql);
	if (!root_empty || chunks == NIL)
		appendStringInfo(&sql, "SELECT %s FROM ONLY %s%s", cols,
						 quote_qualified_identifier(ht->schema_name, ht->table_name),
						 root_empty ? " WHERE false" : "");
	foreach(lc, chunks)
	{
		Chunk	   *chunk = lfirst(lc);

		appendStringInfo(&sql, "%sSELECT %s FROM ONLY %s", sql.len > 0 ? " UNION ALL " : "",
						 cols, quote_qualified_identifier(chunk->schema_name, chunk->table_name));
	}

	nestlevel = CatalogPinSearchPath();
	raw = raw_parser(sql.data, RAW_PARSE_DEFAULT);
	sub = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql.data, NULL, 0, NULL);
	CatalogUnpinSearchPath(nestlevel);

	/*
	 * Permissions as for inheritance: the statement's own check on the root
	 * (moved to the root's arm), none on the chunks.
	 */
	foreach(lc, sub->rtable)
	{
		RangeTblEntry *leaf = lfirst_node(RangeTblEntry, lc);

		/* an arm of the UNION ALL, or the root alone when no chunk matches */
		if (leaf->rtekind == RTE_SUBQUERY && leaf->subquery != NULL)
			leaf = linitial_node(RangeTblEntry, leaf->subquery->rtable);
		if (leaf->rtekind != RTE_RELATION)
			continue;
		leaf->requiredPerms = 0;
		leaf->selectedCols = NULL;
		if (leaf->relid == rte->relid && root_arm == NULL)
			root_arm = leaf;
	}
	if (root_arm == NULL)
	{
		/* no arm of its own: the root's entry beside the chunks' */
		root_arm = copyObject(rte);
		root_arm->inh = false;
		sub->rtable = lappend(sub->rtable, root_arm);
	}
	root_arm->requiredPerms = rte->requiredPerms;
	root_arm->checkAsUser = rte->checkAsUser;
	root_arm->selectedCols = rte->selectedCols;

	rte->rtekind = RTE_SUBQUERY;
	rte->subquery = sub;
	rte->relid = InvalidOid;
	rte->relkind = 0;
	rte->rellockmode = 0;
	rte->inh = false;
	rte->requiredPerms = 0;
	rte->checkAsUser = InvalidOid;
	rte->selectedCols = NULL;
	rte->insertedCols = NULL;
	rte->updatedCols = NULL;
	rte->extraUpdatedCols = NULL;
	rte->security_barrier = false;
}
