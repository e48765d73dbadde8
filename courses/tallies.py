"""Enrolment counts per course and unit (``CourseUnitTally``), kept as the data they count changes.

A unit report shows, for each unit of a subtree, how many of its people
are enrolled, in progress and done. Added up from the enrolments, that is
every enrolment of the subtree on every request (15,000 for one course at
the national root); from the tallies it is one row per unit.

Each write that can change a figure names the (course, unit) pairs it
touched and ``tally_refresh`` recounts them in the write's transaction:
it locks their tally rows, counts their enrolments afresh (a few dozen
rows, through the unit's people) and stores the result. Recounting rather
than adding deltas means a tally is right after any write that refreshes
it, whatever it was before; and two writes on the same pair queue on the
row lock, the second counting after the first has committed (READ
COMMITTED takes a new snapshot for each statement), so neither's change is
lost. The lock is taken after the enrolment's own (services lock the
enrolment first) and in (course, unit) order, so writers cannot deadlock.

The writes: the enrolment services (create, rejoin, assign, leave,
completion), a module completed (the first one makes an enrolment "in
progress"), a person's unit changed or a person deleted (any ``User.save``
or delete: profile, admin, imports; receivers below), a module deleted (its
progress goes with it). A course deleted takes its tallies with it (the
foreign key cascades). ``tally_recount`` rebuilds every tally from the
enrolments: after bulk loads that bypass the services (bench/national.py's
COPY), and as a check (``manage.py recount_tallies --check``).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from accounts.models import User
from courses.models import CoursePage, CourseUnitDue, CourseUnitTally, Enrolment, ModulePage, ModuleProgress

FIGURES = ("enrolled", "in_progress", "completed")
Pair = tuple[int, int]  # (course id, unit id)


def counted(enrolments):
    """``enrolments`` (a queryset) grouped by course and unit, with the tallies' figures, in one query."""
    completed = Q(status=Enrolment.Status.COMPLETED)
    started = Exists(ModuleProgress.objects.filter(enrolment=OuterRef("pk"), completed_at__isnull=False))
    return (
        enrolments.exclude(status=Enrolment.Status.LEFT)
        .filter(user__org_unit__isnull=False)
        .order_by()
        .annotate(started=started)
        .values("course_id", "user__org_unit_id")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=completed),
            in_progress=Count("pk", filter=~completed & Q(started=True)),
        )
    )


def counted_due(enrolments):
    """``enrolments`` not completed (pending or active) with a due date, counted by course, unit and date."""
    return (
        enrolments.filter(status__in=(Enrolment.Status.PENDING, Enrolment.Status.ACTIVE), due_date__isnull=False)
        .filter(user__org_unit__isnull=False)
        .order_by()
        .values("course_id", "user__org_unit_id", "due_date")
        .annotate(open=Count("pk"))
    )


def _due_rows(groups) -> list[CourseUnitDue]:
    return [
        CourseUnitDue(
            course_id=g["course_id"], org_unit_id=g["user__org_unit_id"], due_date=g["due_date"], open=g["open"]
        )
        for g in groups
    ]


def _pair_filter(pairs: Iterable[Pair], course: str, unit: str) -> Q:
    """Rows of any of ``pairs``: one term per course (an assignment covers one course, hundreds of units)."""
    units: dict[int, set[int]] = {}
    for c, u in pairs:
        units.setdefault(c, set()).add(u)
    return functools.reduce(
        operator.or_, (Q(**{course: c, f"{unit}__in": sorted(us)}) for c, us in sorted(units.items()))
    )


