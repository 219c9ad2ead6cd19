"""Bounds on what one GraphQL request may ask for, and the masking of unexpected errors.

A single query can otherwise ask Neo4j for millions of rows (nested lists multiply) or keep the
validator busy for hours. `query_limit_extensions(settings)` returns, as per-request factories:

- strawberry's token limit (the parser stops early);
- `CheckedDocuments`: parsing and validation (the spec's rules and strawberry's own, the depth and
  alias rules of strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter`, the fragment-expansion
  check) done once per query text and cached (`DocumentChecks`), then the cost check, which
  depends on the variables, on every request: the estimated number of fields the answer holds,
  refused above `settings.max_query_cost`;
- `MaskInternalErrors`: exceptions we did not raise on purpose reach clients as
  "Internal server error", or as GRAPH_UNAVAILABLE (retryable) when they mean the graph is
  unreachable (see `errors.should_mask` and `errors.client_safe`).

Cost: every selected field costs 1; the selections under a list are multiplied by its `first`,
`last` or `limit` argument (given, from a variable, or the argument's default), else by 20. A
field with a size argument that returns an object (a Relay connection) multiplies the selections
under it, and the `edges`/`nodes` lists inside are then not multiplied again. Introspection is
cheap (leaves free, lists counted as 10) so that GraphiQL's schema query fits, yet nested
`fields { type { fields … } }` still adds up. `__typename` is free.

The expansion check runs before the other rules: a "fragment bomb" (each fragment spreads the
next one twice) makes strawberry's depth and alias validators walk 2^n paths (22 levels take half
a minute and block the event loop). The cost walk measures each fragment once, so it is linear in
the document; it refuses documents that expand to more than 20,000 fields (free ones like
`__typename` included) before any other validator sees them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cachetools import LRUCache
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
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

from graph_service.api.errors import INTERNAL_ERROR, client_safe, should_mask

DEFAULT_LIST_SIZE = 20  # a list without a size argument is assumed to hold this many items
INTROSPECTION_LIST_SIZE = 10
SIZE_ARGUMENTS = ("first", "last", "limit")
MAX_WALK_DEPTH = 200  # deeper documents are refused outright (the walk is recursive)
# Fields once fragments are spread in, costly or free. At this size strawberry's depth and alias
# validators take about 0.1 s; a hand-written query needs a few hundred.
MAX_EXPANDED_FIELDS = 20_000


def query_limit_extensions(settings) -> list:
    """The schema extensions that bound each request, configured from the settings."""
    checks = DocumentChecks(settings)  # one per app: its cache outlives requests
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(CheckedDocuments, checks=checks),
        partial(MaskInternalErrors, should_mask_error=should_mask, error_message=INTERNAL_ERROR),
    ]


class MaskInternalErrors(MaskErrors):
    """strawberry's `MaskErrors`, with `extensions.code` so clients can tell the cases apart (an
    outage of the graph from a bug: `errors.client_safe`)."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return client_safe(error)


@dataclass
class _Checked:
    document: Any
    errors: list[GraphQLError] | None = None  # None until validated
    # Cost errors per set of integer variables: only `first`/`limit`-like integers change the cost.
    cost_errors: dict[tuple, list[GraphQLError]] = field(default_factory=dict)


