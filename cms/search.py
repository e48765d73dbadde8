"""Accent-insensitive site search: a registry of page types and one folded index.

Why not Wagtail's search backend? Its database backend does full-text search
differently on SQLite and PostgreSQL and knows nothing of "đ" = "d". Here each
registered page keeps one ``SearchEntry`` row holding ``fold()`` of its text;
a query is folded the same way and every token must occur (``contains``, AND
across tokens), so the same pages match on both databases.

Ranking: a page whose document number is the query comes first; then pages
with every word in the title (the number is part of it); then by relevance,
title above summary above body. PostgreSQL scores the last step with its own
full-text ranking (``ts_rank`` over weighted A/B/C vectors of the folded
text); SQLite, which has none, with the same weights counted per word. Ties go
to the most recent.

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
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Count, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.signals import post_save
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from wagtail.models import Page
from wagtail.rich_text import get_text_for_indexing

from cms import caching
from cms.models import RegulationPage, RegulationStatus, SearchEntry
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
    """What a page offers to search: ``number`` (a document number, matched
    whole) and ``title`` rank above ``summary``, which ranks above ``text``."""

    title: str
    text: Iterable[str] = field(default_factory=tuple)
    date: datetime.date | None = None
    year: int | None = None
    summary: str = ""
    number: str = ""


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
        body = [str(part) for part in document.text if part]
        text = " ".join(part for part in (document.title, document.number, document.summary, *body) if part)
    entry, _created = SearchEntry.objects.update_or_create(
        page_id=page.pk,
        defaults={
            "title_folded": _fold_text(f"{document.title} {document.number}")[:400],
            "number_folded": _fold_text(document.number)[:50],
            "summary_folded": _fold_text(document.summary),
            "text_folded": _fold_text(text),
            "excerpt_source": collapse_spaces(" ".join(part for part in (document.summary, *body) if part)),
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
    caching.bump()  # cached search results were made from the old entries
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


# Relevance weights of a word found in the title, the summary, the body.
WEIGHTS = {"title": 1.0, "summary": 0.4, "body": 0.1}
EXCERPT_LENGTH = 240


def visible_pages() -> QuerySet[Page]:
    """Live pages without a view restriction: what search shows, to everyone alike.

    Building it reads every view restriction (Wagtail's ``public()``): build
    it once and pass it to ``kinds()`` and ``search()``.
    """
    return Page.objects.live().public()


def search(
    query: ParsedQuery, *, kind: str | None = None, visible: QuerySet[Page] | None = None
) -> QuerySet[SearchEntry]:
    """Live, public pages of registered types matching every token, best first.

    ``kind`` ("app_label.model") keeps one page type; ``kinds()`` counts them.
    The folded columns stay in the database: they rank and match there, and
    a page of results would otherwise fetch every page's whole text twice.
    """
    if not query.searchable:
        return SearchEntry.objects.none()
    entries = _matching(query, visible).defer("title_folded", "number_folded", "summary_folded", "text_folded")
    if kind:
        entries = entries.filter(page__content_type__in=_content_types(kind))
    matches_title = Q()
    for token in query.tokens:
        matches_title &= Q(title_folded__contains=token)
    return (
        entries.annotate(
            number_match=Case(
                When(number_folded=_fold_text(query.text), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            title_match=Case(When(matches_title, then=Value(1)), default=Value(0), output_field=IntegerField()),
            relevance=_relevance(query),
        )
        .select_related("page", "page__content_type")
        .order_by(
            "-number_match",
            "-title_match",
            "-relevance",
            F("year").desc(nulls_last=True),
            F("date").desc(nulls_last=True),
            "-page_id",
        )
    )


def _matching(query: ParsedQuery, visible: QuerySet[Page] | None = None) -> QuerySet[SearchEntry]:
    matches_text = Q()
    for token in query.tokens:
        matches_text &= Q(text_folded__contains=token)
    visible = visible_pages() if visible is None else visible
    return SearchEntry.objects.filter(matches_text, page__in=visible.values("pk"))


def _relevance(query: ParsedQuery):
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title_folded", weight="A", config="simple")
            + SearchVector("summary_folded", weight="B", config="simple")
            + SearchVector("text_folded", weight="C", config="simple")
        )
        # ts_rank's weights are for D, C, B, A.
        weights = [0.0, WEIGHTS["body"], WEIGHTS["summary"], WEIGHTS["title"]]
        return SearchRank(vector, SearchQuery(" ".join(query.tokens), config="simple"), weights=weights)
    score = Value(0.0, output_field=FloatField())
    for token in query.tokens:
        for column, weight in (("title_folded", "title"), ("summary_folded", "summary"), ("text_folded", "body")):
            score += Case(
                When(**{f"{column}__contains": token}, then=Value(WEIGHTS[weight])),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return score


def _content_types(kind: str):
    app_label, _dot, model = kind.partition(".")
    return ContentType.objects.filter(app_label=app_label, model=model)


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    count: int


def kinds(query: ParsedQuery, *, visible: QuerySet[Page] | None = None) -> list[Kind]:
    """The page types among the matches, with how many of each, most first."""
    if not query.searchable:
        return []
    counts = _matching(query, visible).values("page__content_type").annotate(n=Count("pk")).order_by()
    by_type = {row["page__content_type"]: row["n"] for row in counts}
    found = []
    # get_for_id: Django keeps content types in memory once read.
    for content_type in (ContentType.objects.get_for_id(pk) for pk in by_type):
        model = content_type.model_class()
        if model is not None:
            found.append(
                Kind(
                    f"{content_type.app_label}.{content_type.model}",
                    capfirst(model._meta.verbose_name_plural),
                    by_type[content_type.pk],
                )
            )
    return sorted(found, key=lambda kind: (-kind.count, kind.label))


@functools.lru_cache(maxsize=4096)
def _fold_character(char: str) -> str:
    return (fold(char) or " ")[0]


def _fold_by_character(text: str) -> str:
    """fold() one character at a time, so positions in the result are positions in ``text``.

    Each distinct character is folded once (a page of results repeats a few
    hundred characters thousands of times; folding each anew was most of the
    search page's time).
    """
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_character, text))


def excerpt(text: str, tokens: Iterable[str], length: int = EXCERPT_LENGTH) -> str:
    """About ``length`` characters of ``text`` around the first match, matched words in <mark>."""
    if not text:
        return ""
    folded = _fold_by_character(text)
    spans = sorted(
        (match.start(), match.end()) for token in tokens if token for match in re.finditer(re.escape(token), folded)
    )
    start = max(0, spans[0][0] - length // 3) if spans else 0
    if start:
        # Start at a word.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[str] = ["…" if start else ""]
    position = start
    for span_start, span_end in spans:
        if span_start < position or span_start >= end:
            continue
        parts.append(escape(text[position:span_start]))
        parts.append(format_html("<mark>{}</mark>", text[span_start : min(span_end, end)]))
        position = min(span_end, end)
    parts.append(escape(text[position:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every piece is escaped above


def annotate_results(entries: Iterable[SearchEntry], query: ParsedQuery) -> None:
    """Give each result on the page its ``excerpt`` and, for a regulation, its ``status``."""
    entries = list(entries)
    ids = [entry.page_id for entry in entries]
    statuses = dict(RegulationPage.objects.with_status().filter(pk__in=ids).values_list("pk", "status_code"))
    for entry in entries:
        entry.excerpt = excerpt(entry.excerpt_source, query.tokens)
        code = statuses.get(entry.page_id)
        entry.status = RegulationStatus(code) if code else None
