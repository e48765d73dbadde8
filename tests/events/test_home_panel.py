import datetime

import pytest
from django.utils import timezone

from tests.factories import EventPageFactory


@pytest.mark.django_db
def test_the_home_page_lists_upcoming_conferences_in_constant_queries(client):
    now = timezone.now()
    past = EventPageFactory(title="Hội nghị đã qua", starts_at=now - datetime.timedelta(days=30))
    soon = EventPageFactory(title="Hội nghị sắp tới", starts_at=now + datetime.timedelta(days=7))
    html = client.get("/").content.decode()
    assert soon.title in html and past.title not in html
    assert f"/events/{soon.pk}/register/" in html

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from cms.caching import bump

        bump()  # the page as rendered, not the page cache's copy of it
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        EventPageFactory(starts_at=now + datetime.timedelta(days=10 + n))
    assert queries() == few
