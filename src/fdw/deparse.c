/*-------------------------------------------------------------------------
 *
 * deparse.c
 *	  SQL text for the data nodes: column lists, WHERE clauses, names.
 *
 * Only what shippable.c accepted is deparsed here.  The remote session runs
 * with search_path = pg_catalog, so built-in operators and functions are
 * written bare and everything else is schema-qualified; every identifier is
 * quoted as needed; constants are written as typed literals
 * ('2020-01-01 00:00:00+00'::timestamp with time zone) so that the node
 * resolves the same operators we did.  Sub-expressions that shippable.c
 * marks as parameters become "$n::type", and the expression is appended to
 * *params for the executor to evaluate.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "access/transam.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/tlist.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "multinode.h"
#include "fdw/fdw.h"
#include "remote/remote.h"

typedef struct DeparseContext
{
	StringInfo	buf;
	Oid			reloid;			/* relation whose columns Vars name */
	Index		varno;			/* its range table index */
	List	   *rels;			/* DeparseRel *: a join's relations, else NIL */
	List	  **params;			/* expressions sent as $1, $2, ... */
} DeparseContext;

static void deparse_expr(Node *node, DeparseContext *ctx);

/* A context naming columns of reloid (as varno) bare, or those of rels qualified. */
static void
init_context(DeparseContext *ctx, StringInfo buf, Oid reloid, Index varno, List *rels,
			 List **params)
{
	ctx->buf = buf;
	ctx->reloid = reloid;
	ctx->varno = varno;
	ctx->rels = rels;
	ctx->params = params;
}

/* "schema"."name" of a relation, quoted as needed. */
char *
DeparseRelationName(Oid reloid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(reloid)),
									  get_rel_name(reloid));
}

/*
 * The columns a scan of baserel must fetch: those its target list needs
 * and those the conditions evaluated locally read.  A whole-row reference
 * needs every column.
 */
Bitmapset *
ScanAttrsUsed(RelOptInfo *baserel, List *local_conds)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, local_conds)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &attrs);
	}
	return attrs;
}

/*
 * Append the quoted names of the columns in attrs_used (attribute numbers
 * offset by FirstLowInvalidHeapAttributeNumber, as pull_varattnos makes
 * them) and set *retrieved_attrs to their attribute numbers in that order.
 * With no column needed, "NULL" keeps the SELECT valid.
 */
void
DeparseColumnList(StringInfo buf, Oid reloid, Bitmapset *attrs_used,
				  List **retrieved_attrs)
{
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used);
	Relation	rel = relation_open(reloid, NoLock);	/* the planner holds a lock */
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		first = true;
	int			attno;

	*retrieved_attrs = NIL;
	for (attno = 1; attno <= tupdesc->natts; attno++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, attno - 1);

		if (att->attisdropped ||
			(!whole_row &&
			 !bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, attrs_used)))
			continue;
		appendStringInfo(buf, "%s%s", first ? "" : ", ", quote_identifier(NameStr(att->attname)));
		*retrieved_attrs = lappend_int(*retrieved_attrs, attno);
		first = false;
	}
	relation_close(rel, NoLock);
	if (first)
		appendStringInfoString(buf, "NULL");
}

/*
 * Append " WHERE c1 AND c2 ..." for a list of RestrictInfos or bare
 * expressions (nothing when the list is empty).
 */
void
DeparseWhereClause(StringInfo buf, Oid reloid, Index varno, List *conds, List **params)
{
	ListCell   *lc;
	bool		first = true;

	foreach(lc, conds)
	{
		Node	   *cond = lfirst(lc);

		if (IsA(cond, RestrictInfo))
			cond = (Node *) ((RestrictInfo *) cond)->clause;
		appendStringInfoString(buf, first ? " WHERE " : " AND ");
		DeparseExprInto(buf, reloid, varno, (Expr *) cond, params);
		first = false;
	}
}

void
DeparseExprInto(StringInfo buf, Oid reloid, Index varno, Expr *expr, List **params)
{
	DeparseContext ctx;

	init_context(&ctx, buf, reloid, varno, NIL, params);
	deparse_expr((Node *) expr, &ctx);
}

/*
 * An expression over the relations rels (DeparseRel *) of a remote query,
 * each column qualified with its relation's alias there (bare without one,
 * for a query reading one relation).
 */
