"""Make a HomePage the default site's root, in place of Wagtail's "Welcome" page.

A fresh install then opens on a working Vietnamese home page. An install
whose site root is already a real page (anything but Wagtail's untouched
placeholder) keeps it; the home page is still created, for editors to move
content under, but the site is left pointing where it was.
"""

from django.db import migrations
from django.utils import timezone
from wagtail.models import Page as RealPage

TITLE = "Trang chủ"
INTRO = (
    "<p>Nền tảng đào tạo dành cho cán bộ làm công tác thi đua, khen thưởng ở các bộ, ngành, "
    "địa phương, cơ quan, đơn vị và doanh nghiệp. Tại đây, cán bộ mới được phân công, kể cả cán bộ "
    "kiêm nhiệm, có thể học ngay những điểm mới của văn bản pháp luật về thi đua, khen thưởng, "
    "làm bài kiểm tra, đăng ký tham dự hội nghị tập huấn và nhận giấy chứng nhận.</p>"
)


def create_home_page(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("cms", "HomePage")

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None or HomePage.objects.exists():
        return

    page_type = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    placeholder = (
        Page.objects.filter(depth=2, content_type=page_type, numchild=0, slug="home").first() if page_type else None
    )
    site = Site.objects.filter(is_default_site=True).first()
    replace_site_root = site is None or (placeholder is not None and site.root_page_id == placeholder.pk)

    if placeholder is not None:
        Site.objects.filter(root_page_id=placeholder.pk).update(root_page_id=root.pk)
        placeholder.delete()

    # The next free path under the root, as treebeard would compute it.
    last_child = Page.objects.filter(depth=2, path__startswith=root.path).order_by("-path").first()
    if last_child is None:
        path = root.path + RealPage._get_path(None, 1, 1)
    else:
        path = RealPage._inc_path(RealPage(path=last_child.path))
    numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()

    home_type, _created = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    locale_id = root.locale_id or Locale.objects.order_by("pk").values_list("pk", flat=True).first()
    slug = "home" if not Page.objects.filter(depth=2, slug="home").exists() else "trang-chu"
    now = timezone.now()
    home = HomePage.objects.create(
        title=TITLE,
        draft_title=TITLE,
        slug=slug,
        content_type=home_type,
        path=path,
        depth=2,
        numchild=0,
        url_path=f"/{slug}/",
        locale_id=locale_id,
        live=True,
        has_unpublished_changes=False,
        first_published_at=now,
        last_published_at=now,
        intro=INTRO,
    )
    Page.objects.filter(pk=root.pk).update(numchild=numchild + 1)

    if replace_site_root:
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page_id=home.pk, is_default_site=True)
        else:
            Site.objects.filter(pk=site.pk).update(root_page_id=home.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(create_home_page, migrations.RunPython.noop)]
