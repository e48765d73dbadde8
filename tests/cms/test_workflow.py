"""Moderation: editors write and submit, moderators approve or request changes."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState, WorkflowState

from accounts.roles import ROLE_GROUPS, Role
from cms.models import HomePage, RegulationPage
from tests.cms.test_pages import regulation_form_data
from tests.factories import CampaignPageFactory, RegulationPageFactory


@pytest.fixture
def draft(regulation_index):
    return RegulationPageFactory(
        parent=regulation_index,
        title="Thông tư số 13/2015/TT-BTTTT",
        slug="thong-tu-13-2015-tt-btttt",
        document_number="13/2015/TT-BTTTT",
        live=False,
    )


def edit(client, page, action, **overrides):
    fields = {"title": page.title, "slug": page.slug, "document_number": page.document_number, **overrides}
    data = regulation_form_data(**fields)
    data[action] = action
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def sent_to(outbox, user):
    return [message for message in outbox if user.email in message.to]


def workflow_action(client, page, action, comment=""):
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    return client.post(url, {"comment": comment})


@pytest.mark.django_db
def test_the_workflow_covers_everything_under_the_home_page(regulation_index, campaign_index, draft):
    workflow = HomePage.objects.get().get_workflow()
    assert workflow is not None and workflow.active
    task = workflow.tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == [ROLE_GROUPS[Role.MODERATOR]]
    assert draft.get_workflow() == workflow
    assert CampaignPageFactory(parent=campaign_index, live=False).get_workflow() == workflow


@pytest.mark.django_db
def test_editors_may_add_and_change_but_not_publish(editor, moderator, regulation_index, draft):
    editor_perms = draft.permissions_for_user(editor)
    assert editor_perms.can_edit()
    assert regulation_index.permissions_for_user(editor).can_add_subpage()
    assert not editor_perms.can_publish()
    assert not editor_perms.can_unpublish()
    assert draft.permissions_for_user(moderator).can_publish()


@pytest.mark.django_db
def test_an_editor_cannot_publish_through_the_admin(client, editor, draft, regulation_index):
    client.force_login(editor)
    response = edit(client, draft, "action-publish")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.live
    assert draft.has_unpublished_changes

    # A page the editor creates and asks to publish stays a draft too.
    data = regulation_form_data(title="Chỉ thị số 105/CT-BTTTT", slug="chi-thi-105", document_number="105/CT-BTTTT")
    data["action-publish"] = "action-publish"
    url = reverse("wagtailadmin_pages:add", args=["cms", "regulationpage", regulation_index.pk])
    assert client.post(url, data).status_code == 302
    created = RegulationPage.objects.get(document_number="105/CT-BTTTT")
    assert not created.live
    assert client.get(regulation_index.url + "chi-thi-105/").status_code == 404


@pytest.mark.django_db
def test_the_admin_form_reports_a_duplicate_number_and_a_supersede_loop(client, editor, draft, regulation_index):
    other = RegulationPageFactory(
        parent=regulation_index, document_number="06/2022/QH15", date_issued=None, supersedes=draft
    )
    client.force_login(editor)
    response = edit(client, draft, "action-submit", document_number="06/2022/QH15")
    assert response.status_code == 200
    assert "document_number" in response.context["form"].errors
    response = edit(client, draft, "action-submit", supersedes=str(other.pk))
    assert response.status_code == 200
    assert "06/2022/QH15" in response.context["form"].errors["supersedes"][0]
    assert draft.current_workflow_state is None


@pytest.mark.django_db
def test_submit_then_a_moderator_approves_and_the_page_goes_live(
    client, editor, moderator, draft, subscriber, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    assert edit(client, draft, "action-submit").status_code == 302
    state = draft.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == editor
    assert draft.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS
    draft.refresh_from_db()
    assert not draft.live

    # An editor cannot approve their own submission (the admin answers a
    # refusal by sending them back to the dashboard).
    assert workflow_action(client, draft, "approve")["Location"] == reverse("wagtailadmin_home")
    assert draft.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS

    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow_action(client, draft, "approve", comment="Đồng ý xuất bản.").status_code == 302
    draft.refresh_from_db()
    assert draft.live
    assert WorkflowState.objects.get(pk=state.pk).status == WorkflowState.STATUS_APPROVED
    client.logout()
    assert client.get(draft.url).status_code == 200
    # Wagtail also mails moderators about the submission; the subscriber gets one update.
    assert len(sent_to(mailoutbox, subscriber)) == 1


@pytest.mark.django_db
def test_a_moderator_requests_changes_with_a_comment(client, editor, moderator, draft, mailoutbox):
    client.force_login(editor)
    edit(client, draft, "action-submit")
    task_state = draft.current_workflow_task_state

    client.force_login(moderator)
    comment = "Đề nghị bổ sung ngày có hiệu lực của Thông tư."
    assert workflow_action(client, draft, "reject", comment=comment).status_code == 302
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.comment == comment
    assert task_state.finished_by == moderator
    assert WorkflowState.objects.get(pk=task_state.workflow_state_id).status == WorkflowState.STATUS_NEEDS_CHANGES
    draft.refresh_from_db()
    assert not draft.live
    # The editor sees the comment on the page's edit screen.
    client.force_login(editor)
    assert comment in client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk])).content.decode()


@pytest.mark.django_db
def test_a_scheduled_page_is_not_live_until_publish_scheduled_runs(
    client, draft, subscriber, mailoutbox, django_capture_on_commit_callbacks, clock
):
    go_live = timezone.now() + datetime.timedelta(hours=1)
    draft.go_live_at = go_live
    revision = draft.save_revision()
    with django_capture_on_commit_callbacks(execute=True):
        revision.publish()
    draft.refresh_from_db()
    assert not draft.live
    revision.refresh_from_db()
    assert revision.approved_go_live_at == go_live
    assert client.get(draft.url).status_code == 404
    assert sent_to(mailoutbox, subscriber) == []

    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")  # too early: nothing happens
    draft.refresh_from_db()
    assert not draft.live

    clock.advance(hours=1, minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")
    draft.refresh_from_db()
    assert draft.live
    assert client.get(draft.url).status_code == 200
    assert len(sent_to(mailoutbox, subscriber)) == 1


# --- Refusals that explain themselves, withdrawal, comments --------------------------------


@pytest.mark.django_db
def test_a_supersede_loop_through_two_drafts_is_refused_on_save(client, editor, regulation_index):
    # Two published regulations; each gets a draft. The published rows never link them.
    circular = RegulationPageFactory(
        parent=regulation_index, title="Thông tư", slug="thong-tu", document_number="13/2015/TT-BTTTT"
    )
    law = RegulationPageFactory(parent=regulation_index, title="Luật", slug="luat", document_number="06/2022/QH15")
    client.force_login(editor)
    # Draft one: the circular supersedes the law (in its revision only: the live row is unchanged).
    assert edit(client, circular, "action-submit", supersedes=str(law.pk)).status_code == 302
    circular.refresh_from_db()
    assert circular.supersedes_id is None
    # Draft two would close the loop: refused, naming the other document.
    response = edit(client, law, "action-submit", supersedes=str(circular.pk))
    assert response.status_code == 200
    assert "13/2015/TT-BTTTT" in response.context["form"].errors["supersedes"][0]
    assert law.current_workflow_state is None


@pytest.mark.django_db
def test_approving_a_page_that_would_close_a_loop_is_refused_with_the_reason(
    client, editor, moderator, regulation_index, draft
):
    law = RegulationPageFactory(parent=regulation_index, title="Luật", document_number="06/2022/QH15", live=False)
    client.force_login(editor)
    assert edit(client, draft, "action-submit", supersedes=str(law.pk)).status_code == 302
    # The loop's other half reaches the database behind the form's back (an import, an old
    # revision): approval must still not publish it, nor fail with a 500.
    RegulationPage.objects.filter(pk=law.pk).update(supersedes=draft.pk)
    client.force_login(moderator)
    response = workflow_action(client, draft, "approve", comment="Đồng ý.")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[draft.pk])
    draft.refresh_from_db()
    assert not draft.live
    # Refused whole: the review is still open for the moderator.
    assert draft.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS
    page = client.get(response["Location"]).content.decode()
    assert "Trang chưa được phê duyệt" in page
    assert "06/2022/QH15" in page


@pytest.mark.django_db
def test_the_submitter_can_withdraw_the_submission(client, editor, draft):
    client.force_login(editor)
    edit(client, draft, "action-submit")
    state = draft.current_workflow_state
    assert state.user_can_cancel(editor)
    # The page is locked for review, so Wagtail answers with the form again, workflow cancelled.
    assert edit(client, draft, "action-cancel-workflow").status_code in (200, 302)
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_CANCELLED
    assert draft.current_workflow_state is None


@pytest.mark.django_db
def test_the_approval_mail_carries_the_moderators_comment(client, editor, moderator, draft, mailoutbox):
    client.force_login(editor)
    edit(client, draft, "action-submit")
    client.force_login(moderator)
    mailoutbox.clear()
    workflow_action(client, draft, "approve", comment="Nhớ bổ sung tệp đính kèm ở lần sau.")
    [message] = sent_to(mailoutbox, editor)
    assert "Nhớ bổ sung tệp đính kèm ở lần sau." in message.body
    assert "Lê Văn Minh" in message.body
    assert "đã được phê duyệt" in message.body
    # Links go to SITE_URL's host, not "localhost" (cms.services.site_sync).
    assert "http://127.0.0.1:8000/" in message.body
    assert "localhost" not in message.body
    # And on the edit screen, until the page is edited again.
    client.force_login(editor)
    edit_url = reverse("wagtailadmin_pages:edit", args=[draft.pk])
    banners = [str(m).strip() for m in client.get(edit_url).context["messages"]]
    assert "Lê Văn Minh đã phê duyệt, kèm nhận xét: “Nhớ bổ sung tệp đính kèm ở lần sau.”" in banners
    edit(client, draft, "action-save", summary="Bản nháp mới.")
    banners = [str(m).strip() for m in client.get(edit_url).context["messages"]]
    assert not [b for b in banners if "kèm nhận xét" in b]


@pytest.mark.django_db
def test_a_scheduled_approval_mail_says_when_the_page_goes_live(client, editor, moderator, draft, mailoutbox):
    client.force_login(editor)
    go_live = timezone.localtime() + datetime.timedelta(days=1)
    edit(client, draft, "action-submit", go_live_at=go_live.strftime("%d/%m/%Y %H:%M"))
    client.force_login(moderator)
    mailoutbox.clear()
    workflow_action(client, draft, "approve")
    draft.refresh_from_db()
    assert not draft.live
    [message] = sent_to(mailoutbox, editor)
    assert f"Trang sẽ được xuất bản lúc {go_live:%d/%m/%Y %H:%M}." in message.body


@pytest.mark.django_db
def test_a_request_for_changes_is_not_called_a_rejection(client, editor, moderator, draft, mailoutbox):
    client.force_login(editor)
    edit(client, draft, "action-submit")
    client.force_login(moderator)
    mailoutbox.clear()
    comment = "Đề nghị bổ sung ngày có hiệu lực."
    workflow_action(client, draft, "reject", comment=comment)
    [message] = sent_to(mailoutbox, editor)
    text = f"{message.subject}\n{message.body}"
    assert comment in text
    assert "Đề nghị chỉnh sửa" in message.subject
    assert "từ chối" not in text.lower()
    assert "rejected" not in text.lower()
    assert f"http://127.0.0.1:8000/admin/pages/{draft.pk}/edit/" in message.body

    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk]))
    banners = [str(m).strip() for m in response.context["messages"]]
    assert f"Lê Văn Minh đề nghị chỉnh sửa: “{comment}”" in banners


@pytest.mark.django_db
def test_a_workflow_action_posted_after_the_approval_saves_a_draft_instead_of_failing(client, editor, moderator, draft):
    client.force_login(editor)
    edit(client, draft, "action-submit")
    task_state = draft.current_workflow_task_state
    client.force_login(moderator)
    workflow_action(client, draft, "approve")
    # A second moderator's screen, opened before the approval, posts "approve" with an edit.
    draft.refresh_from_db()
    assert draft.live and draft.current_workflow_task is None
    response = edit(client, draft, "action-workflow-action", summary="Tóm tắt đã sửa.")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.get_latest_revision_as_object().summary == "Tóm tắt đã sửa."
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_APPROVED
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("không còn chờ duyệt" in m for m in messages)


# --- Scheduled publishing --------------------------------------------------------------------


def test_beat_runs_wagtails_scheduled_publishing(settings):
    from cms.tasks import CMS_BEAT_SCHEDULE

    for name, entry in CMS_BEAT_SCHEDULE.items():
        assert settings.CELERY_BEAT_SCHEDULE[name] == entry
    assert CMS_BEAT_SCHEDULE["cms-publish-scheduled"]["task"] == "cms.tasks.publish_scheduled"


@pytest.mark.django_db
def test_the_beat_task_publishes_a_scheduled_page_and_unpublishes_an_expired_one(
    client, regulation_index, draft, clock, django_capture_on_commit_callbacks
):
    from cms import tasks

    draft.go_live_at = timezone.now() + datetime.timedelta(minutes=10)
    draft.save_revision().publish()
    live = RegulationPageFactory(parent=regulation_index, document_number="105/CT-BTTTT", slug="chi-thi-105")
    live.expire_at = timezone.now() + datetime.timedelta(minutes=20)
    live.save_revision().publish()
    assert client.get(draft.url).status_code == 404
    assert client.get(live.url).status_code == 200

    clock.advance(minutes=11)
    tasks.publish_scheduled.delay()
    draft.refresh_from_db()
    assert draft.live
    assert client.get(draft.url).status_code == 200
    assert client.get(live.url).status_code == 200

    clock.advance(minutes=10)
    tasks.publish_scheduled.delay()
    live.refresh_from_db()
    assert not live.live and live.expired
    assert client.get(live.url).status_code == 404