void
DeparseJoinExprInto(StringInfo buf, List *rels, Expr *expr, List **params)
{
	DeparseContext ctx;

	init_context(&ctx, buf, InvalidOid, 0, rels, params);
	deparse_expr((Node *) expr, &ctx);
}

/* Conditions over a join's relations joined by AND: "c1 AND c2 ..." */
void
DeparseJoinConditions(StringInfo buf, List *rels, List *conds, List **params)
{
	ListCell   *lc;

	foreach(lc, conds)
	{
		Node	   *cond = lfirst(lc);

		if (IsA(cond, RestrictInfo))
			cond = (Node *) ((RestrictInfo *) cond)->clause;
		if (lc != list_head(conds))
			appendStringInfoString(buf, " AND ");
		DeparseJoinExprInto(buf, rels, (Expr *) cond, params);
	}
}

/* alias.column for a column of a join's relation */
static void
deparse_join_column(Var *var, DeparseContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ctx->rels)
	{
		DeparseRel *rel = lfirst(lc);

		if (rel->varno == var->varno)
		{
			if (rel->alias)
				appendStringInfo(ctx->buf, "%s.", quote_identifier(rel->alias));
			appendStringInfoString(ctx->buf,
								   quote_identifier(get_attname(rel->reloid, var->varattno, false)));
			return;
		}
	}
	elog(ERROR, "unexpected column reference in remote join");
}

/*
 * A type name the node resolves to the same type: built-in types by their
 * usual names (pg_catalog is the node's search_path), others qualified.
 */
static char *
type_name(Oid typid, int32 typmod)
{
	return format_type_extended(typid, typmod,
								FORMAT_TYPE_TYPEMOD_GIVEN |
								(typid < FirstGenbkiObjectId ? 0 : FORMAT_TYPE_FORCE_QUALIFY));
}

static void
deparse_const(Const *c, DeparseContext *ctx)
{
	Oid			typoutput;
	bool		typvarlena;
	char	   *text;
	int			nestlevel;

	if (c->constisnull)
	{
		appendStringInfo(ctx->buf, "NULL::%s", type_name(c->consttype, c->consttypmod));
		return;
	}
	getTypeOutputInfo(c->consttype, &typoutput, &typvarlena);
	nestlevel = TransmissionModesBegin();
	text = OidOutputFunctionCall(typoutput, c->constvalue);
	TransmissionModesEnd(nestlevel);
	switch (c->consttype)
	{
		case INT4OID:
			/* a negative number needs parentheses to stay one operand */
			if (text[0] == '-')
				appendStringInfo(ctx->buf, "(%s)", text);
			else
				appendStringInfoString(ctx->buf, text);
			return;
		case BOOLOID:
			appendStringInfoString(ctx->buf, strcmp(text, "t") == 0 ? "true" : "false");
			return;
		default:
			appendStringInfo(ctx->buf, "%s::%s", quote_literal_cstr(text),
							 type_name(c->consttype, c->consttypmod));
	}
}

/* "$n::type", remembering the expression to evaluate as parameter n. */
static void
deparse_param(Node *node, DeparseContext *ctx)
{
	int			n = 0;
	ListCell   *lc;

	foreach(lc, *ctx->params)
	{
		n++;
		if (equal(lfirst(lc), node))
			break;
	}
	if (lc == NULL)
	{
		*ctx->params = lappend(*ctx->params, node);
		n = list_length(*ctx->params);
	}
	appendStringInfo(ctx->buf, "$%d::%s", n, type_name(exprType(node), exprTypmod(node)));
}

/* Operator name, bare when built in (pg_catalog is the remote search_path). */
static void
deparse_operator_name(Oid opno, DeparseContext *ctx)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Form_pg_operator op;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	op = (Form_pg_operator) GETSTRUCT(tup);
	if (op->oprnamespace == PG_CATALOG_NAMESPACE)
		appendStringInfoString(ctx->buf, NameStr(op->oprname));
	else
		appendStringInfo(ctx->buf, "OPERATOR(%s.%s)",
						 quote_identifier(get_namespace_name(op->oprnamespace)),
						 NameStr(op->oprname));
	ReleaseSysCache(tup);
}

