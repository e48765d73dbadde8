"""Site search: accent-insensitive, đ = d, document numbers, hostile input."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms import search
from cms.models import RegulationStatus, SearchEntry
from tests.factories import CampaignPageFactory, RegulationPageFactory

URL = reverse("cms:search")


@pytest.fixture
def pages(regulation_index, campaign_index):
    return {
        "law": RegulationPageFactory(
            parent=regulation_index,
            title="Luật Thi đua, khen thưởng số 06/2022/QH15",
            document_number="06/2022/QH15",
            document_type="law",
            issuing_body="Quốc hội khóa XV",
            date_issued=None,
            summary="Thay thế Luật số 15/2003/QH11 từ ngày 01/01/2024.",
        ),
        "circular": RegulationPageFactory(
            parent=regulation_index,
            title="Thông tư hướng dẫn công tác trong ngành Thông tin và Truyền thông",
            document_number="13/2015/TT-BTTTT",
            date_issued=datetime.date(2015, 6, 8),
            summary="Hướng dẫn công tác thi đua, khen thưởng trong ngành.",
        ),
        "directive": RegulationPageFactory(
            parent=regulation_index,
            title="Chỉ thị số 39-CT/TW",
            document_number="39-CT/TW",
            document_type="directive",
            date_issued=datetime.date(2004, 5, 21),
            summary="Đổi mới, đẩy mạnh phong trào thi đua yêu nước; nhân rộng điển hình tiên tiến.",
        ),
        "campaign": CampaignPageFactory(
            parent=campaign_index,
            title="Học tập và làm theo tấm gương đạo đức Hồ Chí Minh",
            summary="Phong trào thi đua yêu nước gắn với học tập và làm theo tấm gương đạo đức Hồ Chí Minh.",
        ),
        "draft": RegulationPageFactory(
            parent=regulation_index,
            title="Dự thảo thi đua, khen thưởng chưa xuất bản",
            document_number="1/2099/TT-BTTTT",
            date_issued=datetime.date(2099, 1, 1),
            live=False,
        ),
    }


def titles(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    results = response.context["results"]
    return [entry.page.title for entry in results] if results is not None else None


@pytest.mark.django_db
def test_with_and_without_accents_give_the_same_results(client, pages):
    plain = titles(client, "thi dua khen thuong")
    accented = titles(client, "Thi đua, khen thưởng")
    upper = titles(client, "THI ĐUA – KHEN THƯỞNG")
    assert plain == accented == upper
    # Title matches first, then by date; drafts never show.
    assert plain == [pages["law"].title, pages["circular"].title]


@pytest.mark.django_db
def test_đ_and_d_match_both_ways(client, pages):
    assert titles(client, "đạo đức") == titles(client, "dao duc") == [pages["campaign"].title]
    assert titles(client, "DOI MOI") == [pages["directive"].title]
    assert titles(client, "Quốc hội") == titles(client, "quoc hoi") == [pages["law"].title]


@pytest.mark.django_db
def test_document_numbers_find_their_documents(client, pages):
    assert titles(client, "13/2015") == [pages["circular"].title]
    assert titles(client, "13/2015/TT-BTTTT") == [pages["circular"].title]
    assert titles(client, "39-CT/TW") == [pages["directive"].title]
    assert titles(client, "15/2003/QH11") == [pages["law"].title]  # named in its summary


@pytest.mark.django_db
def test_every_word_must_match(client, pages):
    assert titles(client, "thi dua hồ chí minh") == [pages["campaign"].title]
    assert titles(client, "thi dua xyzzy") == []


@pytest.mark.django_db
def test_results_show_type_and_date(client, pages):
    html = client.get(URL, {"q": "13/2015"}).content.decode()
    assert 'datetime="2015-06-08">08/06/2015</time>' in html
    response = client.get(URL, {"q": "tam guong"})
    assert [entry.kind for entry in response.context["results"]] == [pages["campaign"]._meta.verbose_name]


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "   ", "!!!", "?", "…", "–", "%", "_", "%%%___", "/ - ."])
def test_empty_or_punctuation_only_queries_give_an_empty_page_without_touching_the_index(client, pages, q):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert not any("cms_searchentry" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
def test_like_wildcards_are_literal(client, pages):
    # "_" would match the "/" of 13/2015 if it reached LIKE unescaped.
    assert titles(client, "13_2015") == []
    assert titles(client, "13/2015") == [pages["circular"].title]
    # "%" separates words, so it never reaches the database at all.
    assert search.parse_query("thi%dua").tokens == ("thi", "dua")


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["thi đua " * 625, "x" * 5000, "%" * 5000])
def test_very_long_queries_give_an_empty_page(client, pages, q):
    assert len(q) >= 5000
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert response.context["query"].too_long
    assert 'class="message message-warning"' in response.content.decode()


def test_queries_are_capped_in_tokens():
    parsed = search.parse_query(" ".join(f"tu{n}" for n in range(30)))
    assert len(parsed.tokens) == search.MAX_TOKENS
    assert search.parse_query("thi đua thi dua THI ĐUA").tokens == ("thi", "dua")


@pytest.mark.django_db
def test_the_index_holds_the_published_text_not_drafts(pages):
    circular = pages["circular"]
    circular.title = "Bản nháp mới"
    circular.save_revision()  # a draft: the live page and its entry keep the published text
    entry = SearchEntry.objects.get(page=circular)
    assert "13/2015/tt-btttt" in entry.title_folded
    assert "ban nhap moi" not in entry.text_folded
    circular.get_latest_revision().publish()
    assert "ban nhap moi" in SearchEntry.objects.get(page=circular).title_folded


@pytest.mark.django_db
def test_search_results_paginate(client, regulation_index):
    for n in range(25):
        RegulationPageFactory(parent=regulation_index, document_number=f"{n + 1}/2016/TT-BTTTT")
    first = client.get(URL, {"q": "thong tu"})
    assert len(first.context["results"]) == 20
    assert len(client.get(URL, {"q": "thong tu", "page": "2"}).context["results"]) == 5


@pytest.mark.django_db
def test_reindex_rebuilds_every_registered_page(client, pages):
    SearchEntry.objects.all().delete()
    assert titles(client, "13/2015") == []
    out = io.StringIO()
    call_command("cms_search_reindex", stdout=out)
    assert "5 pages" in out.getvalue()  # drafts too: visibility is decided at query time
    assert titles(client, "13/2015") == [pages["circular"].title]


def test_only_pages_that_describe_themselves_can_register():
    class Mute:
        pass

    with pytest.raises(TypeError):
        search.register(Mute)


# --- Ranking, on the demo's content -----------------------------------------------------------


@pytest.fixture
def demo_content(db):
    from demo import cms as demo

    demo.seed(io.StringIO())


def numbers(client, q, **params):
    return _numbers(client.get(URL, {"q": q, **params}))


def _numbers(response):
    return [getattr(entry.page.specific, "document_number", entry.page.title) for entry in response.context["results"]]


@pytest.mark.django_db
def test_the_law_on_emulation_and_commendation_comes_first(client, demo_content):
    # One request: a second one of the same search is served from the cache, rendered (no results in the context).
    response = client.get(URL, {"q": "thi dua khen thuong"})
    found = _numbers(response)
    assert found[0] == "06/2022/QH15"
    # Every page with all the words in its title comes before those with them only in the text.
    titles_first = [entry.title_match for entry in response.context["results"]]
    assert titles_first == sorted(titles_first, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["06/2022/QH15", "13/2015/TT-BTTTT", "39-CT/TW", "890/kh-btttt"])
def test_an_exact_document_number_is_on_top(client, demo_content, number):
    # 06/2022/QH15 is also named in the summary of the law it replaced.
    assert numbers(client, number)[0].casefold() == number.casefold()


@pytest.mark.django_db
def test_the_title_outranks_the_summary_which_outranks_the_body(client, regulation_index):
    body = RegulationPageFactory(
        parent=regulation_index,
        title="Thông tư A",
        document_number="1/2024/TT-BTTTT",
        date_issued=datetime.date(2024, 1, 1),
        summary="Tóm tắt.",
        what_is_new=[("provision", {"article": "Điều 1", "old_wording": "", "new_wording": "Khen thưởng đột xuất."})],
    )
    summary = RegulationPageFactory(
        parent=regulation_index,
        title="Thông tư B",
        document_number="2/2020/TT-BTTTT",
        date_issued=datetime.date(2020, 1, 1),
        summary="Về khen thưởng đột xuất.",
    )
    title = RegulationPageFactory(
        parent=regulation_index,
        title="Khen thưởng đột xuất",
        document_number="3/2010/TT-BTTTT",
        date_issued=datetime.date(2010, 1, 1),
        summary="Tóm tắt.",
    )
    assert numbers(client, "khen thuong dot xuat") == [
        title.document_number,
        summary.document_number,
        body.document_number,
    ]


@pytest.mark.django_db
def test_results_show_type_status_and_an_excerpt_with_the_words_marked(client, demo_content):
    response = client.get(URL, {"q": "15/2003/QH11"})
    first = response.context["results"][0]
    assert first.page.specific.document_number == "15/2003/QH11"
    assert first.status == RegulationStatus.SUPERSEDED
    assert '<span class="status-badge status-superseded">' in response.content.decode()
    assert first.kind == "văn bản"
    response = client.get(URL, {"q": "diem moi"})
    html = response.content.decode()
    assert "<mark>điểm</mark> <mark>mới</mark>" in html
    assert '<p class="search-excerpt">' in html


def test_an_excerpt_escapes_and_marks_accent_insensitively():
    text = "Lời mở đầu. " * 40 + "Khen thưởng <đột xuất> được coi trọng." + " Phần sau." * 40
    html = search.excerpt(text, ("khen", "dot"))
    assert "<mark>Khen</mark> thưởng &lt;<mark>đột</mark> xuất&gt;" in html
    assert html.startswith("…") and html.endswith("…")
    assert len(html) < 400
    assert search.excerpt("Không khớp gì.", ("xyz",)) == "Không khớp gì."


@pytest.mark.django_db
def test_filter_by_type_with_counts(client, demo_content):
    response = client.get(URL, {"q": "thi dua"})
    kinds = {kind.key: kind.count for kind in response.context["kinds"]}
    assert kinds["cms.regulationpage"] == 6
    assert kinds["cms.campaignpage"] >= 1
    assert response.context["total"] == response.context["results"].paginator.count == sum(kinds.values())
    html = response.content.decode()
    assert "type=cms.campaignpage" in html

    only = client.get(URL, {"q": "thi dua", "type": "cms.campaignpage"})
    assert {entry.page.specific_class.__name__ for entry in only.context["results"]} == {"CampaignPage"}
    assert only.context["results"].paginator.count == kinds["cms.campaignpage"]
    # A filter that matches nothing known shows everything.
    assert client.get(URL, {"q": "thi dua", "type": "auth.user"}).context["kind"] is None
