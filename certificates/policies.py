"""Who may manage which certificates.

Certificates know no course or event: the app that owns the page a
certificate was earned on narrows which organisers manage it, through two
Wagtail hooks (registered in that app's ``wagtail_hooks.py``):

- ``PAGE_MANAGER_HOOK``: ``fn(user, page_id)`` answers True, False, or None
  for a page that is not its own;
- ``PAGES_NOT_MANAGED_HOOK``: ``fn(user)`` returns the ids of its pages the
  user does not manage (a queryset of page ids), for lists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail import hooks

from accounts.roles import Role
from accounts.scopes import AnyUser, has_role
from certificates.models import Certificate, CertificateBatch

PAGE_MANAGER_HOOK = "certificates_page_manager"
PAGES_NOT_MANAGED_HOOK = "certificates_pages_not_managed"


def can_manage_certificates(user: AnyUser) -> bool:
    """The staff pages of certificates at all: organisers and administrators."""
    return has_role(user, Role.ORGANISER, Role.ADMIN)


def can_manage_page_certificates(user: AnyUser | None, page_id: int | None) -> bool:
    """Administrators always; organisers unless the app owning the page says no."""
    if user is None:
        return False
    if has_role(user, Role.ADMIN):
        return True
    if not can_manage_certificates(user):
        return False
    return all(fn(user, page_id) is not False for fn in hooks.get_hooks(PAGE_MANAGER_HOOK))


def can_manage_certificate(user: AnyUser, certificate: Certificate) -> bool:
    return can_manage_page_certificates(user, certificate.page_id)


def certificates_managed_by(user: AnyUser) -> QuerySet[Certificate]:
    """The certificates ``user`` may list and open: all for administrators, the pages they manage for organisers."""
    if has_role(user, Role.ADMIN):
        return Certificate.objects.all()
    if not can_manage_certificates(user):
        return Certificate.objects.none()
    queryset = Certificate.objects.all()
    for fn in hooks.get_hooks(PAGES_NOT_MANAGED_HOOK):
        queryset = queryset.exclude(page_id__in=fn(user))
    return queryset


def can_see_batch(user: AnyUser, batch: CertificateBatch) -> bool:
    """A batch's ZIP holds every holder's certificate for one page: administrators and whoever started it."""
    return has_role(user, Role.ADMIN) or (can_manage_certificates(user) and batch.started_by_id == user.pk)
