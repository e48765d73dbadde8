"""Page types: where they may be created, and that each routes and renders."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from wagtail import hooks
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accounts.roles import Role
from accounts.services import user_assign_role
from cms.home import HOME_PANELS_HOOK, HomePanel
from cms.models import (
    CampaignIndexPage,
    CampaignPage,
    HomePage,
    RegulationIndexPage,
    RegulationPage,
    RegulationStatus,
    StandardPage,
)
from tests.factories import (
    CampaignIndexPageFactory,
    CampaignPageFactory,
    RegulationIndexPageFactory,
    RegulationPageFactory,
    StandardPageFactory,
    UserFactory,
)


def regulation_form_data(**overrides):
    """What the admin's regulation form posts (StreamField and formsets included)."""
    fields = {
        "title": "Thông tư số 13/2015/TT-BTTTT",
        "slug": "thong-tu-13-2015-tt-btttt",
        "document_number": "13/2015/TT-BTTTT",
        "document_type": "circular",
        "issuing_body": "Bộ Thông tin và Truyền thông",
        "signer": "",
        "date_issued": "08/06/2015",
        "date_in_force": "",
        "expiry_date": "",
        "supersedes": "",
        "summary": "Hướng dẫn công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông.",
        "what_is_new": streamfield(
            [("provision", {"article": "Phạm vi", "old_wording": "", "new_wording": "Toàn ngành TT&TT."})]
        ),
        "attachments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        "notify_again": "",
    }
    fields.update(overrides)
    return nested_form_data(fields)


class PageTreeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        cls.home = HomePage.objects.get()
        cls.regulations = RegulationIndexPageFactory(parent=cls.home)
        cls.campaigns = CampaignIndexPageFactory(parent=cls.home)
        cls.standard = StandardPageFactory(
            parent=cls.home,
            body=[
                ("heading", "Vì sao cần đào tạo thường xuyên"),
                ("paragraph", "<p>Cán bộ tham mưu phần lớn là <b>kiêm nhiệm</b>.</p>"),
                ("quote", {"text": "Khen thưởng phải trên cơ sở kết quả thi đua.", "source": "Bộ TT&TT, 2009"}),
            ],
        )
        cls.regulation = RegulationPageFactory(
            parent=cls.regulations,
            what_is_new=[
                (
                    "provision",
                    {"article": "Điều 5", "old_wording": "Quy định cũ.", "new_wording": "Quy định mới."},
                ),
                ("paragraph", "<p>Giải thích thêm.</p>"),
            ],
        )
        cls.campaign = CampaignPageFactory(parent=cls.campaigns)
        cls.admin = UserFactory(full_name="Đỗ Quang Huy")
        user_assign_role(user=cls.admin, role=Role.ADMIN)
        TOTP.activate(cls.admin, generate_totp_secret())

    def test_the_tree_editors_can_build(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedParentPageTypes(RegulationIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(RegulationPage, {RegulationIndexPage})
        self.assertAllowedParentPageTypes(CampaignIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CampaignPage, {CampaignIndexPage})
        self.assertAllowedSubpageTypes(RegulationIndexPage, {RegulationPage})
        self.assertAllowedSubpageTypes(CampaignIndexPage, {CampaignPage})
        self.assertAllowedSubpageTypes(RegulationPage, set())
        self.assertAllowedSubpageTypes(CampaignPage, set())
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})

    def test_pages_cannot_be_created_in_the_wrong_place(self):
        self.assertCanNotCreateAt(HomePage, RegulationPage)
        self.assertCanNotCreateAt(CampaignIndexPage, RegulationPage)
        self.assertCanNotCreateAt(RegulationIndexPage, CampaignPage)
        self.assertCanNotCreateAt(Page, StandardPage)
        self.assertCanNotCreateAt(RegulationPage, StandardPage)
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanCreateAt(RegulationIndexPage, RegulationPage)

    def test_one_index_page_of_each_kind(self):
        self.assertFalse(RegulationIndexPage.can_create_at(self.home))
        self.assertFalse(CampaignIndexPage.can_create_at(self.home))

    def test_every_page_type_routes_and_renders(self):
        for page in (self.home, self.standard, self.regulations, self.regulation, self.campaigns, self.campaign):
            with self.subTest(page=type(page).__name__):
                self.assertPageIsRoutable(page)
                self.assertPageIsRenderable(page)

    def test_pages_open_in_the_editor_and_preview(self):
        # StreamFields are drawn by JavaScript, so their form data is given.
        self.assertPageIsEditable(self.campaign, user=self.admin)
        self.assertPageIsPreviewable(self.campaign, user=self.admin)
        data = regulation_form_data(title=self.regulation.title, document_number=self.regulation.document_number)
        self.assertPageIsEditable(self.regulation, post_data=data, user=self.admin)
        self.assertPageIsPreviewable(self.regulation, post_data=data, user=self.admin)
        data = nested_form_data(
            {
                "title": self.standard.title,
                "slug": self.standard.slug,
                "intro": "",
                "body": streamfield([("heading", "Giới thiệu"), ("paragraph", rich_text("<p>Nội dung.</p>"))]),
            }
        )
        self.assertPageIsEditable(self.standard, post_data=data, user=self.admin)
        self.assertPageIsPreviewable(self.standard, post_data=data, user=self.admin)

    def test_a_new_regulation_previews_before_its_first_save(self):
        self.client.force_login(self.admin)
        url = reverse("wagtailadmin_pages:preview_on_add", args=["cms", "regulationpage", self.regulations.pk])
        data = regulation_form_data(supersedes=str(self.regulation.pk))
        self.assertJSONEqual(self.client.post(url, data).content, {"is_valid": True, "is_available": True})
        response = self.client.get(url)
        self.assertContains(response, "13/2015/TT-BTTTT")
        self.assertContains(response, self.regulation.title)  # the regulation it supersedes

    def test_a_regulation_is_created_through_the_admin(self):
        self.client.force_login(self.admin)
        self.assertCanCreate(self.regulations, RegulationPage, regulation_form_data())
        created = RegulationPage.objects.get(document_number="13/2015/TT-BTTTT")
        self.assertTrue(created.live)
        self.assertEqual(created.date_issued, datetime.date(2015, 6, 8))
        self.assertEqual(created.year_issued, 2015)

    def test_a_campaign_is_created_through_the_admin(self):
        self.client.force_login(self.admin)
        data = nested_form_data(
            {
                "title": "Thi đua sáng tạo, đổi mới và hiệu quả",
                "slug": "thi-dua-sang-tao",
                "launched_by": "Công đoàn Thông tin và Truyền thông Việt Nam",
                "start_year": "2017",
                "summary": "Phong trào do Công đoàn ngành phát động năm 2017.",
                "goals": rich_text("<p>Sáng tạo, đổi mới, hiệu quả.</p>"),
                "criteria": rich_text(""),
                "advanced_examples": {
                    "TOTAL_FORMS": 1,
                    "INITIAL_FORMS": 0,
                    "MIN_NUM_FORMS": 0,
                    "MAX_NUM_FORMS": 1000,
                    "0": {"name": "Trung tâm Internet Việt Nam", "unit": "", "achievement": "Bảo vệ hạ tầng Internet."},
                },
            }
        )
        self.assertCanCreate(self.campaigns, CampaignPage, data)
        campaign = CampaignPage.objects.get(slug="thi-dua-sang-tao")
        self.assertEqual([e.name for e in campaign.advanced_examples.all()], ["Trung tâm Internet Việt Nam"])


@pytest.mark.django_db
def test_fresh_install_serves_the_vietnamese_home_page_at_the_root(client):
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    assert reverse("home") == "/"
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["page"] == home
    assert "cán bộ làm công tác thi đua, khen thưởng" in response.content.decode()


