"""Bounds on what one GraphQL request may ask for, and the masking of unexpected errors.

A single query can otherwise ask Neo4j for millions of rows (nested lists multiply) or keep the
validator busy for hours. `query_limit_extensions(settings)` returns, as per-request factories:

- strawberry's token limit (the parser stops early), depth limit and alias limit;
- `QueryCostLimiter`: the estimated number of fields the answer holds, refused above
  `settings.max_query_cost`;
- `MaskInternalErrors`: exceptions we did not raise on purpose reach clients as
  "Internal server error" (see `errors.should_mask`).

Cost: every selected field costs 1; the selections under a list are multiplied by its `first`,
`last` or `limit` argument (given, from a variable, or the argument's default), else by 20. A
field with a size argument that returns an object (a Relay connection) multiplies the selections
under it, and the `edges`/`nodes` lists inside are then not multiplied again. Introspection is
cheap (leaves free, lists counted as 10) so that GraphiQL's schema query fits, yet nested
`fields { type { fields … } }` still adds up. `__typename` is free.

The cost rule is a graphql-core validation rule added with `AddValidationRules`. One more check
runs before validation starts: a "fragment bomb" (each fragment spreads the next one twice) makes
strawberry's depth and alias validators walk 2^n paths (22 levels take half a minute and block
the event loop). The cost walk measures each fragment once, so it is linear in the document;
`QueryCostLimiter` uses it to refuse documents that expand to more than 20,000 fields (free
ones like `__typename` included) before any other validator sees them.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    validate,
)
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)

from .errors import INTERNAL_ERROR, client_safe, should_mask

DEFAULT_LIST_SIZE = 20  # a list without a size argument is assumed to hold this many items
INTROSPECTION_LIST_SIZE = 10
SIZE_ARGUMENTS = ("first", "last", "limit")
MAX_WALK_DEPTH = 200  # deeper documents are refused outright (the walk is recursive)
# Fields once fragments are spread in, costly or free. At this size strawberry's depth and alias
# validators take about 0.1 s; a hand-written query needs a few hundred.
MAX_EXPANDED_FIELDS = 20_000


def query_limit_extensions(settings) -> list:
    """The schema extensions that bound each request, configured from the settings."""
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(QueryCostLimiter, max_cost=settings.max_query_cost),
        partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.max_query_aliases),
        partial(MaskInternalErrors, should_mask_error=should_mask, error_message=INTERNAL_ERROR),
    ]


class MaskInternalErrors(MaskErrors):
    """strawberry's `MaskErrors`, with `extensions.code` so clients can tell the cases apart."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return client_safe(error)


class QueryCostLimiter(AddValidationRules):
    """Adds the cost rule to validation, and refuses fragment bombs before validation starts."""

    def __init__(self, *, max_cost: int):
        super().__init__([])
        self.max_cost = max_cost

    def on_operation(self):
        # Built per request: a size argument may come from this request's variables.
        self.validation_rules = [cost_rule(self.max_cost, self.execution_context.variables)]
        yield from super().on_operation()

    def on_validate(self):
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            rule = expansion_rule(MAX_EXPANDED_FIELDS)
            errors = validate(context.schema._schema, context.graphql_document, [rule])
            if errors:
                context.pre_execution_errors = errors  # strawberry then skips the validation pass
        yield


def cost_rule(max_cost: int, variables: dict[str, Any] | None = None) -> type[ValidationRule]:
    """A graphql-core validation rule refusing operations that cost more than `max_cost`."""

    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            for operation in _operations(context):
                try:
                    cost, _ = measure(context.schema, context.document, operation, variables or {})
                except _TooDeep:
                    continue  # expansion_rule reports it
                if cost > max_cost:
                    context.report_error(GraphQLError(
                        f"{_name(operation)} costs {cost:,}, above the limit of {max_cost:,} (each field "
                        f"costs 1; the selections under a list are multiplied by its first/limit argument, "
                        f"or by {DEFAULT_LIST_SIZE} without one): ask for fewer items or fewer nested lists",
                        operation, extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maxCost": max_cost},
                    ))

    return QueryCostRule