static void
deparse_args(List *args, const char *sep, DeparseContext *ctx)
{
	ListCell   *lc;

	foreach(lc, args)
	{
		if (lc != list_head(args))
			appendStringInfoString(ctx->buf, sep);
		deparse_expr(lfirst(lc), ctx);
	}
}

static void
deparse_op(OpExpr *op, DeparseContext *ctx)
{
	appendStringInfoChar(ctx->buf, '(');
	if (list_length(op->args) == 2)
	{
		deparse_expr(linitial(op->args), ctx);
		appendStringInfoChar(ctx->buf, ' ');
		deparse_operator_name(op->opno, ctx);
		appendStringInfoChar(ctx->buf, ' ');
		deparse_expr(lsecond(op->args), ctx);
	}
	else
	{
		deparse_operator_name(op->opno, ctx);
		appendStringInfoChar(ctx->buf, ' ');
		deparse_expr(linitial(op->args), ctx);
	}
	appendStringInfoChar(ctx->buf, ')');
}

static void
deparse_func(FuncExpr *fe, DeparseContext *ctx)
{
	HeapTuple	tup;
	Form_pg_proc proc;
	ListCell   *lc;

	/* casts the node applies by itself are left to it, as the parser did */
	if (fe->funcformat == COERCE_IMPLICIT_CAST)
	{
		deparse_expr(linitial(fe->args), ctx);
		return;
	}
	if (fe->funcformat == COERCE_EXPLICIT_CAST)
	{
		int32		typmod = -1;

		if (list_length(fe->args) >= 2 && IsA(lsecond(fe->args), Const))
			typmod = DatumGetInt32(((Const *) lsecond(fe->args))->constvalue);
		appendStringInfoChar(ctx->buf, '(');
		deparse_expr(linitial(fe->args), ctx);
		appendStringInfo(ctx->buf, ")::%s", type_name(fe->funcresulttype, typmod));
		return;
	}

	/*
	 * date_trunc on timestamptz truncates in TimeZone: the node is told ours,
	 * a parameter evaluated here when the scan starts (shippable.c let it go
	 * down only where the node reads the zone's name as we do), and runs our
	 * date_trunc_node, which reads unit and zone once, not once per row.
	 */
	if (fe->funcid == F_DATE_TRUNC_TEXT_TIMESTAMPTZ)
	{
		List	   *name = list_make2(makeString(MN_INTERNAL_SCHEMA), makeString("node_timezone"));
		Oid			zonefn = LookupFuncName(name, 0, NULL, false);

		appendStringInfoString(ctx->buf, MN_INTERNAL_SCHEMA ".date_trunc_node(");
		deparse_args(fe->args, ", ", ctx);
		appendStringInfoString(ctx->buf, ", ");
		deparse_param((Node *) makeFuncExpr(zonefn, TEXTOID, NIL, InvalidOid,
											DEFAULT_COLLATION_OID, COERCE_EXPLICIT_CALL),
					  ctx);
		appendStringInfoChar(ctx->buf, ')');
		return;
	}

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fe->funcid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fe->funcid);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	if (proc->pronamespace == PG_CATALOG_NAMESPACE)
		appendStringInfoString(ctx->buf, quote_identifier(NameStr(proc->proname)));
	else
		appendStringInfoString(ctx->buf,
							   quote_qualified_identifier(get_namespace_name(proc->pronamespace),
														  NameStr(proc->proname)));
	ReleaseSysCache(tup);

	appendStringInfoChar(ctx->buf, '(');
	foreach(lc, fe->args)
	{
		if (lc != list_head(fe->args))
			appendStringInfoString(ctx->buf, ", ");
		if (fe->funcvariadic && lnext(fe->args, lc) == NULL)
			appendStringInfoString(ctx->buf, "VARIADIC ");
		deparse_expr(lfirst(lc), ctx);
	}
	appendStringInfoChar(ctx->buf, ')');
}

/*
 * " ORDER BY ..." inside an aggregate call: each key with its direction, or
 * its operator when it is not the type's default one, and NULLS FIRST/LAST
 * written out.
 */