@pytest.mark.django_db
def test_home_shows_the_latest_regulations_and_menu_links(client, regulation_index, campaign_index):
    RegulationPageFactory(
        parent=regulation_index,
        title="Luật Thi đua, khen thưởng số 06/2022/QH15",
        document_number="06/2022/QH15",
        date_issued=None,
        document_type=RegulationPage.DocumentType.LAW,
        issuing_body="Quốc hội khóa XV",
    )
    draft = RegulationPageFactory(parent=regulation_index, title="Bản nháp chưa xuất bản", live=False)
    html = client.get("/").content.decode()
    assert "Luật Thi đua, khen thưởng số 06/2022/QH15" in html
    assert draft.title not in html
    assert f'href="{regulation_index.url}"' in html
    assert f'href="{campaign_index.url}"' in html
    assert f'href="{reverse("cms:search")}"' in html
    # The current section is marked for screen readers.
    assert f'<a href="{regulation_index.url}" aria-current="page">' in client.get(regulation_index.url).content.decode()


@pytest.mark.django_db
def test_the_menu_follows_index_pages_as_they_come_and_go(client, home):
    assert "/campaigns/" not in client.get("/").content.decode()  # cached: no campaign index yet
    campaigns = CampaignIndexPageFactory(parent=home)
    assert f'href="{campaigns.url}"' in client.get("/").content.decode()
    campaigns.delete()
    assert f'href="{campaigns.url}"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_other_apps_add_home_panels_through_the_hook(client, home):
    def panel(request, page):
        return HomePanel(
            order=5,
            template_name="cms/includes/status_badge.html",
            context={"status": RegulationStatus.NOT_YET_IN_FORCE},
        )

    def nothing(request, page):
        return None

    with hooks.register_temporarily(HOME_PANELS_HOOK, panel), hooks.register_temporarily(HOME_PANELS_HOOK, nothing):
        html = client.get("/").content.decode()
    assert 'class="status-badge status-pending"' in html
    # Hooks are registered at start-up; the cached home page (cms.caching) knows nothing of one
    # taken away at run time, so the test starts the cache afresh as a restart would.
    cache.clear()
    assert 'class="status-badge status-pending"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_campaign_page_lists_its_advanced_examples_with_photos(client, campaign_index):
    from wagtail_factories import ImageFactory

    from cms.models import AdvancedExample

    campaign = CampaignPageFactory(parent=campaign_index)
    photo = ImageFactory(title="Ảnh điển hình")
    AdvancedExample.objects.create(
        page=campaign, name="Phóng viên Báo VietNamNet", achievement="Viết về môi trường.", photo=photo, sort_order=0
    )
    response = client.get(campaign.url)
    html = response.content.decode()
    assert "Phóng viên Báo VietNamNet" in html
    assert 'class="example-photo"' in html


@pytest.mark.django_db
def test_campaign_listing_filters_by_year_and_paginates(client, campaign_index):
    CampaignPageFactory(parent=campaign_index, title="Phong trào 2016–2020", start_year=2016, end_year=2020)
    CampaignPageFactory(parent=campaign_index, title="Phong trào 2017", start_year=2017)
    CampaignPageFactory(parent=campaign_index, title="Phong trào không rõ năm", start_year=None)
    for n in range(20):
        CampaignPageFactory(parent=campaign_index, title=f"Phong trào cũ {n}", start_year=2009)

    def titles(query):
        response = client.get(campaign_index.url, query)
        return [c.title for c in response.context["campaigns"]]

    assert titles({"year": "2018"}) == ["Phong trào 2016–2020"]
    assert titles({"year": "2017"}) == ["Phong trào 2017", "Phong trào 2016–2020"]
    assert len(titles({})) == 20
    assert titles({"page": "2"})[-1] == "Phong trào không rõ năm"
    # A stale or forged filter value is ignored, not an error.
    assert len(titles({"year": "abc"})) == 20
