"""Admin paths that take the place of Wagtail's own (included before Wagtail's in lms/urls.py)."""

from django.urls import path
from wagtail.admin.auth import require_admin_access

from cms.admin_views import CheckedWorkflowAction

urlpatterns = [
    # Wagtail's "wagtailadmin_pages:workflow_action" path: reversing its name leads here.
    path(
        "pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/",
        require_admin_access(CheckedWorkflowAction.as_view()),
    ),
]