class DocumentChecks:
    """Parsing and the variable-independent validation of a query text, done once per text.

    Validation (the spec's rules, depth, aliases, fragment expansion) costs far more than running
    a small query; clients send the same few query texts over and over. Results are kept in a
    bounded LRU keyed by the text, so unique texts cost memory up to `CACHE_SIZE` entries only.
    The expansion check runs here (graphql-core's `validate` with one rule); the other rules run
    in strawberry's own validation step, once per text (`CheckedDocuments`).
    The cost limit depends on each request's integer variables (the sizes of lists): it is
    measured once per (text, integer variables) and remembered beside the text, so the common case
    — the same page with other slugs — costs a dictionary lookup.
    """

    COSTS_PER_TEXT = 64

    CACHE_SIZE = 1024

    def __init__(self, settings):
        self.max_cost = settings.max_query_cost
        # strawberry's limiter extensions, made once for their rules (each makes a rule class when
        # built: per request, that would cost more than the cached validation saves).
        self.rules = (
            *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=settings.max_query_aliases).validation_rules,
        )
        self._cache: LRUCache[str, _Checked] = LRUCache(maxsize=self.CACHE_SIZE)
        self._lock = threading.Lock()

    def cached(self, query: str) -> _Checked | None:
        with self._lock:
            return self._cache.get(query)  # a hit counts as a use: the LRU keeps it

    def remember(self, query: str, document) -> _Checked:
        with self._lock:
            checked = self._cache.get(query)
            if checked is None or checked.document is not document:
                checked = self._cache[query] = _Checked(document)  # the least recently used goes
            return checked

    @staticmethod
    def expansion_errors(schema: GraphQLSchema, checked: _Checked) -> list[GraphQLError]:
        """The fragment-expansion check, to run before every other rule: fragment bombs would make
        the depth and alias rules walk 2^n paths."""
        return list(validate(schema, checked.document, [expansion_rule(MAX_EXPANDED_FIELDS)]))

    def cost_errors_cached(
        self, schema: GraphQLSchema, checked: _Checked, variables: dict | None
    ) -> list[GraphQLError]:
        key = tuple(
            sorted(
                (name, value)
                for name, value in (variables or {}).items()
                if isinstance(value, int) and not isinstance(value, bool)
            )
        )
        errors = checked.cost_errors.get(key)
        if errors is None:
            errors = self.cost_errors(schema, checked.document, variables)
            with self._lock:
                if len(checked.cost_errors) >= self.COSTS_PER_TEXT:
                    checked.cost_errors.clear()
                checked.cost_errors[key] = errors
        return list(errors)

    def cost_errors(self, schema: GraphQLSchema, document, variables: dict | None) -> list[GraphQLError]:
        errors = []
        for operation in (d for d in document.definitions if isinstance(d, OperationDefinitionNode)):
            try:
                cost, _ = measure(schema, document, operation, variables or {})
            except _TooDeep:
                continue  # the expansion rule reported it
            if cost > self.max_cost:
                errors.append(_too_costly(operation, cost, self.max_cost))
        return errors


class CheckedDocuments(SchemaExtension):
    """Serves parse and validation from `DocumentChecks`; checks the cost on every request.

    On a text's first request, the expansion check runs before strawberry's validation step and
    adds the depth and alias rules to it; its outcome is remembered. Later requests of the same
    text set the remembered errors (a list, even empty, tells strawberry validation has run, as
    strawberry's own `ValidationCache` does) and skip it.
    """

    def __init__(self, *, checks: DocumentChecks):
        super().__init__()
        self.checks = checks

    def on_parse(self):
        context = self.execution_context
        hit = self.checks.cached(context.query) if context.query else None
        if hit is not None:
            context.graphql_document = hit.document  # strawberry skips parsing a document it already has
        yield

    def on_validate(self):
        context = self.execution_context
        if context.graphql_document is None or context.pre_execution_errors is not None:
            yield
            return
        # strawberry has no public accessor for the graphql-core schema (its own extensions use this one).
        schema = context.schema._schema
        checked = self.checks.remember(context.query, context.graphql_document)
        if checked.errors is None:
            expansion = self.checks.expansion_errors(schema, checked)
            if expansion:
                checked.errors = expansion
        if checked.errors is None:
            # First time: strawberry validates, with the depth, alias and cost rules (the cost must
            # be known before this step ends: strawberry stops on its errors inside it).
            reported: list[GraphQLError] = []
            cost = cost_rule(self.checks, checked, context.variables, reported)
            context.validation_rules = (*context.validation_rules, *self.checks.rules, cost)
            yield
            errors = context.pre_execution_errors or ()
            checked.errors = [error for error in errors if not any(error is r for r in reported)]
            return
        errors = checked.errors or self.checks.cost_errors_cached(schema, checked, context.variables)
        # A list, even empty, tells strawberry that validation has run.
        context.pre_execution_errors = list(errors)
        yield


