"""Every write of the cms app that is not a page edit (Wagtail owns those)."""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry, Revision, Site

from cms.models import RegulationNotice, RegulationPage, RegulationSubscription
from core.errors import ServiceError

logger = logging.getLogger(__name__)


@transaction.atomic
def regulation_subscription_set(*, user: AbstractBaseUser, subscribed: bool) -> bool:
    """Turn the user's regulation-update emails on or off; returns the new state."""
    if not user.is_authenticated or not user.is_active:
        raise ServiceError("inactive_user", _("Only active accounts can subscribe to regulation updates."))
    if subscribed:
        RegulationSubscription.objects.get_or_create(user=user)
    else:
        RegulationSubscription.objects.filter(user=user).delete()
    return subscribed


def absolute_url(path: str) -> str:
    """Links in emails: the page's URL on the configured public address."""
    return urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", path)


def _regulation_email(*, page: RegulationPage, user: AbstractBaseUser, connection) -> mail.EmailMessage:
    context = {
        "page": page,
        "user": user,
        "page_url": absolute_url(page.get_url()),
        "subscribe_url": absolute_url(reverse("cms:regulation_subscribe")),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = _("Regulation update: %(title)s") % {"title": page.title}
    body = render_to_string("cms/email/regulation_update.txt", context)
    return mail.EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[user.email],
        connection=connection,
        headers={"List-Unsubscribe": f"<{context['subscribe_url']}>"},
    )


# How Wagtail logs a publication, by hand or by the scheduler.
PUBLISH_LOG_ACTIONS = ("wagtail.publish", "wagtail.publish.scheduled")


def _is_news(*, page: RegulationPage, revision: Revision) -> bool:
    """The first publication is news; a republication only when the moderator ticked "notify again"."""
    if revision.content.get("notify_again"):
        return True
    earlier = PageLogEntry.objects.filter(page=page, action__in=PUBLISH_LOG_ACTIONS).exclude(revision=revision)
    return not earlier.exists()


def regulation_update_notify(*, revision_id: int) -> int:
    """Email every subscribed active user about a published regulation revision.

    One email per person (their own address only, greeted by name). Each
    recipient's ``RegulationNotice`` row is claimed before sending and stamped
    after, in its own transaction, so a retry after a failure mails only those
    not yet stamped. Returns the number of emails sent by this run.

    Nothing is sent for a revision that is no longer the live one: a newer
    publication has its own task, and people get the current text once. Nor
    for a republication (a typo fixed) unless it was marked ``notify_again``.
    """
    revision = Revision.objects.filter(pk=revision_id).first()
    if revision is None:
        return 0
    page = RegulationPage.objects.live().filter(pk=revision.object_id).first()
    if page is None or page.live_revision_id != revision.pk or not _is_news(page=page, revision=revision):
        return 0
    already_sent = RegulationNotice.objects.filter(user=OuterRef("pk"), revision=revision, sent_at__isnull=False)
    recipients = (
        get_user_model()
        .objects.filter(is_active=True, regulation_subscription__isnull=False)
        .exclude(Exists(already_sent))
        .order_by("pk")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE), mail.get_connection() as connection:
        for user in recipients.iterator():
            notice, _created = RegulationNotice.objects.get_or_create(
                revision=revision, user=user, defaults={"page": page}
            )
            if notice.sent_at is not None:
                continue
            _regulation_email(page=page, user=user, connection=connection).send()
            RegulationNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
            sent += 1
    logger.info("Regulation %s revision %s: %d update emails sent", page.pk, revision.pk, sent)
    return sent


def site_sync() -> Site | None:
    """Give the default Wagtail Site the host, port and name of ``SITE_URL`` and the site.

    Wagtail builds the links of its moderation emails (and every full URL)
    from this record, which migrations create as "localhost", port 80; the
    other emails use ``SITE_URL``. Run after every migrate (``cms.signals``).
    """
    address = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    if not address.hostname:
        return None
    port = address.port or (443 if address.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    if Site.objects.filter(hostname=address.hostname, port=port).exclude(pk=site.pk).exists():
        logger.warning("Site %s:%s exists already: the default site keeps its address", address.hostname, port)
        return site
    if (site.hostname, site.port, site.site_name) != (address.hostname, port, settings.WAGTAIL_SITE_NAME):
        site.hostname, site.port, site.site_name = address.hostname, port, settings.WAGTAIL_SITE_NAME
        site.save()
    return site
