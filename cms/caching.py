"""Caches of what every reader sees alike, and their invalidation.

Everything cached here is keyed by the *content generation*: one number in
the database (``ContentGeneration``) that Wagtail's publish, unpublish, move
and delete signals (and any full save of a page or a site) move on, inside
the same transaction as the change. A reader who sees the change sees the
new number, so no worker ever serves a page from before a publish, even with
a per-process local-memory cache; entries of older generations are never
read again and expire. Reading the number is one indexed primary-key query.

What is cached:

- **Whole pages for anonymous visitors** (``ContentCacheMiddleware``):
  page types that opt in (``cache_anonymous = True``) are stored once per
  generation, host, language and path. The CSP nonce and the CSRF token of
  the request that rendered the page are swapped for placeholders before
  storing and filled in with the current request's own on the way out, so a
  cached page carries a fresh nonce and a token matching the visitor's
  cookie. Time-dependent parts (a regulation coming into force, an event
  passing) are bounded by ``PAGE_SECONDS``.
- **Routes** (``cached_route``): path → the page itself and its view
  restrictions, so a page is found with no query instead of two per level of
  the page tree; and the ``Site`` of a host with its root page
  (``cached_site``), which Wagtail would look up on every request.
- **Fragments** (``fragment``): menus and home panels, per generation,
  language and signed-in state; never anything that belongs to one person.
  (One person's pages are cached in ``courses.caching``, keyed by their own
  learning-state version as well as this generation; ``shareable_html`` and
  ``personal_html`` swap the request's tokens out and in for both.)
"""

from __future__ import annotations

import contextvars
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.urls import Resolver404, resolve
from django.utils import translation
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult
from wagtail.views import serve as wagtail_serve

# How long a cached page or fragment may live: the bound on parts that change
# with time rather than with a publish (a regulation's "in force" status).
PAGE_SECONDS = 60
FRAGMENT_SECONDS = 300
ROUTE_SECONDS = 3600

NONCE_PLACEHOLDER = "\x00csp-nonce\x00"
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
# A masked CSRF token as Django writes it into a form: 64 letters and digits.
MASKED_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
REQUEST_FLAG = "_cms_cache_anonymous"


# --- the generation ----------------------------------------------------------------------------


# The generation read for the request in progress (set up by ContentCacheMiddleware), so that a
# page asking several caches reads it once; outside a request every call reads the database.
_request_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("cms_generation_memo", default=None)


def generation() -> int:
    """The current content generation (read once per request)."""
    memo = _request_memo.get()
    if memo is not None and memo.get("value") is not None:
        return memo["value"]
    from cms.models import ContentGeneration

    # Plain SQL: the ORM would spend longer compiling this than the database running it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {ContentGeneration._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    value = row[0] if row else 0
    if memo is not None:
        memo["value"] = value
    return value


# Numbers other apps key their caches by, read in the same query as the generation (one round
# trip instead of two): (memo name with one {} for the parameter, a scalar SQL subquery with one
# %s, a function of the request giving that parameter or None). See ``read_along``.
_ALONG: list[tuple[str, str, Callable[[HttpRequest], object]]] = []


def read_along(memo_name: str, subquery: str, parameter: Callable[[HttpRequest], object]) -> None:
    """Ask for ``subquery``'s value to be read with the generation, into this request's memo.

    The value lands in ``request_memo()[memo_name.format(parameter)]`` (None when the subquery
    finds no row); the app reads it from there, and from the database when it is missing.
    """
    if (memo_name, subquery, parameter) not in _ALONG:
        _ALONG.append((memo_name, subquery, parameter))


def prefetch(request: HttpRequest) -> None:
    """Read the generation, and what other apps asked to read along with it, in one query."""
    memo = _request_memo.get()
    if memo is None or memo.get("value") is not None:
        return
    from cms.models import ContentGeneration

    columns, params, names = ["value"], [], []
    for memo_name, subquery, parameter in _ALONG:
        value = parameter(request)
        if value is not None:
            columns.append(f"({subquery})")
            params.append(value)
            names.append(memo_name.format(value))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {ContentGeneration._meta.db_table} WHERE id = 1",  # noqa: S608
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return  # no generation row yet: each number is read on its own
    memo["value"] = row[0]
    memo.update(zip(names, row[1:], strict=True))


