"""Content-Security-Policy on every response, with a nonce per request.

Public pages get a strict policy: scripts only from our own origin or from
an inline ``<script nonce="{{ csp_nonce }}">``, no inline styles, no plugins,
no framing by other sites. Should an XSS slip past ``cms.sanitize``, the
browser still refuses to run it.

The Wagtail admin cannot live with that (yet): Wagtail 7.4 still starts some
widgets with inline ``<script>`` that carries no nonce (InlinePanel,
MultipleChooserPanel, the date and time pickers on every page's settings
tab, chooser widgets, the HTML that modal choosers insert), and its bundled
jQuery UI, tag-it, datetimepicker and axe-core (the accessibility checker)
write inline styles. So under the admin's URL prefix CSP_ADMIN_POLICY
applies; what it allows and why is noted at DEFAULT_ADMIN_POLICY.

Settings (all optional):

- ``CSP_POLICY`` and ``CSP_ADMIN_POLICY``: directives to change in the public
  or the admin policy, as ``{"img-src": ["'self'", "https://cdn.example"]}``;
  a directive set to None is removed. ``lms.csp.NONCE`` stands for the
  request's nonce.
- ``CSP_REPORT_ONLY``: send Content-Security-Policy-Report-Only instead, to
  try a stricter policy on live traffic without breaking anything.

A view that sets its own Content-Security-Policy keeps it (Wagtail sends
``default-src 'none'`` with served documents and images). Django 6.0 brings
a CSP middleware of its own (``SECURE_CSP``); it varies the policy per view
with decorators, not per URL prefix, so the admin (views we do not own)
would still need this.
"""

import secrets
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

NONCE = "<nonce>"

Policy = dict[str, list[str]]
PolicyChanges = Mapping[str, Sequence[str] | str | None]

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"
WAGTAIL_RELEASES_ORIGIN = "https://releases.wagtail.org"

DEFAULT_POLICY: Policy = {
    "default-src": ["'self'"],
    "script-src": ["'self'", NONCE],
    "style-src": ["'self'"],
    # data: for the QR code allauth shows when a user sets up two-factor
    # authentication (an <img> with a data:image/svg+xml source).
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

DEFAULT_ADMIN_POLICY: Policy = {
    "default-src": ["'self'"],
    # Inline scripts without a nonce (see the module docstring). No nonce
    # here: browsers ignore 'unsafe-inline' when a nonce is present. No
    # 'unsafe-eval': the Function() calls in Wagtail's bundles are fallbacks
    # inside try/catch (globalThis polyfills) or unused paths.
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    # blob: for the previews of images chosen for upload; data: for icons
    # in Wagtail's CSS. The avatar host is added by admin_policy_defaults().
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    # The live preview panel loads the page preview in a same-origin iframe.
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    # The preview view itself answers with X-Frame-Options: SAMEORIGIN and
    # then gets frame-ancestors 'self' (see _frame_ancestors); every other
    # admin page refuses to be framed.
    "frame-ancestors": ["'none'"],
}


def admin_policy_defaults() -> Policy:
    """DEFAULT_ADMIN_POLICY plus the outside hosts Wagtail's settings turn on.

    The admin shows user avatars from WAGTAIL_GRAVATAR_PROVIDER_URL
    (Gravatar unless set otherwise; None turns avatars off and then no host
    is added), and checks for upgrades unless WAGTAIL_ENABLE_UPDATE_CHECK is
    False.
    """
    policy = {name: list(sources) for name, sources in DEFAULT_ADMIN_POLICY.items()}
    provider = getattr(settings, "WAGTAIL_GRAVATAR_PROVIDER_URL", "//www.gravatar.com/avatar")
    if provider:
        parts = urlsplit(provider)
        if parts.netloc:
            # A protocol-relative URL loads over the page's own scheme, which
            # is what a host-source without a scheme allows.
            policy["img-src"].append(f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc)
    if getattr(settings, "WAGTAIL_ENABLE_UPDATE_CHECK", True):
        # The dashboard asks Wagtail's release feed whether an upgrade exists
        # (superusers only); WAGTAIL_ENABLE_UPDATE_CHECK = False stops that.
        policy["connect-src"].append(WAGTAIL_RELEASES_ORIGIN)
    return policy


def _merge(base: Policy, changes: PolicyChanges | None) -> Policy:
    policy = {name: list(sources) for name, sources in base.items()}
    for name, sources in (changes or {}).items():
        if sources is None:
            policy.pop(name, None)
        elif isinstance(sources, str):
            policy[name] = sources.split()
        else:
            policy[name] = list(sources)
    return policy


def public_policy() -> Policy:
    return _merge(DEFAULT_POLICY, getattr(settings, "CSP_POLICY", None))


def admin_policy() -> Policy:
    return _merge(admin_policy_defaults(), getattr(settings, "CSP_ADMIN_POLICY", None))


def _check(policy: Policy, setting: str) -> None:
    for name in ("script-src", "style-src"):
        sources = policy.get(name, [])
        if NONCE in sources and "'unsafe-inline'" in sources:
            raise ImproperlyConfigured(
                f"{setting}: {name} has both a nonce and 'unsafe-inline'; browsers ignore "
                "'unsafe-inline' when a nonce is present, so one of them is a mistake."
            )


def _admin_prefix() -> str | None:
    try:
        return reverse("wagtailadmin_home")
    except NoReverseMatch:
        return None


def _frame_ancestors(policy: Policy, response: HttpResponse) -> None:
    # Django's and Wagtail's per-view framing decorators speak
    # X-Frame-Options; browsers ignore that header once a CSP has
    # frame-ancestors, so a view that allows same-origin framing is honoured
    # here rather than broken.
    if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN" and policy.get("frame-ancestors") == ["'none'"]:
        policy["frame-ancestors"] = ["'self'"]


def render_policy(policy: Policy, nonce: str) -> str:
    directives = []
    for name, sources in policy.items():
        values = [f"'nonce-{nonce}'" if source == NONCE else source for source in sources]
        directives.append(" ".join([name, *values]))
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Sets request.csp_nonce and the Content-Security-Policy header.

    The nonce is made for every request rather than only when a template
    asks for it: 16 random bytes cost next to nothing, and a header that
    always has the same shape is easier to reason about and to test.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        _check(public_policy(), "CSP_POLICY")
        _check(admin_policy(), "CSP_ADMIN_POLICY")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if getattr(request, "is_dummy", False):
            # Wagtail renders a preview by running a dummy request for the
            # page through the middleware, inside the real admin request.
            # The real request's pass sets the header (admin policy, framing
            # allowed by the preview view), with the nonce the page used.
            response.csp_nonce = request.csp_nonce
            return response
        if response.has_header(HEADER) or response.has_header(REPORT_ONLY_HEADER):
            return response
        prefix = _admin_prefix()
        policy = admin_policy() if prefix and request.path.startswith(prefix) else public_policy()
        _frame_ancestors(policy, response)
        header = REPORT_ONLY_HEADER if getattr(settings, "CSP_REPORT_ONLY", False) else HEADER
        response[header] = render_policy(policy, getattr(response, "csp_nonce", request.csp_nonce))
        return response


def csp_context(request: HttpRequest) -> dict[str, str]:
    """``csp_nonce`` for templates: ``<script nonce="{{ csp_nonce }}">``.

    django-htmx's {% htmx_script %} reads the same variable. Left out when the
    middleware did not run (a template rendered outside a request), so that
    no empty nonce attribute is written.
    """
    nonce = getattr(request, "csp_nonce", None)
    return {"csp_nonce": nonce} if nonce else {}
