from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.audit import register_actions
from quizzes.forms import QuestionAdminForm
from quizzes.models import CaseStudy, Category, Question, Quiz
from quizzes.policies import can_edit_question_banks


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    list_display = ["name"]
    search_fields = ["name"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    list_display = ["__str__", "category", "qtype", "difficulty", "is_active"]
    list_filter = ["category", "qtype", "difficulty", "is_active"]
    search_fields = ["name", "stem"]

    def get_edit_handler(self):
        return ObjectList(Question.panels, base_form_class=QuestionAdminForm).bind_to_model(Question)


class CaseStudyViewSet(SnippetViewSet):
    model = CaseStudy
    icon = "doc-full"
    menu_label = _("Case studies")
    search_fields = ["title"]


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Quizzes")
    list_display = ["title", "time_limit_minutes", "pass_percent", "close_at"]
    search_fields = ["title"]


class QuizzesGroup(SnippetViewSetGroup):
    items = (QuizViewSet, QuestionViewSet, CategoryViewSet, CaseStudyViewSet)
    menu_icon = "tasks"
    menu_label = _("Question bank")
    menu_order = 300


register_snippet(QuizzesGroup)


class EditorsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_edit_question_banks(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    # Import with its preview lives on a staff page of the site.
    return EditorsMenuItem(_("Import questions"), reverse("quizzes:import"), icon_name="upload", order=301)


@hooks.register("register_snippet_listing_buttons")
def quiz_listing_buttons(snippet, user, next_url=None):
    from wagtail.admin.widgets import ListingButton

    if isinstance(snippet, Quiz):
        yield ListingButton(_("Statistics"), reverse("quizzes:statistics", args=[snippet.pk]), priority=50)
        yield ListingButton(_("Open"), reverse("quizzes:quiz", args=[snippet.pk]), priority=60)
    if isinstance(snippet, Category):
        yield ListingButton(_("Export GIFT"), reverse("quizzes:export", args=[snippet.pk, "gift"]), priority=50)
        yield ListingButton(_("Export XLSX"), reverse("quizzes:export", args=[snippet.pk, "xlsx"]), priority=60)


@hooks.register("register_log_actions")
def register_quiz_log_actions(actions):
    register_actions(
        actions,
        {
            "quizzes.attempt.start": (_("Start attempt"), _("Attempt started")),
            "quizzes.attempt.submit": (_("Submit attempt"), _("Attempt submitted and graded")),
        },
    )