def tally_refresh(pairs: Iterable[Pair], *, due: bool = True) -> None:
    """Recount the tallies of ``pairs`` from their enrolments (three to six queries); pairs without a unit
    are not counted.

    ``due``: their due dates too (``CourseUnitDue``, rewritten whole), which
    only a change of status, due date or unit can change: not a module
    completed. They are written under the pairs' tally locks as well.
    """
    pairs = sorted({(c, u) for c, u in pairs if c is not None and u is not None})
    if not pairs:
        return
    with transaction.atomic():
        locked = CourseUnitTally.objects.select_for_update().order_by("course_id", "org_unit_id")
        rows = {(t.course_id, t.org_unit_id): t for t in locked.filter(_pair_filter(pairs, "course_id", "org_unit_id"))}
        missing = [pair for pair in pairs if pair not in rows]
        if missing:
            CourseUnitTally.objects.bulk_create(
                [CourseUnitTally(course_id=c, org_unit_id=u) for c, u in missing], ignore_conflicts=True
            )
            more = locked.filter(_pair_filter(missing, "course_id", "org_unit_id"))
            rows.update({(t.course_id, t.org_unit_id): t for t in more})
        enrolments = Enrolment.objects.filter(_pair_filter(pairs, "course_id", "user__org_unit_id"))
        _store(rows, enrolments)
        if due:
            CourseUnitDue.objects.filter(_pair_filter(pairs, "course_id", "org_unit_id")).delete()
            CourseUnitDue.objects.bulk_create(_due_rows(counted_due(enrolments)))


def tally_refresh_course(course_id: int) -> None:
    """Recount every existing tally of a course; none is created (the course may be on its way out, a
    module deleted with it, its tallies cascading)."""
    with transaction.atomic():
        locked = CourseUnitTally.objects.select_for_update().filter(course_id=course_id).order_by("org_unit_id")
        _store({(t.course_id, t.org_unit_id): t for t in locked}, Enrolment.objects.filter(course_id=course_id))


def _store(rows: dict[Pair, CourseUnitTally], enrolments) -> None:
    """Set the locked ``rows`` to the counts of ``enrolments`` (zero where none), writing only changes."""
    if not rows:
        return
    counts = {(group["course_id"], group["user__org_unit_id"]): group for group in counted(enrolments)}
    changed = []
    for pair, row in rows.items():
        group = counts.get(pair, {})
        figures = {name: group.get(name, 0) for name in FIGURES}
        if any(getattr(row, name) != value for name, value in figures.items()):
            for name, value in figures.items():
                setattr(row, name, value)
            changed.append(row)
    if changed:
        CourseUnitTally.objects.bulk_update(changed, FIGURES)


def tally_refresh_enrolments(enrolments: Iterable[Enrolment], *, due: bool = True) -> None:
    """After writes to these enrolments (locked by the caller): recount their courses' tallies of their
    people's units.

    The units are read from the database, not from the user objects at
    hand, which may be older than a move to another unit: that move locks
    the person's enrolments (below) before recounting, so one of the two
    waits for the other and counts after it.
    """
    enrolments = list(enrolments)
    units = dict(User.objects.filter(pk__in={e.user_id for e in enrolments}).values_list("pk", "org_unit_id"))
    tally_refresh([(e.course_id, units.get(e.user_id)) for e in enrolments], due=due)


