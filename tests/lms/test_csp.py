"""lms.csp: a strict policy on every public response, a looser one for the admin."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.roles import Role
from lms.csp import NONCE, ContentSecurityPolicyMiddleware, csp_context

HEADER = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"

PUBLIC_ROUTES = [
    ("home", 200),
    ("account_login", 200),
    ("account_signup", 200),
    ("account_reset_password", 200),
    ("account_request_login_code", 200),
    ("accounts:profile", 302),
    ("cms:search", 200),
    ("healthz-live", 200),
    ("healthz-ready", 200),
]


def parse(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        assert name not in policy, f"{name} twice"
        policy[name] = sources
    return policy


def public_policy(nonce: str) -> dict[str, list[str]]:
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def nonce_of(policy: dict[str, list[str]]) -> str:
    nonces = [source[len("'nonce-") : -1] for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    return nonces[0]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


# Scripts of other types (application/json, ld+json) are data, not run.
JS_TYPES = {"", "text/javascript", "module", "application/javascript"}


def scripts(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in elements(html) if tag == "script" and attrs.get("type", "").lower() in JS_TYPES]


def assert_nothing_blocked(html: str, nonce: str) -> None:
    """Nothing on the page is something the public policy would block."""
    found = elements(html)
    assert not [tag for tag, _attrs in found if tag == "style"]
    assert not [tag for tag, attrs in found if "style" in attrs], "inline style attribute"
    assert not [(tag, name) for tag, attrs in found for name in attrs if name.startswith("on")]
    for script in scripts(html):
        if "src" in script:
            assert not urlsplit(script["src"]).netloc, script
        else:
            assert script.get("nonce") == nonce, script


@pytest.mark.django_db
def test_the_home_page_gets_the_strict_public_policy(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    nonce = response.context["csp_nonce"]
    assert parse(response[HEADER]) == public_policy(nonce)
    assert_nothing_blocked(response.content.decode(), nonce)


@pytest.mark.django_db
def test_the_login_page_gets_the_public_policy(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    nonce = response.context["csp_nonce"]
    assert parse(response[HEADER]) == public_policy(nonce)
    assert_nothing_blocked(response.content.decode(), nonce)


@pytest.mark.django_db
def test_a_404_gets_the_public_policy(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    policy = parse(response[HEADER])
    assert policy == public_policy(nonce_of(policy))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "status"), PUBLIC_ROUTES)
def test_every_public_route_has_the_public_policy(client, name, status):
    response = client.get(reverse(name))
    assert response.status_code == status
    policy = parse(response[HEADER])
    nonce = nonce_of(policy)
    assert policy == public_policy(nonce)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    if response["Content-Type"].startswith("text/html"):
        assert_nothing_blocked(response.content.decode(), nonce)


@pytest.mark.django_db
def test_the_nonce_is_new_for_every_request(client):
    nonces = {nonce_of(parse(client.get(reverse("account_login"))[HEADER])) for _ in range(3)}
    assert len(nonces) == 3
    # 16 random bytes, URL-safe base64: enough that no one guesses the next.
    assert all(len(nonce) >= 22 for nonce in nonces)


def test_the_htmx_script_tag_carries_the_request_nonce(rf):
    # Renders through the project's real template settings, so this also
    # checks that lms.csp.csp_context is registered as a context processor.
    template = Template(
        '{% load django_htmx %}{% htmx_script %}<script nonce="{{ csp_nonce }}">document.body.dataset.ok = 1</script>'
    )

    def view(request):
        return HttpResponse(template.render(RequestContext(request)))

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))

    nonce = nonce_of(parse(response[HEADER]))
    html = response.content.decode()
    htmx = [script for script in scripts(html) if "htmx" in script.get("src", "")]
    assert htmx, "htmx_script rendered no script"
    assert all(script.get("nonce") == nonce for script in htmx)
    assert_nothing_blocked(html, nonce)


def test_the_context_processor_adds_nothing_without_the_middleware(rf):
    # An empty nonce="" would be worse than none: django-htmx writes the
    # attribute whenever the variable is set.
    assert csp_context(rf.get("/")) == {}


@pytest.fixture
def admin_client(client, make_staff, enable_totp):
    user = make_staff(Role.ADMIN)
    enable_totp(user)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_gets_its_own_policy(admin_client, client):
    public = parse(client.get(reverse("account_login"))[HEADER])

    response = admin_client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    admin = parse(response[HEADER])
    assert admin != public
    # Wagtail 7.4 starts widgets with inline scripts that have no nonce; a
    # nonce in the list would make browsers ignore 'unsafe-inline'.
    assert admin["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-eval'" not in admin["script-src"]
    assert admin["style-src"] == ["'self'", "'unsafe-inline'"]
    assert {"'self'", "data:", "blob:"} <= set(admin["img-src"])
    assert admin["frame-src"] == ["'self'"]
    assert admin["object-src"] == ["'none'"]
    assert admin["frame-ancestors"] == ["'none'"]
    assert admin["default-src"] == ["'self'"]
    assert admin["base-uri"] == admin["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_the_admin_policy_follows_wagtails_avatar_and_update_settings(admin_client, settings):
    # Our settings turn both off, so the admin calls out to no one.
    admin = parse(admin_client.get(reverse("wagtailadmin_home"))[HEADER])
    assert admin["img-src"] == ["'self'", "data:", "blob:"]
    assert admin["connect-src"] == ["'self'"]

    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = "//www.gravatar.com/avatar"
    settings.WAGTAIL_ENABLE_UPDATE_CHECK = True
    admin = parse(admin_client.get(reverse("wagtailadmin_home"))[HEADER])
    assert "www.gravatar.com" in admin["img-src"]
    assert "https://releases.wagtail.org" in admin["connect-src"]


class FormFields(HTMLParser):
    """The fields a browser would submit from a page's edit form (no JavaScript)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        name = attributes.get("name")
        if not name or "disabled" in attributes:
            return
        if tag == "input" and attributes.get("type") not in {"checkbox", "radio", "submit", "button", "file"}:
            self.data[name] = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


