"""Moderation: editors write and submit, moderators approve or request changes."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState, WorkflowState

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
    assert list(task.groups.values_list("name", flat=True)) == ["Moderators"]
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