@transaction.atomic
def tally_recount(*, course_id: int | None = None) -> int:
    """Rebuild every tally (of one course) from the enrolments; returns the number of rows kept.

    The table is locked against writers for the moment it takes (about a
    second for 200,000 enrolments), so no refresh interleaves with it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (CourseUnitTally, CourseUnitDue):
                cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    tallies, dues, enrolments = CourseUnitTally.objects.all(), CourseUnitDue.objects.all(), Enrolment.objects.all()
    if course_id is not None:
        tallies, dues, enrolments = (q.filter(course_id=course_id) for q in (tallies, dues, enrolments))
    tallies.delete()
    dues.delete()
    CourseUnitDue.objects.bulk_create(_due_rows(counted_due(enrolments).iterator(chunk_size=2000)), batch_size=1000)
    rows = [
        CourseUnitTally(
            course_id=group["course_id"],
            org_unit_id=group["user__org_unit_id"],
            **{name: group[name] for name in FIGURES},
        )
        for group in counted(enrolments).iterator(chunk_size=2000)
    ]
    CourseUnitTally.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def tally_differences(*, course_id: int | None = None) -> list[tuple[Pair, dict, dict]]:
    """(pair, kept, counted) for every tally that differs from a fresh count: empty when all is well.

    The figures compared are the tallies' and, under "due", the pair's open
    enrolments by due date.
    """
    tallies, dues, enrolments = CourseUnitTally.objects.all(), CourseUnitDue.objects.all(), Enrolment.objects.all()
    if course_id is not None:
        tallies, dues, enrolments = (q.filter(course_id=course_id) for q in (tallies, dues, enrolments))
    zero = {**dict.fromkeys(FIGURES, 0), "due": {}}
    kept: dict[Pair, dict] = {}
    for t in tallies.values("course_id", "org_unit_id", *FIGURES):
        kept[(t["course_id"], t["org_unit_id"])] = {**{name: t[name] for name in FIGURES}, "due": {}}
    for d in dues.values("course_id", "org_unit_id", "due_date", "open"):
        kept.setdefault((d["course_id"], d["org_unit_id"]), {**zero, "due": {}})["due"][d["due_date"]] = d["open"]
    fresh: dict[Pair, dict] = {}
    for g in counted(enrolments):
        fresh[(g["course_id"], g["user__org_unit_id"])] = {**{name: g[name] for name in FIGURES}, "due": {}}
    for g in counted_due(enrolments):
        pair = (g["course_id"], g["user__org_unit_id"])
        fresh.setdefault(pair, {**zero, "due": {}})["due"][g["due_date"]] = g["open"]
    return [
        (pair, kept.get(pair, zero), fresh.get(pair, zero))
        for pair in sorted(kept.keys() | fresh.keys())
        if kept.get(pair, zero) != fresh.get(pair, zero)
    ]


# --- receivers: writes that are not the courses services' -------------------------------


def _user_unit_before(sender, instance: User, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Note a person's unit before a save that may change it (a save naming other fields cannot)."""
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"org_unit", "org_unit_id"} & set(update_fields):
        return
    before = User.objects.filter(pk=instance.pk).values_list("org_unit_id", flat=True).first()
    if before != instance.org_unit_id:
        instance._tally_unit_before = before


def _user_unit_changed(sender, instance: User, created: bool = False, raw: bool = False, **kwargs) -> None:
    """A person moved to another unit: their enrolments count there now, no longer in the old one."""
    if raw or not hasattr(instance, "_tally_unit_before"):
        return
    before = instance.__dict__.pop("_tally_unit_before")
    with transaction.atomic():
        # Locked: a service writing one of them meanwhile recounts after this (see tally_refresh_enrolments).
        mine = Enrolment.objects.select_for_update().filter(user=instance)
        courses = set(mine.values_list("course_id", flat=True))
        tally_refresh([(course, unit) for course in courses for unit in (before, instance.org_unit_id)])


def _user_deleting(sender, instance: User, **kwargs) -> None:
    courses = set(Enrolment.objects.filter(user=instance).values_list("course_id", flat=True))
    instance._tally_pairs = [(course, instance.org_unit_id) for course in courses]


def _user_deleted(sender, instance: User, **kwargs) -> None:
    """A person deleted with their enrolments: recounted once they are gone (the same transaction)."""
    tally_refresh(instance.__dict__.pop("_tally_pairs", []))


def _module_deleting(sender, instance: ModulePage, **kwargs) -> None:
    parent = instance.path[: -ModulePage.steplen]
    instance._tally_course = CoursePage.objects.filter(path=parent).values_list("pk", flat=True).first()


def _module_deleted(sender, instance: ModulePage, **kwargs) -> None:
    """A module deleted with its progress: whoever had completed only it is no longer in progress.

    Only the course's existing rows are recounted (no new pair can appear),
    so deleting a whole course, whose tallies cascade, creates none anew.
    """
    course_id = instance.__dict__.pop("_tally_course", None)
    if course_id is not None:
        tally_refresh_course(course_id)


def connect() -> None:
    pre_save.connect(_user_unit_before, sender=User, dispatch_uid="courses.tallies.user_unit_before")
    post_save.connect(_user_unit_changed, sender=User, dispatch_uid="courses.tallies.user_unit_changed")
    pre_delete.connect(_user_deleting, sender=User, dispatch_uid="courses.tallies.user_deleting")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="courses.tallies.user_deleted")
    pre_delete.connect(_module_deleting, sender=ModulePage, dispatch_uid="courses.tallies.module_deleting")
    post_delete.connect(_module_deleted, sender=ModulePage, dispatch_uid="courses.tallies.module_deleted")
