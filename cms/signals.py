"""Signal receivers, connected in ``CmsConfig.ready``."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms import caching, services
from cms.models import RegulationPage
from core.outbox import outbox_enqueue


def regulation_published(sender, instance, revision=None, **kwargs) -> None:
    """Queue the subscriber emails once the publishing transaction commits
    (the service decides whether this publication is news)."""
    if revision is None:
        return
    # Recorded with the publish: a broker outage or a mail failure can neither
    # turn the moderator's publish into an error nor lose the notice.
    outbox_enqueue(
        "cms.tasks.regulation_update_notify", key=f"regulation-notice:{revision.pk}", revision_id=revision.pk
    )


def content_changed(sender, **kwargs) -> None:
    """Published content changed: every cached page, route and fragment is stale (``cms.caching``)."""
    caching.bump()


def page_saved(sender, instance, update_fields=None, **kwargs) -> None:
    # A full save of a page (publishing, or code changing a live page) may change what readers
    # see; a draft's bookkeeping save (update_fields: latest revision, draft title) does not.
    if isinstance(instance, Page) and update_fields is None:
        caching.bump()


def page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        caching.bump()


def page_relations_changed(sender, instance, action, **kwargs) -> None:
    # Relations between pages saved outside a publish (a module's cited regulations).
    if isinstance(instance, Page) and action in {"post_add", "post_remove", "post_clear"}:
        caching.bump()


def sync_site(sender, **kwargs) -> None:
    services.site_sync()


def connect(app_config) -> None:
    post_migrate.connect(sync_site, sender=app_config, dispatch_uid="cms.sync_site")
    page_published.connect(regulation_published, sender=RegulationPage, dispatch_uid="cms.regulation_published")
    page_published.connect(content_changed, dispatch_uid="cms.caching.published")
    page_unpublished.connect(content_changed, dispatch_uid="cms.caching.unpublished")
    post_page_move.connect(content_changed, dispatch_uid="cms.caching.moved")
    # Any model: page signals are sent with the specific page class as sender.
    post_save.connect(page_saved, dispatch_uid="cms.caching.page_saved")
    post_delete.connect(page_deleted, dispatch_uid="cms.caching.page_deleted")
    m2m_changed.connect(page_relations_changed, dispatch_uid="cms.caching.page_relations")
    for model in (Site, PageViewRestriction):
        label = model._meta.label_lower
        post_save.connect(content_changed, sender=model, dispatch_uid=f"cms.caching.save.{label}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"cms.caching.delete.{label}")