static void
deparse_agg_order(Aggref *agg, DeparseContext *ctx)
{
	ListCell   *lc;

	foreach(lc, agg->aggorder)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, agg->args);
		Oid			type = exprType((Node *) tle->expr);
		TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);

		appendStringInfoString(ctx->buf, lc == list_head(agg->aggorder) ? " ORDER BY " : ", ");
		deparse_expr((Node *) tle->expr, ctx);
		if (sgc->sortop == tc->gt_opr)
			appendStringInfoString(ctx->buf, " DESC");
		else if (sgc->sortop != tc->lt_opr)
		{
			appendStringInfoString(ctx->buf, " USING ");
			deparse_operator_name(sgc->sortop, ctx);
		}
		appendStringInfoString(ctx->buf, sgc->nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
}

/*
 * An aggregate call: funcname (the aggregate's own name when NULL) with the
 * aggregate's arguments, DISTINCT, ORDER BY and FILTER.  shippable.c refused
 * VARIADIC and direct arguments.
 */
static void
deparse_aggref(Aggref *agg, const char *funcname, DeparseContext *ctx)
{
	ListCell   *lc;

	if (funcname)
		appendStringInfoString(ctx->buf, funcname);
	else
	{
		HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(agg->aggfnoid));
		Form_pg_proc proc;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for function %u", agg->aggfnoid);
		proc = (Form_pg_proc) GETSTRUCT(tup);
		appendStringInfoString(ctx->buf,
							   proc->pronamespace == PG_CATALOG_NAMESPACE ?
							   quote_identifier(NameStr(proc->proname)) :
							   quote_qualified_identifier(get_namespace_name(proc->pronamespace),
														  NameStr(proc->proname)));
		ReleaseSysCache(tup);
	}
	appendStringInfoChar(ctx->buf, '(');
	if (agg->aggdistinct != NIL)
		appendStringInfoString(ctx->buf, "DISTINCT ");
	if (agg->aggstar)
		appendStringInfoChar(ctx->buf, '*');
	foreach(lc, agg->args)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		if (lc != list_head(agg->args))
			appendStringInfoString(ctx->buf, ", ");
		deparse_expr((Node *) tle->expr, ctx);
	}
	deparse_agg_order(agg, ctx);
	appendStringInfoChar(ctx->buf, ')');
	if (agg->aggfilter)
	{
		appendStringInfoString(ctx->buf, " FILTER (WHERE ");
		deparse_expr((Node *) agg->aggfilter, ctx);
		appendStringInfoChar(ctx->buf, ')');
	}
}

void
DeparseAggregateCall(StringInfo buf, List *rels, Aggref *agg, const char *funcname,
					 List **params)
{
	DeparseContext ctx;

	init_context(&ctx, buf, InvalidOid, 0, rels, params);
	deparse_aggref(agg, funcname, &ctx);
}

/*
 * The call asking a data node for an aggregate's transition state rather
 * than its result (planner/partialize.c does the asking on the node):
 * state_type is the type the state comes back as, bytea for internal
 * states; the aggregate's name and signature let a node that resolves the
 * call to another aggregate refuse, and the major version a node of another
 * version.
 */
void
DeparsePartialStateCall(StringInfo buf, List *rels, Aggref *agg, Oid state_type,
						List **params)
{
	DeparseContext ctx;

	init_context(&ctx, buf, InvalidOid, 0, rels, params);
	appendStringInfo(buf, "%s.partial_state(", quote_identifier(MN_INTERNAL_SCHEMA));
	deparse_aggref(agg, NULL, &ctx);
	appendStringInfo(buf, ", NULL::%s, %s::pg_catalog.regprocedure, %d)", type_name(state_type, -1),
					 quote_literal_cstr(format_procedure_qualified(agg->aggfnoid)),
					 PG_VERSION_NUM / 10000);
}

