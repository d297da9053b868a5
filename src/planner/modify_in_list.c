/*-------------------------------------------------------------------------
 *
 * modify_in_list.c
 *	  UPDATE or DELETE of a distributed hypertable "WHERE x IN (SELECT ...)":
 *	  the subquery evaluated here once, its rows sent as an array.
 *
 * PostgreSQL turns "x IN (SELECT y FROM local_table)" into a semi-join,
 * which a data node cannot run (the other side is here), so each chunk
 * would be modified row by row (fdw/modify_row.c), a round trip per row.
 * An uncorrelated IN subquery in the statement's top-level conditions is
 * rewritten before planning into the equivalent
 *
 *	  x = ANY (ARRAY(SELECT y FROM local_table))
 *
 * (the same answer for every x, NULLs and an empty subquery included),
 * whose array the planner evaluates once as an init plan: the condition
 * ships as a parameter and each chunk gets one statement on its nodes.
 * The array is the subquery's whole result: the rewrite suits the small
 * local side this is for; a large one costs its size once per data node
 * instead of a round trip per modified row.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"

#include "catalog/catalog.h"
#include "planner/planner.h"

static planner_hook_type prev_planner_hook = NULL;

/*
 * The ANY array form of an uncorrelated "expr op ANY (SELECT y ...)", or
 * NULL when the sublink has another shape.
 */
static Node *
in_list_as_array(SubLink *sublink)
{
	Query	   *subselect = castNode(Query, sublink->subselect);
	OpExpr	   *op;
	Param	   *inner;
	SubLink    *array;
	ScalarArrayOpExpr *saop;

	if (sublink->subLinkType != ANY_SUBLINK || !IsA(sublink->testexpr, OpExpr))
		return NULL;
	op = (OpExpr *) sublink->testexpr;
	if (list_length(op->args) != 2 || !IsA(lsecond(op->args), Param))
		return NULL;
	inner = lsecond(op->args);
	if (inner->paramkind != PARAM_SUBLINK || inner->paramid != 1 ||
		contain_vars_of_level(linitial(op->args), 1) ||
		contain_vars_of_level((Node *) subselect, 1) ||
		!OidIsValid(get_array_type(inner->paramtype)) ||
		op->opretset || get_op_rettype(op->opno) != BOOLOID)
		return NULL;

	array = makeNode(SubLink);
	array->subLinkType = ARRAY_SUBLINK;
	array->subLinkId = 0;
	array->testexpr = NULL;
	array->operName = NIL;
	array->subselect = (Node *) subselect;
	array->location = -1;

	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = op->opno;
	saop->opfuncid = op->opfuncid;
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = op->inputcollid;
	saop->args = list_make2(linitial(op->args), array);
	saop->location = -1;
	return (Node *) saop;
}

/* Rewrite the qualifying sublinks among the top-level AND of quals. */
static Node *
rewrite_quals(Node *quals)
{
	List	   *args;
	ListCell   *lc;

	if (quals == NULL)
		return NULL;
	if (IsA(quals, SubLink))
	{
		Node	   *array = in_list_as_array((SubLink *) quals);

		return array ? array : quals;
	}
	if (!is_andclause(quals))
		return quals;
	args = ((BoolExpr *) quals)->args;
	foreach(lc, args)
		lfirst(lc) = rewrite_quals(lfirst(lc));
	return quals;
}

static PlannedStmt *
modify_in_list_planner(Query *parse, const char *query_string, int cursor_options,
					   ParamListInfo params)
{
	if ((parse->commandType == CMD_UPDATE || parse->commandType == CMD_DELETE) &&
		parse->resultRelation > 0 && parse->hasSubLinks && parse->jointree->quals)
	{
		RangeTblEntry *rte = rt_fetch(parse->resultRelation, parse->rtable);
		Hypertable *ht = rte->rtekind == RTE_RELATION ? HypertableGetByRelid(rte->relid) : NULL;

		if (ht && HypertableIsDistributed(ht))
			parse->jointree->quals = rewrite_quals(parse->jointree->quals);
	}
	if (prev_planner_hook)
		return prev_planner_hook(parse, query_string, cursor_options, params);
	return standard_planner(parse, query_string, cursor_options, params);
}

void
ModifyInListInit(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = modify_in_list_planner;
}
