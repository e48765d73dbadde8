"""Admin views of the cms app: the editors' guide and a workflow action that explains a refusal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.views.pages.workflow import WorkflowAction


def editors_guide(request):
    return TemplateResponse(request, "cms/admin/editors_guide.html", {"page_title": _("Editors' guide")})


class CheckedWorkflowAction(WorkflowAction):
    """Wagtail's workflow action (approve, request changes) for pages.

    Approving publishes, and publishing validates the page; Wagtail lets that
    ValidationError through as a 500, half-way (the task approved, the page
    not published). Here the action is one transaction: refused whole, with
    the reason shown to the moderator on the page's edit screen.
    """

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().post(request, *args, **kwargs)
        except ValidationError as error:
            messages.error(
                request,
                _("The page was not approved: %(reasons)s") % {"reasons": " ".join(error.messages)},
            )
            edit_url = reverse("wagtailadmin_pages:edit", args=[self.object.pk])
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                return self.render_modal_json(request, {"step": "success", "redirect": edit_url})
            return redirect(edit_url)