def cost_rule(
    checks: DocumentChecks, checked: _Checked, variables: dict | None, reported: list[GraphQLError]
) -> type[ValidationRule]:
    """A validation rule reporting this request's cost errors (and listing them in ``reported``)."""

    class CostRule(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            for error in checks.cost_errors_cached(context.schema, checked, variables):
                reported.append(error)
                context.report_error(error)

    return CostRule


def _too_costly(operation: OperationDefinitionNode, cost: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"{_name(operation)} costs {cost:,}, above the limit of {max_cost:,} (each field "
        f"costs 1; the selections under a list are multiplied by its first/limit argument, "
        f"or by {DEFAULT_LIST_SIZE} without one): ask for fewer items or fewer nested lists",
        operation,
        extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maxCost": max_cost},
    )


def expansion_rule(max_fields: int) -> type[ValidationRule]:
    """A validation rule refusing documents that spread out to more than `max_fields` fields."""

    class ExpansionRule(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            for operation in _operations(context):
                try:
                    _, fields = measure(context.schema, context.document, operation, {})
                except _TooDeep:
                    context.report_error(
                        GraphQLError(
                            f"{_name(operation)} nests selections more than {MAX_WALK_DEPTH} levels deep",
                            operation,
                            extensions={"code": "QUERY_TOO_COMPLEX"},
                        )
                    )
                    continue
                if fields > max_fields:
                    context.report_error(
                        GraphQLError(
                            f"{_name(operation)} expands to {fields:,} fields once its fragments are spread in, "
                            f"above the limit of {max_fields:,}",
                            operation,
                            extensions={"code": "QUERY_TOO_COMPLEX", "fields": fields, "maxFields": max_fields},
                        )
                    )

    return ExpansionRule


def _operations(context: ValidationContext) -> list[OperationDefinitionNode]:
    return [d for d in context.document.definitions if isinstance(d, OperationDefinitionNode)]


def _name(operation: OperationDefinitionNode) -> str:
    return f"operation '{operation.name.value}'" if operation.name else "the operation"


class _TooDeep(Exception):
    pass


def measure(
    schema: GraphQLSchema, document, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> tuple[int, int]:
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

    def selections(
        self,
        selection_set: SelectionSetNode,
        parent,
        sized_parent: bool,
        introspection: bool,
        depth: int,
        spreading: frozenset[str],
    ) -> tuple[int, int]:
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

    def spread(
        self, name: str, sized_parent: bool, introspection: bool, depth: int, spreading: frozenset[str]
    ) -> tuple[int, int]:
        fragment = self.fragments.get(name)
        if fragment is None or name in spreading:
            return 0, 0  # unknown fragment or a cycle: other validation rules report them
        key = (name, sized_parent, introspection)
        if key not in self.memo:
            kind = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.selections(
                fragment.selection_set, kind, sized_parent, introspection, depth + 1, spreading | {name}
            )
        return self.memo[key]

    def field(
        self, node: FieldNode, parent, sized_parent: bool, introspection: bool, depth: int, spreading: frozenset[str]
    ) -> tuple[int, int]:
        name = node.name.value
        if name == "__typename":
            return 0, 1
        introspection = introspection or name.startswith("__")
        definition = self.schema.get_field(parent, name) if parent is not None else None
        own = 0 if introspection and node.selection_set is None else 1
        if node.selection_set is None:
            return own, 1
        if definition is None:  # unknown field: validation reports it; count what is under it
            child_cost, child_fields = self.selections(
                node.selection_set, None, False, introspection, depth + 1, spreading
            )
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
            node.selection_set,
            get_named_type(definition.type),
            size is not None and not is_list,
            introspection,
            depth + 1,
            spreading,
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
