"""National-scale data on PostgreSQL, and the pages measured on it (issue 18).

    python bench/national.py build --database-url postgres://postgres@127.0.0.1:5432/lms_national --recreate
    python bench/national.py measure --database-url postgres://postgres@127.0.0.1:5432/lms_national

``build`` (on a database of your own: ``--recreate`` drops it first) runs
``migrate`` and ``seed_demo``, then adds, at ``--scale 1``: a tree of about
600 units in three levels (one national root, the 63 provinces and cities,
their departments), 100,000 people with Vietnamese names (accented, NFC) in
them, 15 more courses (copies of the demo's, so 20 in all), 200,000
enrolments with their module progress, a quiz answered 100,000 times with
1,000,000 answers, one conference of 4 sessions with 20,000 registrations and
60,000 check-ins, and 50,000 course certificates. The rows go in through
PostgreSQL's COPY; the pages (courses, the conference, the quiz) through
Wagtail and the ORM, so they are what an editor would have made. A smaller
``--scale`` (0.01 gives 1,000 people in 19 units) builds the same shapes
small: the baseline the national figures are compared with.

``measure`` signs in the people who use each page (server-side sessions with
the MFA step recorded, as bench/prepare.py does) and requests each page
through ``django.test.Client`` under production settings (DEBUG off, the
HTTPS header, the real middleware), warm, 20 times, printing the query count
and the median time as a Markdown table. It leaves the database as it found
it (the scans it makes are removed again), so it can be run any number of
times. ``--explain N`` also prints EXPLAIN ANALYZE of each page's N slowest queries.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROOT_CODE = "QG"
ROOT_NAME = "Hội đồng Thi đua – Khen thưởng Trung ương"
COORDINATOR = "daumoi.quocgia@bench.tdkt.vn"
TRAINEE = "hocvien@demo.tdkt.vn"
ORGANISER = "bantochuc@demo.tdkt.vn"
EDITOR = "bientap@demo.tdkt.vn"
QUIZ_TITLE = "Kiểm tra kiến thức Luật Thi đua, khen thưởng năm 2022 (toàn quốc)"
EVENT_SLUG = "hoi-nghi-tap-huan-toan-quoc"
REPORT_COURSE_SLUG = "nhap-mon-cho-can-bo-kiem-nhiem"  # the demo course the people report is measured on
PROVINCES = [
    "Thành phố Hà Nội",
    "Thành phố Hồ Chí Minh",
    "Thành phố Hải Phòng",
    "Thành phố Đà Nẵng",
    "Thành phố Cần Thơ",
    "Tỉnh An Giang",
    "Tỉnh Bà Rịa – Vũng Tàu",
    "Tỉnh Bắc Giang",
    "Tỉnh Bắc Kạn",
    "Tỉnh Bạc Liêu",
    "Tỉnh Bắc Ninh",
    "Tỉnh Bến Tre",
    "Tỉnh Bình Định",
    "Tỉnh Bình Dương",
    "Tỉnh Bình Phước",
    "Tỉnh Bình Thuận",
    "Tỉnh Cà Mau",
    "Tỉnh Cao Bằng",
    "Tỉnh Đắk Lắk",
    "Tỉnh Đắk Nông",
    "Tỉnh Điện Biên",
    "Tỉnh Đồng Nai",
    "Tỉnh Đồng Tháp",
    "Tỉnh Gia Lai",
    "Tỉnh Hà Giang",
    "Tỉnh Hà Nam",
    "Tỉnh Hà Tĩnh",
    "Tỉnh Hải Dương",
    "Tỉnh Hậu Giang",
    "Tỉnh Hòa Bình",
    "Tỉnh Hưng Yên",
    "Tỉnh Khánh Hòa",
    "Tỉnh Kiên Giang",
    "Tỉnh Kon Tum",
    "Tỉnh Lai Châu",
    "Tỉnh Lâm Đồng",
    "Tỉnh Lạng Sơn",
    "Tỉnh Lào Cai",
    "Tỉnh Long An",
    "Tỉnh Nam Định",
    "Tỉnh Nghệ An",
    "Tỉnh Ninh Bình",
    "Tỉnh Ninh Thuận",
    "Tỉnh Phú Thọ",
    "Tỉnh Phú Yên",
    "Tỉnh Quảng Bình",
    "Tỉnh Quảng Nam",
    "Tỉnh Quảng Ngãi",
    "Tỉnh Quảng Ninh",
    "Tỉnh Quảng Trị",
    "Tỉnh Sóc Trăng",
    "Tỉnh Sơn La",
    "Tỉnh Tây Ninh",
    "Tỉnh Thái Bình",
    "Tỉnh Thái Nguyên",
    "Tỉnh Thanh Hóa",
    "Tỉnh Thừa Thiên Huế",
    "Tỉnh Tiền Giang",
    "Tỉnh Trà Vinh",
    "Tỉnh Tuyên Quang",
    "Tỉnh Vĩnh Long",
    "Tỉnh Vĩnh Phúc",
    "Tỉnh Yên Bái",
]
DEPARTMENTS = [
    ("SNV", "Sở Nội vụ"),
    ("STC", "Sở Tài chính"),
    ("SYT", "Sở Y tế"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("STP", "Sở Tư pháp"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("SXD", "Sở Xây dựng"),
    ("BTDKT", "Ban Thi đua – Khen thưởng"),  # only in the first 32, for about 600 units in all
]
# Departments of the root (the ministries' side), so the root has people of its own level too.
CENTRAL = [("VP", "Văn phòng Hội đồng"), ("VTDKT", "Vụ Thi đua – Khen thưởng")]
COPY_BATCH = 5000


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- environment ---------------------------------------------------------------------------------


def django_env(database_url: str, *, production: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="lms.settings")
    env.pop("REDIS_URL", None)
    if production:
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            CERTIFICATE_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
            ALLOWED_HOSTS="testserver",
            SITE_URL="https://testserver",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
    else:
        env["DEBUG"] = "1"
    return env


def setup_django(database_url: str, *, production: bool) -> None:
    os.environ.update(django_env(database_url, production=production))
    import django

    django.setup()


def recreate(database_url: str) -> None:
    """Drop and create the database, then migrate and load the demo (as bench/run.py does)."""
    import psycopg
    from psycopg import sql

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = django_env(database_url, production=False)
    for step in (["migrate", "-v0"], ["seed_demo"]):
        say(f"manage.py {' '.join(step)}")
        command = [sys.executable, str(ROOT / "manage.py"), *step]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own manage.py


# --- COPY --------------------------------------------------------------------------------------------


def copy_rows(table: str, columns: list[str], rows) -> int:
    """Stream ``rows`` into ``table`` with COPY (text format; None is NULL)."""
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - our table names
        return cursor.fetchone()[0]


def reset_sequences(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )


# --- the generator ----------------------------------------------------------------------------------


def _names(rng: random.Random):
    from demo.events import FAMILY, FEMALE_GIVEN, FEMALE_MIDDLE, MALE_GIVEN, MALE_MIDDLE, POSITIONS

    def person() -> tuple[str, str]:
        if rng.random() < 0.55:
            middle, given = rng.choice(FEMALE_MIDDLE), rng.choice(FEMALE_GIVEN)
        else:
            middle, given = rng.choice(MALE_MIDDLE), rng.choice(MALE_GIVEN)
        return f"{rng.choice(FAMILY)} {middle} {given}", rng.choice(POSITIONS)

    return person


def build_units(scale: float) -> tuple[object, list[tuple[int, int]]]:
    """The national tree in name order (treebeard's node_order_by), by COPY; returns the root and (id, depth) rows."""
    from accounts.models import OrgUnit
    from core.text import nfc

    provinces = PROVINCES[: max(2, round(len(PROVINCES) * scale))]
    last_root = OrgUnit.get_last_root_node()
    root_path = OrgUnit._get_path(None, 1, last_root._get_lastpos_in_path() + 1)
    first = next_id("accounts_orgunit")
    rows = []

    def node(path, depth, numchild, code, name, kind, cluster=""):
        rows.append([first + len(rows), path, depth, numchild, code, nfc(name), kind, cluster, True])
        return rows[-1][0]

    children = [(f"{ROOT_CODE}-{code}", name, "unit", []) for code, name in CENTRAL]
    for number, province in enumerate(provinces, start=1):
        departments = DEPARTMENTS if number <= 32 else DEPARTMENTS[:-1]
        # "Sở Nội vụ thành phố Hà Nội", "Sở Y tế tỉnh An Giang".
        where = province[0].lower() + province[1:]
        subs = [(f"{ROOT_CODE}-P{number:02d}-{code}", f"{name} {where}") for code, name in departments]
        children.append((f"{ROOT_CODE}-P{number:02d}", province, "province", subs))
    children.sort(key=lambda child: child[1])
    node(root_path, 1, len(children), ROOT_CODE, ROOT_NAME, "ministry")
    for position, (code, name, kind, subs) in enumerate(children, start=1):
        path = OrgUnit._get_path(root_path, 2, position)
        node(path, 2, len(subs), code, name, kind, "Cụm thi đua các tỉnh, thành phố" if subs else "")
        for sub_position, (sub_code, sub_name) in enumerate(sorted(subs, key=lambda s: s[1]), start=1):
            node(OrgUnit._get_path(path, 3, sub_position), 3, 0, sub_code, sub_name, "department")
    columns = ["id", "path", "depth", "numchild", "code", "name", "kind", "cluster", "is_active"]
    copy_rows("accounts_orgunit", columns, rows)
    reset_sequences(["accounts_orgunit"])
    return OrgUnit.objects.get(code=ROOT_CODE), [(row[0], row[2]) for row in rows]


def build_users(rng: random.Random, units: list[tuple[int, int]], count: int) -> list[tuple[int, str, int]]:
    """People spread over the units (most in departments, a few at the province or root), unusable passwords."""
    from core.text import fold

    person = _names(rng)
    first = next_id("accounts_user")
    now = datetime.datetime.now(datetime.UTC)
    weights = [5 if depth == 3 else 2 if depth == 2 else 1 for _pk, depth in units]
    unit_ids = rng.choices([pk for pk, _depth in units], weights=weights, k=count)
    people = []

    def rows():
        for n in range(count):
            name, position = person()
            words = fold(name).split()
            email = f"{words[-1]}.{words[0]}.{n:06d}@bench.tdkt.vn"
            phone = "09" + str(rng.randrange(10**8)).zfill(8)
            people.append((first + n, name, unit_ids[n]))
            joined = now - datetime.timedelta(days=rng.randrange(1, 1500))
            password = "!" + secrets.token_hex(8)  # unusable: these people never sign in
            yield [first + n, password, None, False, email, name, position, phone, unit_ids[n], True, joined]

    columns = ["id", "password", "last_login", "is_superuser", "email", "full_name", "position", "phone", "org_unit_id"]
    copy_rows("accounts_user", [*columns, "is_active", "date_joined"], rows())
    reset_sequences(["accounts_user"])
    return people


def build_courses(total: int) -> list:
    """Copies of the demo's courses (modules and all, published) until there are ``total``."""
    from courses.models import CourseIndexPage, CoursePage

    index = CourseIndexPage.objects.get()
    originals = list(CoursePage.objects.child_of(index).order_by("path"))
    courses = list(originals)
    number = 1
    while len(courses) < total:
        for original in originals:
            if len(courses) >= total:
                break
            copy = original.copy(
                recursive=True,
                to=index,
                update_attrs={
                    "title": f"{original.title} (lớp {number + 1})",
                    "slug": f"{original.slug}-lop-{number + 1}",
                },
                keep_live=True,
                log_action=None,
            )
            courses.append(copy.specific)
        number += 1
    return courses


def build_enrolments(rng, people, courses, count) -> tuple[int, list[tuple[int, int, int, str]]]:
    """``count`` enrolments (two courses a person, the demo's five courses twice as likely), with progress."""
    from django.db import connection

    from courses.selectors import modules_by_course

    modules = {pk: [m.pk for m in ms] for pk, ms in modules_by_course(courses=courses).items()}
    weights = [2 if "-lop-" not in c.slug else 1 for c in courses]
    first = next_id("courses_enrolment")
    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    completed = []  # (enrolment id, user id, course id, completed_at)
    progress = []
    per_person = max(1, round(count / len(people)))
    made = 0

    def rows():
        nonlocal made
        for user_id, _name, _unit in people:
            chosen = set()
            while len(chosen) < min(per_person, len(courses)):
                chosen.add(rng.choices(range(len(courses)), weights=weights)[0])
            for index in sorted(chosen):
                if made >= count:
                    return
                course = courses[index]
                pk = first + made
                made += 1
                created = now - datetime.timedelta(days=rng.randrange(30, 700), minutes=rng.randrange(1440))
                roll = rng.random()
                status = "completed" if roll < 0.4 else "active" if roll < 0.9 else "pending" if roll < 0.95 else "left"
                module_ids = modules.get(course.pk, [])
                due = today + datetime.timedelta(days=rng.randrange(-120, 240)) if rng.random() < 0.6 else None
                done = len(module_ids) if status == "completed" else rng.randrange(len(module_ids) + 1)
                if status == "pending":
                    done = 0
                finished = created + datetime.timedelta(days=rng.randrange(1, 29)) if status == "completed" else None
                visited = (
                    created + datetime.timedelta(days=rng.randrange(1, 29)) if done or status == "active" else None
                )
                for position, module_id in enumerate(module_ids[: done + (status == "active")]):
                    stamp = created + datetime.timedelta(hours=position + 1)
                    progress.append([pk, module_id, stamp, stamp, stamp if position < done else None])
                if status == "completed":
                    completed.append((pk, user_id, course.pk, finished))
                last_module = module_ids[min(done, len(module_ids) - 1)] if module_ids and visited else None
                yield [
                    pk,
                    user_id,
                    course.pk,
                    status,
                    created,
                    due,
                    finished,
                    Decimal(rng.randrange(6000, 10001)) / 100 if status == "completed" else None,
                    created if status == "left" else None,
                    last_module,
                    visited,
                ]

    columns = ["id", "user_id", "course_id", "status", "created_at", "due_date", "completed_at", "final_score"]
    columns += ["left_at", "last_module_id", "last_visited_at"]
    made_rows = copy_rows("courses_enrolment", columns, rows())
    progress_columns = ["enrolment_id", "module_id", "first_visited_at", "last_visited_at", "completed_at"]
    copy_rows("courses_moduleprogress", progress_columns, iter(progress))
    reset_sequences(["courses_enrolment", "courses_moduleprogress"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE courses_enrolment; ANALYZE courses_moduleprogress")
    return made_rows, completed


def build_quiz(rng, people, attempts: int, answers_per_attempt: int = 10):
    """A ten-question quiz answered ``attempts`` times (one attempt a person, 2 % still open), graded."""
    from quizzes.models import CHOICE_TYPES, Category, Question, Quiz, QuizRule

    quiz = Quiz.objects.filter(title=QUIZ_TITLE).first()
    if quiz is None:
        quiz = Quiz(title=QUIZ_TITLE, description="Bài kiểm tra cuối đợt bồi dưỡng toàn quốc.", max_attempts=0)
        quiz.save()
        for category, count in zip(Category.objects.order_by("pk")[:4], (3, 3, 2, 2), strict=False):
            QuizRule.objects.create(quiz=quiz, category=category, count=count)
    pool = list(Question.objects.filter(qtype__in=CHOICE_TYPES, is_active=True).prefetch_related("options"))
    # Each question its own difficulty; each person an ability: facility and discrimination come out varied.
    ease = {q.pk: rng.uniform(0.3, 0.95) for q in pool}
    options = {q.pk: list(q.options.all()) for q in pool}
    now = datetime.datetime.now(datetime.UTC)
    slots = []

    def attempt_rows():
        for user_id, _name, _unit in people[:attempts]:
            attempt_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            started = now - datetime.timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(1440))
            in_progress = rng.random() < 0.02
            ability = rng.uniform(-0.35, 0.35)
            score = Decimal(0)
            max_score = Decimal(0)
            for position, question in enumerate(rng.sample(pool, answers_per_attempt), start=1):
                opts = options[question.pk]
                order = [o.pk for o in opts]
                rng.shuffle(order)
                right = [o.pk for o in opts if o.is_correct]
                correct = rng.random() < min(0.99, max(0.01, ease[question.pk] + ability))
                if question.qtype == "multiple":
                    wrong = [pk for pk in order if pk not in right]
                    picked = right if correct else rng.sample(order, rng.randrange(1, len(order) + 1))
                    response = {"choices": sorted(picked)} if picked != right or not wrong else {"choices": right}
                    earned = question.marks if set(picked) == set(right) else Decimal(0)
                else:
                    wrong = [pk for pk in order if pk not in right] or order
                    choice = rng.choice(right) if correct and right else rng.choice(wrong)
                    response = {"choice": choice}
                    fraction = next(o.fraction for o in opts if o.pk == choice)
                    earned = max(Decimal(0), question.marks * fraction)
                answered = started + datetime.timedelta(seconds=30 * position)
                if in_progress and position > answers_per_attempt // 2:
                    slots.append(
                        [
                            attempt_id,
                            question.pk,
                            position,
                            question.marks,
                            json.dumps(order),
                            "[]",
                            None,
                            0,
                            None,
                            None,
                            False,
                        ]
                    )
                    continue
                slots.append(
                    [
                        attempt_id,
                        question.pk,
                        position,
                        question.marks,
                        json.dumps(order),
                        "[]",
                        json.dumps(response),
                        1,
                        answered,
                        None if in_progress else earned,
                        False,
                    ]
                )
                score += earned
                max_score += question.marks
            if in_progress:
                yield [
                    attempt_id,
                    quiz.pk,
                    user_id,
                    1,
                    "in_progress",
                    started,
                    None,
                    False,
                    None,
                    Decimal(0),
                    None,
                    None,
                ]
                continue
            percent = (100 * score / max_score).quantize(Decimal("0.01")) if max_score else Decimal(0)
            finished = started + datetime.timedelta(minutes=rng.randrange(5, 30))
            yield [
                attempt_id,
                quiz.pk,
                user_id,
                1,
                "finished",
                started,
                finished,
                False,
                score,
                max_score,
                percent,
                percent >= quiz.pass_percent,
            ]

    columns = ["id", "quiz_id", "user_id", "number", "state", "started_at", "finished_at", "closed_automatically"]
    columns += ["score", "max_score", "percent", "passed"]
    made = copy_rows("quizzes_attempt", columns, attempt_rows())
    slot_columns = ["attempt_id", "question_id", "position", "marks", "option_order", "match_choices", "response"]
    slot_columns += ["version", "answered_at", "score", "flagged"]
    answers = copy_rows("quizzes_questionslot", slot_columns, iter(slots))
    reset_sequences(["quizzes_questionslot"])
    return quiz, made, answers


def build_event(rng, people, registrations: int, attendance: int):
    """A copy of the demo's four-session conference with ``registrations`` delegates and ``attendance`` check-ins."""
    from accounts.models import User
    from core.text import fold
    from events.models import EventIndexPage, EventPage, EventSession

    index = EventIndexPage.objects.get()
    original = EventPage.objects.get(slug="tap-huan-thi-dua-khen-thuong-da-nang-2015")
    event = original.copy(
        to=index,
        update_attrs={
            "title": "Hội nghị tập huấn nghiệp vụ công tác thi đua, khen thưởng toàn quốc",
            "slug": EVENT_SLUG,
            "capacity": registrations + 1000,
        },
        keep_live=True,
        log_action=None,
    ).specific
    # Sessions are plain rows run from the management pages: a page copy leaves them (its organisers come along).
    EventSession.objects.bulk_create(
        EventSession(
            event=event,
            sort_order=s.sort_order,
            title=s.title,
            speaker=s.speaker,
            room=s.room,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            required=s.required,
        )
        for s in original.sessions.order_by("starts_at", "pk")
    )
    sessions = list(event.sessions.order_by("starts_at"))
    organiser = User.objects.get(email=ORGANISER)
    first = next_id("events_registration")
    chosen = rng.sample(people, registrations)

    def rows():
        for seat, (user_id, name, unit_id) in enumerate(chosen, start=1):
            created = event.starts_at - datetime.timedelta(days=rng.randrange(3, 60), minutes=rng.randrange(1440))
            phone = "09" + str(rng.randrange(10**8)).zfill(8)
            yield [
                first + seat - 1,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                event.pk,
                user_id,
                name,
                fold(name)[:150],
                unit_id,
                "Chuyên viên",
                phone,
                "",
                "confirmed",
                seat,
                "import",
                organiser.pk,
                created,
                None,
                "",
            ]

    columns = ["id", "uuid", "event_id", "user_id", "full_name", "full_name_folded", "org_unit_id", "position", "phone"]
    columns += ["notes", "status", "seat", "source", "created_by_id", "created_at", "cancelled_at", "cancel_reason"]
    made = copy_rows("events_registration", columns, rows())
    pairs = rng.sample(range(registrations * len(sessions)), min(attendance, registrations * len(sessions)))

    def attendance_rows():
        for pair in sorted(pairs):
            registration_id = first + pair // len(sessions)
            session = sessions[pair % len(sessions)]
            late = rng.random() < 0.1
            at = session.starts_at + datetime.timedelta(
                minutes=rng.randrange(20, 60) if late else -rng.randrange(1, 30)
            )
            yield [registration_id, session.pk, "late" if late else "present", "scan", at, at, organiser.pk, ""]

    columns = ["registration_id", "session_id", "status", "method", "checked_in_at", "recorded_at", "recorded_by_id"]
    columns += ["device"]
    checked = copy_rows("events_attendance", columns, attendance_rows())
    reset_sequences(["events_registration", "events_attendance"])
    return event, made, checked


def build_certificates(rng, completed, people, courses, count: int) -> int:
    """Course certificates for the first ``count`` completed enrolments, as certificate_issue would snapshot them."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import OrgUnit
    from certificates.models import CertificateTemplate
    from courses.models import CoursePage

    template = CertificateTemplate.objects.get(is_default=True)
    page_type = ContentType.objects.get_for_model(CoursePage)
    names = {user_id: (name, unit_id) for user_id, name, unit_id in people}
    unit_names = dict(OrgUnit.objects.values_list("pk", "name"))
    titles = {c.pk: (c.title, c.estimated_hours) for c in courses}

    def rows():
        for number, (_enrolment, user_id, course_id, finished) in enumerate(completed[:count], start=1):
            name, unit_id = names[user_id]
            title, hours = titles[course_id]
            yield [
                secrets.token_urlsafe(16),
                f"QG-{finished.year}-{number:06d}",
                user_id,
                course_id,
                page_type.pk,
                template.pk,
                "valid",
                name,
                unit_names.get(unit_id, ""),
                title,
                "",
                "",
                hours,
                finished.date(),
                finished,
                "",
                "",
                "",
                "{}",
                *issuer,
            ]

    # The issuer as printed, snapshotted from the template as certificate_issue does.
    issuer_columns = ["issuing_body_parent", "issuing_body", "place", "signatory_title", "signatory_name"]
    issuer_columns += ["signature_image_id"]
    issuer = [getattr(template, column) for column in issuer_columns]
    columns = ["code", "serial", "holder_id", "page_id", "page_type_id", "template_id", "status", "holder_name"]
    columns += ["holder_unit", "achievement_title", "achievement_url", "criteria", "hours", "completed_on"]
    columns += ["issued_at", "revocation_reason", "pdf", "pdf_sha256", "credential", *issuer_columns]
    made = copy_rows("certificates_certificate", columns, rows())
    reset_sequences(["certificates_certificate"])
    return made


def build(args) -> None:
    if args.recreate:
        recreate(args.database_url)
    setup_django(args.database_url, production=False)
    from django.db import connection, transaction

    from accounts.models import OrgUnit, User
    from accounts.roles import Role
    from accounts.services import user_assign_role

    if OrgUnit.objects.filter(code=ROOT_CODE).exists():
        sys.exit(f"{args.database_url} already has the national data; build again with --recreate.")
    s = args.scale
    rng = random.Random(f"national-{s}")  # noqa: S311 - test data, the same on every run
    started = time.monotonic()

    def step(title, function, *fargs):
        t = time.monotonic()
        with transaction.atomic():
            result = function(*fargs)
        say(f"{title}: {time.monotonic() - t:.1f} s")
        return result

    root, units = step(f"units ({OrgUnit.objects.count()} before)", build_units, s)
    say(f"  {len(units)} units under {root.name}")
    people = step("users", build_users, rng, units, round(100_000 * s))
    coordinator = User.objects.create_user(
        COORDINATOR, full_name="Nguyễn Thị Thu Hằng", position="Chuyên viên Vụ Thi đua – Khen thưởng", org_unit=root
    )
    user_assign_role(user=coordinator, role=Role.COORDINATOR, unit=root)
    courses = step("courses", build_courses, 20)
    enrolments, completed = step("enrolments and progress", build_enrolments, rng, people, courses, round(200_000 * s))
    quiz, attempts, answers = step("quiz attempts and answers", build_quiz, rng, people, round(100_000 * s))
    event, registrations, checked = step("conference", build_event, rng, people, round(20_000 * s), round(60_000 * s))
    certificates = step("certificates", build_certificates, rng, completed, people, courses, round(50_000 * s))
    # The enrolments went in by COPY, past the services that keep the report's tallies: count them once.
    from courses.tallies import tally_recount

    tallies = step("course tallies", lambda: tally_recount())
    # The registrations and check-ins went in by COPY, around the models: count the event report's tallies.
    from events.tallies import recount as event_tally_recount

    step("event report tallies", event_tally_recount, [event.pk])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics and the visibility map, as autovacuum would leave them
    say(
        f"Built in {time.monotonic() - started:.0f} s: {len(units)} units, {len(people)} people, "
        f"{len(courses)} courses, "
        f"{enrolments} enrolments, {attempts} attempts with {answers} answers (quiz {quiz.pk}), "
        f"{registrations} registrations and {checked} check-ins (event {event.pk}), {certificates} certificates, "
        f"{tallies} course tallies."
    )


# --- measuring -------------------------------------------------------------------------------------


def _session_for(client, email: str, *, mfa: bool):
    from django.conf import settings

    from accounts.models import User
    from bench.prepare import _ensure_totp, _session_cookie

    user = User.objects.get(email=email)
    if mfa:
        _ensure_totp(user)
    client.cookies[settings.SESSION_COOKIE_NAME] = _session_cookie(user, mfa=mfa)
    return user


def cases():
    """(name, who, method, url or callable giving (url, data)) for each page measured."""
    from django.urls import reverse

    from accounts.models import OrgUnit
    from certificates.models import Certificate
    from cms.models import RegulationIndexPage
    from courses.models import CoursePage
    from events.models import EventPage, Registration
    from events.tokens import ticket_token
    from quizzes.models import Quiz

    course = CoursePage.objects.get(slug=REPORT_COURSE_SLUG)
    root = OrgUnit.objects.get(code=ROOT_CODE)
    event = EventPage.objects.get(slug=EVENT_SLUG)
    session = event.sessions.order_by("starts_at").first()
    quiz = Quiz.objects.get(title=QUIZ_TITLE)
    certificate = Certificate.objects.filter(serial__startswith="QG-").order_by("pk").first()
    regulations = RegulationIndexPage.objects.live().first()
    unscanned = iter(
        Registration.objects.filter(event=event, status="confirmed")
        .exclude(attendances__session=session)
        .order_by("pk")
        .values_list("uuid", flat=True)[:200]
    )
    unit = f"?unit={root.pk}"

    def scan():
        return {
            "token": ticket_token(next(unscanned)),
            "nonce": secrets.token_hex(16),
            "scanned_at": datetime.datetime.now(datetime.UTC).isoformat(),
        }

    scan_url = reverse("events:check_in_scan", args=[event.pk, session.pk])
    return [
        ("trainee dashboard", TRAINEE, "get", reverse("courses:mine"), None),
        ("unit report (root unit)", COORDINATOR, "get", reverse("courses:report", args=[course.pk]) + unit, None),
        (
            "unit report XLSX (root unit)",
            COORDINATOR,
            "get",
            reverse("courses:report_export", args=[course.pk, "xlsx"]) + unit,
            None,
        ),
        (
            "people report (root unit)",
            COORDINATOR,
            "get",
            reverse("courses:report_people", args=[course.pk]) + unit,
            None,
        ),
        ("event attendance report", ORGANISER, "get", reverse("events:report", args=[event.pk]), None),
        ("event attendance XLSX", ORGANISER, "get", reverse("events:report_xlsx", args=[event.pk]), None),
        # The same report as the national coordinator sees it: their subtree, added up by province.
        ("event attendance report (coordinator)", COORDINATOR, "get", reverse("events:report", args=[event.pk]), None),
        (
            "door search by name",
            ORGANISER,
            "get",
            reverse("events:check_in_search", args=[event.pk, session.pk]) + "?q=nguyen",
            None,
        ),
        ("check-in scan", ORGANISER, "post", scan_url, scan),
        ("quiz statistics", EDITOR, "get", reverse("quizzes:statistics", args=[quiz.pk]), None),
        ("certificate verify", None, "get", reverse("certificates:verify", args=[certificate.code]), None),
        ("regulation listing", None, "get", regulations.url, None),
    ], session


def _body_size(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(args) -> None:
    setup_django(args.database_url, production=True)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from events.models import Attendance

    # Static files as production names them would need collectstatic; the plain storage renders the same pages.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        measured, session = cases()
        clients = {}
        results = []
        started_scans = Attendance.objects.filter(session=session).count()
        try:
            for name, who, method, url, data in measured:
                if args.cases and name not in args.cases:
                    continue
                if who not in clients:
                    client = Client(enforce_csrf_checks=False, headers={"X-Forwarded-Proto": "https"})
                    if who:
                        _session_for(client, who, mfa=who != TRAINEE)
                    clients[who] = client
                client = clients[who]
                times, queries, size = [], [], 0
                for number in range(args.warmup + args.requests):
                    payload = data() if callable(data) else data
                    with CaptureQueriesContext(connection) as context:
                        t = time.perf_counter()
                        response = (
                            getattr(client, method)(url, payload, secure=True)
                            if payload
                            else getattr(client, method)(url, secure=True)
                        )
                        size = _body_size(response)
                        elapsed = time.perf_counter() - t
                    if response.status_code != 200:
                        sys.exit(f"{name}: {response.status_code} from {url}")
                    if number >= args.warmup:
                        times.append(elapsed * 1000)
                        queries.append(len(context.captured_queries))
                results.append(
                    {"case": name, "queries": max(queries), "median_ms": statistics.median(times), "bytes": size}
                )
                say(f"{name}: {max(queries)} queries, median {statistics.median(times):.1f} ms, {size:,} bytes")
                if args.explain and method == "get":
                    explain(client, url, args.explain)
        finally:
            # The scans were first check-ins made by this run: remove them so the next run finds the same data.
            Attendance.objects.filter(session=session, method="scan", recorded_at__gte=_run_started).delete()
            assert Attendance.objects.filter(session=session).count() == started_scans
    if args.json:
        Path(args.json).write_text(json.dumps({"database": args.database_url, "results": results}, indent=1))


def explain(client, url: str, count: int) -> None:
    """EXPLAIN ANALYZE of the ``count`` slowest queries of one more request to ``url``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        _body_size(client.get(url, secure=True))
    slowest = sorted(context.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:count]
    for query in slowest:
        say(f"\n  -- {float(query['time']) * 1000:.1f} ms: {query['sql'][:300]}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                say("  " + line)


_run_started = datetime.datetime.now(datetime.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="generate the data")
    b.add_argument("--database-url", required=True)
    b.add_argument("--recreate", action="store_true", help="drop and create the database, migrate, seed_demo")
    b.add_argument("--scale", type=float, default=1.0)
    m = sub.add_parser("measure", help="query counts and median times of the pages")
    m.add_argument("--database-url", required=True)
    m.add_argument("--requests", type=int, default=20)
    m.add_argument("--warmup", type=int, default=3)
    m.add_argument("--cases", type=lambda v: set(v.split(",")), default=set())
    m.add_argument("--json")
    m.add_argument("--explain", type=int, default=0, metavar="N", help="EXPLAIN ANALYZE the N slowest queries")
    args = parser.parse_args()
    build(args) if args.command == "build" else measure(args)


if __name__ == "__main__":
    main()
