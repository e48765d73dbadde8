from django import forms
from django.utils.translation import gettext_lazy as _

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
