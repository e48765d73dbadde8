"""Demo conferences from the training reports, with delegates, attendance and certificates.

- Đà Nẵng, 24–25/8/2015 (Bộ TT&TT): the four chuyên đề, opened by Deputy
  Minister Lê Nam Thắng; 48 delegates (the demo trainee among them), attendance
  recorded for every session, certificates for those who met the rule.
- Hà Nội, 15/3/2019: the city's one-day training of 250 staff, with unit quotas.
- Đà Lạt, 02/6/2022 (Bộ TN&MT): its certificates print the Ministry's own
  template (by its organising unit), "Đà Lạt" and the conference's day; one
  delegate registered as "Nguyễn Văn Ân" has the account "Nguyễn Văn An", and
  waits for the organiser to choose the printed name.
- One upcoming conference with open registration, for the demo trainee to try.

Names are generated from a fixed seed, so every run makes the same people.
Idempotent: pages are found by slug and published again only when their
content differs; delegates, registrations and attendance rows are only added
when missing (bulk inserts, so seed_demo stays quick); issuing certificates
is idempotent.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import OrgUnit, User
from accounts.services import orgunit_create
from cms.models import HomePage
from core.errors import ServiceError
from core.text import fold
from courses.models import CoursePage
from events.models import Attendance, EventIndexPage, EventPage, EventSession, Registration, UnitQuota
from events.selectors import certificate_standings
from events.services import arrival_status, event_achievement, event_certificate_template
from events.tallies import recount as recount_tallies
from quizzes.models import Quiz

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ORGANISER = "bantochuc@demo.tdkt.vn"
TRAINEE = "hocvien@demo.tdkt.vn"
K = OrgUnit.Kind

# Units the 2019 and 2022 conferences draw on, beyond accounts' demo units:
# (code, name, kind, parent code).
EXTRA_UNITS = [
    ("HANOI-SNV", "Sở Nội vụ Thành phố Hà Nội", K.DEPARTMENT, "HANOI"),
    ("HANOI-SGDDT", "Sở Giáo dục và Đào tạo Thành phố Hà Nội", K.DEPARTMENT, "HANOI"),
    ("HANOI-SYT", "Sở Y tế Thành phố Hà Nội", K.DEPARTMENT, "HANOI"),
    ("HANOI-BADINH", "Ủy ban nhân dân quận Ba Đình", K.UNIT, "HANOI"),
    ("HANOI-HOANKIEM", "Ủy ban nhân dân quận Hoàn Kiếm", K.UNIT, "HANOI"),
    ("HANOI-DONGDA", "Ủy ban nhân dân quận Đống Đa", K.UNIT, "HANOI"),
    ("HANOI-CAUGIAY", "Ủy ban nhân dân quận Cầu Giấy", K.UNIT, "HANOI"),
    ("HANOI-HBT", "Ủy ban nhân dân quận Hai Bà Trưng", K.UNIT, "HANOI"),
    ("BTNMT-TCMT", "Tổng cục Môi trường", K.UNIT, "BTNMT"),
    ("BTNMT-TCQLDD", "Tổng cục Quản lý đất đai", K.UNIT, "BTNMT"),
    ("LAMDONG-STNMT", "Sở Tài nguyên và Môi trường Lâm Đồng", K.DEPARTMENT, "LAMDONG"),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
FAMILY += ["Dương", "Lý"]
MALE_MIDDLE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Xuân", "Công", "Quốc", "Mạnh"]
FEMALE_MIDDLE = ["Thị", "Thu", "Ngọc", "Thanh", "Kim", "Thị Thu", "Hồng", "Thùy", "Phương", "Bích"]
MALE_GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Thắng"]
MALE_GIVEN += ["Tuấn", "Việt", "Đạt", "Hiếu", "Trung", "Vinh", "Tâm"]
FEMALE_GIVEN = ["Anh", "Giang", "Hà", "Hạnh", "Hiền", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Oanh"]
FEMALE_GIVEN += ["Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Vân", "Yến", "Nhung", "Hằng"]
POSITIONS = [
    "Chuyên viên",
    "Chuyên viên",
    "Chuyên viên chính",
    "Chuyên viên phụ trách thi đua, khen thưởng (kiêm nhiệm)",
    "Phó Trưởng phòng Tổ chức – Hành chính",
    "Trưởng phòng Tổ chức – Hành chính",
    "Phó Chánh Văn phòng",
    "Chánh Văn phòng",
]


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VN)


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


@dataclass(frozen=True)
class Delegate:
    email: str
    name: str
    unit_code: str
    position: str
    phone: str


def generate_delegates(tag: str, units: list[tuple[str, int]]) -> list[Delegate]:
    """``count`` plausible Vietnamese delegates per unit code, the same on every run."""
    rng = random.Random(f"events-demo-{tag}")  # noqa: S311 - demo names, not secrets
    people = []
    for code, count in units:
        for _ in range(count):
            if rng.random() < 0.55:
                middle, given = rng.choice(FEMALE_MIDDLE), rng.choice(FEMALE_GIVEN)
            else:
                middle, given = rng.choice(MALE_MIDDLE), rng.choice(MALE_GIVEN)
            name = f"{rng.choice(FAMILY)} {middle} {given}"
            number = len(people) + 1
            words = fold(name).split()
            slug = f"{words[-1]}.{words[0]}"
            people.append(
                Delegate(
                    email=f"{slug}.{tag}{number:03d}@demo.tdkt.vn",
                    name=name,
                    unit_code=code,
                    position=rng.choice(POSITIONS),
                    phone="09" + "".join(str(rng.randrange(10)) for _ in range(8)),
                )
            )
    return people


DANANG_SESSIONS = [
    (
        "Những điểm mới của Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng "
        "và các văn bản hướng dẫn thi hành",
        _at(2015, 8, 24, 8),
        _at(2015, 8, 24, 11, 30),
    ),
    (
        "Hướng dẫn thực hiện Thông tư số 13/2015/TT-BTTTT ngày 08/6/2015 của Bộ TT&TT hướng dẫn công tác "
        "thi đua, khen thưởng trong ngành TT&TT",
        _at(2015, 8, 24, 13, 30),
        _at(2015, 8, 24, 17),
    ),
    (
        "Phong trào thi đua yêu nước gắn với việc học tập và làm theo tấm gương đạo đức Hồ Chí Minh",
        _at(2015, 8, 25, 8),
        _at(2015, 8, 25, 11, 30),
    ),
    (
        "Nâng cao chất lượng công tác thi đua, khen thưởng và một số nội dung cần lưu ý trong công tác "
        "thi đua, khen thưởng hiện nay",
        _at(2015, 8, 25, 13, 30),
        _at(2015, 8, 25, 17),
    ),
]

HANOI_SESSIONS = [
    ("Các văn bản mới của Trung ương về công tác thi đua, khen thưởng", _at(2019, 3, 15, 8), _at(2019, 3, 15, 9, 15)),
    ("Xây dựng mô hình thi đua", _at(2019, 3, 15, 9, 30), _at(2019, 3, 15, 10, 30)),
    ("Xét, công nhận sáng kiến", _at(2019, 3, 15, 10, 30), _at(2019, 3, 15, 11, 30)),
    (
        "Phát hiện, bồi dưỡng điển hình tiên tiến và “người tốt, việc tốt”",
        _at(2019, 3, 15, 13, 30),
        _at(2019, 3, 15, 15),
    ),
    ("Trao đổi, giải đáp vướng mắc trong thực tiễn", _at(2019, 3, 15, 15, 15), _at(2019, 3, 15, 16, 30)),
]

DALAT_SESSIONS = [
    ("Nâng cao chất lượng công tác tham mưu về thi đua, khen thưởng", _at(2022, 6, 2, 8), _at(2022, 6, 2, 10)),
    (
        "Tổ chức phong trào thi đua đặc biệt chào mừng kỷ niệm 20 năm thành lập Bộ (05/8/2002 – 05/8/2022)",
        _at(2022, 6, 2, 10, 15),
        _at(2022, 6, 2, 11, 30),
    ),
    ("Nâng cao chất lượng hồ sơ đề nghị khen thưởng", _at(2022, 6, 2, 13, 30), _at(2022, 6, 2, 16, 30)),
]

DANANG_UNITS = [
    ("BTTTT-VP", 4),
    ("BTTTT-TCCB", 3),
    ("BTTTT-VNNIC", 4),
    ("BTTTT-VNN", 4),
    ("VNPT", 6),
    ("CDTTTT", 3),
    ("DANANG-STTTT", 6),  # with the demo trainee: 7
    ("HUE-STTTT", 5),
    ("QUANGNAM-STTTT", 5),
    ("HANOI-STTTT", 4),
    ("LAMDONG-STTTT", 3),
]
HANOI_UNITS = [
    (code, 25)
    for code in (
        "HANOI-BTDKT",
        "HANOI-STTTT",
        "HANOI-SNV",
        "HANOI-SGDDT",
        "HANOI-SYT",
        "HANOI-BADINH",
        "HANOI-HOANKIEM",
        "HANOI-DONGDA",
        "HANOI-CAUGIAY",
        "HANOI-HBT",
    )
]
DALAT_UNITS = [
    ("BTNMT-VP", 10),
    ("BTNMT-TCCB", 8),
    ("BTNMT-TCMT", 14),
    ("BTNMT-TCQLDD", 14),
    ("LAMDONG-STNMT", 14),
]
DALAT_RENAMED = Delegate("an.nguyen.dl2022@demo.tdkt.vn", "Nguyễn Văn An", "LAMDONG-STNMT", "Chuyên viên", "0912345670")
UPCOMING_UNITS = [("DANANG-STTTT", 3), ("HUE-STTTT", 3), ("BTTTT-VP", 3), ("VNPT", 3)]


PRE_READING_SLUG = "nhung-diem-moi-cua-luat-thi-dua-khen-thuong"
POST_TEST_TITLE = "Kiểm tra chuyên đề 1"


def _upcoming_start(today: datetime.date) -> datetime.datetime:
    # Six weeks ahead, on a Tuesday; the same all day, so seeding twice agrees.
    day = today + datetime.timedelta(days=42)
    day += datetime.timedelta(days=(1 - day.weekday()) % 7)
    return datetime.datetime(day.year, day.month, day.day, 8, tzinfo=VN)


def _specs(units: dict[str, OrgUnit], today: datetime.date) -> list[dict]:
    upcoming = _upcoming_start(today)
    return [
        {
            "page": {
                "slug": "tap-huan-thi-dua-khen-thuong-da-nang-2015",
                "title": "Hội nghị tập huấn nghiệp vụ công tác thi đua, khen thưởng năm 2015",
                "description": _p(
                    "Hội nghị tập huấn trong hai ngày 24–25/8/2015 tại Đà Nẵng dành cho cán bộ làm công tác thi đua, "
                    "khen thưởng tại các cơ quan, đơn vị, doanh nghiệp thuộc Bộ Thông tin và Truyền thông và các Sở "
                    "Thông tin và Truyền thông.",
                    "Thứ trưởng Lê Nam Thắng, Phó Chủ tịch Thường trực Hội đồng Thi đua – Khen thưởng Bộ, phát biểu "
                    "khai mạc hội nghị. Hội nghị gồm bốn chuyên đề.",
                ),
                "venue": "Thành phố Đà Nẵng",
                "address": "Đà Nẵng",
                "place": "Đà Nẵng",
                "starts_at": _at(2015, 8, 24, 8),
                "ends_at": _at(2015, 8, 25, 17),
                "organising_unit_id": units["BTTTT"].pk,
                "audience": "Cán bộ làm công tác thi đua, khen thưởng của các cơ quan, đơn vị, doanh nghiệp thuộc Bộ "
                "và các Sở Thông tin và Truyền thông",
                "capacity": 120,
                "registration_mode": EventPage.Mode.INVITATION,
                "registration_opens": None,
                "registration_closes": _at(2015, 8, 20, 17),
                "certificate_rule": EventPage.CertificateRule.ATTENDANCE,
                "min_attendance_percent": 75,
                "hours": Decimal("14.0"),
            },
            "sessions": DANANG_SESSIONS,
            "delegates": ("dn2015", DANANG_UNITS),
            "with_trainee": True,
            "issue_certificates": True,
        },
        {
            "page": {
                "slug": "tap-huan-thi-dua-khen-thuong-ha-noi-2019",
                "title": "Tập huấn nghiệp vụ công tác thi đua, khen thưởng Thành phố Hà Nội năm 2019",
                "description": _p(
                    "Ban Thi đua – Khen thưởng Thành phố tập huấn trong một ngày cho 250 cán bộ làm công tác thi đua, "
                    "khen thưởng của các sở, ban, ngành và quận, huyện: các văn bản mới của Trung ương; xây dựng mô "
                    "hình thi đua; xét sáng kiến; phát hiện điển hình tiên tiến và “người tốt, việc tốt”; trao đổi, "
                    "giải đáp vướng mắc trong thực tiễn."
                ),
                "venue": "Thành phố Hà Nội",
                "address": "Hà Nội",
                "place": "Hà Nội",
                "starts_at": _at(2019, 3, 15, 8),
                "ends_at": _at(2019, 3, 15, 16, 30),
                "organising_unit_id": units["HANOI-BTDKT"].pk,
                "audience": "Cán bộ làm công tác thi đua, khen thưởng của các sở, ban, ngành, quận, huyện",
                "capacity": 260,
                "registration_mode": EventPage.Mode.QUOTA,
                "registration_opens": _at(2019, 2, 25, 8),
                "registration_closes": _at(2019, 3, 12, 17),
                "certificate_rule": EventPage.CertificateRule.ATTENDANCE,
                "min_attendance_percent": 75,
                "hours": Decimal("7.0"),
            },
            "sessions": HANOI_SESSIONS,
            "optional": {"Trao đổi, giải đáp vướng mắc trong thực tiễn"},
            "quotas": [(code, 26) for code, _count in HANOI_UNITS],
            "delegates": ("hn2019", HANOI_UNITS),
        },
        {
            "page": {
                "slug": "tap-huan-thi-dua-khen-thuong-da-lat-2022",
                "title": "Hội nghị tập huấn công tác thi đua, khen thưởng Bộ Tài nguyên và Môi trường năm 2022",
                "description": _p(
                    "Hội nghị tập huấn ngày 02/6/2022 tại Đà Lạt nhằm nâng cao chất lượng tham mưu, tổ chức phong "
                    "trào thi đua và chất lượng hồ sơ khen thưởng; gắn với đợt thi đua đặc biệt phát động ngày "
                    "16/5/2022 chào mừng kỷ niệm 20 năm thành lập Bộ (05/8/2002 – 05/8/2022)."
                ),
                "venue": "Thành phố Đà Lạt",
                "address": "Đà Lạt, Lâm Đồng",
                "place": "Đà Lạt",
                "starts_at": _at(2022, 6, 2, 8),
                "ends_at": _at(2022, 6, 2, 16, 30),
                "organising_unit_id": units["BTNMT-TCCB"].pk,
                "audience": "Cán bộ làm công tác thi đua, khen thưởng của các đơn vị thuộc Bộ Tài nguyên và Môi trường",
                "capacity": 80,
                "registration_mode": EventPage.Mode.INVITATION,
                "registration_opens": None,
                "registration_closes": _at(2022, 5, 30, 17),
                "certificate_rule": EventPage.CertificateRule.ATTENDANCE,
                "min_attendance_percent": 100,
                "hours": Decimal("6.0"),
            },
            "sessions": DALAT_SESSIONS,
            "delegates": ("dl2022", DALAT_UNITS),
            # Imported with the accent the unit typed, unlike his account: the
            # organiser chooses the printed name on the certificates page.
            "extra_delegates": [DALAT_RENAMED],
            "registered_as": {DALAT_RENAMED.email: "Nguyễn Văn Ân"},
            "issue_certificates": True,
        },
        {
            "page": {
                "slug": "tap-huan-luat-thi-dua-khen-thuong-2022",
                "title": "Tập huấn Luật Thi đua, khen thưởng năm 2022 và các văn bản hướng dẫn thi hành",
                "description": _p(
                    "Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày 01/01/2024. Hội nghị giới thiệu "
                    "những điểm mới của Luật và hướng dẫn lập hồ sơ đề nghị khen thưởng theo quy định mới.",
                    "Đại biểu tự đăng ký trên nền tảng; vé có mã QR được gửi qua thư điện tử.",
                ),
                "venue": "Thành phố Hà Nội",
                "address": "Hà Nội",
                "place": "Hà Nội",
                "starts_at": upcoming,
                "ends_at": upcoming + datetime.timedelta(hours=8, minutes=30),
                "organising_unit_id": units["BTTTT"].pk,
                "audience": "Cán bộ làm công tác thi đua, khen thưởng, nhất là cán bộ mới được phân công",
                "capacity": 150,
                "registration_mode": EventPage.Mode.OPEN,
                "registration_opens": None,
                "registration_closes": upcoming - datetime.timedelta(days=2),
                "certificate_rule": EventPage.CertificateRule.ATTENDANCE,
                "min_attendance_percent": 100,
                "hours": Decimal("7.0"),
                # From courses' and quizzes' demos, which seed before this one.
                "pre_reading_id": CoursePage.objects.filter(slug=PRE_READING_SLUG).values_list("pk", flat=True).first(),
                "post_test_id": Quiz.objects.filter(title=POST_TEST_TITLE).values_list("pk", flat=True).first(),
            },
            "sessions": [
                (
                    "Những điểm mới của Luật Thi đua, khen thưởng số 06/2022/QH15",
                    upcoming,
                    upcoming + datetime.timedelta(hours=3, minutes=30),
                ),
                (
                    "Hướng dẫn lập hồ sơ đề nghị khen thưởng theo quy định mới",
                    upcoming + datetime.timedelta(hours=5, minutes=30),
                    upcoming + datetime.timedelta(hours=8, minutes=30),
                ),
            ],
            "delegates": ("sk", UPCOMING_UNITS),
        },
    ]


# --- pages -------------------------------------------------------------------------


def _index(home: HomePage) -> tuple[EventIndexPage, bool]:
    index = EventIndexPage.objects.first()
    if index is not None:
        return index, False
    index = EventIndexPage(
        slug="hoi-nghi-tap-huan",
        title="Hội nghị tập huấn",
        intro=_p("Các hội nghị tập huấn nghiệp vụ thi đua, khen thưởng: đăng ký, vé QR, điểm danh theo chuyên đề."),
        live=False,
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    return index, True


def _session_key(session: EventSession) -> tuple:
    return (session.title, session.speaker, session.room, session.starts_at, session.ends_at, session.required)


def _upsert_event(index: EventIndexPage, spec: dict, organisers: list[User], units: dict[str, OrgUnit]) -> str:
    fields = spec["page"]
    page = EventPage.objects.child_of(index).filter(slug=fields["slug"]).first()
    created = page is None
    if created:
        page = EventPage(slug=fields["slug"], title=fields["title"])
    changed = created
    for name, value in fields.items():
        if getattr(page, name) != value:
            setattr(page, name, value)
            changed = True
    organisers_changed = {u.pk for u in page.organisers.all()} != {u.pk for u in organisers} if page.pk else True
    if created:
        page.live = False
        index.add_child(instance=page)
    if changed:
        page.save_revision().publish()
    # Sessions, quotas and organisers are run from the management pages,
    # outside the page's revisions: written directly.
    optional = spec.get("optional", set())
    sessions = [
        EventSession(event=page, title=title, starts_at=starts, ends_at=ends, required=title not in optional)
        for title, starts, ends in spec["sessions"]
    ]
    if [_session_key(s) for s in page.sessions.order_by("sort_order", "pk")] != [_session_key(s) for s in sessions]:
        page.sessions.all().delete()
        EventSession.objects.bulk_create(sessions)
        changed = True
    quotas = [UnitQuota(event=page, unit=units[code], seats=seats) for code, seats in spec.get("quotas", [])]
    if [(q.unit_id, q.seats) for q in page.quotas.order_by("sort_order", "pk")] != [
        (q.unit_id, q.seats) for q in quotas
    ]:
        page.quotas.all().delete()
        UnitQuota.objects.bulk_create(quotas)
        changed = True
    if organisers_changed:
        through = EventPage.organisers.through
        through.objects.filter(eventpage_id=page.pk).delete()
        through.objects.bulk_create([through(eventpage_id=page.pk, user_id=user.pk) for user in organisers])
        changed = True
    spec["event"] = EventPage.objects.get(pk=page.pk)
    return "created" if created else ("updated" if changed else "unchanged")


# --- people ------------------------------------------------------------------------


def _units() -> dict[str, OrgUnit]:
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    for code, name, kind, parent in EXTRA_UNITS:
        if code not in units and parent in units:
            units[code] = orgunit_create(code=code, name=name, kind=kind, parent=units[parent])
    return units


def _users(delegates: list[Delegate], units: dict[str, OrgUnit]) -> dict[str, User]:
    existing = {u.email: u for u in User.objects.filter(email__in=[d.email for d in delegates])}
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=d.email,
                full_name=d.name,
                position=d.position,
                phone=d.phone,
                org_unit=units[d.unit_code],
                # Demo delegates do not sign in; their address would take an emailed code.
                password=unusable,
            )
            for d in delegates
            if d.email not in existing
        ]
    )
    return {u.email: u for u in User.objects.filter(email__in=[d.email for d in delegates])}


def _register(
    event: EventPage,
    delegates: list[Delegate],
    users: dict[str, User],
    organiser: User | None,
    registered_as: dict[str, str],
) -> int:
    registered = set(Registration.objects.filter(event=event).values_list("user_id", flat=True))
    seats = set(Registration.objects.filter(event=event, seat__isnull=False).values_list("seat", flat=True))
    free = (seat for seat in range(1, event.capacity + 1) if seat not in seats)
    opened = event.registration_closes or event.starts_at
    new = []
    for number, delegate in enumerate(delegates):
        user = users[delegate.email]
        if user.pk in registered:
            continue
        name = registered_as.get(delegate.email, user.full_name)
        new.append(
            Registration(
                event=event,
                user=user,
                full_name=name,
                full_name_folded=fold(name)[:150],
                org_unit=user.org_unit,
                position=user.position,
                phone=user.phone,
                status=Registration.Status.CONFIRMED,
                seat=next(free),
                source=Registration.Source.IMPORT,
                created_by=organiser,
                created_at=opened - datetime.timedelta(days=10) + datetime.timedelta(minutes=number),
            )
        )
    Registration.objects.bulk_create(new)
    return len(new)


def _record_attendance(event: EventPage, tag: str, organiser: User | None, *, everyone: set[int] = frozenset()) -> int:
    """Scans at the door, as they would have been: most came to everything, some missed a session or two."""
    rng = random.Random(f"events-demo-attendance-{tag}")  # noqa: S311 - demo data
    sessions = list(event.sessions.order_by("starts_at"))
    registrations = list(event.registrations.filter(status=Registration.Status.CONFIRMED).order_by("seat"))
    done = set(Attendance.objects.filter(session__event=event).values_list("registration_id", "session_id"))
    rows = []
    for registration in registrations:
        # Every decision is drawn whether or not its row exists already, so a
        # second run draws the same and adds nothing.
        profile = rng.choices(["all", "missed_one", "missed_two", "absent"], weights=[70, 15, 7, 8])[0]
        if registration.user_id in everyone:
            profile = "all"
        missed = {"all": 0, "missed_one": 1, "missed_two": 2, "absent": len(sessions)}[profile]
        skipped = set(rng.sample(range(len(sessions)), min(missed, len(sessions))))
        for index, session in enumerate(sessions):
            offset, excused = rng.randint(-25, 30), rng.random() < 0.3  # minutes from the start; asked leave
            if (registration.pk, session.pk) in done or (index in skipped and (profile == "absent" or not excused)):
                continue
            if index in skipped:
                rows.append(_attendance(registration, session, Attendance.Status.EXCUSED, session.starts_at, organiser))
                continue
            at = session.starts_at + datetime.timedelta(minutes=offset)
            rows.append(_attendance(registration, session, arrival_status(session, at), at, organiser))
    Attendance.objects.bulk_create(rows)
    return len(rows)


def _attendance(registration, session, status, at, organiser) -> Attendance:
    return Attendance(
        registration=registration,
        session=session,
        status=status,
        method=Attendance.Method.SEARCH if status == Attendance.Status.EXCUSED else Attendance.Method.SCAN,
        checked_in_at=at,
        recorded_at=at,
        recorded_by=organiser,
    )


def _issue_certificates(event: EventPage, organiser: User | None, trainee: User | None) -> int:
    from certificates.models import Certificate
    from certificates.services import certificate_issue

    issued = []
    for standing in certificate_standings(event):
        # A delegate whose registered name is not their account's waits for
        # the organiser to choose the printed name.
        if standing.earned and standing.certificate is None and not standing.names_differ:
            issued.append(
                certificate_issue(
                    holder=standing.registration.user,
                    achievement=event_achievement(event, standing),
                    template=event_certificate_template(event),
                    issued_by=organiser,
                ).pk
            )
    # These stand for certificates handed out at the 2015 conference: only the
    # demo trainee's is mailed (to show the mail), not 40 made-up delegates'.
    Certificate.objects.filter(pk__in=issued).exclude(holder=trainee).update(emailed_at=event.ends_at)
    return len(issued)


def seed(out) -> None:
    home = HomePage.objects.order_by("path").first()
    if home is None:
        out.write("Chưa có trang chủ (HomePage): hãy chạy migrate trước.")
        return
    units = _units()
    organiser = User.objects.filter(email=ORGANISER).first()
    trainee = User.objects.filter(email=TRAINEE).first()
    index, _created = _index(home)
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    registered = attended = certificates = 0
    for spec in _specs(units, timezone.localdate()):
        tally[_upsert_event(index, spec, [organiser] if organiser else [], units)] += 1
        event = spec["event"]
        tag, unit_counts = spec["delegates"]
        delegates = generate_delegates(tag, unit_counts) + spec.get("extra_delegates", [])
        users = _users(delegates, units)
        if spec.get("with_trainee") and trainee is not None:
            delegates.insert(0, Delegate(trainee.email, trainee.full_name, "", "", ""))
            users[trainee.email] = trainee
        registered += _register(event, delegates, users, organiser, spec.get("registered_as", {}))
        if event.ends_at < timezone.now():
            everyone = {users[d.email].pk for d in spec.get("extra_delegates", [])} | (
                {trainee.pk} if trainee else set()
            )
            attended += _record_attendance(event, tag, organiser, everyone=everyone)
        # The rows went in by bulk_create, around the models: count the report's tallies from them.
        recount_tallies([event.pk])
        if spec.get("issue_certificates"):
            try:
                certificates += _issue_certificates(event, organiser, trainee)
            except ServiceError as error:  # no certificate template yet
                out.write(f"Không cấp được giấy chứng nhận mẫu: {error.message}")
    out.write(
        "Hội nghị tập huấn: {created} tạo mới, {updated} cập nhật, {unchanged} giữ nguyên; "
        "đăng ký mới: {registered}; lượt điểm danh mới: {attended}; giấy chứng nhận mới: {certificates}.".format(
            **tally, registered=registered, attended=attended, certificates=certificates
        )
    )
