"""One trainee's course pages, cached: the course page, the module page and "my courses".

Each is built from data that changes only when content is published (the
content generation of ``cms.caching``) or when the trainee's own learning
state changes: their enrolments, module progress, quiz attempts,
certificates and refresher notices. That state has a version of its own, one
number per person (``LearnerVersion``), which every write to it moves on:
model signals for saves (``courses.signals``) and ``bump`` where a service
writes with ``.update()`` or in bulk. The rendered part of the page is cached
under a key made of

    the person, their version, the content generation, the language,
    today's date (due dates and "overdue" change with the day), the path
    and the page,

so a change shows at once, in every worker, even with SQLite's per-process
local-memory cache; reading the version is one primary-key query per
request. A miss always renders afresh from the database, and services never
read from here (their decisions use ``courses.selectors``). The CSRF token in
the stored HTML is swapped for a placeholder and filled in with the
request's own on the way out (``cms.caching.personal_html``).

Why a version and not the rows' own times: a write must invalidate at once,
in the same transaction, including writes that touch many people at once
(an assignment to a unit, the refresher's notices), and a reader must learn
that with one indexed read rather than by reading the rows it wants to skip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from cms import caching
from courses.models import LearnerVersion

# How long a stored page part may live; every change to it comes with a new key anyway.
SECONDS = 600
_BATCH = 500


def batched(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _table() -> str:
    return connection.ops.quote_name(LearnerVersion._meta.db_table)


def _forget(user_ids: Iterable[int]) -> None:
    """This request's later reads see the new versions (the first one read is kept: ``version_read``)."""
    memo = caching.request_memo()
    if memo is not None:
        for user_id in user_ids:
            memo.pop(f"learner:{user_id}", None)


def bump(user_ids: Iterable[int | None]) -> None:
    """Move these people's versions on, in the caller's transaction (one statement per 500 people)."""
    ids = sorted({int(user_id) for user_id in user_ids if user_id})  # sorted: concurrent bumps lock in one order
    table = _table()
    with connection.cursor() as cursor:
        for chunk in batched(ids, _BATCH):
            rows = ", ".join(["(%s, 1)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (user_id, value) VALUES {rows} "  # noqa: S608 (placeholders only)
                f"ON CONFLICT (user_id) DO UPDATE SET value = {table}.value + 1",
                list(chunk),
            )
    _forget(ids)


def bump_one(user_id: int) -> int:
    """Move one person's version on, in the caller's transaction, and return the new number."""
    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, value) VALUES (%s, 1) "  # noqa: S608 (placeholders only)
            f"ON CONFLICT (user_id) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [user_id],
        )
        value = cursor.fetchone()[0]
    _forget([user_id])
    return value


def bump_select(select_user_ids: str, params: list) -> None:
    """Move on the versions of the people a ``SELECT user_id FROM … WHERE …`` names, in one statement.

    For writes that touch rows by another key (an enrolment's progress, a
    flag's notices) without loading them. The select must have a WHERE clause.
    """
    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, value) SELECT DISTINCT picked.user_id, 1 "  # noqa: S608
            f"FROM ({select_user_ids}) AS picked WHERE picked.user_id IS NOT NULL "
            f"ON CONFLICT (user_id) DO UPDATE SET value = {table}.value + 1",
            params,
        )
    memo = caching.request_memo()
    if memo is not None:
        for name in [name for name in memo if name.startswith("learner:")]:
            memo.pop(name)


def bump_enrolments(enrolment_ids: Iterable[int]) -> None:
    """Move on the versions of these enrolments' trainees."""
    from courses.models import Enrolment

    ids = sorted({int(pk) for pk in enrolment_ids if pk})
    for chunk in batched(ids, _BATCH):
        marks = ", ".join(["%s"] * len(chunk))
        table = connection.ops.quote_name(Enrolment._meta.db_table)
        bump_select(f"SELECT user_id FROM {table} WHERE id IN ({marks})", list(chunk))  # noqa: S608


def version(user_id: int) -> int:
    """This person's learning-state version (read once per request, with the content generation
    when the request is signed in: ``signed_in_user_id``)."""
    memo = caching.request_memo()
    name = f"learner:{user_id}"
    if memo is not None and name in memo:
        value = memo[name] or 0  # None: read along with the generation, no row yet
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {_table()} WHERE user_id = %s", [user_id])  # noqa: S608
            row = cursor.fetchone()
        value = row[0] if row else 0
    if memo is not None:
        memo[name] = value
        memo.setdefault(f"learner-first:{user_id}", value)
    return value


def signed_in_user_id(request: HttpRequest) -> int | None:
    """The user id the request's session names, if any: whose version to read along with the
    generation. Only a hint: the key is made with ``request.user``'s own id, after Django checked it."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    try:
        return int(request.session.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None


def read_version_along() -> None:
    """Read the signed-in person's version in the content generation's query (``CoursesConfig.ready``)."""
    caching.read_along("learner:{}", f"SELECT value FROM {_table()} WHERE user_id = %s", signed_in_user_id)  # noqa: S608


def version_read(user_id: int) -> int | None:
    """The version this request first read for this person (its keys were made with it), or None."""
    memo = caching.request_memo()
    return memo.get(f"learner-first:{user_id}") if memo is not None else None


def key(request: HttpRequest, name: str, *, at_version: int | None = None) -> str | None:
    """The cache key of ``name`` for the signed-in person of this request, or None (not signed in).

    ``at_version``: the key at that version of theirs rather than the current one.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    parts = (
        str(user.pk),
        str(version(user.pk) if at_version is None else at_version),
        str(caching.generation()),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        request.path,
        name,
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"courses:learner:{user.pk}:{digest}"


def get(request: HttpRequest, cache_key: str | None) -> tuple[SafeString, dict] | None:
    """The stored (html, facts) for ``cache_key``, with this request's tokens filled in, or None."""
    if cache_key is None:
        return None
    stored = cache.get(cache_key)
    if stored is None:
        return None
    html, facts = stored
    # Rendered by our own templates (escaped then), stored by ``put``: safe to print as it is.
    return mark_safe(caching.personal_html(request, html)), facts  # noqa: S308


def put(request: HttpRequest, cache_key: str | None, html: str, facts: dict | None = None) -> None:
    """Store ``html`` (and small ``facts`` the view needs besides it) under ``cache_key``."""
    if cache_key is None:
        return
    shareable = caching.shareable_html(request, html)
    if shareable is not None:
        cache.set(cache_key, (shareable, facts or {}), SECONDS)


def html(request: HttpRequest, name: str, render: Callable[[], SafeString]) -> SafeString:
    """``render()``'s HTML for this person, from the cache when nothing it shows has changed."""
    caching.prefetch(request)  # the generation and this person's version in one query
    cache_key = key(request, name)
    hit = get(request, cache_key)
    if hit is not None:
        return hit[0]
    result = render()
    put(request, cache_key, result)
    return result
