"""The cms app in the Wagtail admin: form rules, workflow guards, the editors' guide."""

from __future__ import annotations

from django.db import models
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.home import WhatsNewInWagtailVersionPanel
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput
from wagtail.models import WorkflowState

from cms import caching
from cms.admin_views import editors_guide
from cms.models import RegulationPage
from cms.widgets import DayFirstDateField, DayFirstDateTimeField, slug_input

# Every model form of the admin (pages, snippets, viewsets): these replace
# Wagtail's own registrations for the same field classes.
register_form_field_override(models.DateField, override={"form_class": DayFirstDateField, "widget": AdminDateInput})
register_form_field_override(
    models.DateTimeField, override={"form_class": DayFirstDateTimeField, "widget": AdminDateTimeInput}
)
register_form_field_override(models.SlugField, override={"widget": slug_input()})


@hooks.register("before_edit_page")
def stale_workflow_action(request, page):
    """A workflow action posted from a screen opened before the review ended.

    Wagtail reads the current task's actions, and there is no current task
    once the page was approved or withdrawn (AttributeError on None). The
    post is saved as a draft instead, so nothing typed is lost.
    """
    if request.method != "POST" or "action-workflow-action" not in request.POST:
        return None
    if page.current_workflow_task is not None:
        return None
    request.POST = request.POST.copy()
    del request.POST["action-workflow-action"]
    messages.warning(
        request,
        _(
            "This page is no longer awaiting review (it was approved or withdrawn meanwhile): "
            "your changes were saved as a draft."
        ),
    )
    return None


@hooks.register("before_edit_page")
def moderators_comment_banner(request, page):
    """The moderator's comment on the last review, at the top of the edit screen."""
    if request.method != "GET":
        return None
    state = WorkflowState.objects.for_instance(page).order_by("-created_at").first()
    if state is None or state.status not in (WorkflowState.STATUS_NEEDS_CHANGES, WorkflowState.STATUS_APPROVED):
        return None
    task_state = state.task_states.filter(finished_at__isnull=False).order_by("-finished_at").first()
    comment = (task_state.comment or "").strip() if task_state else ""
    if not comment:
        return None
    params = {"moderator": task_state.finished_by.get_full_name() if task_state.finished_by else "", "comment": comment}
    if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        messages.warning(request, _("%(moderator)s asks for changes: “%(comment)s”") % params)
    elif page.latest_revision_id == task_state.revision_id:
        # An approval's comment is shown until the page is edited again.
        messages.info(request, _("%(moderator)s approved it with a comment: “%(comment)s”") % params)
    return None


@hooks.register("after_copy_page")
def regulation_copy_asks_for_its_number(request, page, new_page):
    """Open the copy's edit screen, where the number is asked for."""
    if not isinstance(new_page.specific, RegulationPage):
        return None
    messages.warning(
        request,
        _("The copy is saved as a draft without a document number: enter its number before submitting it."),
    )
    return redirect("wagtailadmin_pages:edit", new_page.pk)


# --- Help menu ------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def guide_urls():
    return [path("cms/guide/", editors_guide, name="cms_editors_guide")]


@hooks.register("register_help_menu_item")
def editors_guide_item():
    return MenuItem(
        gettext_lazy("Editors' guide"),
        reverse("cms_editors_guide"),
        name="cms-editors-guide",
        icon_name="help",
        order=1050,
    )


# Wagtail's own guide and release notes are English pages on wagtail.org.
ENGLISH_HELP_ITEMS = ("editor-guide", "whats-new-in-wagtail-")


@hooks.register("construct_help_menu")
def only_vietnamese_help(request, menu_items):
    menu_items[:] = [item for item in menu_items if not item.name.startswith(ENGLISH_HELP_ITEMS)]


@hooks.register("construct_homepage_panels")
def no_english_release_notes(request, panels):
    # The dashboard's "what's new" panel links to the same English guide.
    panels[:] = [panel for panel in panels if not isinstance(panel, WhatsNewInWagtailVersionPanel)]


@hooks.register("before_serve_page")
def anonymous_page_cache(page, request, serve_args, serve_kwargs):
    """Let ``cms.caching.ContentCacheMiddleware`` keep this page for every anonymous visitor."""
    caching.mark_cacheable(page, request)
