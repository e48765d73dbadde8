import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

# A certificate PDF is some 100 KB; anything far larger is not one of ours.
MAX_PDF_BYTES = 10 * 1024 * 1024


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(
        label=_("Certificate PDF"),
        help_text=_("The PDF file you were given."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB; it is not a certificate of ours."))
        return upload

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.cleaned_data["pdf"].chunks():
            digest.update(chunk)
        return digest.hexdigest()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        # Room for the whole printed address, which people paste as it is.
        max_length=300,
        help_text=_("The code or the serial printed on the certificate, or the whole verification address."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReissueForm(forms.Form):
    holder_name = forms.CharField(
        label=_("Name as it should be printed"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to use the name in the holder's profile."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
