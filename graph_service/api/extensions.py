"""Schema extensions: per-operation metrics."""

from __future__ import annotations

import time

from strawberry.extensions import SchemaExtension


class OperationMetrics(SchemaExtension):
    """Counts and times each GraphQL operation by name, type and outcome."""

    def on_operation(self):
        start = time.perf_counter()
        yield
        context = self.execution_context
        metrics = getattr(context.context, "metrics", None)
        if metrics is None:
            return
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the query did not parse: there is no operation to name
            kind = "unknown"
        outcome = "error" if (context.result and context.result.errors) or context.pre_execution_errors else "ok"
        metrics.observe_operation(context.operation_name, kind, outcome, time.perf_counter() - start)
