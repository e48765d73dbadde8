from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section
from cms.home import HOME_PANELS_HOOK, HomePanel
from core.audit import register_actions
from courses import selectors
from courses.models import CourseIndexPage, CoursePage, ModuleReviewFlag
from courses.policies import can_manage_courses
from quizzes.policies import QUIZ_ACCESS_HOOK


class ModuleReviewFlagViewSet(SnippetViewSet):
    """Modules citing a superseded regulation, for editors to review (the refresher's admin list)."""

    model = ModuleReviewFlag
    icon = "warning"
    menu_label = _("Modules to review")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["module", "superseded", "regulation", "created_at", "resolved"]
    list_filter = ["resolved"]
    list_export = ["module", "superseded", "regulation", "created_at", "resolved", "note"]
    ordering = ["resolved", "-created_at"]


register_snippet(ModuleReviewFlagViewSet)


@hooks.register("register_snippet_listing_buttons")
def flag_listing_buttons(snippet, user, next_url=None):
    from wagtail.admin.widgets import ListingButton

    if isinstance(snippet, ModuleReviewFlag):
        yield ListingButton(_("Edit module"), reverse("wagtailadmin_pages:edit", args=[snippet.module_id]), priority=50)


class ManagersMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_courses(request.user)


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    return ManagersMenuItem(_("Course reports"), reverse("courses:manage_list"), icon_name="table", order=251)


@hooks.register(HOME_PANELS_HOOK)
def open_courses(request, page):
    courses = list(
        CoursePage.objects.live()
        .public()
        .exclude(enrolment_mode=CoursePage.EnrolmentMode.ASSIGNED)
        .order_by("path")[:4]
    )
    if not courses:
        return None
    index = CourseIndexPage.objects.live().first()
    context = {"courses": courses, "index_url": index.url if index else ""}
    return HomePanel(order=20, template_name="courses/home_panel.html", context=context)


@hooks.register(PROFILE_LINKS_HOOK)
def course_profile_links(request):
    yield ProfileLink(Section.TRAINING, 10, _("My courses"), reverse("courses:mine"))
    if can_manage_courses(request.user):
        yield ProfileLink(Section.WORK, 20, _("Course reports"), reverse("courses:manage_list"))


@hooks.register("register_log_actions")
def register_course_log_actions(actions):
    register_actions(
        actions,
        {
            "courses.enrolment.create": (_("Enrol"), _("Enrolled")),
            "courses.enrolment.rejoin": (_("Rejoin"), _("Rejoined the course")),
            "courses.enrolment.approve": (_("Approve enrolment"), _("Enrolment approved")),
            "courses.enrolment.leave": (_("Leave course"), _("Left the course")),
            "courses.enrolment.assign": (_("Assign course"), _("Course assigned")),
            "courses.enrolment.complete": (_("Complete course"), _("Course completed")),
        },
    )


@hooks.register(QUIZ_ACCESS_HOOK)
def course_quiz_access(user, quiz):
    return selectors.quiz_access(user, quiz)