@pytest.fixture
def home(db):
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True).root_page.specific


@pytest.mark.django_db
def test_the_page_preview_may_be_framed_by_the_admin_only(admin_client, home):
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[home.pk]))
    assert parse(edit[HEADER])["frame-ancestors"] == ["'none'"]
    form = FormFields()
    form.feed(edit.content.decode())
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[home.pk])
    assert admin_client.post(url, form.data).json()["is_valid"]

    response = admin_client.get(url)

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = parse(response[HEADER])
    assert policy["frame-ancestors"] == ["'self'"]
    # The page was rendered through a dummy request to "/" inside this admin
    # request; the admin's policy is the one that counts.
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]


@pytest.mark.django_db
def test_a_revision_preview_gets_the_admin_policy(admin_client, home):
    revision = home.save_revision()

    response = admin_client.get(reverse("wagtailadmin_pages:revisions_view", args=[home.pk, revision.pk]))

    assert response.status_code == 200
    policy = parse(response[HEADER])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_a_preview_keeps_the_nonce_its_page_was_rendered_with(settings):
    # Wagtail renders a preview by running a dummy request for the page
    # through the middleware inside the real admin request. Whatever nonce
    # the page's scripts carry must be the one in the header.
    settings.CSP_ADMIN_POLICY = {"script-src": ["'self'", NONCE]}
    factory = RequestFactory()

    def page_view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    def preview_view(request):
        dummy = factory.get("/")
        dummy.is_dummy = True
        response = ContentSecurityPolicyMiddleware(page_view)(dummy)
        assert not response.has_header(HEADER)
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    response = ContentSecurityPolicyMiddleware(preview_view)(factory.get(reverse("wagtailadmin_home") + "pages/2/"))

    policy = parse(response[HEADER])
    assert policy["frame-ancestors"] == ["'self'"]
    assert_nothing_blocked(response.content.decode(), nonce_of(policy))


def test_a_policy_set_by_the_view_is_kept(rf):
    def view(request):
        response = HttpResponse("document")
        response[HEADER] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(view)(rf.get("/documents/1/a.pdf"))[HEADER] == "default-src 'none'"


def test_policies_can_be_changed_in_settings(rf, settings):
    settings.CSP_POLICY = {"img-src": ["'self'", "https://cdn.example.vn"], "media-src": None, "report-uri": "/csp/"}

    response = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())(rf.get("/"))

    policy = parse(response[HEADER])
    assert policy["img-src"] == ["'self'", "https://cdn.example.vn"]
    assert "media-src" not in policy
    assert policy["report-uri"] == ["/csp/"]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce_of(policy)}'"]


def test_report_only_mode_sends_the_report_only_header(rf, settings):
    settings.CSP_REPORT_ONLY = True

    response = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())(rf.get("/"))

    assert not response.has_header(HEADER)
    assert parse(response[REPORT_ONLY])["object-src"] == ["'none'"]


@pytest.mark.parametrize("setting", ["CSP_POLICY", "CSP_ADMIN_POLICY"])
def test_a_nonce_next_to_unsafe_inline_is_refused_at_startup(settings, setting):
    setattr(settings, setting, {"script-src": ["'self'", "'unsafe-inline'", NONCE]})
    with pytest.raises(ImproperlyConfigured):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


@pytest.mark.django_db
def test_the_two_factor_qr_code_is_allowed_by_the_public_policy(client, trainee, password):
    # allauth draws the QR code as <img src="data:image/svg+xml;base64,…">.
    client.post(reverse("account_login"), {"login": trainee.email, "password": password})
    url = reverse("mfa_activate_totp")
    response = client.get(url)
    if response.status_code == 302 and urlsplit(response["Location"]).path == reverse("account_reauthenticate"):
        client.post(response["Location"], {"password": password})
        response = client.get(url)
    assert response.status_code == 200

    sources = [attributes.get("src", "") for tag, attributes in elements(response.content.decode()) if tag == "img"]
    assert any(source.startswith("data:image/svg+xml") for source in sources)
    policy = parse(response[HEADER])
    assert "data:" in policy["img-src"]
    assert_nothing_blocked(response.content.decode(), nonce_of(policy))
