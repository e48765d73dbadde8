"""Documents: checked by content, served as attachments, guarded while a live page uses them."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from wagtail.documents import get_document_model
from wagtail.documents.permissions import permission_policy
from wagtail.models import Collection, GroupCollectionPermission
from wagtail_factories import DocumentFactory

from accounts.documents import content_matches_extension, live_pages_using
from accounts.roles import ROLE_GROUPS, Role
from cms.models import RegulationAttachment
from tests.factories import RegulationPageFactory

pytestmark = pytest.mark.django_db
Document = get_document_model()

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML_BYTES = b"<!doctype html><script>alert(document.cookie)</script>"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_BYTES = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX_BYTES = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("quyet-dinh.pdf", PDF_BYTES, True),
        ("fake.pdf", HTML_BYTES, False),
        ("thong-tu.docx", DOCX_BYTES, True),
        ("thong-tu.docx", XLSX_BYTES, False),
        ("bang.xlsx", XLSX_BYTES, True),
        ("bang.xlsx", b"PK\x03\x04 not really a zip", False),
        ("cu.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, True),
        ("cu.doc", PDF_BYTES, False),
        ("noextension", PDF_BYTES, False),
    ],
)
def test_content_must_match_the_extension(name, content, ok):
    assert content_matches_extension(name, content[:1024], lambda: content) is ok


@pytest.fixture
def editor(make_staff, enable_totp):
    user = make_staff(Role.EDITOR)
    enable_totp(user)
    _grant_documents(ROLE_GROUPS[Role.EDITOR])
    return user


@pytest.fixture
def moderator(make_staff, enable_totp):
    user = make_staff(Role.MODERATOR)
    enable_totp(user)
    _grant_documents(ROLE_GROUPS[Role.MODERATOR])
    return user


def _grant_documents(group_name):
    # Wagtail's own install grants these to its Editors and Moderators; say so
    # here so the test does not depend on which migration did it.
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.get(name=group_name)
    for codename in ("add_document", "change_document", "delete_document"):
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=Collection.get_first_root_node(),
            permission=Permission.objects.get(codename=codename, content_type__app_label="wagtaildocs"),
        )


def test_an_editor_cannot_upload_html_named_pdf(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/documents/add/",
        {
            "title": "Quy chế",
            "file": SimpleUploadedFile("fake.pdf", HTML_BYTES),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    # The admin speaks the user's language: English or Vietnamese.
    assert any(text in response.content.decode() for text in ("is not what its name says", "không đúng với tên tệp"))
    assert not Document.objects.exists()


def test_a_real_pdf_uploads_and_is_served_as_an_attachment(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/documents/add/",
        {
            "title": "Quy chế",
            "file": SimpleUploadedFile("quy-che.pdf", PDF_BYTES),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    served = client.get(document.url)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")


@override_settings(WAGTAILDOCS_SERVE_METHOD="serve_view")
def test_only_a_moderator_replaces_or_deletes_a_document_a_live_page_uses(client, editor, moderator):
    document = DocumentFactory(
        title="Toàn văn",
        file__filename="toan-van.pdf",
        file__data=PDF_BYTES,
        collection=Collection.get_first_root_node(),
    )
    page = RegulationPageFactory()
    RegulationAttachment.objects.create(page=page, document=document, sort_order=0)
    page.save_revision().publish()
    assert [p.pk for p in live_pages_using(document)] == [page.pk]

    client.force_login(editor)
    edit_url = f"/admin/documents/edit/{document.pk}/"
    response = client.post(
        edit_url,
        {
            "title": "Toàn văn",
            "file": SimpleUploadedFile("toan-van.pdf", PDF_BYTES + b"% changed\n"),
            "collection": document.collection_id,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert any(text in html for text in ("only a moderator may replace its file", "chỉ người kiểm duyệt được thay"))
    assert not permission_policy.user_has_permission_for_instance(editor, "delete", document)
    assert client.post(f"/admin/documents/delete/{document.pk}/").status_code in (302, 403)
    assert Document.objects.filter(pk=document.pk).exists()

    # An unused document is the editor's to replace.
    unused = DocumentFactory(
        title="Nháp", file__filename="nhap.pdf", file__data=PDF_BYTES, collection=Collection.get_first_root_node()
    )
    assert permission_policy.user_has_permission_for_instance(editor, "delete", unused)

    client.force_login(moderator)
    response = client.post(
        edit_url,
        {
            "title": "Toàn văn",
            "file": SimpleUploadedFile("toan-van.pdf", PDF_BYTES + b"% changed\n"),
            "collection": document.collection_id,
        },
    )
    assert response.status_code == 302
    assert permission_policy.user_has_permission_for_instance(moderator, "delete", document)
