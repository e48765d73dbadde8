"""Home-page panels that other apps contribute, without cms importing them.

An app adds a panel from its ``wagtail_hooks.py`` (Wagtail loads those of
every installed app)::

    from wagtail import hooks
    from cms.home import HOME_PANELS_HOOK, HomePanel

    @hooks.register(HOME_PANELS_HOOK)
    def open_courses(request, page):
        courses = list(CoursePage.objects.live()[:3])
        if not courses:
            return None  # nothing to show: no panel
        return HomePanel(order=20, template_name="courses/home_panel.html", context={"courses": courses})

The home page template renders them in ``order`` with ``{% home_panels %}``
(``cms_tags``); each template gets its ``context`` plus ``request`` and
``page``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wagtail import hooks

HOME_PANELS_HOOK = "cms_home_panels"


@dataclass(frozen=True)
class HomePanel:
    template_name: str
    order: int = 100
    context: dict[str, Any] = field(default_factory=dict)


def collect_panels(request, page) -> list[HomePanel]:
    panels = [panel for fn in hooks.get_hooks(HOME_PANELS_HOOK) if (panel := fn(request, page)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
