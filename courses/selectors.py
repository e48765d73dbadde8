"""Reads spanning pages, enrolments, progress, quizzes and certificates.

Each function answers in a fixed number of queries, whatever the number of
modules or enrolments (tests/courses/test_queries.py holds them to it).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from accounts.models import OrgUnit
from accounts.scopes import in_subtree
from cms import caching
from cms.models import RegulationPage
from courses.models import (
    CourseIndexPage,
    CoursePage,
    CourseUnitDue,
    CourseUnitTally,
    Enrolment,
    ModulePage,
    ModuleProgress,
    RefresherNotice,
)
from quizzes.policies import QuizAccess
from quizzes.selectors import counting_attempts

STEP = Page.steplen


def _parent_path(page: Page) -> str:
    return page.path[:-STEP]


def course_of(module: ModulePage) -> CoursePage | None:
    """The course a module sits in (its parent page), or None; cached until content changes."""
    return caching.fragment(f"course-of:{module.pk}", lambda: CoursePage.objects.parent_of(module).first())


def catalogue_url() -> str:
    """The course catalogue's URL, or "" (cached until content changes)."""

    def build() -> str:
        catalogue = CourseIndexPage.objects.live().first()
        return (catalogue.url or "") if catalogue else ""

    return caching.fragment("catalogue-url", build)


def courses_of(modules: Iterable[ModulePage]) -> dict[int, CoursePage]:
    """{module id: the course it sits in}, in one query; modules outside a course are left out."""
    modules = list(modules)
    courses = {c.path: c for c in CoursePage.objects.filter(path__in={_parent_path(m) for m in modules})}
    return {m.pk: courses[_parent_path(m)] for m in modules if _parent_path(m) in courses}


def modules_by_course(course_ids: Iterable[int] | None = None, *, courses: Iterable[CoursePage] = ()) -> dict:
    """Live modules of the given courses, in order, in one query: {course_id: [ModulePage]}."""
    courses = list(courses)
    if not courses:
        return {}
    # The same for every reader until content changes (cms.caching).
    ids = ",".join(str(course.pk) for course in courses)
    return caching.fragment(f"modules-by-course:{ids}", lambda: _modules_by_course(courses))


def _modules_by_course(courses: list[CoursePage]) -> dict[int, list[ModulePage]]:
    by_path = {course.path: course.pk for course in courses}
    modules = (
        ModulePage.objects.live()
        .annotate(parent_path=Substr("path", 1, Length("path") - STEP))
        .filter(parent_path__in=list(by_path))
        .order_by("path")
    )
    result: dict[int, list[ModulePage]] = {course.pk: [] for course in courses}
    for module in modules:
        result[by_path[module.parent_path]].append(module)
    return result


def counting_attempt(user, quiz_id: int | None):
    """The user's finished attempt at the quiz that counts under its grading method, or None (one query)."""
    return counting_attempts(quiz_ids=[quiz_id], user_ids=[user.pk]).get((quiz_id, user.pk))


@dataclass
class ModuleItem:
    module: ModulePage
    number: int
    completed: bool
    locked: bool
    visited: bool


@dataclass
class Outline:
    """A course as one trainee sees it: modules, their state, progress and where to resume."""

    course: CoursePage
    enrolment: Enrolment | None
    items: list[ModuleItem]
    certificate: object | None = None
    notices: list[RefresherNotice] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def completed_count(self) -> int:
        return sum(1 for item in self.items if item.completed)

    @property
    def percent(self) -> int:
        if self.enrolment is not None and self.enrolment.status == Enrolment.Status.COMPLETED:
            return 100
        return round(100 * self.completed_count / self.total) if self.total else 0

    @property
    def next_item(self) -> ModuleItem | None:
        """Where to resume: the last module opened if unfinished, else the first open unfinished one."""
        if self.enrolment is None or not self.items:
            return None
        last_id = self.enrolment.last_module_id
        for item in self.items:
            if item.module.pk == last_id and not item.completed and not item.locked:
                return item
        return next((item for item in self.items if not item.completed and not item.locked), None)

    @property
    def final_test_open(self) -> bool:
        """The course's final test may be taken: enrolled (studying or completed) and every module complete."""
        return bool(self.enrolment and self.enrolment.is_open and self.completed_count == self.total)

    @property
    def is_overdue(self) -> bool:
        enrolment = self.enrolment
        return bool(
            enrolment
            and enrolment.due_date
            and enrolment.status in (Enrolment.Status.ACTIVE, Enrolment.Status.PENDING)
            and enrolment.due_date < timezone.localdate()
        )

    def as_context(self) -> dict:
        return {"outline": self, "enrolment": self.enrolment, "items": self.items}