def generation_subquery() -> str:
    """The generation as a scalar SQL subquery, for a hot view to read it in a query of its own
    (one round trip fewer); hand the value to ``remember_generation``."""
    from cms.models import ContentGeneration

    return f"(SELECT value FROM {ContentGeneration._meta.db_table} WHERE id = 1)"  # noqa: S608


def remember_generation(value: int | None) -> None:
    """This request's generation, read by the caller (``generation_subquery``); None: no row, read as usual."""
    memo = _request_memo.get()
    if memo is not None and value is not None and memo.get("value") is None:
        memo["value"] = value


def request_memo() -> dict | None:
    """The memo of the request in progress (a dict other caches may keep their own per-request reads in), or None."""
    return _request_memo.get()


def bump() -> None:
    """Move the generation on, in the caller's transaction: every cached page and fragment is stale."""
    from cms.models import ContentGeneration

    if not ContentGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        ContentGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
    memo = _request_memo.get()
    if memo is not None:
        memo["value"] = None  # this request reads the new number from now on


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"cms:{kind}:{generation()}:{translation.get_language()}:{digest}"


# --- fragments ---------------------------------------------------------------------------------


def fragment(name: str, build: Callable[[], object], *, request: HttpRequest | None = None, per_sign_in: bool = False):
    """``build()``'s value, shared by every reader of this generation and language.

    ``per_sign_in`` (with ``request``) keeps signed-in and anonymous readers
    apart, for fragments that show a link only to the one or the other. A
    fragment must never hold anything that belongs to one person.
    """
    signed_in = "1" if per_sign_in and request is not None and request.user.is_authenticated else "0"
    key = _key("fragment", name, signed_in)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, FRAGMENT_SECONDS)
    return value


# --- routes ------------------------------------------------------------------------------------


def cached_route(root: Page, request: HttpRequest, path_components: list[str], route: Callable) -> RouteResult:
    """Route through ``route`` once per path and generation; later, take the page from the cache (no query).

    The page is stored whole, with the view restrictions that apply to it
    (``ServedRestrictionsMixin``): both change only with a publish, a move or
    a restriction's change, which move the generation on. Only plain routes
    are remembered: a page that routes further itself (RoutablePageMixin,
    extra path components) goes through the tree each time.
    """
    # "page-route": entries of the earlier "route" kind held (content type, id); a deploy must not read them.
    key = _key("page-route", str(root.pk), "/".join(path_components))
    hit = cache.get(key)
    if hit is not None:
        page, restrictions = hit
        page._served_view_restrictions = restrictions
        return RouteResult(page)
    result = route(request, path_components)
    page, args, kwargs = result
    if not args and not kwargs and type(page).route is Page.route and page.live:
        cache.set(key, (page, list(Page.get_view_restrictions(page))), ROUTE_SECONDS)
    return result


class ServedRestrictionsMixin:
    """For page models: a page served from the route cache checks the view restrictions stored with it.

    Wagtail's ``on_serve_page`` hook asks every served page for its view
    restrictions (two queries: the ancestors, then their restrictions); the
    route cache keeps them with the page. Everywhere else (the admin's privacy
    views order and filter the answer) this is Wagtail's queryset.
    """

    def get_view_restrictions(self):
        served = getattr(self, "_served_view_restrictions", None)
        if served is not None:
            return served
        return super().get_view_restrictions()


# --- the site ------------------------------------------------------------------------------------

_NO_SITE = "none"


def cached_site(request: HttpRequest):
    """The ``Site`` for this request's host and port, with its root page, cached per generation.

    Wagtail looks the site up with a query on every request
    (``Site.find_for_request``) and then loads its root page; a site's or a
    page's change moves the generation on. Wagtail keeps the answer on the
    request (``_wagtail_site``), which is where it finds this one.
    """
    key = _key("site", request._get_raw_host(), str(request.get_port()))
    site = cache.get(key)
    if site is None:
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
        cache.set(key, site or _NO_SITE, ROUTE_SECONDS)
    return None if site == _NO_SITE else site


