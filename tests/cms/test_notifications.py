"""Telling trainees: the subscription, the update emails and the Atom feed."""

import datetime
from unittest import mock
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from django.core import mail
from django.urls import reverse

from cms import services, tasks
from cms.models import RegulationNotice, RegulationPage, RegulationSubscription
from core.errors import ServiceError
from tests.factories import RegulationPageFactory, UserFactory

SUBSCRIBE_URL = reverse("cms:regulation_subscribe")
FEED_URL = reverse("cms:regulation_feed")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a page's latest content as a moderator would, running on-commit work."""

    def run(page: RegulationPage):
        with django_capture_on_commit_callbacks(execute=True):
            revision = page.save_revision()
            revision.publish()
        return revision

    return run


@pytest.fixture
def draft(regulation_index):
    return RegulationPageFactory(
        parent=regulation_index,
        title="Luật Thi đua, khen thưởng số 06/2022/QH15",
        document_number="06/2022/QH15",
        document_type="law",
        issuing_body="Quốc hội khóa XV",
        date_issued=None,
        date_in_force=datetime.date(2024, 1, 1),
        summary="Thay thế Luật Thi đua, khen thưởng số 15/2003/QH11.",
        live=False,
    )


# --- subscription page ------------------------------------------------------------


@pytest.mark.django_db
def test_subscribing_needs_an_account(client):
    response = client.get(SUBSCRIBE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_trainee_subscribes_and_unsubscribes(client, trainee, regulation_index):
    assert SUBSCRIBE_URL in client.get(regulation_index.url).content.decode()
    client.force_login(trainee)
    assert client.get(SUBSCRIBE_URL).context["subscribed"] is False

    response = client.post(SUBSCRIBE_URL, {"subscribe": "1", "next": regulation_index.url})
    assert response["Location"] == regulation_index.url
    assert RegulationSubscription.objects.filter(user=trainee).exists()
    assert client.get(SUBSCRIBE_URL).context["subscribed"] is True
    client.post(SUBSCRIBE_URL, {"subscribe": "1"})  # twice is still one subscription
    assert RegulationSubscription.objects.filter(user=trainee).count() == 1

    response = client.post(SUBSCRIBE_URL, {"subscribe": "0", "next": "https://evil.example/"})
    assert response["Location"] == SUBSCRIBE_URL  # no open redirect
    assert not RegulationSubscription.objects.filter(user=trainee).exists()


@pytest.mark.django_db
def test_inactive_accounts_cannot_subscribe(trainee):
    trainee.is_active = False
    with pytest.raises(ServiceError) as error:
        services.regulation_subscription_set(user=trainee, subscribed=True)
    assert error.value.code == "inactive_user"


# --- update emails ----------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_mails_subscribed_active_users_only(draft, subscriber, trainee, publish, mailoutbox):
    gone = UserFactory(is_active=False)
    RegulationSubscription.objects.create(user=gone)
    revision = publish(draft)
    assert [message.to for message in mailoutbox] == [[subscriber.email]]
    message = mailoutbox[0]
    assert draft.title in message.subject
    assert "06/2022/QH15" in message.body
    assert "01/01/2024" in message.body
    assert "http://127.0.0.1:8000" + draft.url in message.body
    assert "http://127.0.0.1:8000" + SUBSCRIBE_URL in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{SUBSCRIBE_URL}>"
    assert RegulationNotice.objects.get().revision == revision


@pytest.mark.django_db
def test_a_retried_task_does_not_mail_anyone_twice(draft, subscriber, publish, mailoutbox):
    others = [UserFactory() for _ in range(2)]
    for user in others:
        RegulationSubscription.objects.create(user=user)
    revision = publish(draft)
    assert len(mailoutbox) == 3

    assert tasks.regulation_update_notify.apply(args=[revision.pk]).get() == 0
    assert len(mailoutbox) == 3
    assert RegulationNotice.objects.filter(revision=revision, sent_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_after_a_failure_half_way_the_retry_mails_only_the_rest(draft, subscriber, mailoutbox):
    for _ in range(2):
        RegulationSubscription.objects.create(user=UserFactory())
    # Published outside on-commit capture: the task is not queued; it runs by hand below.
    revision = draft.save_revision()
    revision.publish()

    original_send = mail.EmailMessage.send
    attempts = []

    def flaky_send(message, *args, **kwargs):
        attempts.append(message.to[0])
        if len(attempts) == 2:
            raise OSError("SMTP server went away")
        return original_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMessage, "send", flaky_send), pytest.raises(OSError):
        services.regulation_update_notify(revision_id=revision.pk)
    assert len(mailoutbox) == 1

    assert services.regulation_update_notify(revision_id=revision.pk) == 2
    recipients = [message.to[0] for message in mailoutbox]
    assert len(recipients) == len(set(recipients)) == 3


@pytest.mark.django_db
def test_smtp_errors_make_the_task_retry(draft, subscriber, mailoutbox):
    revision = draft.save_revision()
    revision.publish()
    original_send = mail.EmailMessage.send
    attempts = []

    def fails_once(message, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("temporary failure")
        return original_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMessage, "send", fails_once):
        # throw=False: let Celery handle the retry as a worker would (eager
        # mode otherwise propagates the Retry exception).
        result = tasks.regulation_update_notify.apply(args=[revision.pk], throw=False)
    assert result.get() == 1
    assert len(attempts) == 2
    assert [message.to for message in mailoutbox] == [[subscriber.email]]


@pytest.mark.django_db
def test_a_mail_failure_does_not_break_publishing(draft, subscriber, publish, mailoutbox):
    with mock.patch.object(mail.EmailMessage, "send", side_effect=OSError("SMTP down")):
        publish(draft)
    draft.refresh_from_db()
    assert draft.live
    assert mailoutbox == []
    # The notice stays unstamped, so the next run of the task mails it.
    assert RegulationNotice.objects.get(user=subscriber).sent_at is None


@pytest.mark.django_db
def test_only_the_first_publication_is_news_unless_the_moderator_ticks_notify_again(
    draft, subscriber, publish, mailoutbox
):
    publish(draft)
    assert len(mailoutbox) == 1
    draft.summary = "Sửa lỗi chính tả."
    publish(draft)
    assert len(mailoutbox) == 1
    draft.summary = "Bổ sung: có hiệu lực từ ngày 01/01/2024."
    draft.notify_again = True
    publish(draft)
    assert len(mailoutbox) == 2
    # Unpublished and published again: still not a first publication.
    draft.notify_again = False
    draft.unpublish()
    publish(draft)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_the_notify_again_box_starts_unticked_on_every_edit(client, moderator, draft, publish):
    draft.notify_again = True
    publish(draft)
    client.force_login(moderator)
    form = client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk])).context["form"]
    assert form.initial["notify_again"] is False


