"""The site header's menu: the course catalogue, the conferences and, signed in, one's own training.

The project package is the one place that knows every app, so the menu is
put together here: the catalogue and conference index pages (looked up once
and cached, cleared when either is saved or deleted), the CMS's own sections
(``cms_nav_items``), and, signed in, the pages of one's own courses,
conferences and certificates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from courses.models import CourseIndexPage
from events.models import EventIndexPage

INDEX_CACHE_KEY = "lms:nav-index-urls:v1"
INDEX_CACHE_SECONDS = 60 * 10
INDEX_KINDS = {CourseIndexPage: "courses", EventIndexPage: "events"}


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def index_urls() -> dict[str, str]:
    """{"courses": url, "events": url} of the live index pages (cached: the header is on every page)."""
    urls = cache.get(INDEX_CACHE_KEY)
    if urls is None:
        urls = {}
        for page in Page.objects.live().type(*INDEX_KINDS).order_by("path").select_related("content_type"):
            kind = INDEX_KINDS.get(page.specific_class)
            if kind and kind not in urls and (url := page.get_url()):
                urls[kind] = url
        cache.set(INDEX_CACHE_KEY, urls, INDEX_CACHE_SECONDS)
    return urls


def clear_index_urls(sender=None, **kwargs) -> None:
    cache.delete(INDEX_CACHE_KEY)


def connect() -> None:
    for model in INDEX_KINDS:
        label = model._meta.label_lower
        post_save.connect(clear_index_urls, sender=model, dispatch_uid=f"lms.nav.save.{label}")
        post_delete.connect(clear_index_urls, sender=model, dispatch_uid=f"lms.nav.delete.{label}")


def _is_current(path: str, url: str) -> bool:
    return bool(url) and (path == url or (url != "/" and path.startswith(url)))


def main_links(path: str) -> list[NavLink]:
    urls = index_urls()
    links = [(_("Courses"), urls.get("courses")), (_("Conferences"), urls.get("events"))]
    return [NavLink(str(label), url, _is_current(path, url)) for label, url in links if url]


def training_links(path: str) -> list[NavLink]:
    """ "My learning": one's courses, conferences and certificates (no query: the header is on every page)."""
    links = [
        (_("My courses"), reverse("courses:mine")),
        (_("My conferences and tickets"), reverse("events:mine")),
        (_("My certificates"), reverse("certificates:mine")),
    ]
    return [NavLink(str(label), url, path == url) for label, url in links]
