"""schemathesis hooks for tests/openapi.rs: what an OpenAPI document cannot
say of Frankfurter's parameters (rules between two of them, which the
documents state in words), so that a request a document allows is one the
server must answer:

- v1: the symbols must not be the base alone (`from` or else `base`, default
  EUR; `to` or else `symbols`): Frankfurter's 422 `bad currency pair`;
- v2: `date` goes alone: with `from` or `to` it is Frankfurter's 422
  `conflicting params`.

Fuzzing's cases are filtered; a valid case of the coverage phase, which no
filter reaches, has the second parameter dropped before it is sent (an
invalid one is sent as it is: the server refuses it either way)."""

import schemathesis


def _upper(s):
    # Rust's to_ascii_uppercase, as the server compares.
    return "".join(c.upper() if "a" <= c <= "z" else c for c in s)


def _v2(operation):
    # v2's operations with dates in the query; v1's dates are in the path.
    return operation is not None and operation.path.startswith("/rate")


def _same_pair(operation, query):
    if _v2(operation):
        return False
    base = query.get("from", query.get("base", "EUR"))
    symbols = query.get("to", query.get("symbols"))
    if not isinstance(base, str) or not isinstance(symbols, str):
        return False
    return _upper(symbols) == _upper(base) and "," not in base


def _date_with_range(operation, query):
    return _v2(operation) and "date" in query and ("from" in query or "to" in query)


@schemathesis.hook
def filter_query(ctx, query):
    return not query or not (_same_pair(ctx.operation, query) or _date_with_range(ctx.operation, query))


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    query = case.query
    if not query or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if _same_pair(case.operation, query):
        query.pop("to", None)
        query.pop("symbols", None)
    if _date_with_range(case.operation, query):
        del query["date"]
