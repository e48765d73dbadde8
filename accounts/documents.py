"""Documents in the Wagtail admin: checked by what they contain, and guarded while a live page uses them.

Wagtail checks a document's extension only, so an HTML file named
``fake.pdf`` was accepted and served as a PDF. Here the upload's first bytes
(and, for the Office and OpenDocument formats, the ZIP's parts) must match
its extension (``WAGTAILDOCS_DOCUMENT_FORM_BASE`` names the form). Documents
are served as attachments (``WAGTAILDOCS_INLINE_CONTENT_TYPES`` empty), so a
browser never renders one in the site's origin.

Replacing the file of, or deleting, a document that a live page links to
changes what readers of an approved page get, past the moderation workflow:
only moderators and administrators may (``can_replace_document``).
"""

from __future__ import annotations

import io
import os
import zipfile

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm
from wagtail.models import Page, ReferenceIndex

from accounts.roles import Role
from accounts.scopes import AnyUser, has_role

PDF, OLE2, ZIP = b"%PDF-", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04"
# What each allowed extension's content must look like: its leading bytes
# and, for ZIP-based formats, a part only that format has.
SIGNATURES: dict[str, tuple[bytes, str | None]] = {
    "pdf": (PDF, None),
    "doc": (OLE2, None),
    "xls": (OLE2, None),
    "docx": (ZIP, "word/document.xml"),
    "xlsx": (ZIP, "xl/workbook.xml"),
    "odt": (ZIP, "mimetype"),
    "ods": (ZIP, "mimetype"),
    "zip": (ZIP, None),
}
OPENDOCUMENT_TYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}


def content_matches_extension(name: str, head: bytes, read_all) -> bool:
    """Whether a file called ``name`` whose first bytes are ``head`` is what its extension says.

    ``read_all`` returns the whole content, read only for ZIP-based formats.
    """
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    signature = SIGNATURES.get(extension)
    if signature is None:
        return False
    magic, part = signature
    # A PDF may have a few bytes of junk before its header (PDF 32000-1, 7.5.2 note).
    found = magic in head[:1024] if magic == PDF else head.startswith(magic)
    if not found or part is None:
        return found
    try:
        with zipfile.ZipFile(io.BytesIO(read_all())) as archive:
            names = set(archive.namelist())
            if part not in names:
                return False
            if extension in OPENDOCUMENT_TYPES:
                return archive.read("mimetype").strip() == OPENDOCUMENT_TYPES[extension]
            return True
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def live_pages_using(document) -> list[Page]:
    """The live pages that link to ``document`` (from Wagtail's reference index)."""
    references = ReferenceIndex.get_references_to(document)
    page_ids = {
        int(ref.object_id)
        for ref in references
        if ref.content_type.model_class() is not None and issubclass(ref.content_type.model_class(), Page)
    }
    return list(Page.objects.live().filter(pk__in=page_ids).specific(defer=True))


def can_replace_document(user: AnyUser, document) -> bool:
    """Moderators and administrators always; others only a document no live page uses."""
    if has_role(user, Role.MODERATOR, Role.ADMIN):
        return True
    return not live_pages_using(document)


class DocumentForm(BaseDocumentForm):
    def __init__(self, *args, user=None, **kwargs):
        # Wagtail's form takes the user only to offer collections; the file's
        # check needs it too.
        self.user = user
        super().__init__(*args, user=user, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data:
            return upload
        if self.instance.pk and self.user is not None and not can_replace_document(self.user, self.instance):
            raise forms.ValidationError(
                _("A published page uses this document: only a moderator may replace its file.")
            )
        upload.seek(0)
        head = upload.read(1024)

        def read_all() -> bytes:
            upload.seek(0)
            return upload.read()

        matches = content_matches_extension(upload.name, head, read_all)
        upload.seek(0)
        if not matches:
            raise forms.ValidationError(
                _("The file's content is not what its name says (%(name)s). Upload the real document.")
                % {"name": upload.name}
            )
        return upload


def guard_document_deletion() -> None:
    """Refuse "delete" on a document a live page uses to all but moderators, wherever Wagtail asks.

    Wagtail's document views and bulk actions ask one permission policy
    object; it has no setting or hook for this, so its instance check is
    wrapped once at start-up.
    """
    from wagtail.documents.permissions import permission_policy

    allowed = permission_policy.user_has_permission_for_instance

    def user_has_permission_for_instance(user, action, instance):
        if action == "delete" and not can_replace_document(user, instance):
            return False
        return allowed(user, action, instance)

    permission_policy.user_has_permission_for_instance = user_has_permission_for_instance
