/*-------------------------------------------------------------------------
 *
 * shippable.c
 *	  Which conditions a data node may evaluate for the access node.
 *
 * A condition is sent to the data nodes only when evaluating it there gives
 * exactly what evaluating it here would:
 *
 *	- columns of the scanned relation, or of the relations of a join with
 *	  reference tables (not system columns, not whole rows);
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
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/scansup.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "multinode.h"
#include "fdw/fdw.h"

typedef struct ShipContext
{
	Relids		relids;			/* the range table indexes of the relations read */
	bool		upper;			/* aggregates allowed (upper_agg.c) */
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
 * The name of TimeZone here, as date_trunc(unit, ts, zone) reads it on a
 * node, or NULL when it would read it otherwise: date_trunc looks a zone up
 * among the time zone abbreviations first, so a zone named like one ("CET",
 * a zone with summer time, but also the abbreviation of a fixed offset) is
 * only the same when it is that fixed offset.  Names of zones the node's
 * time zone database does not know make the node's query fail.
 */
char *
NodeTimeZoneName(void)
{
	const char *name = pg_get_timezone_name(session_timezone);
	char	   *lower;
	int			offset;
	pg_tz	   *tz;
	long		gmtoff;
	int			type;

	if (name == NULL)
		return NULL;
	lower = downcase_truncate_identifier(name, strlen(name), false);
	type = DecodeTimezoneAbbrev(0, lower, &offset, &tz);
	if (type == UNKNOWN_FIELD)
		return pstrdup(name);
	if ((type == TZ || type == DTZ) && pg_get_timezone_offset(session_timezone, &gmtoff) &&
		gmtoff == offset)
		return pstrdup(name);
	return NULL;
}

/*
 * _timescaledb_internal.node_timezone(): NodeTimeZoneName() for the remote
 * parameter of a date_trunc sent to the nodes; an error where it has none,
 * which only a plan made under another TimeZone meets (planning keeps such
 * a date_trunc here).
 */
PG_FUNCTION_INFO_V1(multinode_node_timezone);

Datum
multinode_node_timezone(PG_FUNCTION_ARGS)
{
	char	   *name = NodeTimeZoneName();

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot send time zone \"%s\" to the data nodes",
						pg_get_timezone_name(session_timezone)),
				 errdetail("Its name is also a time zone abbreviation, which date_trunc would read instead."),
				 errhint("Prepare the statement again under this time zone, or name the zone by its region.")));
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/*
 * Immutable built-in functions are the same everywhere.  So are multinode's
 * own immutable functions (time_bucket and friends): every node runs the same
 * extension version.
 */
static bool
shippable_function(Oid funcid)
{
	Oid			extoid;

	if (func_volatile(funcid) != PROVOLATILE_IMMUTABLE)
		return false;
	if (funcid < FirstGenbkiObjectId)
		return true;
	extoid = getExtensionOfObject(ProcedureRelationId, funcid);
	return OidIsValid(extoid) &&
		(extoid == get_extension_oid(MN_EXTENSION_NAME, true) ||
		 DataNodeExtensionShippable(extoid));
}

/*
 * Built-in operators, and those of an extension the "extensions" option
 * lists (TimescaleDB's, after postgres_fdw's).
 */
static bool
shippable_operator(Oid opno)
{
	Oid			extoid;

	if (opno < FirstGenbkiObjectId)
		return shippable_function(get_opcode(opno));
	extoid = getExtensionOfObject(OperatorRelationId, opno);
	return OidIsValid(extoid) && DataNodeExtensionShippable(extoid) &&
		shippable_function(get_opcode(opno));
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
		if (arg && IsA(arg, Var) && bms_is_member(((Var *) arg)->varno, ctx->relids) &&
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

				return bms_is_member(var->varno, ctx->relids) && var->varlevelsup == 0 &&
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
				 * date_trunc on timestamptz depends on TimeZone: grouping by it
				 * goes down with our TimeZone as its zone argument
				 * (deparse.c), when a node reads the zone's name as we do.
				 */
				if (ctx->upper && fe->funcid == F_DATE_TRUNC_TEXT_TIMESTAMPTZ)
					return NodeTimeZoneName() != NULL && ship_list(fe->args, ctx);
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

	ctx.relids = baserel->relids;
	ctx.upper = false;
	return ship_walker((Node *) expr, &ctx);
}

/*
 * May "expr", a condition on the rows of a join of the relations "relids"
 * (a distributed hypertable and reference tables, which every data node
 * has), be evaluated by a data node running that join?
 */
bool
IsShippableJoinExpr(PlannerInfo *root, Relids relids, Expr *expr)
{
	ShipContext ctx;

	ctx.relids = relids;
	ctx.upper = false;
	return ship_walker((Node *) expr, &ctx);
}

/*
 * May "expr", computed over the rows of "baserel" after grouping (group
 * keys, aggregates, HAVING), be evaluated by a data node?
 */
bool
IsShippableUpperExpr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr)
{
	ShipContext ctx;

	ctx.relids = baserel->relids;
	ctx.upper = true;
	return ship_walker((Node *) expr, &ctx);
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
