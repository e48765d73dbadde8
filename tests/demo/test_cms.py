import datetime
import io

import pytest
from wagtail.models import Page, Revision

from cms import search
from cms.models import CampaignPage, RegulationPage, RegulationStatus
from demo import cms as demo


def snapshot():
    pages = [
        (page.specific_class.__name__, page.url_path, page.title, page.live)
        for page in Page.objects.order_by("path").select_related("content_type")
    ]
    return pages, Revision.objects.count()


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_tells_the_legal_story():
    out = io.StringIO()
    demo.seed(out)
    first = snapshot()
    demo.seed(out)
    assert snapshot() == first
    assert "12 giữ nguyên" in out.getvalue()

    numbers = set(RegulationPage.objects.live().values_list("document_number", flat=True))
    assert numbers == {"39-CT/TW", "13/2015/TT-BTTTT", "105/CT-BTTTT", "890/KH-BTTTT", "15/2003/QH11", "06/2022/QH15"}
    old_law = RegulationPage.objects.get(document_number="15/2003/QH11")
    new_law = RegulationPage.objects.get(document_number="06/2022/QH15")
    assert new_law.supersedes == old_law
    assert new_law.date_in_force == datetime.date(2024, 1, 1)
    assert old_law.status == RegulationStatus.SUPERSEDED
    assert RegulationPage.objects.get(document_number="39-CT/TW").date_issued == datetime.date(2004, 5, 21)
    assert any("Thi đua, khen thưởng" in title for title in RegulationPage.objects.values_list("title", flat=True))
    assert CampaignPage.objects.live().count() == 3

    found = {entry.page_id for entry in search.search(search.parse_query("luat thi dua khen thuong"))}
    assert {old_law.pk, new_law.pk} <= found
