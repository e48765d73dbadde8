from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from cms.models import RegulationIndexPage, RegulationPage

FEED_SIZE = 30


class PlainTextSummaryAtomFeed(Atom1Feed):
    """Atom whose summaries are plain text (``type="text"``).

    Django marks every summary ``type="html"``, but ours is plain text escaped
    once by the XML writer: a reader would take "<b>" in it for markup.
    """

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class RegulationUpdatesFeed(Feed):
    """The latest published regulation pages, newest publication first."""

    feed_type = PlainTextSummaryAtomFeed
    title = _("Regulation updates")
    subtitle = _("New and changed legal documents on emulation and commendation work.")
    feed_url = reverse_lazy("cms:regulation_feed")

    def author_name(self):
        # RFC 4287 wants an author on the feed or on every entry: the site publishes them all.
        return settings.WAGTAIL_SITE_NAME

    def link(self):
        index = RegulationIndexPage.objects.live().first()
        return (index.get_url() if index else None) or "/"

    def items(self):
        return (
            RegulationPage.objects.live()
            .public()
            .order_by(F("last_published_at").desc(nulls_last=True), "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: RegulationPage) -> str:
        return f"{item.title} ({item.document_number})"

    def item_description(self, item: RegulationPage) -> str:
        return item.summary

    def item_link(self, item: RegulationPage) -> str:
        return item.get_url()

    def item_pubdate(self, item: RegulationPage):
        return item.first_published_at or item.last_published_at

    def item_updateddate(self, item: RegulationPage):
        return item.last_published_at or item.first_published_at

    def item_categories(self, item: RegulationPage):
        return [item.get_document_type_display()]
