"""Signal receivers, connected in ``CmsConfig.ready``."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_migrate, post_save
from wagtail.models import Site
from wagtail.signals import page_published

from cms import services
from cms.models import CampaignIndexPage, RegulationIndexPage, RegulationPage
from cms.selectors import clear_nav_cache
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


def nav_changed(sender, **kwargs) -> None:
    clear_nav_cache()


def sync_site(sender, **kwargs) -> None:
    services.site_sync()


def connect(app_config) -> None:
    post_migrate.connect(sync_site, sender=app_config, dispatch_uid="cms.sync_site")
    page_published.connect(regulation_published, sender=RegulationPage, dispatch_uid="cms.regulation_published")
    for model in (RegulationIndexPage, CampaignIndexPage, Site):
        label = model._meta.label_lower
        post_save.connect(nav_changed, sender=model, dispatch_uid=f"cms.nav_changed.save.{label}")
        post_delete.connect(nav_changed, sender=model, dispatch_uid=f"cms.nav_changed.delete.{label}")
