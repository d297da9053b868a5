/*-------------------------------------------------------------------------
 *
 * shippable.c
 *	  Which conditions a data node may evaluate for the access node.
 *
 * A condition is sent to the data nodes only when evaluating it there gives
 * exactly what evaluating it here would:
 *
 *	- columns of the scanned relation (not system columns, not whole rows);
 *	- constants, of any type (the nodes have the same types);
 *	- operators and functions that are built in (OID below
 *	  FirstGenbkiObjectId, hence identical on every PostgreSQL 15) and
 *	  immutable, and immutable functions of multinode itself, such as
 *	  time_bucket, which every node has in the same version;
 *	- collations that are the database default or come from a column, since
 *	  the nodes' columns have the same collations;
 *	- sub-expressions that do not read the relation and are not volatile
 *	  (now() - interval '1 day', $1, an initplan's result): these are
 *	  evaluated here once per scan and sent as parameters, so a stable
 *	  function sees the access node's clock and settings, never the node's.
 *
 * Anything else stays on the access node and is applied to the rows that
 * come back; the result is the same, only more rows travel.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/dependency.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "pgtime.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "multinode.h"
#include "fdw/fdw.h"

typedef struct ShipContext
{
	Index		varno;			/* the scanned relation's range table index */
	bool		upper;			/* aggregates allowed (upper_agg.c) */
	bool		used_utc;		/* shipped something that needs TimeZone UTC */
} ShipContext;

static bool ship_walker(Node *node, ShipContext *ctx);

/*
 * Does TimeZone here give what UTC gives on the nodes?  Any zone whose offset
 * is always zero does ("Etc/UTC", "GMT", ...), whatever it is called.
 */
bool
SessionTimeZoneIsUTC(void)
{
	long		gmtoff;

	return pg_get_timezone_offset(session_timezone, &gmtoff) && gmtoff == 0;
}

/*
 * Immutable built-in functions are the same everywhere.  So are multinode's
 * own immutable functions (time_bucket and friends): every node runs the same
 * extension version.
 */
static bool
shippable_function(Oid funcid)
{
	if (func_volatile(funcid) != PROVOLATILE_IMMUTABLE)
		return false;
	if (funcid < FirstGenbkiObjectId)
		return true;
	return getExtensionOfObject(ProcedureRelationId, funcid) ==
		get_extension_oid(MN_EXTENSION_NAME, true);
}

static bool
shippable_operator(Oid opno)
{
	return opno < FirstGenbkiObjectId && shippable_function(get_opcode(opno));
}

/*
 * A collation is safe when it is the default or none (the nodes' databases
 * are created like ours), or when it is the collation of one of the
 * relation's columns among the arguments: the node's column has the same.
 * An explicit COLLATE on something else would be lost in deparsing.
 */
static bool
collation_ok(Oid collid, List *args, ShipContext *ctx)
{
	ListCell   *lc;

	if (!OidIsValid(collid) || collid == DEFAULT_COLLATION_OID)
		return true;
	foreach(lc, args)
	{
		Node	   *arg = lfirst(lc);

		while (arg && IsA(arg, RelabelType))
			arg = (Node *) ((RelabelType *) arg)->arg;
		if (arg && IsA(arg, Var) && ((Var *) arg)->varno == ctx->varno &&
			((Var *) arg)->varcollid == collid)
			return true;
	}
	return false;
}

/*
 * Is this sub-expression evaluated here and sent as a parameter?  Params
 * are; so is anything that reads no column and calls nothing volatile,
 * unless it is a plain constant (those are written into the SQL).  Its type
 * must be one the node can read from text with a cast.
 */
bool
IsRemoteParamExpr(Node *node)
{
	Oid			type;

	if (node == NULL || IsA(node, Const))
		return false;
	if (IsA(node, Param))
	{
		Param	   *p = (Param *) node;

		if (p->paramkind != PARAM_EXTERN && p->paramkind != PARAM_EXEC)
			return false;
	}
	else if (IsA(node, Var) || contain_var_clause(node) ||
			 contain_volatile_functions(node) || contain_subplans(node) ||
			 contain_agg_clause(node) || contain_window_function(node))
		return false;
	type = exprType(node);
	return type != RECORDOID && get_typtype(type) != TYPTYPE_PSEUDO;
}

static bool
ship_list(List *args, ShipContext *ctx)
{
	ListCell   *lc;

	foreach(lc, args)
		if (!ship_walker(lfirst(lc), ctx))
			return false;
	return true;
}

