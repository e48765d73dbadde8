"""Django-side helper of bench/run.py: finds the demo objects and signs people in.

Run by run.py with the same environment as the server under test (never on
its own against a database you care about: it writes sessions, attempts and
deletes one session's check-ins):

    python bench/prepare.py prepare OUT.json --trainees 32
    python bench/prepare.py reset-scan SESSION_ID

``prepare`` writes what the load generator needs as JSON: page paths,
session cookies, quiz attempts and ticket tokens. Sessions are created
server-side the way a sign-in does (``django.contrib.auth.login`` on a
request whose session is then saved, plus allauth's record of the
authentication methods), because the load generator must not spend its
time in the password hasher, and the organiser signs in with TOTP, which a
script cannot type. See README.md for why this is equivalent.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

TRAINEE = "hocvien@demo.tdkt.vn"
ORGANISER = "bantochuc@demo.tdkt.vn"
QUIZ_TITLE = "Kiểm tra nhập môn"  # the demo's onboarding quiz: no time limit, no attempt limit
SCAN_EVENT_SLUG = "tap-huan-thi-dua-khen-thuong-ha-noi-2019"  # the 250-delegate conference
REGULATION_NUMBER = "06/2022/QH15"


def _session_cookie(user, *, mfa: bool) -> str:
    """A saved session for ``user``, as allauth's password (and TOTP) sign-in leaves it."""
    from importlib import import_module

    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.contrib.auth import login
    from django.test import RequestFactory

    request = RequestFactory().get("/", secure=True)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = user
    login(request, user, backend="accounts.backends.AuthenticationBackend")
    record_authentication(request, user, "password", email=user.email)
    if mfa:
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()
    return request.session.session_key


