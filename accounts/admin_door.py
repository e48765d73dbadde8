"""The Wagtail admin's own sign-in doors, each sent to allauth's.

Wagtail mounts a sign-in, a sign-out and a password reset under /admin/ that
know nothing of allauth's rate limits, emailed codes or second factor: a
password typed there would skip them. These patterns are included before
Wagtail's, so the same paths lead to allauth's views instead.
"""

from allauth.account.views import LogoutView
from django.urls import path, re_path
from django.views.generic import RedirectView

# The staff middleware lets these through: signing out, or being sent to the
# sign-in page, must work before MFA is set up and without admin access.
DOOR_URL_NAMES = frozenset({"admin_door_login", "admin_door_logout", "admin_door_password_reset"})

urlpatterns = [
    # A redirect, never a form: a password posted here is not even read.
    # The query string keeps ?next=, which allauth checks before following.
    path(
        "login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin_door_login",
    ),
    # The admin's "Log out" posts here; allauth's view signs out the same way
    # as the site's own button (its signals, its redirect).
    path("logout/", LogoutView.as_view(), name="admin_door_logout"),
    re_path(
        r"^password_reset/",
        RedirectView.as_view(pattern_name="account_reset_password"),
        name="admin_door_password_reset",
    ),
]
