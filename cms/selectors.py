"""Reads shared by templates and views."""

from __future__ import annotations

from django.core.cache import cache
from wagtail.models import Page

from cms.models import CampaignIndexPage, RegulationIndexPage

NAV_CACHE_KEY = "cms:nav-urls:v1"
NAV_CACHE_SECONDS = 60 * 10


def nav_urls() -> dict[str, str]:
    """URLs of the live regulation and campaign index pages, for the site menu.

    Every page of the site shows the menu, so the answer is cached; saving or
    deleting an index page or a site clears it (``cms.signals``).
    """
    urls = cache.get(NAV_CACHE_KEY)
    if urls is None:
        kinds = {RegulationIndexPage: "regulations", CampaignIndexPage: "campaigns"}
        urls = {}
        pages = Page.objects.live().type(*kinds).order_by("path").select_related("content_type")
        for page in pages:
            kind = kinds.get(page.specific_class)
            if kind and kind not in urls and (url := page.get_url()):
                urls[kind] = url
        cache.set(NAV_CACHE_KEY, urls, NAV_CACHE_SECONDS)
    return urls


def clear_nav_cache() -> None:
    cache.delete(NAV_CACHE_KEY)