def _ensure_totp(user) -> None:
    """Turn on TOTP for ``user`` as the set-up page does (staff pages require it)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


def _quiz_slot(attempt) -> dict:
    """The first single-choice / true-false / multiple-choice slot of ``attempt``: the one the bench answers."""
    from quizzes.models import QuestionSlot, QuestionType

    slot = (
        QuestionSlot.objects.filter(
            attempt=attempt,
            question__qtype__in=[QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE],
        )
        .order_by("position")
        .first()
    )
    if slot is None:
        raise SystemExit(f"attempt {attempt.pk} has no choice question")
    return {"attempt": str(attempt.pk), "slot": slot.pk, "version": slot.version}


def _bench_quiz(trainee):
    """The onboarding quiz if the demo trainee may take it now, else the first quiz they may take.

    A quiz opens only under the rules of the course that holds it (enrolled,
    earlier modules finished: ``quizzes.policies.quiz_access``).
    """
    from quizzes.models import Quiz
    from quizzes.policies import quiz_access

    candidates = [*Quiz.objects.filter(title=QUIZ_TITLE), *Quiz.objects.exclude(title=QUIZ_TITLE).order_by("pk")]
    for quiz in candidates:
        if quiz_access(trainee, quiz).allowed:
            return quiz
    raise SystemExit(f"{TRAINEE} may take no quiz of the demo: did seed_demo run?")


def prepare(out: Path, trainees: int) -> None:
    from django.utils import timezone
    from wagtail import hooks

    from accounts.models import User
    from cms.models import RegulationPage
    from courses.models import CoursePage, Enrolment
    from events.models import EventPage, Registration
    from events.tokens import ticket_token
    from quizzes import services as quiz_services
    from quizzes.policies import OPEN, QUIZ_ACCESS_HOOK

    trainee = User.objects.get(email=TRAINEE)
    organiser = User.objects.get(email=ORGANISER)

    regulation = (
        RegulationPage.objects.live().filter(document_number=REGULATION_NUMBER).first()
        or RegulationPage.objects.live().order_by("path").first()
    )
    # The trainee's course with the most modules among those they are enrolled in (the heaviest outline).
    enrolled = Enrolment.objects.filter(user=trainee, status=Enrolment.Status.ACTIVE).values_list(
        "course_id", flat=True
    )
    courses = sorted(
        CoursePage.objects.live().filter(pk__in=list(enrolled)), key=lambda c: (-c.modules().count(), c.path)
    )
    if not courses:
        raise SystemExit(f"{TRAINEE} is enrolled in no course: did seed_demo run?")
    course = courses[0]

    # One trainee per simulated browser, each with their own attempt, as in a conference room.
    quiz = _bench_quiz(trainee)
    event = EventPage.objects.get(slug=SCAN_EVENT_SLUG)
    registrations = list(
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("user")
        .order_by("pk")
    )
    others = [r.user for r in registrations if r.user_id != trainee.pk]
    people = [trainee, *others[: max(trainees - 1, 0)]]
    if len(people) < trainees:
        raise SystemExit(f"only {len(people)} trainees available, {trainees} asked for")
    answerers = []
    # The other delegates stand in for a room of trainees taking the quiz the demo trainee may take;
    # who may start it is not what is measured, so its holder's rules are lifted here (and only
    # here: saving answers checks nothing but the attempt's owner, as in production).
    with hooks.register_temporarily(QUIZ_ACCESS_HOOK, lambda user, quiz: OPEN):
        attempts = [quiz_services.attempt_start(quiz=quiz, user=person) for person in people]
    for person, attempt in zip(people, attempts, strict=True):
        answerers.append({"email": person.email, "session": _session_cookie(person, mfa=False), **_quiz_slot(attempt)})

    _ensure_totp(organiser)
    session = event.sessions.order_by("starts_at").first()
    # The door takes scans only while a session runs (events.services.door_is_open): in this
    # throwaway database the conference's first session is moved to be running now.
    now = timezone.now()
    type(session).objects.filter(pk=session.pk).update(
        starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=8)
    )
    data = {
        "regulation_path": regulation.get_url(),
        "regulation_title": regulation.title,
        "course_path": course.get_url(),
        "course_title": course.title,
        "course_modules": course.modules().count(),
        "trainee": {"email": trainee.email, "session": answerers[0]["session"]},
        "quiz": {"id": quiz.pk, "title": quiz.title, "answerers": answerers},
        "scan": {
            "event": event.pk,
            "event_title": event.title,
            "session": session.pk,
            "organiser_session": _session_cookie(organiser, mfa=True),
            "tokens": [ticket_token(r.uuid) for r in registrations],
        },
        # A CSRF secret of 32 characters is accepted both as the cookie and as the form field.
        "csrf": secrets.token_hex(16),
    }
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def reset_scan(session_id: int) -> None:
    """Forget one session's check-ins so that every scan of the next round is a first scan."""
    from django.db import transaction

    from events.models import Attendance, ScanNonce

    with transaction.atomic():
        ScanNonce.objects.filter(session_id=session_id).delete()
        Attendance.objects.filter(session_id=session_id).delete()


def slot_versions(out: Path, slot_ids: list[int]) -> None:
    """What the database holds for these answer slots: version and stored response."""
    from quizzes.models import QuestionSlot

    rows = QuestionSlot.objects.filter(pk__in=slot_ids).values_list("pk", "version", "response")
    out.write_text(json.dumps({str(pk): {"version": v, "response": r} for pk, v, r in rows}), encoding="utf-8")


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("out", type=Path)
    p.add_argument("--trainees", type=int, default=32)
    r = sub.add_parser("reset-scan")
    r.add_argument("session", type=int)
    v = sub.add_parser("slots")
    v.add_argument("out", type=Path)
    v.add_argument("slot", type=int, nargs="+")
    args = parser.parse_args()
    django.setup()
    if args.command == "prepare":
        prepare(args.out, args.trainees)
    elif args.command == "slots":
        slot_versions(args.out, args.slot)
    else:
        reset_scan(args.session)


if __name__ == "__main__":
    main()
