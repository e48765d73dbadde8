from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from quizzes.models import Category

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    FORMATS = [("gift", "GIFT (Moodle)"), ("aiken", "Aiken (Moodle)"), ("xlsx", _("Excel (XLSX) template"))]

    category = forms.ModelChoiceField(
        Category.objects.all(), label=_("Category"), help_text=_("Questions without a category go here.")
    )
    format = forms.ChoiceField(choices=FORMATS, label=_("Format"))
    file = forms.FileField(label=_("File"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class QuestionAdminForm(WagtailAdminModelForm):
    """The Wagtail edit form of a question: the whole question is checked, options included.

    The same rules as imports (``services.question_problems``), so that a
    question with no right answer cannot be saved from the admin either.
    """

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        from quizzes.services import OptionData, QuestionData, fill_fractions, question_problems

        formset = self.formsets.get("options")
        forms_kept = [
            form
            for form in (formset.forms if formset is not None else [])
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        data = QuestionData(
            qtype=self.cleaned_data.get("qtype", ""),
            stem=self.cleaned_data.get("stem", ""),
            options=[
                OptionData(
                    text=form.cleaned_data.get("text", ""),
                    is_correct=bool(form.cleaned_data.get("is_correct")),
                    fraction=form.cleaned_data.get("fraction"),
                    tolerance=form.cleaned_data.get("tolerance"),
                    match_text=form.cleaned_data.get("match_text", ""),
                )
                for form in forms_kept
            ],
            marks=self.cleaned_data.get("marks") or Decimal("0"),
            difficulty=self.cleaned_data.get("difficulty", ""),
            partial_credit=bool(self.cleaned_data.get("partial_credit")),
        )
        fill_fractions(data)
        # A share left empty is filled as the question's type wants it (equal shares for multiple choice).
        for form, option in zip(forms_kept, data.options, strict=True):
            form.instance.fraction = option.fraction
        problems = question_problems(data)
        for problem in problems:
            self.add_error(None, problem)
        return not problems
