"""Accent-insensitive site search: a registry of page types and one folded index.

Why not Wagtail's search backend? Its database backend does full-text search
differently on SQLite and PostgreSQL and knows nothing of "đ" = "d". Here each
registered page keeps one ``SearchEntry`` row holding ``fold()`` of its text;
a query is folded the same way and every token must occur (``contains``, AND
across tokens), so the same rules hold on both databases. Results rank title
matches first, then the most recent.

Later apps register their page types in ``AppConfig.ready()``::

    from cms import search
    search.register(CoursePage)

and give the model a ``search_document()`` method returning a
``SearchDocument``. The entry is rewritten on every full save of the page:
creating it and publishing it (Wagtail publishes with a full ``save()``),
but not saving a draft (which saves only revision bookkeeping fields), so the
index holds the published text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.signals import post_save
from django.utils import translation
from wagtail.models import Page
from wagtail.rich_text import get_text_for_indexing

from cms.models import SearchEntry
from core.text import collapse_spaces, fold

MAX_QUERY_LENGTH = 200
MAX_TOKENS = 8
# Tokens break at spaces and at punctuation that never sits inside a term;
# "/", "-" and "." stay, so "13/2015" and "TT-BTTTT" are terms.
_TOKEN_BREAK = re.compile(r"[\s,;:!?()\[\]{}<>\"'“”‘’«»…|+*=&^%$#@~`\\]+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")

_registry: dict[type[Page], None] = {}


@dataclass(frozen=True)
class SearchDocument:
    """What a page offers to search: ``title`` ranks above ``text``."""

    title: str
    text: Iterable[str] = field(default_factory=tuple)
    date: datetime.date | None = None
    year: int | None = None


def register(model: type[Page]) -> type[Page]:
    """Make ``model`` searchable; usable as a class decorator too."""
    if not callable(getattr(model, "search_document", None)):
        raise TypeError(f"{model.__name__} needs a search_document() method to be searchable")
    _registry[model] = None
    post_save.connect(_page_saved, sender=model, dispatch_uid=f"cms.search.{model._meta.label_lower}")
    return model


def registered_models() -> list[type[Page]]:
    return list(_registry)


def _page_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    # A draft save writes only bookkeeping fields (update_fields) while the
    # instance in memory holds the draft: index only full saves.
    if raw or update_fields is not None:
        return
    index_page(instance)


def _fold_text(value: str) -> str:
    return collapse_spaces(fold(value or ""))


def index_page(page: Page) -> SearchEntry:
    """Write the folded entry for one page of a registered type."""
    # Choice labels and the like are indexed in the site's language, whatever
    # language the editor's admin uses.
    with translation.override("vi"):
        document = page.search_document()
        text = " ".join(str(part) for part in (document.title, *document.text) if part)
    entry, _created = SearchEntry.objects.update_or_create(
        page_id=page.pk,
        defaults={
            "title_folded": _fold_text(document.title)[:400],
            "text_folded": _fold_text(text),
            "date": document.date,
            "year": document.year,
        },
    )
    return entry


def reindex_all() -> int:
    """Rebuild every registered page's entry (after registering a new type)."""
    count = 0
    for model in registered_models():
        for page in model.objects.all().iterator():
            index_page(page)
            count += 1
    return count


def stream_text(value) -> list[str]:
    """The searchable text of a StreamField value."""
    if not value:
        return []
    return [str(part) for part in value.stream_block.get_searchable_content(value) if part]


def rich_text(value: str) -> str:
    return get_text_for_indexing(value or "")


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    tokens: tuple[str, ...]
    too_long: bool = False

    @property
    def searchable(self) -> bool:
        return bool(self.tokens) and not self.too_long


def parse_query(raw: str | None) -> ParsedQuery:
    """Fold a visitor's query into at most MAX_TOKENS distinct terms.

    A query longer than MAX_QUERY_LENGTH is refused (no terms) rather than cut,
    so the visitor is told instead of getting results for half a sentence.
    """
    text = collapse_spaces(raw or "")
    if len(text) > MAX_QUERY_LENGTH:
        return ParsedQuery(text=text[:MAX_QUERY_LENGTH], tokens=(), too_long=True)
    tokens: list[str] = []
    for piece in _TOKEN_BREAK.split(fold(text)):
        token = _EDGE_PUNCTUATION.sub("", piece)
        if token and token not in tokens:
            tokens.append(token)
        if len(tokens) == MAX_TOKENS:
            break
    return ParsedQuery(text=text, tokens=tuple(tokens))


def search(query: ParsedQuery) -> QuerySet[SearchEntry]:
    """Live, public pages of registered types matching every token."""
    if not query.searchable:
        return SearchEntry.objects.none()
    matches_text = Q()
    matches_title = Q()
    for token in query.tokens:
        matches_text &= Q(text_folded__contains=token)
        matches_title &= Q(title_folded__contains=token)
    visible = Page.objects.live().public().values("pk")
    return (
        SearchEntry.objects.filter(matches_text, page__in=visible)
        .annotate(title_match=Case(When(matches_title, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .select_related("page")
        .order_by("-title_match", F("year").desc(nulls_last=True), F("date").desc(nulls_last=True), "-page_id")
    )
