"""Reads shared by templates and views."""

from __future__ import annotations

from wagtail.models import Page

from cms import caching
from cms.models import CampaignIndexPage, RegulationIndexPage


def _nav_urls() -> dict[str, str]:
    kinds = {RegulationIndexPage: "regulations", CampaignIndexPage: "campaigns"}
    urls: dict[str, str] = {}
    pages = Page.objects.live().type(*kinds).order_by("path").select_related("content_type")
    for page in pages:
        kind = kinds.get(page.specific_class)
        if kind and kind not in urls and (url := page.get_url()):
            urls[kind] = url
    return urls


def nav_urls() -> dict[str, str]:
    """URLs of the live regulation and campaign index pages, for the site menu.

    Every page of the site shows the menu, so the answer is cached per
    content generation: any publish, move or delete of a page, or a change to
    a site, is seen at once (``cms.caching``).
    """
    return caching.fragment("nav-urls", _nav_urls)
