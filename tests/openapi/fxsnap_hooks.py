"""schemathesis hooks for tests/openapi.rs: what an OpenAPI document cannot
say of Frankfurter v2's parameters, so that a request the document allows
is one the server must answer. `date` goes alone: with `from` or `to` it is
Frankfurter's 422 `conflicting params` (the document says so in words).
Fuzzing's cases are filtered; the coverage phase, which no filter reaches,
has `date` dropped from such a request before it is sent."""

import schemathesis


def _conflicts(query):
    return bool(query) and "date" in query and ("from" in query or "to" in query)


@schemathesis.hook
def filter_query(ctx, query):
    return not _conflicts(query)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if _conflicts(case.query):
        del case.query["date"]
