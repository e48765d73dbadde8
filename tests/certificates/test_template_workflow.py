"""Certificate templates are reviewed before anything is printed with them.

Driven through the Wagtail admin as people use it: an editor saves drafts and
submits them, only a moderator publishes (directly or by approving the
moderation workflow), certificates print the live values only, and the
history names who did what.
"""

import io

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from wagtail.models import ModelLogEntry, Workflow, WorkflowContentType, WorkflowState

from accounts.roles import ROLE_GROUPS, Role
from certificates.models import CertificateTemplate
from certificates.services import certificate_issue, certificate_render_pdf
from core.errors import ServiceError
from tests.certificates.conftest import achievement_for
from tests.factories import CertificateTemplateFactory, StandardPageFactory, UserFactory

ADMIN = "/admin/snippets/certificates/certificatetemplate"
OLD_BODY = "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG"
NEW_BODY = "VỤ TỔ CHỨC CÁN BỘ"


def _pdf_text(data: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def _stored_pdf_text(certificate) -> str:
    with certificate.pdf.open("rb") as file:
        return _pdf_text(file.read())


def _form(template: CertificateTemplate, **changes) -> dict[str, str]:
    """The edit form as the admin shows it filled for ``template``, with ``changes``."""
    values = {name: getattr(template, name) or "" for name in ("name", *CertificateTemplate.PRINTED_FIELDS)}
    values.update({"logo": "", "signature_image": "", "background": "", "org_unit": ""})
    values["date_printed"] = template.date_printed
    if template.is_default:
        values["is_default"] = "on"
    values.update(changes)
    return values


@pytest.fixture
def staff_client(make_staff, enable_totp, settings):
    def make(role: Role) -> tuple[Client, object]:
        user = make_staff(role)
        enable_totp(user)
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        return client, user

    return make


@pytest.fixture
def editor(staff_client):
    return staff_client(Role.EDITOR)


@pytest.fixture
def moderator(staff_client):
    return staff_client(Role.MODERATOR)


@pytest.fixture
def default_template(db):
    return CertificateTemplate.objects.get(is_default=True)


def _issue(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(
            holder=UserFactory(), achievement=achievement_for(StandardPageFactory()), **kwargs
        )
    certificate.refresh_from_db()
    return certificate


# --- the migration ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_existing_template_migrated_live_with_its_first_revision(default_template):
    assert default_template.live and not default_template.has_unpublished_changes
    assert default_template.live_revision_id == default_template.latest_revision_id is not None
    first = default_template.live_revision.as_object()
    assert first.issuing_body == default_template.issuing_body == OLD_BODY
    assert first.body == default_template.body


@pytest.mark.django_db
def test_templates_go_through_the_pages_moderation_workflow_and_only_moderators_publish():
    content_type = ContentType.objects.get_for_model(CertificateTemplate)
    workflow = WorkflowContentType.objects.get(content_type=content_type).workflow
    assert workflow == Workflow.objects.get(name="Kiểm duyệt trước khi xuất bản")
    assert CertificateTemplate.get_default_workflow() == workflow
    [task] = workflow.tasks.specific()
    assert list(task.groups.values_list("name", flat=True)) == [ROLE_GROUPS[Role.MODERATOR]]

    def can_publish(group):
        return Group.objects.get(name=group).permissions.filter(codename="publish_certificatetemplate").exists()

    assert can_publish(ROLE_GROUPS[Role.MODERATOR])
    assert not can_publish(ROLE_GROUPS[Role.EDITOR])
    assert not can_publish("Organisers")


# --- an editor drafts -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_asking_to_publish_only_saves_a_draft(editor, default_template):
    client, user = editor
    edit_url = f"{ADMIN}/edit/{default_template.pk}/"
    page = client.get(edit_url).content.decode()
    assert 'name="action-submit"' in page
    assert 'name="action-publish"' not in page

    response = client.post(edit_url, {**_form(default_template, issuing_body=NEW_BODY), "action-publish": "1"})

    assert response.status_code == 302, response.content.decode()[:2000]
    default_template.refresh_from_db()
    assert default_template.issuing_body == OLD_BODY  # the row keeps the live values
    assert default_template.live and default_template.has_unpublished_changes
    assert default_template.latest_revision.as_object().issuing_body == NEW_BODY
    assert default_template.latest_revision.user == user
    assert not ModelLogEntry.objects.filter(action="wagtail.publish", user=user).exists()
    # Nor can the editor take the live template down.
    response = client.post(f"{ADMIN}/unpublish/{default_template.pk}/")
    assert response.status_code in (302, 403)
    default_template.refresh_from_db()
    assert default_template.live


@pytest.mark.django_db
def test_a_template_an_editor_created_is_a_draft_nothing_is_issued_with(
    editor, default_template, django_capture_on_commit_callbacks
):
    client, _user = editor
    fields = {**_form(default_template, name="Mẫu hội nghị 2015", issuing_body=NEW_BODY), "action-publish": "1"}
    del fields["is_default"]
    response = client.post(f"{ADMIN}/add/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = CertificateTemplate.objects.get(name="Mẫu hội nghị 2015")
    assert not draft.live

    with pytest.raises(ServiceError) as refused:
        _issue(django_capture_on_commit_callbacks, template=draft)
    assert refused.value.code == "template_not_live"
    assert "Mẫu hội nghị 2015" in refused.value.message


# --- a moderator publishes ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_moderator_approves_and_only_then_certificates_print_the_new_values(
    editor, moderator, default_template, django_capture_on_commit_callbacks
):
    editor_client, editor_user = editor
    moderator_client, moderator_user = moderator
    edit_url = f"{ADMIN}/edit/{default_template.pk}/"

    response = editor_client.post(
        edit_url,
        {
            **_form(default_template, issuing_body=NEW_BODY, signatory_name="Phạm Thị Lan"),
            "action-submit": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    state = WorkflowState.objects.for_instance(default_template).get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == editor_user
    task_state = state.current_task_state

    # Issued and rendered while the change waits: the live values.
    before = _issue(django_capture_on_commit_callbacks)
    assert OLD_BODY in _stored_pdf_text(before)
    assert NEW_BODY not in _stored_pdf_text(before)

    # The editor cannot approve their own submission.
    approve_url = f"{ADMIN}/workflow/action/{default_template.pk}/approve/{task_state.pk}/"
    response = editor_client.post(approve_url, {"comment": ""})
    assert response.status_code == 403 or response["Location"] == "/admin/"  # Wagtail's "permission denied"
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    default_template.refresh_from_db()
    assert default_template.issuing_body == OLD_BODY

    mail.outbox.clear()
    response = moderator_client.post(approve_url, {"comment": "Đúng thể thức."})
    assert response.status_code == 302
    # The editor hears of it, with the moderator's comment.
    [approved] = [message for message in mail.outbox if editor_user.email in message.to]
    assert "Đúng thể thức." in approved.body
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    default_template.refresh_from_db()
    assert default_template.issuing_body == NEW_BODY
    assert default_template.signatory_name == "Phạm Thị Lan"
    assert default_template.live and not default_template.has_unpublished_changes

    after = _issue(django_capture_on_commit_callbacks)
    assert NEW_BODY in _stored_pdf_text(after)
    assert "Phạm Thị Lan" in _stored_pdf_text(after)
    # The certificate rendered before the approval stays as it was printed.
    assert certificate_render_pdf(certificate=before).pdf_sha256 == before.pdf_sha256
    assert OLD_BODY in _stored_pdf_text(before)

    # The history says who changed what, and who approved and published it.
    entries = ModelLogEntry.objects.for_instance(default_template)
    assert entries.filter(action="wagtail.edit", user=editor_user).exists()
    assert entries.filter(action="wagtail.workflow.start", user=editor_user).exists()
    assert entries.filter(action="wagtail.workflow.approve", user=moderator_user).exists()
    published = entries.get(action="wagtail.publish")
    assert published.user == moderator_user
    assert published.revision.as_object().issuing_body == NEW_BODY
    history = moderator_client.get(f"{ADMIN}/history/{default_template.pk}/").content.decode()
    assert editor_user.get_full_name() in history or editor_user.get_username() in history
    assert moderator_user.get_full_name() in history or moderator_user.get_username() in history
    compare = moderator_client.get(f"{ADMIN}/history/{default_template.pk}/revisions/compare/earliest...latest/")
    assert compare.status_code == 200
    assert OLD_BODY in compare.content.decode() and NEW_BODY in compare.content.decode()


@pytest.mark.django_db
def test_a_draft_waiting_for_review_never_reaches_a_pdf(editor, default_template, django_capture_on_commit_callbacks):
    client, _user = editor
    client.post(
        f"{ADMIN}/edit/{default_template.pk}/",
        _form(default_template, issuing_body=NEW_BODY, title="GIẤY KHEN", serial_prefix="NHÁP"),
    )
    draft = CertificateTemplate.objects.get(pk=default_template.pk).get_latest_revision_as_object()
    assert draft.issuing_body == NEW_BODY

    # Even handed the draft object itself, issuing reads the live row.
    certificate = _issue(django_capture_on_commit_callbacks, template=draft)
    text = _stored_pdf_text(certificate)
    assert OLD_BODY in text
    assert NEW_BODY not in text and "GIẤY KHEN" not in text
    assert certificate.serial.startswith("TĐKT-")


@pytest.mark.django_db
def test_a_moderator_publishes_directly(moderator, default_template):
    client, user = moderator
    response = client.post(
        f"{ADMIN}/edit/{default_template.pk}/", {**_form(default_template, place="Đà Nẵng"), "action-publish": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    default_template.refresh_from_db()
    assert default_template.place == "Đà Nẵng"
    assert ModelLogEntry.objects.for_instance(default_template).get(action="wagtail.publish").user == user


@pytest.mark.django_db
def test_a_template_a_moderator_locked_cannot_be_changed_by_an_editor(editor, moderator, default_template):
    moderator_client, _user = moderator
    editor_client, _user = editor
    response = moderator_client.post(f"{ADMIN}/lock/{default_template.pk}/")
    assert response.status_code == 302
    default_template.refresh_from_db()
    assert default_template.locked
    revision = default_template.latest_revision_id

    editor_client.post(f"{ADMIN}/edit/{default_template.pk}/", _form(default_template, issuing_body=NEW_BODY))

    default_template.refresh_from_db()
    assert default_template.latest_revision_id == revision
    assert default_template.issuing_body == OLD_BODY


@pytest.mark.django_db
def test_approving_a_draft_that_no_longer_fits_is_refused_with_the_reason(editor, moderator):
    editor_client, _user = editor
    moderator_client, _user = moderator
    template = CertificateTemplateFactory(name="Mẫu hội nghị")
    editor_client.post(f"{ADMIN}/edit/{template.pk}/", {**_form(template, name="Mẫu tập huấn"), "action-submit": "1"})
    task_state = WorkflowState.objects.for_instance(template).get().current_task_state
    # Meanwhile another template is published under the same name.
    CertificateTemplateFactory(name="Mẫu tập huấn")

    response = moderator_client.post(
        f"{ADMIN}/workflow/action/{template.pk}/approve/{task_state.pk}/", {"comment": ""}, follow=True
    )

    assert response.status_code == 200
    assert "The certificate template was not approved" in response.content.decode()
    template.refresh_from_db()
    assert template.name == "Mẫu hội nghị"
    task_state.refresh_from_db()
    assert task_state.status == task_state.STATUS_IN_PROGRESS
