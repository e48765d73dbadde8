from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet, WorkflowActionView

from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section
from certificates.models import CertificateTemplate
from certificates.policies import can_manage_certificates
from core.audit import register_actions


class CheckedWorkflowActionView(WorkflowActionView):
    """Wagtail's workflow action (approve, request changes) for certificate templates.

    Approving publishes, and publishing checks the template again
    (CertificateTemplate.publish); Wagtail would let that ValidationError
    through as a 500 with the task approved and the template not published.
    Here the action is one transaction, refused whole with the reason shown
    to the moderator on the template's edit screen.
    """

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().post(request, *args, **kwargs)
        except ValidationError as error:
            messages.error(
                request,
                gettext("The certificate template was not approved: %(reasons)s")
                % {"reasons": " ".join(error.messages)},
            )
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                return self.render_modal_json(request, {"step": "success", "redirect": self.redirect_url})
            return redirect(self.redirect_url)


class LiveTemplatesMixin:
    # Courses and events may name only a published template (their fields'
    # limit_choices_to refuses any other), so the chooser offers no other.
    def get_object_list(self):
        return super().get_object_list().filter(live=True)


class LiveTemplateChooseView(LiveTemplatesMixin, ChooseView):
    pass


class LiveTemplateChooseResultsView(LiveTemplatesMixin, ChooseResultsView):
    pass


class CertificateTemplateChooserViewSet(SnippetChooserViewSet):
    choose_view_class = LiveTemplateChooseView
    choose_results_view_class = LiveTemplateChooseResultsView


class CertificateTemplateViewSet(SnippetViewSet):
    """Drafts, revisions, locking and the moderation workflow come from the model's mixins."""

    model = CertificateTemplate
    chooser_viewset_class = CertificateTemplateChooserViewSet
    workflow_action_view_class = CheckedWorkflowActionView
    icon = "doc-full"
    menu_label = _("Certificate templates")
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["name", "issuing_body", "org_unit", "is_default"]
    search_fields = ["name", "issuing_body"]


register_snippet(CertificateTemplateViewSet)


class ManagersMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_certificates(request.user)


@hooks.register("register_admin_menu_item")
def register_certificates_menu_item():
    # Issued certificates are managed on staff pages of the site (revoke,
    # reissue, bulk issues); the admin menu leads there.
    return ManagersMenuItem(_("Issued certificates"), reverse("certificates:manage_list"), icon_name="tick", order=311)


@hooks.register(PROFILE_LINKS_HOOK)
def certificate_profile_links(request):
    yield ProfileLink(Section.TRAINING, 30, _("My certificates"), reverse("certificates:mine"))
    if can_manage_certificates(request.user):
        yield ProfileLink(
            Section.WORK, 30, _("Certificates: issue, revoke, reissue"), reverse("certificates:manage_list")
        )


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    register_actions(
        actions,
        {
            "certificates.certificate.issued": (_("Issue certificate"), _("Certificate issued")),
            "certificates.certificate.revoked": (_("Revoke certificate"), _("Certificate revoked")),
            "certificates.certificate.reissued": (_("Reissue certificate"), _("Certificate reissued")),
            "certificates.certificate.superseded": (_("Replace certificate"), _("Certificate replaced")),
        },
    )
