"""Courses and events may name only a published certificate template: the admin's chooser offers no other."""

import pytest

from accounts.roles import Role
from certificates.models import CertificateTemplate
from tests.factories import CertificateTemplateFactory


@pytest.fixture
def editor_client(client, make_staff, enable_totp):
    editor = make_staff(Role.EDITOR)
    enable_totp(editor)
    client.force_login(editor)
    return client


@pytest.mark.django_db
def test_the_chooser_lists_published_templates_only(editor_client):
    CertificateTemplateFactory(name="Mẫu Bộ Tài nguyên và Môi trường")
    draft = CertificateTemplateFactory(name="Mẫu đang soạn")
    CertificateTemplate.objects.filter(pk=draft.pk).update(live=False)
    for url in (
        "/admin/snippets/choose/certificates/certificatetemplate/",
        "/admin/snippets/choose/certificates/certificatetemplate/results/",
    ):
        response = editor_client.get(url)
        assert response.status_code == 200
        # The chooser opens in a modal: its HTML comes inside JSON.
        html = (
            response.json()["html"]
            if response["Content-Type"].startswith("application/json")
            else response.content.decode()
        )
        assert "Mẫu Bộ Tài nguyên và Môi trường" in html
        assert "Mẫu đang soạn" not in html
