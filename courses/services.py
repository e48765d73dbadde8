"""Every write of the courses app: enrolment, progress, completion, refresher.

``course_completion_check`` is the one place that decides a course is
complete; it records the date and final score and, once the transaction
commits, has the certificate issued (``tasks.course_certificate_issue``).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.scopes import users_in_scope
from cms.models import RegulationPage
from core.audit import audit, snapshot
from core.errors import ServiceError
from core.outbox import outbox_enqueue
from courses import caching, policies, selectors
from courses.models import CoursePage, Enrolment, ModulePage, ModuleProgress, ModuleReviewFlag, RefresherNotice
from courses.tallies import tally_refresh_enrolments

logger = logging.getLogger(__name__)

# What an enrolment's history shows of each change.
ENROLMENT_AUDIT_FIELDS = ("status", "due_date", "assigned_by", "approved_by", "left_at", "completed_at", "final_score")
Status = Enrolment.Status


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("course", "user").get(pk=enrolment.pk)


# --- enrolment ---------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(*, user: User, course: CoursePage) -> Enrolment:
    """A trainee enrols themselves: open courses at once, approval courses as a request."""
    if not user.is_authenticated or not user.is_active:
        raise ServiceError("inactive_user", _("Sign in with an active account to enrol."))
    if not course.live:
        raise ServiceError("not_live", _("This course is not open."))
    existing = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if existing is not None and existing.status != Status.LEFT:
        messages = {
            Status.ACTIVE: _("You are already enrolled in this course."),
            Status.PENDING: _("Your request to join this course is already waiting for approval."),
            Status.COMPLETED: _("You have already completed this course."),
        }
        raise ServiceError("already_enrolled", messages[existing.status])
    if course.enrolment_mode == CoursePage.EnrolmentMode.ASSIGNED:
        raise ServiceError(
            "assigned_only", _("This course is assigned by units: ask your unit's coordinator to assign it to you.")
        )
    missing = selectors.missing_prerequisites(user=user, course=course)
    if missing:
        raise ServiceError(
            "prerequisites",
            _("Complete these courses first: %(courses)s.") % {"courses": ", ".join(c.title for c in missing)},
        )
    status = Status.PENDING if course.enrolment_mode == CoursePage.EnrolmentMode.APPROVAL else Status.ACTIVE
    if existing is not None:
        # Coming back after leaving: the same row, with its progress.
        before = snapshot(existing, ENROLMENT_AUDIT_FIELDS)
        existing.status, existing.left_at = status, None
        existing.save(update_fields=["status", "left_at"])
        tally_refresh_enrolments([existing])
        audit(existing, "courses.enrolment.rejoin", actor=user, before=before, after=snapshot(existing, ("status",)))
        return existing
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(user=user, course=course, status=status)
    except IntegrityError:
        # A second tab got there first.
        raise ServiceError("already_enrolled", _("You are already enrolled in this course.")) from None
    tally_refresh_enrolments([enrolment])
    audit(enrolment, "courses.enrolment.create", actor=user, after=snapshot(enrolment, ("status",)))
    return enrolment


@transaction.atomic
def enrolment_approve(*, enrolment: Enrolment, approved_by: User) -> Enrolment:
    enrolment = _lock(enrolment)
    if not policies.can_approve_enrolment(approved_by, enrolment):
        raise ServiceError("forbidden", _("You may approve requests only from people of your units."))
    if enrolment.status != Status.PENDING:
        raise ServiceError("not_pending", _("This request has already been handled."))
    before = snapshot(enrolment, ENROLMENT_AUDIT_FIELDS)
    enrolment.status, enrolment.approved_by = Status.ACTIVE, approved_by
    enrolment.save(update_fields=["status", "approved_by"])
    # No tally changes: a request waiting for approval is counted as enrolled, not started, already.
    audit(
        enrolment,
        "courses.enrolment.approve",
        actor=approved_by,
        before=before,
        after=snapshot(enrolment, ENROLMENT_AUDIT_FIELDS),
    )
    return enrolment


@transaction.atomic
def enrolment_leave(*, enrolment: Enrolment, user: User) -> Enrolment:
    """Leave a course; the enrolment and its progress stay, for the record and a return."""
    enrolment = _lock(enrolment)
    if not policies.can_leave_enrolment(user, enrolment):
        raise ServiceError("forbidden", _("You can only leave your own courses."))
    if enrolment.status not in (Status.ACTIVE, Status.PENDING):
        raise ServiceError("not_active", _("You are not taking this course."))
    before = snapshot(enrolment, ENROLMENT_AUDIT_FIELDS)
    enrolment.status, enrolment.left_at = Status.LEFT, timezone.now()
    enrolment.save(update_fields=["status", "left_at"])
    tally_refresh_enrolments([enrolment])
    audit(
        enrolment,
        "courses.enrolment.leave",
        actor=user,
        before=before,
        after=snapshot(enrolment, ENROLMENT_AUDIT_FIELDS),
    )
    return enrolment


@dataclass(frozen=True)
class AssignResult:
    created: int
    updated: int
    skipped_completed: int


@transaction.atomic
def enrolment_assign_bulk(
    *, course: CoursePage, users: Iterable[User], assigned_by: User, due_date: datetime.date | None = None
) -> AssignResult:
    """A coordinator or organiser assigns a course to people in their scope, all or nothing."""
    users = list({user.pk: user for user in users}.values())
    if not policies.can_manage_courses(assigned_by):
        raise ServiceError("forbidden", _("Only unit coordinators and organisers assign courses."))
    if not users:
        raise ServiceError("no_users", _("Choose at least one person to assign the course to."))
    if not course.live:
        raise ServiceError("not_live", _("This course is not open."))
    if due_date is not None and due_date < timezone.localdate():
        raise ServiceError("past_due_date", _("The due date is in the past."))
    allowed = set(users_in_scope(assigned_by).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    outside = [user for user in users if user.pk not in allowed]
    if outside:
        raise ServiceError(
            "outside_scope",
            # Counted, never named: who they are is not the assigner's to learn.
            ngettext(
                "%(count)d person is outside the units you coordinate. Nobody was assigned.",
                "%(count)d people are outside the units you coordinate. Nobody was assigned.",
                len(outside),
            )
            % {"count": len(outside)},
        )
    existing = {e.user_id: e for e in Enrolment.objects.select_for_update().filter(course=course, user__in=users)}
    before = {e.pk: snapshot(e, ENROLMENT_AUDIT_FIELDS) for e in existing.values()}
    to_create, to_update, skipped = [], [], 0
    for user in users:
        enrolment = existing.get(user.pk)
        if enrolment is None:
            to_create.append(
                Enrolment(user=user, course=course, status=Status.ACTIVE, due_date=due_date, assigned_by=assigned_by)
            )
        elif enrolment.status == Status.COMPLETED:
            skipped += 1
        else:
            enrolment.status, enrolment.left_at = Status.ACTIVE, None
            enrolment.due_date, enrolment.assigned_by = due_date, assigned_by
            to_update.append(enrolment)
    Enrolment.objects.bulk_create(to_create)
    Enrolment.objects.bulk_update(to_update, ["status", "left_at", "due_date", "assigned_by"])
    tally_refresh_enrolments([*to_create, *to_update])
    # Bulk writes send no signal: these trainees' cached course pages are stale (courses.caching).
    caching.bump(e.user_id for e in [*to_create, *to_update])
    for enrolment in [*to_create, *to_update]:
        audit(
            enrolment,
            "courses.enrolment.assign",
            actor=assigned_by,
            before=before.get(enrolment.pk),
            after=snapshot(enrolment, ENROLMENT_AUDIT_FIELDS),
        )
    return AssignResult(created=len(to_create), updated=len(to_update), skipped_completed=skipped)


# --- progress -------------------------------------------------------------------------------


def _course_of(module: ModulePage) -> CoursePage:
    course = selectors.course_of(module)
    if course is None:
        raise ServiceError("no_course", _("This module does not belong to a course."))
    return course


# A module opened again within this time, and still the last one opened, writes nothing.
VISIT_WRITE_INTERVAL = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class Visit:
    at: datetime.datetime
    version: int  # the trainee's learning-state version after the write (courses.caching)


def module_visit(*, enrolment: Enrolment, module: ModulePage, visited: bool = False) -> Visit | None:
    """Remember that the trainee opened the module, to resume there on any device.

    ``visited``: the module's progress row exists (the caller's outline says so). Reading the
    same module again writes only when the "last visited" time is more than
    VISIT_WRITE_INTERVAL old, so a page reload costs no transaction; opening another
    module always records it at once, as "resume here" needs. Returns what was
    written, or None when nothing was.
    """
    now = timezone.now()
    if (
        visited
        and enrolment.last_module_id == module.pk
        and enrolment.last_visited_at
        and now - enrolment.last_visited_at < VISIT_WRITE_INTERVAL
    ):
        return None
    with transaction.atomic():
        updated = ModuleProgress.objects.filter(enrolment=enrolment, module=module).update(last_visited_at=now)
        if not updated:
            # ignore_conflicts: opened in another tab at the same moment. In bulk, so without
            # the save signal's version bump: the one below is this write's only one.
            ModuleProgress.objects.bulk_create(
                [ModuleProgress(enrolment=enrolment, module=module, last_visited_at=now)], ignore_conflicts=True
            )
        Enrolment.objects.filter(pk=enrolment.pk).update(last_module=module, last_visited_at=now)
        # "Continue: …" and the dashboard's order follow the last module opened (courses.caching).
        version = caching.bump_one(enrolment.user_id)
    return Visit(at=now, version=version)


@transaction.atomic
def module_complete(*, user: User, module: ModulePage) -> ModuleProgress:
    """Mark a module complete ("Hoàn thành"); a second call (double click, two tabs) records nothing new."""
    course = _course_of(module)
    enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if enrolment is None or not enrolment.is_open:
        raise ServiceError("not_enrolled", _("Enrol in the course before completing its modules."))
    done = ModuleProgress.objects.filter(enrolment=enrolment, module=module, completed_at__isnull=False).first()
    if done is not None:
        return done  # marked before (double click, another tab): nothing new to record
    state = selectors.module_state(module=module, user=user)
    if state.item is None:
        raise ServiceError("not_live", _("This module is not published."))
    if state.item.locked:
        blocking = state.blocking_item
        raise ServiceError(
            "locked",
            _("This module opens when you have completed “%(title)s”.") % {"title": blocking.module.title},
        )
    if module.quiz_id and not state.quiz_passed:
        raise ServiceError("quiz_not_passed", _("Pass the module's quiz to complete it."))
    progress, _created = ModuleProgress.objects.get_or_create(enrolment=enrolment, module=module)
    now = timezone.now()
    # Conditional update: whichever request comes second finds it done.
    if ModuleProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=now):
        progress.completed_at = now
        caching.bump([user.pk])
        completed = course_completion_check(enrolment=enrolment)  # recounts the tally when it completes
        others = ModuleProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).exclude(pk=progress.pk)
        if not completed and not others.exists():
            # The first module completed makes the enrolment "in progress" (its due date counts the same).
            tally_refresh_enrolments([enrolment], due=False)
    else:
        progress.refresh_from_db()
    return progress


# --- completion -------------------------------------------------------------------------------


@transaction.atomic
def course_completion_check(*, enrolment: Enrolment) -> bool:
    """Decide whether the course is complete, and record it once.

    Complete: every live module complete and, when the course has a final
    test, the test passed. Records the date and final score; the certificate
    is issued after the transaction commits. Returns whether the enrolment
    is complete.
    """
    enrolment = _lock(enrolment)
    if enrolment.status == Status.COMPLETED:
        return True
    if enrolment.status != Status.ACTIVE:
        return False
    course = enrolment.course
    outline = selectors.course_outline(course=course, user=enrolment.user, enrolment=enrolment)
    if not outline.items or outline.completed_count < outline.total:
        return False
    score = None
    if course.final_quiz_id:
        final = selectors.counting_attempt(enrolment.user, course.final_quiz_id)
        if final is None or not final.passed:
            return False
        score = final.percent
    before = snapshot(enrolment, ENROLMENT_AUDIT_FIELDS)
    enrolment.status, enrolment.completed_at, enrolment.final_score = Status.COMPLETED, timezone.now(), score
    enrolment.save(update_fields=["status", "completed_at", "final_score"])
    tally_refresh_enrolments([enrolment])
    audit(enrolment, "courses.enrolment.complete", before=before, after=snapshot(enrolment, ENROLMENT_AUDIT_FIELDS))
    enrolment_id = enrolment.pk
    outbox_enqueue(
        "courses.tasks.course_certificate_issue", key=f"course-certificate:{enrolment_id}", enrolment_id=enrolment_id
    )
    return True


def course_certificate_issue(*, enrolment_id: int):
    """Issue the certificate of a completed enrolment (idempotent: certificates returns the valid one)."""
    from certificates.services import Achievement, certificate_issue

    enrolment = (
        Enrolment.objects.select_related("course__certificate_template", "user__org_unit")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        return None
    course = enrolment.course
    completed = enrolment.status == Status.COMPLETED
    achievement = Achievement(
        page=course,
        earned=completed,
        reason=_("The course is not complete."),
        completed_on=timezone.localdate(enrolment.completed_at) if enrolment.completed_at else None,
        started_on=timezone.localdate(enrolment.created_at) if enrolment.created_at else None,
        hours=course.estimated_hours,
        score=enrolment.final_score,
    )
    return certificate_issue(holder=enrolment.user, achievement=achievement, template=course.certificate_template)


def quiz_passed_recheck(*, user: User, quiz_id: int) -> None:
    """After a quiz is passed: complete the modules it belongs to that the trainee has opened,
    and re-check courses whose final test it is."""
    modules = ModulePage.objects.live().filter(quiz_id=quiz_id, progress__enrolment__user=user).distinct()
    for module in modules:
        try:
            module_complete(user=user, module=module)
        except ServiceError as error:
            logger.info("Quiz %s passed; module %s not completed: %s", quiz_id, module.pk, error.code)
    enrolments = Enrolment.objects.filter(user=user, course__final_quiz_id=quiz_id, status=Status.ACTIVE)
    for enrolment in enrolments:
        course_completion_check(enrolment=enrolment)


# --- refresher ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefresherResult:
    flags: int
    notices: int
    emails: int


def refresher_run(*, regulation_id: int) -> RefresherResult:
    """A newer regulation is published: flag the modules citing the one it supersedes, tell the trainees
    who learned the old text: those who completed the course, and those still on it who completed a
    flagged module.

    Idempotent: flags and notices are unique rows (created once), and each
    notice is mailed once (stamped after sending), so a retry only finishes
    what is left.
    """
    regulation = RegulationPage.objects.live().filter(pk=regulation_id).select_related("supersedes").first()
    if regulation is None or regulation.supersedes_id is None:
        return RefresherResult(0, 0, 0)
    with transaction.atomic():
        modules = list(ModulePage.objects.filter(cited_regulations=regulation.supersedes_id).distinct())
        ModuleReviewFlag.objects.bulk_create(
            [
                ModuleReviewFlag(module=m, superseded_id=regulation.supersedes_id, regulation=regulation)
                for m in modules
            ],
            ignore_conflicts=True,
        )
        flags = list(
            ModuleReviewFlag.objects.filter(regulation=regulation, module__in=modules).select_related("module")
        )
        courses = selectors.courses_of(flag.module for flag in flags)
        flags_by_course: dict[int, list[ModuleReviewFlag]] = {}
        for flag in flags:
            course = courses.get(flag.module_id)
            if course is not None:
                flags_by_course.setdefault(course.pk, []).append(flag)
        completed = Enrolment.objects.filter(course_id__in=flags_by_course, status=Status.COMPLETED).values_list(
            "user_id", "course_id"
        )
        by_key = {
            (user_id, flag.pk): RefresherNotice(user_id=user_id, course_id=course_id, flag=flag)
            for user_id, course_id in completed.iterator()
            for flag in flags_by_course[course_id]
        }
        # A trainee still on the course who already completed a flagged module learned the old text too.
        flag_of_module = {flag.module_id: flag for flag in flags}
        learned = ModuleProgress.objects.filter(
            module_id__in=flag_of_module,
            completed_at__isnull=False,
            enrolment__course_id__in=flags_by_course,
        ).values_list("enrolment__user_id", "enrolment__course_id", "module_id")
        for user_id, course_id, module_id in learned.iterator():
            flag = flag_of_module[module_id]
            by_key.setdefault((user_id, flag.pk), RefresherNotice(user_id=user_id, course_id=course_id, flag=flag))
        notices = list(by_key.values())
        RefresherNotice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=500)
        caching.bump(notice.user_id for notice in notices)
    emails = refresher_notices_email(regulation=regulation)
    logger.info("Regulation %s: %d modules flagged, %d refresher emails", regulation.pk, len(flags), emails)
    return RefresherResult(len(flags), len(notices), emails)


def refresher_notices_email(*, regulation: RegulationPage) -> int:
    """One email per trainee listing their courses to refresh; each notice stamped once sent."""
    from cms.services import absolute_url

    pending = (
        RefresherNotice.objects.filter(flag__regulation=regulation, emailed_at__isnull=True, user__is_active=True)
        .select_related("user", "course", "flag__module")
        .order_by("user_id", "course_id", "flag__module__path")
    )
    by_user: dict[int, list[RefresherNotice]] = {}
    for notice in pending.iterator():
        by_user.setdefault(notice.user_id, []).append(notice)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE), mail.get_connection() as connection:
        for notices in by_user.values():
            user = notices[0].user
            context = {
                "user": user,
                "regulation": regulation,
                "regulation_url": absolute_url(regulation.get_url() or ""),
                "notices": notices,
                "module_urls": {n.pk: absolute_url(n.flag.module.get_url() or "") for n in notices},
                "dashboard_url": absolute_url(reverse("courses:mine")),
                "site_name": settings.WAGTAIL_SITE_NAME,
            }
            subject = _("Refresher needed: %(title)s") % {"title": regulation.title}
            mail.EmailMessage(
                subject=" ".join(subject.split()),
                body=render_to_string("courses/email/refresher.txt", context),
                to=[user.email],
                connection=connection,
            ).send()
            # No version bump: no page shows when a notice was mailed.
            RefresherNotice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
            sent += 1
    return sent


@transaction.atomic
def refresher_notice_dismiss(*, notice: RefresherNotice, user: User) -> None:
    if notice.user_id != user.pk:
        raise ServiceError("forbidden", _("This notice is not yours."))
    if RefresherNotice.objects.filter(pk=notice.pk, dismissed_at__isnull=True).update(dismissed_at=timezone.now()):
        caching.bump([user.pk])
