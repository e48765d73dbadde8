"""Links on the profile page that other apps contribute, without accounts importing them.

As the home page's panels (``cms.home``), an app adds its links from its
``wagtail_hooks.py`` (Wagtail loads those of every installed app)::

    from wagtail import hooks
    from accounts.profile import PROFILE_LINKS_HOOK, ProfileLink, Section

    @hooks.register(PROFILE_LINKS_HOOK)
    def course_links(request):
        yield ProfileLink(Section.TRAINING, 10, _("My courses"), reverse("courses:mine"))
        if can_manage_courses(request.user):  # the app's policy, never a role tuple
            yield ProfileLink(Section.WORK, 20, _("Course reports"), reverse("courses:manage_list"))

The profile page lists each section's links in ``order``. A hook runs on
every profile view: it should decide from the app's policy (``policies.py``,
which reads the roles cached on the user) and ``reverse``, not query per item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from wagtail import hooks

PROFILE_LINKS_HOOK = "accounts_profile_links"


class Section(StrEnum):
    TRAINING = "training"  # "My training": what the person follows
    WORK = "work"  # "My work": staff pages their roles open


@dataclass(frozen=True)
class ProfileLink:
    section: Section
    order: int
    label: str
    url: str


def collect_links(request) -> dict[str, list[ProfileLink]]:
    """Every contributed link, by section, each section in order."""
    links: Iterable[ProfileLink] = (link for fn in hooks.get_hooks(PROFILE_LINKS_HOOK) for link in fn(request))
    by_section: dict[str, list[ProfileLink]] = {section.value: [] for section in Section}
    for link in sorted(links, key=lambda link: link.order):
        by_section[link.section.value].append(link)
    return by_section