static bool
ship_walker(Node *node, ShipContext *ctx)
{
	if (node == NULL)
		return true;
	if (IsRemoteParamExpr(node))
		return true;

	switch (nodeTag(node))
	{
		case T_Var:
			{
				Var		   *var = (Var *) node;

				return var->varno == ctx->varno && var->varlevelsup == 0 &&
					var->varattno > 0;
			}
		case T_Aggref:
			{
				Aggref	   *agg = (Aggref *) node;
				ListCell   *lc;

				/* plain aggregates only, ORDER BY inside with shippable operators */
				if (!ctx->upper || agg->agglevelsup != 0 || agg->aggkind != AGGKIND_NORMAL ||
					agg->aggvariadic || agg->aggdirectargs != NIL ||
					!shippable_function(agg->aggfnoid) ||
					(OidIsValid(agg->inputcollid) && agg->inputcollid != DEFAULT_COLLATION_OID))
					return false;
				foreach(lc, agg->aggorder)
					if (!shippable_operator(lfirst_node(SortGroupClause, lc)->sortop))
						return false;
				foreach(lc, agg->args)
					if (!ship_walker((Node *) lfirst_node(TargetEntry, lc)->expr, ctx))
						return false;
				return ship_walker((Node *) agg->aggfilter, ctx);
			}
		case T_Const:
			return true;
		case T_OpExpr:
		case T_DistinctExpr:	/* same struct */
		case T_NullIfExpr:		/* same struct */
			{
				OpExpr	   *op = (OpExpr *) node;

				return shippable_operator(op->opno) &&
					collation_ok(op->inputcollid, op->args, ctx) &&
					collation_ok(op->opcollid, op->args, ctx) &&
					ship_list(op->args, ctx);
			}
		case T_ScalarArrayOpExpr:
			{
				ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) node;

				return shippable_operator(op->opno) &&
					collation_ok(op->inputcollid, op->args, ctx) &&
					ship_list(op->args, ctx);
			}
		case T_FuncExpr:
			{
				FuncExpr   *fe = (FuncExpr *) node;

				/*
				 * date_trunc on timestamptz depends on TimeZone, which is UTC on
				 * the nodes: grouping by it goes down when it is UTC here too,
				 * and the plan says so, for the executor to check.
				 */
				if (ctx->upper && fe->funcid == F_DATE_TRUNC_TEXT_TIMESTAMPTZ &&
					SessionTimeZoneIsUTC() &&
					ship_list(fe->args, ctx))
				{
					ctx->used_utc = true;
					return true;
				}
				return shippable_function(fe->funcid) &&
					collation_ok(fe->inputcollid, fe->args, ctx) &&
					collation_ok(fe->funccollid, fe->args, ctx) &&
					ship_list(fe->args, ctx);
			}
		case T_BoolExpr:
			return ship_list(((BoolExpr *) node)->args, ctx);
		case T_NullTest:
			{
				NullTest   *nt = (NullTest *) node;

				/* row-wise IS NULL has its own semantics; keep it simple */
				return !nt->argisrow && !type_is_rowtype(exprType((Node *) nt->arg)) &&
					ship_walker((Node *) nt->arg, ctx);
			}
		case T_BooleanTest:
			return ship_walker((Node *) ((BooleanTest *) node)->arg, ctx);
		case T_RelabelType:
			{
				RelabelType *r = (RelabelType *) node;

				return collation_ok(r->resultcollid, list_make1(r->arg), ctx) &&
					ship_walker((Node *) r->arg, ctx);
			}
		case T_ArrayExpr:
			{
				ArrayExpr  *a = (ArrayExpr *) node;

				return !a->multidims && collation_ok(a->array_collid, a->elements, ctx) &&
					ship_list(a->elements, ctx);
			}
		case T_CoalesceExpr:
			{
				CoalesceExpr *c = (CoalesceExpr *) node;

				return collation_ok(c->coalescecollid, c->args, ctx) &&
					ship_list(c->args, ctx);
			}
		default:
			return false;
	}
}

/* May "expr", a condition on "baserel", be evaluated by a data node? */
bool
IsShippableExpr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr)
{
	ShipContext ctx;

	ctx.varno = baserel->relid;
	ctx.upper = false;
	ctx.used_utc = false;
	return ship_walker((Node *) expr, &ctx);
}

/*
 * May "expr", computed over the rows of "baserel" after grouping (group
 * keys, aggregates, HAVING), be evaluated by a data node?  *needs_utc is
 * set when that holds only while TimeZone is UTC here.
 */
bool
IsShippableUpperExpr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr, bool *needs_utc)
{
	ShipContext ctx;
	bool		ok;

	ctx.varno = baserel->relid;
	ctx.upper = true;
	ctx.used_utc = false;
	ok = ship_walker((Node *) expr, &ctx);
	*needs_utc |= ctx.used_utc;
	return ok;
}

/*
 * Split RestrictInfos into those the data nodes evaluate and those we do.
 * Both output lists hold RestrictInfos.
 */
void
ClassifyConditions(PlannerInfo *root, RelOptInfo *baserel, List *conds,
				   List **remote_conds, List **local_conds)
{
	ListCell   *lc;

	*remote_conds = NIL;
	*local_conds = NIL;
	foreach(lc, conds)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (IsShippableExpr(root, baserel, ri->clause))
			*remote_conds = lappend(*remote_conds, ri);
		else
			*local_conds = lappend(*local_conds, ri);
	}
}