static void
deparse_expr(Node *node, DeparseContext *ctx)
{
	StringInfo	buf = ctx->buf;

	if (node == NULL)
		return;
	if (IsRemoteParamExpr(node))
	{
		deparse_param(node, ctx);
		return;
	}

	switch (nodeTag(node))
	{
		case T_Var:
			{
				Var		   *var = (Var *) node;

				if (ctx->rels != NIL && var->varattno > 0 && var->varlevelsup == 0)
				{
					deparse_join_column(var, ctx);
					break;
				}
				if (var->varno != ctx->varno || var->varattno <= 0)
					elog(ERROR, "unexpected column reference in remote condition");
				appendStringInfoString(buf,
									   quote_identifier(get_attname(ctx->reloid, var->varattno, false)));
				break;
			}
		case T_Const:
			deparse_const((Const *) node, ctx);
			break;
		case T_OpExpr:
			deparse_op((OpExpr *) node, ctx);
			break;
		case T_DistinctExpr:
			{
				OpExpr	   *op = (OpExpr *) node;

				appendStringInfoChar(buf, '(');
				deparse_expr(linitial(op->args), ctx);
				appendStringInfoString(buf, " IS DISTINCT FROM ");
				deparse_expr(lsecond(op->args), ctx);
				appendStringInfoChar(buf, ')');
				break;
			}
		case T_NullIfExpr:
			{
				OpExpr	   *op = (OpExpr *) node;

				appendStringInfoString(buf, "NULLIF(");
				deparse_args(op->args, ", ", ctx);
				appendStringInfoChar(buf, ')');
				break;
			}
		case T_ScalarArrayOpExpr:
			{
				ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) node;

				appendStringInfoChar(buf, '(');
				deparse_expr(linitial(op->args), ctx);
				appendStringInfoChar(buf, ' ');
				deparse_operator_name(op->opno, ctx);
				appendStringInfo(buf, " %s (", op->useOr ? "ANY" : "ALL");
				deparse_expr(lsecond(op->args), ctx);
				appendStringInfoString(buf, "))");
				break;
			}
		case T_FuncExpr:
			deparse_func((FuncExpr *) node, ctx);
			break;
		case T_BoolExpr:
			{
				BoolExpr   *b = (BoolExpr *) node;

				appendStringInfoChar(buf, '(');
				if (b->boolop == NOT_EXPR)
				{
					appendStringInfoString(buf, "NOT ");
					deparse_expr(linitial(b->args), ctx);
				}
				else
					deparse_args(b->args, b->boolop == AND_EXPR ? " AND " : " OR ", ctx);
				appendStringInfoChar(buf, ')');
				break;
			}
		case T_NullTest:
			{
				NullTest   *nt = (NullTest *) node;

				appendStringInfoChar(buf, '(');
				deparse_expr((Node *) nt->arg, ctx);
				appendStringInfoString(buf, nt->nulltesttype == IS_NULL ?
									   " IS NULL)" : " IS NOT NULL)");
				break;
			}
		case T_BooleanTest:
			{
				BooleanTest *bt = (BooleanTest *) node;
				static const char *const tests[] = {
					[IS_TRUE] = " IS TRUE)",[IS_NOT_TRUE] = " IS NOT TRUE)",
					[IS_FALSE] = " IS FALSE)",[IS_NOT_FALSE] = " IS NOT FALSE)",
					[IS_UNKNOWN] = " IS UNKNOWN)",[IS_NOT_UNKNOWN] = " IS NOT UNKNOWN)",
				};

				appendStringInfoChar(buf, '(');
				deparse_expr((Node *) bt->arg, ctx);
				appendStringInfoString(buf, tests[bt->booltesttype]);
				break;
			}
		case T_RelabelType:
			{
				RelabelType *r = (RelabelType *) node;

				if (r->relabelformat == COERCE_EXPLICIT_CAST)
				{
					appendStringInfoChar(buf, '(');
					deparse_expr((Node *) r->arg, ctx);
					appendStringInfo(buf, ")::%s", type_name(r->resulttype, r->resulttypmod));
				}
				else
					deparse_expr((Node *) r->arg, ctx);
				break;
			}
		case T_ArrayExpr:
			{
				ArrayExpr  *a = (ArrayExpr *) node;

				appendStringInfoString(buf, "ARRAY[");
				deparse_args(a->elements, ", ", ctx);
				appendStringInfo(buf, "]::%s", type_name(a->array_typeid, -1));
				break;
			}
		case T_Aggref:
			deparse_aggref((Aggref *) node, NULL, ctx);
			break;
		case T_CoalesceExpr:
			appendStringInfoString(buf, "COALESCE(");
			deparse_args(((CoalesceExpr *) node)->args, ", ", ctx);
			appendStringInfoChar(buf, ')');
			break;
		default:
			elog(ERROR, "cannot deparse expression of type %d", (int) nodeTag(node));
	}
}