def build_items(modules: list[ModulePage], progress: dict[int, ModuleProgress], *, sequential: bool) -> list:
    items = []
    blocked = False
    for number, module in enumerate(modules, start=1):
        row = progress.get(module.pk)
        completed = bool(row and row.completed_at)
        items.append(ModuleItem(module, number, completed, locked=sequential and blocked, visited=row is not None))
        if not completed:
            blocked = True
    return items


def enrolment_for(user, course: CoursePage) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(user=user, course=course).select_related("last_module").first()


def progress_map(enrolment: Enrolment | None) -> dict[int, ModuleProgress]:
    if enrolment is None:
        return {}
    return {row.module_id: row for row in ModuleProgress.objects.filter(enrolment=enrolment)}


def course_outline(*, course: CoursePage, user, enrolment: Enrolment | None = None) -> Outline:
    """The course page's data: 3 queries (modules, enrolment, progress) plus prerequisites."""
    # The same for every reader until content changes (cms.caching); progress is read fresh below.
    modules = caching.fragment(f"course-modules:{course.pk}", lambda: list(course.modules())) if course.pk else []
    if enrolment is None:
        enrolment = enrolment_for(user, course) if course.pk else None
    items = build_items(modules, progress_map(enrolment), sequential=course.sequential)
    outline = Outline(course=course, enrolment=enrolment, items=items)
    if enrolment is not None and enrolment.status == Enrolment.Status.COMPLETED:
        from certificates.models import Certificate

        outline.certificate = Certificate.objects.filter(
            holder=user, page_id=course.pk, status=Certificate.Status.VALID
        ).first()
    return outline


def missing_prerequisites(*, user, course: CoursePage) -> list[CoursePage]:
    required = list(course.prerequisites.all())
    if not required:
        return []
    done = set(
        Enrolment.objects.filter(user=user, course__in=required, status=Enrolment.Status.COMPLETED).values_list(
            "course_id", flat=True
        )
    )
    return [other for other in required if other.pk not in done]


@dataclass
class ModuleState:
    module: ModulePage
    course: CoursePage | None
    outline: Outline | None
    item: ModuleItem | None
    quiz_passed: bool = False

    @property
    def enrolment(self) -> Enrolment | None:
        return self.outline.enrolment if self.outline else None

    @property
    def can_study(self) -> bool:
        """Enrolled (active or completed) and not locked: the body may be shown."""
        enrolment = self.enrolment
        return bool(enrolment and enrolment.is_open and self.item and not self.item.locked)

    @property
    def previous_item(self) -> ModuleItem | None:
        if not self.item or self.item.number == 1:
            return None
        return self.outline.items[self.item.number - 2]

    @property
    def next_item(self) -> ModuleItem | None:
        if not self.item or self.item.number >= len(self.outline.items):
            return None
        return self.outline.items[self.item.number]

    @property
    def blocking_item(self) -> ModuleItem | None:
        """For a locked module, the first unfinished module before it."""
        if not self.item or not self.item.locked:
            return None
        return next((item for item in self.outline.items if not item.completed), None)

    def as_context(self) -> dict:
        return {
            "course": self.course,
            "outline": self.outline,
            "enrolment": self.enrolment,
            "item": self.item,
            "quiz_passed": self.quiz_passed,
            "can_study": self.can_study,
            "previous_item": self.previous_item,
            "next_item": self.next_item,
            "blocking_item": self.blocking_item,
        }


def module_state(*, module: ModulePage, user) -> ModuleState:
    """A module in its course for one trainee: about five queries, whatever the course's size."""
    course = course_of(module)
    if course is None:
        return ModuleState(module=module, course=None, outline=None, item=None)
    outline = course_outline(course=course, user=user)
    item = next((i for i in outline.items if i.module.pk == module.pk), None)
    counting = counting_attempt(user, module.quiz_id)
    passed = bool(counting and counting.passed)
    return ModuleState(module=module, course=course, outline=outline, item=item, quiz_passed=passed)


def enrolments_by_course(*, user, courses: list[CoursePage]) -> dict[int, Enrolment]:
    if not user.is_authenticated or not courses:
        return {}
    return {e.course_id: e for e in Enrolment.objects.filter(user=user, course__in=courses)}


# --- dashboard ------------------------------------------------------------------------


@dataclass
class Dashboard:
    current: list[Outline]
    pending: list[Outline]
    completed: list[Outline]
    left: list[Outline]
    notices: list[RefresherNotice]


