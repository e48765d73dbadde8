from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms import search
        from courses import caching, signals
        from courses.models import CoursePage, ModulePage

        search.register(CoursePage)
        search.register(ModulePage)
        signals.connect()
        caching.read_version_along()