def prime_site(request: HttpRequest) -> None:
    """Give Wagtail this request's site from the cache, unless it has one already."""
    if not hasattr(request, "_wagtail_site"):
        request._wagtail_site = cached_site(request)


# --- whole pages for anonymous visitors ------------------------------------------------------------


def mark_cacheable(page: Page, request: HttpRequest) -> None:
    """Called before a page is served: this response may be stored for every anonymous visitor."""
    if getattr(page, "cache_anonymous", False) and not request.user.is_authenticated:
        setattr(request, REQUEST_FLAG, True)


def _may_use_cache(request: HttpRequest) -> bool:
    """A plain GET of a Wagtail page by someone with no session and no pending message."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_HX_REQUEST" not in request.META
        and not getattr(request, "is_preview", False)
        and _serves_pages(request)  # last: the only check that costs anything
    )


def _serves_pages(request: HttpRequest) -> bool:
    # Only Wagtail's page view: never the health check, the sign-in page or any other view.
    try:
        return resolve(request.path_info).func is wagtail_serve
    except Resolver404:
        return False


def _page_key(request: HttpRequest) -> str:
    return _key("page", request.scheme, request.get_host(), request.path)


def _storable_body(request: HttpRequest, response: HttpResponse) -> str | None:
    """The body with this request's nonce and CSRF tokens replaced by placeholders, or None."""
    if (
        response.status_code != 200
        or response.streaming
        or not response.get("Content-Type", "").startswith("text/html")
        or set(response.cookies) - {settings.CSRF_COOKIE_NAME}
        or "private" in response.get("Cache-Control", "")
    ):
        return None
    return shareable_html(request, response.content.decode(response.charset))


def shareable_html(request: HttpRequest, html: str) -> str | None:
    """``html`` with this request's CSP nonce and CSRF tokens swapped for placeholders, or None
    when it cannot be stored (the bare CSRF secret appears in it)."""
    nonce = getattr(request, "csp_nonce", None)
    if nonce:
        html = html.replace(nonce, NONCE_PLACEHOLDER)
    secret = request.META.get("CSRF_COOKIE")
    if secret:
        if secret in html:
            return None  # the bare secret on a page: never share it

        def placeholder(match: re.Match) -> str:
            return CSRF_PLACEHOLDER if _unmask_cipher_token(match.group()) == secret else match.group()

        html = MASKED_TOKEN.sub(placeholder, html)
    return html


def personal_html(request: HttpRequest, html: str) -> str:
    """Stored ``html`` with this request's own CSRF token and CSP nonce filled in."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    if NONCE_PLACEHOLDER in html:
        html = html.replace(NONCE_PLACEHOLDER, getattr(request, "csp_nonce", ""))
    return html


def _from_cache(request: HttpRequest, stored: tuple[str, str]) -> HttpResponse:
    content_type, body = stored
    response = HttpResponse(personal_html(request, body), content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


class ContentCacheMiddleware:
    """Reads the content generation once per request, and serves opted-in pages to
    anonymous visitors from the cache (see the module docstring).

    It sits after the authentication, CSRF and message middleware and inside
    the CSP and language middleware, which set their headers on a cached
    answer as on any other.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_memo.set({})
        try:
            return self._respond(request)
        finally:
            _request_memo.reset(token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if view_func is wagtail_serve:
            prefetch(request)
            prime_site(request)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        if not _may_use_cache(request):
            return self.get_response(request)
        key = _page_key(request)
        stored = cache.get(key)
        if stored is not None:
            return _from_cache(request, stored)
        response = self.get_response(request)
        if getattr(request, REQUEST_FLAG, False):
            body = _storable_body(request, response)
            if body is not None:
                cache.set(key, (response["Content-Type"], body), PAGE_SECONDS)
        return response
