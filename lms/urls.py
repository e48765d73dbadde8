from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import health

urlpatterns = [
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    # Before Wagtail's: its sign-in, sign-out and password reset lead to allauth's.
    path("admin/", include("accounts.admin_door")),
    path("admin/", include("cms.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("certificates/", include("certificates.urls")),
    path("events/", include("events.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("courses/", include("courses.urls")),
    path("", include("cms.urls")),
    # The home page is the Wagtail site root (cms.HomePage); the name keeps
    # {% url "home" %} and reverse("home") meaning "/".
    path("", wagtail_views.serve, {"path": ""}, name="home"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