@pytest.mark.django_db
def test_an_outdated_revision_is_not_mailed(draft, subscriber, mailoutbox):
    first = draft.save_revision()
    first.publish()
    draft.save_revision().publish()
    assert services.regulation_update_notify(revision_id=first.pk) == 0
    assert services.regulation_update_notify(revision_id=999_999) == 0
    assert mailoutbox == []


# --- Atom feed --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_atom_feed_lists_published_regulations_newest_first(client, regulation_index, draft, publish):
    older = RegulationPageFactory(parent=regulation_index, title="Thông tư số 13/2015/TT-BTTTT", live=False)
    publish(older)
    publish(draft)
    RegulationPageFactory(parent=regulation_index, title="Bản nháp", live=False)

    response = client.get(FEED_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Luật Thi đua, khen thưởng số 06/2022/QH15 (06/2022/QH15)",
        f"Thông tư số 13/2015/TT-BTTTT ({older.document_number})",
    ]
    assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver" + draft.url
    assert entries[0].findtext(f"{ATOM}summary") == draft.summary
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver" + FEED_URL
    assert f'href="{FEED_URL}"' in client.get(regulation_index.url).content.decode()


# RFC 4287's rules, checked strictly: what a feed validator refuses, this refuses.
TEXT_TYPES = {"text", "html", "xhtml"}
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def assert_valid_atom(feed):
    import re

    assert feed.tag == f"{ATOM}feed"

    def one(parent, name):
        found = parent.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{parent.tag} needs exactly one atom:{name}, has {len(found)}"
        return found[0]

    for name in ("id", "title", "updated"):
        one(feed, name)
    assert re.match(RFC3339, one(feed, "updated").text)
    feed_author = feed.findall(f"{ATOM}author")
    for author in feed_author:
        assert one(author, "name").text
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            one(entry, name)
        assert re.match(RFC3339, one(entry, "updated").text)
        assert feed_author or entry.findall(f"{ATOM}author"), "atom:author on the feed or on every entry"
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1 and alternate[0].get("href")
        for construct in ("title", "summary", "content", "rights"):
            for element in entry.findall(f"{ATOM}{construct}"):
                assert element.get("type", "text") in TEXT_TYPES
                if element.get("type") == "xhtml":
                    assert element.find("{http://www.w3.org/1999/xhtml}div") is not None