def expansion_rule(max_fields: int) -> type[ValidationRule]:
    """A validation rule refusing documents that spread out to more than `max_fields` fields."""

    class ExpansionRule(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            for operation in _operations(context):
                try:
                    _, fields = measure(context.schema, context.document, operation, {})
                except _TooDeep:
                    context.report_error(GraphQLError(
                        f"{_name(operation)} nests selections more than {MAX_WALK_DEPTH} levels deep",
                        operation, extensions={"code": "QUERY_TOO_COMPLEX"},
                    ))
                    continue
                if fields > max_fields:
                    context.report_error(GraphQLError(
                        f"{_name(operation)} expands to {fields:,} fields once its fragments are spread in, "
                        f"above the limit of {max_fields:,}", operation,
                        extensions={"code": "QUERY_TOO_COMPLEX", "fields": fields, "maxFields": max_fields},
                    ))

    return ExpansionRule


def _operations(context: ValidationContext) -> list[OperationDefinitionNode]:
    return [d for d in context.document.definitions if isinstance(d, OperationDefinitionNode)]


def _name(operation: OperationDefinitionNode) -> str:
    return f"operation '{operation.name.value}'" if operation.name else "the operation"


class _TooDeep(Exception):
    pass


def measure(schema: GraphQLSchema, document, operation: OperationDefinitionNode,
            variables: dict[str, Any]) -> tuple[int, int]:
    """(cost, number of fields once fragments are spread in) of one operation."""
    defaults = {  # a variable left out takes the default its definition gives
        definition.variable.name.value: int(definition.default_value.value)
        for definition in operation.variable_definitions or ()
        if isinstance(definition.default_value, IntValueNode)
    }
    walk = _Walk(schema, document, {**defaults, **variables})
    root = schema.get_root_type(operation.operation)
    return walk.selections(operation.selection_set, root, False, False, 0, frozenset())


class _Walk:
    """Sums costs over a document; each fragment is measured once per (context flags)."""

    def __init__(self, schema: GraphQLSchema, document, variables: dict[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, bool, bool], tuple[int, int]] = {}

    def selections(self, selection_set: SelectionSetNode, parent, sized_parent: bool, introspection: bool,
                   depth: int, spreading: frozenset[str]) -> tuple[int, int]:
        if depth > MAX_WALK_DEPTH:
            raise _TooDeep
        cost = fields = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                c, f = self.field(selection, parent, sized_parent, introspection, depth, spreading)
            elif isinstance(selection, InlineFragmentNode):
                kind = self.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
                c, f = self.selections(selection.selection_set, kind, sized_parent, introspection, depth + 1, spreading)
            elif isinstance(selection, FragmentSpreadNode):
                c, f = self.spread(selection.name.value, sized_parent, introspection, depth, spreading)
            else:  # pragma: no cover - no other selection kinds exist
                continue
            cost += c
            fields += f
        return cost, fields

    def spread(self, name: str, sized_parent: bool, introspection: bool, depth: int,
               spreading: frozenset[str]) -> tuple[int, int]:
        fragment = self.fragments.get(name)
        if fragment is None or name in spreading:
            return 0, 0  # unknown fragment or a cycle: other validation rules report them
        key = (name, sized_parent, introspection)
        if key not in self.memo:
            kind = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.selections(fragment.selection_set, kind, sized_parent, introspection,
                                             depth + 1, spreading | {name})
        return self.memo[key]

    def field(self, node: FieldNode, parent, sized_parent: bool, introspection: bool, depth: int,
              spreading: frozenset[str]) -> tuple[int, int]:
        name = node.name.value
        if name == "__typename":
            return 0, 1
        introspection = introspection or name.startswith("__")
        definition = self.schema.get_field(parent, name) if parent is not None else None
        own = 0 if introspection and node.selection_set is None else 1
        if node.selection_set is None:
            return own, 1
        if definition is None:  # unknown field: validation reports it; count what is under it
            child_cost, child_fields = self.selections(node.selection_set, None, False, introspection,
                                                       depth + 1, spreading)
            return own + child_cost, 1 + child_fields
        is_list = is_list_type(get_nullable_type(definition.type))
        size = self.size(node, definition)
        if size is not None:
            multiplier = size
        elif is_list and not sized_parent:
            multiplier = INTROSPECTION_LIST_SIZE if introspection else DEFAULT_LIST_SIZE
        else:
            multiplier = 1
        child_cost, child_fields = self.selections(
            node.selection_set, get_named_type(definition.type), size is not None and not is_list,
            introspection, depth + 1, spreading,
        )
        return own + multiplier * child_cost, 1 + child_fields

    def size(self, node: FieldNode, definition) -> int | None:
        """The field's first/last/limit: the literal, the variable's value, or the default."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        for name in SIZE_ARGUMENTS:
            if name not in definition.args:
                continue
            value = given.get(name)
            if isinstance(value, IntValueNode):  # a 5000-digit literal stays a string (and is invalid)
                return max(0, int(value.value)) if len(value.value) <= 10 else 2**31
            if isinstance(value, VariableNode):
                given_value = self.variables.get(value.name.value)
                if isinstance(given_value, int) and not isinstance(given_value, bool):
                    return max(0, given_value)
            default = definition.args[name].default_value
            if isinstance(default, int) and not isinstance(default, bool):
                return max(0, default)
        return None
