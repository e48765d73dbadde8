"""No input ends in a 500: every URL of the URL conf, every method, hostile values, every role.

The URL list comes from the URL conf itself (our apps, allauth, health,
i18n), so a new URL is walked without anyone adding it here. Path
parameters are filled with real demo objects and then with hostile ones;
the form fields posted are the ones each page's own HTML offers, plus the
names the views read from raw requests.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

HOSTILE = [
    "a\x00b",  # NUL: PostgreSQL refuses it in text
    "\x01\x1b[31m\x7f",  # other control characters
    "x" * 10_000,
    "9" * 5_000,  # past Python's integer-conversion limit
    "99999999999999999999",  # past a 64-bit integer
    "-1",
    "²",  # str.isdigit() says yes, int() says no
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    "",
]
HOSTILE_PATH = {"int": ["99999999999999999999", "0"], "str": ["a b", "%00", "x" * 300], "uuid": []}
# Names views read from raw requests (beyond what the forms show).
COMMON_NAMES = ["q", "page", "p", "status", "unit", "session", "sort", "next", "fmt", "slot", "enrolment", "code"]
# Our own apps and the sign-in flows; Wagtail's admin is walked by Wagtail's own tests.
WALKED_PREFIXES = ("accounts.", "cms.", "courses.", "quizzes.", "events.", "certificates.", "lms.", "allauth.")
SKIPPED_NAMES = {
    "account_logout",  # ends the session the walk relies on; walked last, separately
}

FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.IGNORECASE)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def _patterns(resolver=None, prefix="", namespace="") -> Iterator[tuple[str, str, URLPattern]]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "") or ""
            view_class = getattr(entry.callback, "view_class", None)
            if view_class is not None:
                module = view_class.__module__
            if module.startswith(WALKED_PREFIXES) and (entry.name or "") not in SKIPPED_NAMES:
                yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern), entry


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, values: dict[str, str]) -> str:
    # A parameter nobody named yet still gets a value, so a new URL is walked too.
    return PARAM.sub(lambda m: values.get(m.group(2), "1"), route).replace("^", "").replace("$", "")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module and rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            yield _objects()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _objects() -> dict:
    from certificates.models import Certificate, CertificateBatch
    from courses.models import CoursePage, ModulePage, RefresherNotice
    from events.models import Attendance, EventPage, Registration
    from quizzes.models import Attempt, Category, Quiz

    event = EventPage.objects.live().order_by("pk").first()
    session = event.sessions.order_by("pk").first()
    registration = Registration.objects.filter(event=event).order_by("pk").first()
    attempt = Attempt.objects.order_by("pk").first()
    certificate = Certificate.objects.order_by("pk").first()
    batch = CertificateBatch.objects.order_by("pk").first()
    notice = RefresherNotice.objects.order_by("pk").first()
    return {
        "event_id": str(event.pk),
        "session_id": str(session.pk),
        "registration_uuid": str(registration.uuid),
        "course_id": str(CoursePage.objects.order_by("pk").first().pk),
        "module_id": str(ModulePage.objects.order_by("pk").first().pk),
        "notice_id": str(notice.pk if notice else 1),
        "attendance_id": str(Attendance.objects.filter(session=session).order_by("pk").first().pk),
        "attempt_id": str(attempt.pk if attempt else "00000000-0000-0000-0000-000000000000"),
        "quiz_pk": str(Quiz.objects.order_by("pk").first().pk),
        "category_pk": str(Category.objects.order_by("pk").first().pk),
        "batch_pk": str(batch.pk if batch else 1),
        "code": certificate.code if certificate else "unknown",
        "fmt": "xlsx",
        "number": "1",
        "uidb36": "1",
        "key": "abc",
    }


def _path_values(name: str, objects: dict) -> dict[str, str]:
    values = dict(objects)
    values["pk"] = {
        "quizzes:quiz": objects["quiz_pk"],
        "quizzes:start": objects["quiz_pk"],
        "quizzes:statistics": objects["quiz_pk"],
        "quizzes:export": objects["category_pk"],
        "certificates:batch_detail": objects["batch_pk"],
        "certificates:batch_download": objects["batch_pk"],
    }.get(name, "1")
    return values


def _roles(world) -> dict[str, object]:
    from accounts.models import User

    emails = {
        "trainee": "hocvien@demo.tdkt.vn",
        "coordinator": "daumoi@demo.tdkt.vn",
        "organiser": "bantochuc@demo.tdkt.vn",
        "editor": "bientap@demo.tdkt.vn",
        "moderator": "kiemduyet@demo.tdkt.vn",
        "admin": "quantri@demo.tdkt.vn",
    }
    users = {role: User.objects.get(email=email) for role, email in emails.items()}
    users["staff_without_mfa"] = User.objects.get(email="daumoi@demo.tdkt.vn")
    return users


def _client(user, enable_totp, *, mfa: bool = True) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        from accounts.mfa import mfa_setup_required

        if mfa and mfa_setup_required(user):
            enable_totp(user)
        client.force_login(user)
    return client


def _fields(html: str) -> tuple[set[str], set[str]]:
    """Names in the page's GET forms and in its POST forms."""
    get_names: set[str] = set()
    post_names: set[str] = set()
    for attrs, body in FORM.findall(html):
        names = set(FIELD.findall(body)) - {"csrfmiddlewaretoken"}
        (post_names if re.search(r"method=\"?post", attrs, re.IGNORECASE) else get_names).update(names)
    return get_names, post_names


# The coordinator a second time, before setting up TOTP: staff without MFA.
ROLES = ["anonymous", "trainee", "staff_without_mfa", "coordinator", "organiser", "editor", "moderator", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500(world, role, enable_totp, db):
    users = _roles(world)
    client = _client(users.get(role), enable_totp, mfa=role != "staff_without_mfa")
    failures: list[str] = []

    def check(method: str, url: str, **kwargs) -> str:
        response = getattr(client, method)(url, **kwargs)
        if response.status_code >= 500:
            data = kwargs.get("data")
            shown = {k: (v[:20] + "…" if isinstance(v, str) and len(v) > 20 else v) for k, v in (data or {}).items()}
            failures.append(f"{method.upper()} {url[:120]} {shown if data else ''} -> {response.status_code}")
        if response.get("Content-Type", "").startswith("text/html"):
            return response.content.decode(errors="replace")
        return ""

    for name, route, _pattern in _patterns():
        values = _path_values(name, world)
        url = "/" + _fill(route, values)
        html = check("get", url)
        get_names, post_names = _fields(html)
        query_names = sorted(get_names | set(COMMON_NAMES))
        for value in HOSTILE:
            check("get", url, data=dict.fromkeys(query_names, value))
        form_names = sorted(post_names | set(COMMON_NAMES))
        check("post", url, data={})
        for value in HOSTILE:
            check("post", url, data=dict.fromkeys(form_names, value))
        check("post", url, data="q=%ff%fe%00", content_type="application/x-www-form-urlencoded")
        check("post", url, data='{"a": [1e400, "\\u0000"]', content_type="application/json")
        # Hostile path parameters, one at a time.
        for param in PARAM.finditer(route):
            converter, key = param.group(1) or "str", param.group(2)
            for value in HOSTILE_PATH.get(converter, []):
                check("get", "/" + _fill(route, {**values, key: value}))
                check("post", "/" + _fill(route, {**values, key: value}), data={})

    assert not failures, f"{len(failures)} requests answered 5xx:\n" + "\n".join(failures[:80])