@pytest.mark.django_db
def test_the_atom_feed_keeps_to_the_standard_and_summaries_are_plain_text(client, settings, draft, publish):
    draft.summary = "Điều 5 <b>sửa đổi</b> & bổ sung <script>alert(1)</script>"
    publish(draft)
    response = client.get(FEED_URL)
    feed = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    assert_valid_atom(feed)
    assert feed.find(f"{ATOM}author/{ATOM}name").text == settings.WAGTAIL_SITE_NAME
    summary = feed.find(f"{ATOM}entry/{ATOM}summary")
    # Plain text, marked as text: a reader shows the angle brackets, it does not run them.
    assert summary.get("type") == "text"
    assert summary.text == draft.summary
    assert b'type="html"' not in response.content


@pytest.mark.django_db
def test_a_strict_atom_parser_reads_the_feed_as_written(client, settings, regulation_index, draft, publish):
    # feedparser in strict mode: any XML error sets bozo; it is the reader our subscribers' apps resemble.
    older = RegulationPageFactory(parent=regulation_index, title="Thông tư số 13/2015/TT-BTTTT", live=False)
    publish(older)
    draft.summary = "Điều 5 <b>sửa đổi</b> & bổ sung <script>alert(1)</script>"
    publish(draft)

    parsed = feedparser.parse(client.get(FEED_URL).content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.author_detail.name == settings.WAGTAIL_SITE_NAME
    assert [entry.title for entry in parsed.entries] == [
        "Luật Thi đua, khen thưởng số 06/2022/QH15 (06/2022/QH15)",
        f"Thông tư số 13/2015/TT-BTTTT ({older.document_number})",
    ]
    first = parsed.entries[0]
    # Read back as the text the editor typed, angle brackets and all, not as markup.
    assert first.summary_detail.type == "text/plain"
    assert first.summary == draft.summary
    assert first.link == "http://testserver" + draft.url
    for link in [parsed.feed.link, *(entry.link for entry in parsed.entries)]:
        parts = urlsplit(link)
        assert parts.scheme == "http" and parts.netloc == "testserver", link


def test_the_strict_check_refuses_what_django_used_to_write():
    # An html summary is allowed by the standard; a feed without an author is not.
    feed = ElementTree.fromstring(  # noqa: S314 - a literal
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2024-01-01T00:00:00Z</updated>'
        '<entry><title>e</title><id>y</id><updated>2024-01-01T00:00:00Z</updated><link href="/a"/></entry></feed>'
    )
    with pytest.raises(AssertionError, match="atom:author"):
        assert_valid_atom(feed)
