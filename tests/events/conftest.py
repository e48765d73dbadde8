import datetime

import pytest
from django.utils import timezone, translation

from accounts.roles import Role
from tests.factories import EventPageFactory, EventSessionFactory, OrgUnitFactory


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English msgids, from pages and from services alike.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def event(db):
    # Under way, with registration open at the door: check-in accepts scan
    # times up to now, never in the future.
    starts_at = timezone.now() - datetime.timedelta(hours=2)
    event = EventPageFactory(
        capacity=3, starts_at=starts_at, registration_closes=starts_at + datetime.timedelta(days=1)
    )
    # Running now (the door asks before checking anyone in to a session that is not).
    EventSessionFactory(
        event=event,
        title="Những điểm mới của Luật Thi đua, khen thưởng",
        ends_at=starts_at + datetime.timedelta(hours=3),
    )
    EventSessionFactory(
        event=event,
        title="Hướng dẫn Thông tư 13/2015/TT-BTTTT",
        starts_at=event.starts_at + datetime.timedelta(hours=3),
    )
    return event


@pytest.fixture
def session(event):
    return event.sessions.order_by("starts_at").first()


@pytest.fixture
def organiser(event, make_staff, enable_totp):
    user = make_staff(Role.ORGANISER)
    enable_totp(user)
    user.organised_events.add(event)
    return user


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def danang(db):
    return OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng")


@pytest.fixture
def media(settings, tmp_path):
    # Certificate PDFs and ZIPs go to a folder of the test's own.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WAGTAILADMIN_BASE_URL = "https://daotao.example.vn"
