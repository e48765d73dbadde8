"""The certificate rule (attendance and/or the post-test) leading to certificates.services."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import Role
from certificates.models import Certificate, CertificateBatch
from core.errors import ServiceError
from events.models import Attendance, EventPage, EventSession
from events.selectors import certificate_standings
from events.services import event_certificate_issue, event_certificates_bulk_issue
from quizzes.models import Attempt
from tests.factories import QuizFactory, RegistrationFactory

pytestmark = pytest.mark.usefixtures("media")


def _attend(registration, *sessions, status="present"):
    for session in sessions:
        Attendance.objects.create(
            registration=registration, session=session, status=status, checked_in_at=session.starts_at
        )


def _finish(user, quiz, *, passed, percent, number=1, minutes_ago=10):
    return Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        state=Attempt.State.FINISHED,
        finished_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        percent=Decimal(percent),
        passed=passed,
    )


def _set(event, **fields):
    EventPage.objects.filter(pk=event.pk).update(**fields)
    event.refresh_from_db()
    return event


@pytest.fixture
def sessions(event):
    return list(event.sessions.order_by("starts_at"))


@pytest.fixture
def over(event):
    """The event is over (certificates are asked for afterwards)."""
    now = timezone.now()
    EventSession.objects.filter(event=event).update(
        starts_at=now - datetime.timedelta(days=2, hours=1), ends_at=now - datetime.timedelta(days=2)
    )
    return _set(
        event,
        starts_at=now - datetime.timedelta(days=2, hours=2),
        ends_at=now - datetime.timedelta(days=1),
        hours=Decimal("8"),
    )


def test_attendance_rule_met_issues_an_event_certificate_with_the_facts(event, sessions, organiser):
    _set(event, hours=Decimal("8"))
    registration = RegistrationFactory(event=event, user__full_name="Nguyễn Văn An")
    _attend(registration, sessions[0])
    _attend(registration, sessions[1], status="late")  # late still counts as attended
    certificate = event_certificate_issue(registration=registration, issued_by=organiser)
    assert certificate.page_model is EventPage
    assert certificate.credential["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    assert certificate.page_id == event.pk
    assert (certificate.sessions_attended, certificate.sessions_total, certificate.hours) == (2, 2, Decimal("8"))
    assert certificate.completed_on == timezone.localtime(event.ends_at).date()
    # Idempotent: asking again returns the same certificate.
    assert event_certificate_issue(registration=registration).pk == certificate.pk


def test_attendance_rule_not_met_is_refused_with_the_reason(event, sessions):
    registration = RegistrationFactory(event=event)
    _attend(registration, sessions[0])
    _attend(registration, sessions[1], status="excused")  # excused is not attended
    with pytest.raises(ServiceError) as error:
        event_certificate_issue(registration=registration)
    assert error.value.code == "not_earned"
    assert error.value.message == "Attended 1 of 2 required sessions; at least 80% are needed."
    assert not Certificate.objects.exists()


def test_only_required_sessions_count(event, sessions):
    EventSession.objects.filter(pk=sessions[1].pk).update(required=False)
    registration = RegistrationFactory(event=event)
    _attend(registration, sessions[0])
    [standing] = certificate_standings(event)
    assert (standing.attended, standing.total, standing.earned) == (1, 1, True)


def test_post_test_rule_uses_the_result_that_counts(event, sessions):
    quiz = QuizFactory()
    _set(event, certificate_rule=EventPage.CertificateRule.POST_TEST, post_test=quiz)
    passed, failed, never = (RegistrationFactory(event=event) for _ in range(3))
    _finish(passed.user, quiz, passed=False, percent="40", number=1)
    _finish(passed.user, quiz, passed=True, percent="90", number=2)
    _finish(failed.user, quiz, passed=False, percent="30")
    standings = {s.registration.pk: s for s in certificate_standings(event)}
    assert (standings[passed.pk].earned, standings[passed.pk].score) == (True, Decimal("90"))
    assert standings[failed.pk].earned is False
    assert standings[failed.pk].reason == f"Has not passed the post-test “{quiz.title}”."
    assert standings[never.pk].earned is False
    certificate = event_certificate_issue(registration=passed)
    assert certificate.score == Decimal("90")
    assert certificate.sessions_attended is None  # not part of this rule


def test_last_attempt_counts_when_the_quiz_grades_the_last(event):
    quiz = QuizFactory(grading_method="last")
    _set(event, certificate_rule=EventPage.CertificateRule.POST_TEST, post_test=quiz)
    registration = RegistrationFactory(event=event)
    _finish(registration.user, quiz, passed=True, percent="90", number=1, minutes_ago=30)
    _finish(registration.user, quiz, passed=False, percent="20", number=2, minutes_ago=5)
    [standing] = certificate_standings(event)
    assert standing.earned is False


def test_both_rule_needs_attendance_and_the_post_test(event, sessions):
    quiz = QuizFactory()
    _set(event, certificate_rule=EventPage.CertificateRule.BOTH, post_test=quiz)
    registration = RegistrationFactory(event=event)
    _finish(registration.user, quiz, passed=True, percent="80")
    [standing] = certificate_standings(event)
    assert standing.earned is False
    assert standing.reason.startswith("Attended 0 of 2 required sessions")
    _attend(registration, *sessions)
    [standing] = certificate_standings(event)
    assert standing.earned is True


def test_an_event_without_certificates_issues_none(event, sessions):
    _set(event, certificate_rule=EventPage.CertificateRule.NONE)
    registration = RegistrationFactory(event=event)
    _attend(registration, *sessions)
    with pytest.raises(ServiceError) as error:
        event_certificate_issue(registration=registration)
    assert error.value.message == "This event does not issue certificates."


def test_the_database_refuses_a_post_test_rule_without_a_quiz(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        EventPage.objects.filter(pk=event.pk).update(certificate_rule=EventPage.CertificateRule.POST_TEST)


def test_waitlisted_delegates_get_no_certificate(event):
    registration = RegistrationFactory(event=event, status="waitlisted", seat=None)
    with pytest.raises(ServiceError) as error:
        event_certificate_issue(registration=registration)
    assert error.value.code == "not_confirmed"


def test_bulk_issue_skips_with_the_reason_and_offers_the_zip(
    organiser_client, event, sessions, django_capture_on_commit_callbacks, mailoutbox
):
    came = [RegistrationFactory(event=event, user__full_name=f"Đại biểu {n}") for n in range(3)]
    for registration in came:
        _attend(registration, *sessions)
    partly = RegistrationFactory(event=event, user__full_name="Lê Thị Vắng")
    _attend(partly, sessions[0])
    url = f"/events/manage/{event.pk}/certificates/"
    page = organiser_client.get(url).content.decode()
    assert "3 of 4 confirmed delegates met the rule" in page
    assert "Attended 1 of 2 required sessions" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(url, {"action": "bulk"})
    batch = CertificateBatch.objects.get()
    assert response.url == f"/certificates/batches/{batch.pk}/"
    assert (batch.status, batch.total, batch.issued_count) == ("done", 4, 3)
    assert [row["reason"] for row in batch.skipped] == ["Attended 1 of 2 required sessions; at least 80% are needed."]
    assert set(Certificate.objects.values_list("holder_id", flat=True)) == {r.user_id for r in came}
    assert len(mailoutbox) == 3
    html = organiser_client.get(response.url).content.decode()
    assert f"/certificates/batches/{batch.pk}/download/" in html
    # Run again: nobody gets a second certificate.
    with django_capture_on_commit_callbacks(execute=True):
        again = organiser_client.post(url, {"action": "bulk"})
    second = CertificateBatch.objects.order_by("-pk").first()
    assert again.url == f"/certificates/batches/{second.pk}/"
    assert second.pk != batch.pk
    assert Certificate.objects.count() == 3
    assert second.existing_count == 3


def test_bulk_issue_when_nobody_met_the_rule_is_refused(organiser, event):
    RegistrationFactory(event=event)
    with pytest.raises(ServiceError) as error:
        event_certificates_bulk_issue(event=event, started_by=organiser)
    assert error.value.code == "nobody_earned"
    assert not CertificateBatch.objects.exists()


def test_organiser_issues_one_certificate_from_the_list(organiser_client, event, sessions):
    registration = RegistrationFactory(event=event)
    _attend(registration, *sessions)
    url = f"/events/manage/{event.pk}/certificates/"
    response = organiser_client.post(url, {"action": "issue", "registration": str(registration.uuid)})
    assert response.url == url
    assert Certificate.objects.get().holder_id == registration.user_id
    assert organiser_client.post(url, {"action": "issue", "registration": "not-a-uuid"}).status_code == 404
    other = RegistrationFactory()
    assert organiser_client.post(url, {"action": "issue", "registration": str(other.uuid)}).status_code == 404


def test_delegate_asks_for_their_certificate_after_the_event(client, over, sessions):
    registration = RegistrationFactory(event=over)
    _attend(registration, *over.sessions.all())
    client.force_login(registration.user)
    ticket = client.get(f"/events/tickets/{registration.uuid}/").content.decode()
    assert "Get my certificate" in ticket
    assert "Cancel my registration" not in ticket
    response = client.post(f"/events/tickets/{registration.uuid}/certificate/")
    assert response.url == "/certificates/mine/"
    certificate = Certificate.objects.get(holder=registration.user)
    assert certificate.serial in client.get(f"/events/tickets/{registration.uuid}/").content.decode()


def test_delegate_who_missed_sessions_sees_why_and_gets_nothing(client, over):
    registration = RegistrationFactory(event=over)
    client.force_login(registration.user)
    ticket = client.get(f"/events/tickets/{registration.uuid}/").content.decode()
    assert "Attended 0 of 2 required sessions" in ticket
    response = client.post(f"/events/tickets/{registration.uuid}/certificate/", follow=True)
    assert response.redirect_chain == [(f"/events/tickets/{registration.uuid}/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Attended 0 of 2 required sessions; at least 80% are needed."
    ]
    assert not Certificate.objects.exists()


def test_no_certificate_asked_before_the_event_ends_or_for_someone_else(client, event, sessions):
    registration = RegistrationFactory(event=event)
    _attend(registration, *sessions)
    client.force_login(registration.user)
    response = client.post(f"/events/tickets/{registration.uuid}/certificate/", follow=True)
    assert response.redirect_chain == [(f"/events/tickets/{registration.uuid}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Certificates can be requested after the event ends."]
    assert not Certificate.objects.exists()
    client.force_login(RegistrationFactory(event=event).user)
    assert client.post(f"/events/tickets/{registration.uuid}/certificate/").status_code == 404


def test_certificates_page_query_count_does_not_grow(organiser_client, event, sessions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    quiz = QuizFactory()
    _set(event, certificate_rule=EventPage.CertificateRule.BOTH, post_test=quiz, capacity=1000)
    url = f"/events/manage/{event.pk}/certificates/"

    def add(n):
        for _ in range(n):
            registration = RegistrationFactory(event=event)
            _attend(registration, *sessions)
            _finish(registration.user, quiz, passed=True, percent="75")

    add(3)
    event_certificate_issue(registration=event.registrations.first())
    organiser_client.get(url)  # the first request of a session does more (session, MFA state)
    with CaptureQueriesContext(connection) as small:
        assert organiser_client.get(url).status_code == 200
    add(40)
    event_certificate_issue(registration=event.registrations.last())
    with CaptureQueriesContext(connection) as large:
        assert organiser_client.get(url).status_code == 200
    assert len(large) == len(small)


@pytest.mark.django_db
def test_only_the_events_own_organisers_revoke_reissue_or_bulk_issue_its_certificates(
    client, event, organiser, make_staff, enable_totp
):
    from certificates.services import certificate_batch_start, certificate_reissue, certificate_revoke

    registration = RegistrationFactory(event=event)
    for session in event.sessions.all():
        Attendance.objects.create(
            registration=registration, session=session, status="present", checked_in_at=session.starts_at
        )
    certificate = event_certificate_issue(registration=registration, issued_by=organiser)
    stranger = make_staff(Role.ORGANISER)
    enable_totp(stranger)
    for attempt in (
        lambda: certificate_revoke(certificate=certificate, reason="Nhầm", revoked_by=stranger),
        lambda: certificate_reissue(certificate=certificate, reason="Sai tên", reissued_by=stranger),
        lambda: certificate_batch_start(page=event, items=[], started_by=stranger),
    ):
        with pytest.raises(ServiceError) as error:
            attempt()
        assert error.value.code == "forbidden"
    client.force_login(stranger)
    page = client.get(f"/certificates/manage/{certificate.code}/").content.decode()
    assert 'value="revoke"' not in page
    client.force_login(organiser)
    assert 'value="revoke"' in client.get(f"/certificates/manage/{certificate.code}/").content.decode()
    certificate_revoke(certificate=certificate, reason="Cấp nhầm người", revoked_by=organiser)
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