def dashboard(*, user) -> Dashboard:
    """ "Khóa học của tôi" in six queries, however many courses and modules."""
    from certificates.models import Certificate

    # The pages' bodies are the bulk of their rows and the dashboard shows none of them.
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("course", "last_module")
        .defer("last_module__body")
        .order_by("-last_visited_at", "-created_at")
    )
    courses = [e.course for e in enrolments]
    modules = modules_by_course(courses=courses)
    progress: dict[int, dict[int, ModuleProgress]] = defaultdict(dict)
    for row in ModuleProgress.objects.filter(enrolment__in=[e.pk for e in enrolments]):
        progress[row.enrolment_id][row.module_id] = row
    certificates = {
        c.page_id: c
        for c in Certificate.objects.filter(
            holder=user, page_id__in=[c.pk for c in courses], status=Certificate.Status.VALID
        )
    }
    notices = list(
        RefresherNotice.objects.filter(user=user, dismissed_at__isnull=True)
        .select_related("flag__module", "flag__regulation", "flag__superseded", "course")
        .defer("flag__module__body", "flag__regulation__what_is_new", "flag__superseded__what_is_new")
        .order_by("-created_at")
    )
    notices_by_course = defaultdict(list)
    for notice in notices:
        notices_by_course[notice.course_id].append(notice)
    board = Dashboard([], [], [], [], notices)
    buckets = {
        Enrolment.Status.ACTIVE: board.current,
        Enrolment.Status.PENDING: board.pending,
        Enrolment.Status.COMPLETED: board.completed,
        Enrolment.Status.LEFT: board.left,
    }
    for enrolment in enrolments:
        course = enrolment.course
        outline = Outline(
            course=course,
            enrolment=enrolment,
            items=build_items(modules.get(course.pk, []), progress[enrolment.pk], sequential=course.sequential),
            certificate=certificates.get(course.pk),
            notices=notices_by_course.get(course.pk, []),
        )
        buckets[enrolment.status].append(outline)
    board.current.sort(key=lambda o: (o.enrolment.due_date is None, o.enrolment.due_date or datetime.date.max))
    return board


