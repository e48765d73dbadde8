import datetime
from decimal import Decimal

import pytest

from certificates.services import Achievement, certificate_issue
from tests.factories import StandardPageFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # PDFs and ZIPs go to a folder of the test's own.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WAGTAILADMIN_BASE_URL = "https://daotao.example.vn"


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English msgids; the Vietnamese catalogue is another test's business.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def page(db):
    """Any page stands for the course or event page (those apps come later)."""
    return StandardPageFactory(title="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015")


def achievement_for(page, **overrides) -> Achievement:
    values = {
        "page": page,
        "earned": True,
        "started_on": datetime.date(2015, 8, 24),
        "completed_on": datetime.date(2015, 8, 25),
        "hours": Decimal("16"),
        "sessions_attended": 4,
        "sessions_total": 4,
    }
    values.update(overrides)
    return Achievement(**values)


@pytest.fixture
def issue(db, django_capture_on_commit_callbacks):
    """Issue a certificate and run what is queued on commit (PDF, mail)."""

    def make(holder=None, page=None, **overrides):
        holder = holder or UserFactory()
        page = page or StandardPageFactory()
        with django_capture_on_commit_callbacks(execute=True):
            certificate = certificate_issue(holder=holder, achievement=achievement_for(page, **overrides))
        certificate.refresh_from_db()
        return certificate

    return make
