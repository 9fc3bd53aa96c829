"""What a request is called in the metrics: the schema's own words, never the client's.

An operation name is whatever a client writes (`query AAAA…AAAA { gyms }`), so as a
label value it let a handful of requests with long invented names bloat every scrape
and push the real operations into "other". The label is made instead from the root
field the operation selects, checked against the schema (`gyms`, `login`), with `+more`
when it selects several: at most twice as many values as the schema has root fields,
none longer than its longest field name plus five characters. (api/metrics.py adds the
operation names of trusted documents, which the deployment chose.)
"""

from __future__ import annotations

from graphql import DocumentNode, FieldNode, GraphQLSchema
from graphql.utilities import get_operation_ast

UNKNOWN = "-"  # no document, or nothing the schema knows at its root


def root_field_label(
    schema: GraphQLSchema, document: DocumentNode | None, operation_name: str | None
) -> str:
    if document is None:
        return UNKNOWN
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return UNKNOWN
    root = schema.get_root_type(operation.operation)
    if root is None:
        return UNKNOWN
    fields = [
        selection.name.value
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode) and selection.name.value in root.fields
    ]
    if not fields:
        return UNKNOWN
    return fields[0] if len(set(fields)) == 1 else f"{fields[0]}+more"