# --- reports ----------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: object
    depth: int
    enrolled: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def percent_completed(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0

    def add(self, other: UnitRow) -> None:
        for name in ("enrolled", "not_started", "in_progress", "completed", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def report_enrolments(course: CoursePage, top):
    """Enrolments counted in a report: not left, of people in ``top``'s subtree (any unit when None).

    The subtree is a prefix of the materialised path, never a list of unit
    ids, so a national tree of 600 units costs the same as one of six.
    """
    return (
        Enrolment.objects.filter(course=course)
        .filter(in_subtree(top, "user__org_unit"))
        .exclude(status=Enrolment.Status.LEFT)
    )


def enrolment_bucket(status: str, started: bool, due_date, today) -> tuple[str, bool]:
    if status == Enrolment.Status.COMPLETED:
        return "completed", False
    overdue = bool(due_date and due_date < today)
    return ("in_progress" if started else "not_started"), overdue


def _started():
    return Exists(ModuleProgress.objects.filter(enrolment=OuterRef("pk"), completed_at__isnull=False))


def _overdue(course: CoursePage, top, today):
    """The kept counts of open enrolments by unit and due date, before ``today``: their sum is "overdue"."""
    return CourseUnitDue.objects.filter(course=course, due_date__lt=today).filter(in_subtree(top, "org_unit"))


def _bucket_counts(course: CoursePage, top, *, by_path: int | None, today) -> dict:
    """{key: UnitRow counts} for ``top``'s subtree, grouped by unit (``by_path`` None) or by the first
    ``by_path`` characters of the unit's path (its ancestor at that depth), in two queries.

    Counted from what courses.tallies keeps as enrolments change: one row
    per unit with people on the course, and the open ones by due date, of
    which those before today are overdue; never from the enrolments.
    """
    tallies = CourseUnitTally.objects.filter(course=course).filter(in_subtree(top, "org_unit"))
    overdue = _overdue(course, top, today)
    if by_path is None:
        tallies, overdue = tallies.annotate(key=F("org_unit_id")), overdue.annotate(key=F("org_unit_id"))
    else:
        tallies = tallies.annotate(key=Substr("org_unit__path", 1, by_path))
        overdue = overdue.annotate(key=Substr("org_unit__path", 1, by_path))
    counts = {}
    groups = (
        tallies.order_by().values("key").annotate(n=Sum("enrolled"), going=Sum("in_progress"), done=Sum("completed"))
    )
    for group in groups:
        row = UnitRow(unit=None, depth=0, enrolled=group["n"], in_progress=group["going"], completed=group["done"])
        row.not_started = row.enrolled - row.completed - row.in_progress
        counts[group["key"]] = row
    for key, late in overdue.order_by().values("key").annotate(n=Sum("open")).values_list("key", "n"):
        counts.setdefault(key, UnitRow(unit=None, depth=0)).overdue = late
    return counts


def unit_report(*, course: CoursePage, top) -> tuple[list[UnitRow], UnitRow]:
    """The unit and the units right under it, each counting its whole subtree (three queries).

    ``top`` None: the top-level units. Deeper units are one click away (each
    row links to its own report), so the page stays small on a national tree.
    """
    today = timezone.localdate()
    if top is None:
        units = OrgUnit.get_root_nodes()
        length, child_depth = OrgUnit.steplen, 1
    else:
        units = OrgUnit.objects.filter(path__startswith=top.path, depth__lte=top.depth + 1).order_by("path")
        length, child_depth = OrgUnit.steplen * (top.depth + 1), top.depth + 1
    counts = _bucket_counts(course, top, by_path=length, today=today)
    total = UnitRow(unit=top, depth=0)
    for row in counts.values():
        total.add(row)
    rows = []
    for unit in units:
        if top is not None and unit.pk == top.pk:
            rows.append(total)
            continue
        row = UnitRow(unit=unit, depth=unit.depth - child_depth + (top is not None))
        row.add(counts.get(unit.path, UnitRow(unit=None, depth=0)))
        rows.append(row)
    return rows, total


def unit_tree_report(*, course: CoursePage, top) -> tuple[list[UnitRow], UnitRow]:
    """Every unit of ``top``'s subtree (of the whole tree when None), each counting its subtree (three queries)."""
    today = timezone.localdate()
    units = list(OrgUnit.objects.filter(in_subtree(top, None)).order_by("path"))
    top_depth = top.depth if top is not None else 1
    rows = {u.path: UnitRow(unit=u, depth=u.depth - top_depth) for u in units}
    unit_paths = {u.pk: u.path for u in units}
    total = UnitRow(unit=top, depth=0)
    for unit_id, own in _bucket_counts(course, top, by_path=None, today=today).items():
        total.add(own)
        path = unit_paths.get(unit_id, "")
        # Each ancestor within the report counts its subtree.
        for cut in range(len(path), 0, -OrgUnit.steplen):
            row = rows.get(path[:cut])
            if row is not None:
                row.add(own)
    return list(rows.values()), total


@dataclass
class PersonRow:
    enrolment: Enrolment
    completed_modules: int
    total_modules: int
    bucket: str
    overdue: bool

    @property
    def percent(self) -> int:
        if self.bucket == "completed":
            return 100
        return round(100 * self.completed_modules / self.total_modules) if self.total_modules else 0


def people_report(*, course: CoursePage, top, bucket: str = ""):
    """Everyone enrolled from ``top``'s subtree, in a bucket if given, with modules done: a queryset to page.

    No GROUP BY: the modules done are counted by a subquery per row, so only
    the rows of the page shown are counted, and the filter on a bucket is
    part of the query rather than applied to every row in Python.
    """
    today = timezone.localdate()
    done = (
        ModuleProgress.objects.filter(enrolment=OuterRef("pk"), completed_at__isnull=False)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    enrolments = (
        report_enrolments(course, top)
        .select_related("user", "user__org_unit")
        # What the page and the exports show, not the accounts' every column.
        .only(
            "status",
            "due_date",
            "completed_at",
            "final_score",
            "user__full_name",
            "user__email",
            "user__org_unit__name",
        )
        .annotate(done=Coalesce(Subquery(done), 0))
        .order_by("user__org_unit__path", "user__full_name", "pk")
    )
    not_completed = ~Q(status=Enrolment.Status.COMPLETED)
    if bucket == "completed":
        enrolments = enrolments.filter(status=Enrolment.Status.COMPLETED)
    elif bucket == "in_progress":
        enrolments = enrolments.filter(not_completed, _started())
    elif bucket == "not_started":
        enrolments = enrolments.filter(not_completed, ~_started())
    elif bucket == "overdue":
        enrolments = enrolments.filter(not_completed, due_date__lt=today)
    return enrolments


def people_count(*, course: CoursePage, top, bucket: str = "") -> int:
    """How many rows ``people_report`` has, from the tallies, in one query: the pages' paginator need not
    count 15,000 enrolments to say "Trang 1/301"."""
    if bucket == "overdue":
        return _overdue(course, top, timezone.localdate()).aggregate(n=Sum("open"))["n"] or 0
    sums = (
        CourseUnitTally.objects.filter(course=course)
        .filter(in_subtree(top, "org_unit"))
        .aggregate(enrolled=Sum("enrolled"), in_progress=Sum("in_progress"), completed=Sum("completed"))
    )
    enrolled, in_progress, completed = (sums[name] or 0 for name in ("enrolled", "in_progress", "completed"))
    if bucket == "completed":
        return completed
    if bucket == "in_progress":
        return in_progress
    if bucket == "not_started":
        return enrolled - in_progress - completed
    return enrolled


def person_rows(enrolments: Iterable[Enrolment], *, total_modules: int) -> Iterable[PersonRow]:
    """The report's rows for enrolments from ``people_report`` (lazily, for exports that stream)."""
    today = timezone.localdate()
    for enrolment in enrolments:
        kind, overdue = enrolment_bucket(enrolment.status, bool(enrolment.done), enrolment.due_date, today)
        yield PersonRow(enrolment, enrolment.done, total_modules, kind, overdue)


def pending_enrolments(*, course: CoursePage, users):
    return (
        Enrolment.objects.filter(course=course, status=Enrolment.Status.PENDING, user__in=users)
        .select_related("user", "user__org_unit")
        .order_by("created_at")
    )


# --- superseded citations ------------------------------------------------------------------


@dataclass(frozen=True)
class SupersededCitation:
    module: ModulePage
    old: RegulationPage
    new: RegulationPage


def superseded_citations(*, modules: list[ModulePage]) -> list[SupersededCitation]:
    """The regulations these modules cite that a live regulation supersedes, in module order (1 query)."""
    if not modules:
        return []
    ids = ",".join(str(m.pk) for m in modules)
    return caching.fragment(f"superseded:{ids}", lambda: _superseded_citations(modules))


def _superseded_citations(modules: list[ModulePage]) -> list[SupersededCitation]:
    newer = (
        RegulationPage.objects.live()
        .filter(supersedes__cited_by_modules__in=[m.pk for m in modules])
        .annotate(citing_module_id=F("supersedes__cited_by_modules"))
        .select_related("supersedes")
        .order_by(*RegulationPage.LISTING_ORDER)
    )
    order = {m.pk: (position, m) for position, m in enumerate(modules)}
    found: dict[tuple[int, int], RegulationPage] = {}
    for new in newer:
        found.setdefault((new.citing_module_id, new.supersedes_id), new)
    return [
        SupersededCitation(order[module_id][1], new.supersedes, new)
        for (module_id, _old), new in sorted(found.items(), key=lambda item: order[item[0][0]][0])
    ]


# --- who may take a course's quizzes ---------------------------------------------------------------


def _course_quiz_access(user, course: CoursePage, module: ModulePage | None) -> QuizAccess:
    """A module's quiz (``module`` given) or the course's final test, for one trainee."""
    outline = course_outline(course=course, user=user)
    enrolment = outline.enrolment
    url = module.url if module is not None and enrolment and enrolment.is_open else course.url
    if enrolment is None or enrolment.status == Enrolment.Status.LEFT:
        reason = _("Enrol in the course “%(course)s” to take this test.") % {"course": course.title}
        return QuizAccess(False, reason, url)
    if enrolment.status == Enrolment.Status.PENDING:
        return QuizAccess(
            False, _("Your request to join “%(course)s” is waiting for approval.") % {"course": course.title}, url
        )
    if module is not None:
        item = next((i for i in outline.items if i.module.pk == module.pk), None)
        if item is None or item.locked:
            return QuizAccess(
                False, _("This quiz opens with the module “%(module)s”.") % {"module": module.title}, course.url
            )
        return QuizAccess(True, url=url)
    if not outline.final_test_open:
        return QuizAccess(False, final_test_locked_reason(outline), url)
    return QuizAccess(True, url=url)


def final_test_locked_reason(outline: Outline) -> str:
    return _("The final test opens once every module is complete: %(done)d of %(total)d done.") % {
        "done": outline.completed_count,
        "total": outline.total,
    }


def quiz_access(user, quiz) -> QuizAccess | None:
    """``quizzes.policies.QUIZ_ACCESS_HOOK`` for courses: None unless a live course or module holds the quiz."""
    courses = list(CoursePage.objects.live().filter(final_quiz_id=quiz.pk))
    modules = list(ModulePage.objects.live().filter(quiz_id=quiz.pk))
    if not courses and not modules:
        return None
    holders = courses_of(modules)
    answers = [_course_quiz_access(user, course, None) for course in courses]
    answers += [_course_quiz_access(user, holders[m.pk], m) for m in modules if m.pk in holders]
    if not answers:
        return None
    return next((answer for answer in answers if answer.allowed), answers[0])
