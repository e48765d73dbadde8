"""Thin views: parse, check scope (by URL too), call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import policy_required
from accounts.scopes import nearby_units, scope_top, units_in_scope, users_in_scope
from cms import caching as cms_caching
from core.errors import ServiceError
from courses import caching, exports, selectors, services
from courses.forms import AssignForm, ReportFilterForm
from courses.models import CoursePage, Enrolment, ModulePage, RefresherNotice
from courses.policies import can_assign_course, can_manage_courses, can_report_on_course

# --- trainees ----------------------------------------------------------------------------


def module_serve(request: HttpRequest, module: ModulePage, serve, *args, **kwargs) -> HttpResponse:
    """A module's page: its body only for enrolled trainees, and only once it is unlocked.

    Opening it records where the trainee is, so they resume here on any device.
    The trainee's part of the page comes from the cache while nothing it
    shows has changed (``courses.caching``); only a page they may study is stored.
    """
    if getattr(request, "is_preview", False):
        return serve(request, *args, **kwargs)
    name = f"module:{module.pk}"
    cache_key = caching.key(request, name)
    hit = caching.get(request, cache_key)
    if hit is not None:
        request._course_module_html, facts = hit
        # The enrolment's visit fields as stored with the page: any write to them moves the
        # trainee's version on, so a hit means they are still the database's.
        enrolment = Enrolment(
            pk=facts["enrolment_id"],
            user_id=request.user.pk,
            last_module_id=facts["last_module_id"],
            last_visited_at=facts["last_visited_at"],
        )
        visit = services.module_visit(enrolment=enrolment, module=module, visited=facts["visited"])
        later_key, later_facts = _after_visit(request, name, module, visit, facts)
        caching.put(request, later_key, request._course_module_html, later_facts)
        return serve(request, *args, **kwargs)
    state = selectors.module_state(module=module, user=request.user)
    request._course_module_state = state
    if not state.can_study:
        context = {"page": module, "self": module, **state.as_context()}
        return TemplateResponse(request, "courses/module_locked.html", context, status=403)
    enrolment = state.enrolment
    facts = {
        "enrolment_id": enrolment.pk,
        "last_module_id": enrolment.last_module_id,
        "last_visited_at": enrolment.last_visited_at,
        "visited": state.item.visited,
    }
    visit = services.module_visit(enrolment=enrolment, module=module, visited=state.item.visited)
    if visit is not None and cache_key is not None:
        cache_key, facts = _after_visit(request, name, module, visit, facts)
    request._course_module_key = cache_key
    request._course_module_facts = facts
    return serve(request, *args, **kwargs)


def _after_visit(request: HttpRequest, name: str, module: ModulePage, visit, facts: dict) -> tuple[str | None, dict]:
    """Where the page just read may be stored after the visit was recorded: (key or None, facts).

    The visit moved the trainee's version on. When it went from the version this
    request read to the very next one, nothing else changed meanwhile, and nothing
    the module page shows depends on the visit (``module_main.html`` shows no
    "resume here"): the page is right at the new version too, with the visit's own
    fields, so the next request comes from the cache. Otherwise another write came
    in between, and nothing is stored.
    """
    read = caching.version_read(request.user.pk)
    if visit is None or read is None or visit.version != read + 1:
        return None, facts
    later = {**facts, "last_module_id": module.pk, "last_visited_at": visit.at, "visited": True}
    return caching.key(request, name, at_version=visit.version), later


@login_required
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        enrolment = services.enrolment_create(user=request.user, course=course)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(course.url)
    if enrolment.status == Enrolment.Status.PENDING:
        messages.success(request, _("Your request has been sent. You can start once it is approved."))
    else:
        messages.success(request, _("You are enrolled. Start with the first module."))
    return redirect(course.url)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, course_id: int) -> HttpResponse:
    """Leaving asks first: the page says what is kept, and only its confirmed form leaves."""
    enrolment = get_object_or_404(Enrolment.objects.select_related("course"), course_id=course_id, user=request.user)
    if request.method == "POST" and request.POST.get("confirm") == "leave":
        try:
            services.enrolment_leave(enrolment=enrolment, user=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("You have left the course. Your progress is kept if you come back."))
        return redirect("courses:mine")
    outline = selectors.course_outline(course=enrolment.course, user=request.user, enrolment=enrolment)
    return render(request, "courses/leave_confirm.html", {"enrolment": enrolment, "outline": outline})


@login_required
@require_POST
def module_complete(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    try:
        services.module_complete(user=request.user, module=module)
    except ServiceError as error:
        messages.error(request, error.message)
        if error.code == "not_enrolled":
            course = selectors.course_of(module)
            return redirect(course.url if course else "courses:mine")
        return redirect(module.url)
    state = selectors.module_state(module=module, user=request.user)
    enrolment = state.enrolment
    if enrolment and enrolment.status == Enrolment.Status.COMPLETED and state.next_item is None:
        messages.success(request, _("Congratulations: you have completed the course."))
        return redirect(state.course.url)
    messages.success(request, _("Module completed."))
    if state.next_item is not None:
        return redirect(state.next_item.module.url)
    return redirect(state.course.url)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    def render_board():
        board = selectors.dashboard(user=request.user)
        cms_caching.prime_site(request)  # for the {% pageurl %} of every course and module listed
        context = {"board": board, "today": timezone.localdate(), "catalogue_url": selectors.catalogue_url()}
        return render_to_string("courses/includes/mine_main.html", context, request=request)

    return render(request, "courses/mine.html", {"board_html": caching.html(request, "dashboard", render_board)})


@login_required
@require_POST
def notice_dismiss(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_object_or_404(RefresherNotice, pk=notice_id, user=request.user)
    services.refresher_notice_dismiss(notice=notice, user=request.user)
    return redirect("courses:mine")


# --- coordinators and organisers ---------------------------------------------------------------


def _course(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage, pk=course_id)


def _report_units(request: HttpRequest):
    """The unit the report covers (the chosen one, which must be in the user's scope) and the top of its tree.

    ``top`` is the chosen unit, else the coordinator's own unit, else None
    (every unit, for organisers and administrators).
    """
    scope = units_in_scope(request.user)
    form = ReportFilterForm(request.GET or None, units=scope)
    unit = None
    if request.GET.get("unit"):
        if not form.is_valid():
            # Another unit's id typed into the address: as if it did not exist.
            raise Http404
        unit = form.cleaned_data["unit"]
    base = scope_top(request.user)
    form.offer(scope.filter(nearby_units(base, unit)).order_by("path"))
    return form, unit, unit or base


@policy_required(can_manage_courses)
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    courses = CoursePage.objects.live().order_by("path")
    return render(request, "courses/manage_list.html", {"courses": courses})


@policy_required(can_report_on_course, load=_course)
@require_GET
def report(request: HttpRequest, course: CoursePage) -> HttpResponse:
    form, unit, top = _report_units(request)
    rows, total = selectors.unit_report(course=course, top=top)
    charted = [row for row in rows if row.enrolled and row.unit is not None and row.unit != top]
    # Positions and labels worked out here, not by template filters per bar: a
    # national tree charts tens of units on every view.
    chart_rows = [
        {
            "row": row,
            "y": str(24 * index),
            "label": Truncator(row.unit.name).chars(32),
            "width": str(round(row.percent_completed / 100 * 160)),
        }
        for index, row in enumerate(charted)
    ]
    return render(
        request,
        "courses/report.html",
        {
            "course": course,
            "form": form,
            "unit": unit,
            "rows": rows,
            # Each row with its unit's query string, made once rather than per cell.
            "table_rows": [(row, f"unit={row.unit.pk}") for row in rows],
            "total": total,
            "chart_rows": chart_rows,
            "chart_height": 24 * len(chart_rows) + 8,
            "query": request.GET.urlencode(),
        },
    )


BUCKETS = ("completed", "in_progress", "not_started", "overdue")
PEOPLE_PER_PAGE = 50


@policy_required(can_report_on_course, load=_course)
@require_GET
def report_people(request: HttpRequest, course: CoursePage) -> HttpResponse:
    form, unit, top = _report_units(request)
    bucket = request.GET.get("status", "")
    if bucket and bucket not in BUCKETS:
        bucket = ""
    enrolments = selectors.people_report(course=course, top=top, bucket=bucket)
    paginator = Paginator(enrolments, PEOPLE_PER_PAGE)
    # Counted from the report's tallies rather than by counting every enrolment of the subtree.
    paginator.count = selectors.people_count(course=course, top=top, bucket=bucket)
    page = paginator.get_page(request.GET.get("page"))
    total_modules = course.modules().count()
    people = list(selectors.person_rows(page.object_list, total_modules=total_modules))
    return render(
        request,
        "courses/report_people.html",
        {"course": course, "form": form, "unit": unit, "people": people, "page_obj": page, "bucket": bucket},
    )


@policy_required(can_report_on_course, load=_course)
@require_GET
def report_export(request: HttpRequest, course: CoursePage, fmt: str) -> HttpResponse:
    """The whole report as a download, written as it is read: the rows are never all in memory."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    _form, _unit, top = _report_units(request)
    enrolments = selectors.people_report(course=course, top=top).iterator(chunk_size=2000)
    people = selectors.person_rows(enrolments, total_modules=course.modules().count())
    name = f"bao-cao-{slugify(course.slug)[:40]}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        rows, total = selectors.unit_tree_report(course=course, top=top)
        response = StreamingHttpResponse(
            exports.report_xlsx(course=course, unit_rows=rows, total=total, people=people),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(exports.report_csv(people=people), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@policy_required(can_assign_course, load=_course)
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, course: CoursePage) -> HttpResponse:
    form = AssignForm(request.POST or None, units=units_in_scope(request.user))
    if request.method == "POST" and form.is_valid():
        people, unknown = form.people(scope=users_in_scope(request.user))
        if unknown:
            # The same answer for an address without an account and one of
            # another unit: the assigner learns neither.
            form.add_error(
                "emails",
                _("Nobody in the units you coordinate has these addresses: %(emails)s. Nobody was assigned.")
                % {"emails": ", ".join(unknown)},
            )
        else:
            try:
                result = services.enrolment_assign_bulk(
                    course=course, users=people, assigned_by=request.user, due_date=form.cleaned_data["due_date"]
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Course assigned to %(count)d person.",
                        "Course assigned to %(count)d people.",
                        result.created + result.updated,
                    )
                    % {"count": result.created + result.updated},
                )
                if result.skipped_completed:
                    messages.info(
                        request,
                        ngettext(
                            "%(count)d person had already completed it.",
                            "%(count)d people had already completed it.",
                            result.skipped_completed,
                        )
                        % {"count": result.skipped_completed},
                    )
                return redirect("courses:report", course_id=course.pk)
    return render(request, "courses/assign.html", {"course": course, "form": form})


@policy_required(can_report_on_course, load=_course)
@require_http_methods(["GET", "POST"])
def pending(request: HttpRequest, course: CoursePage) -> HttpResponse:
    requests = selectors.pending_enrolments(course=course, users=users_in_scope(request.user))
    if request.method == "POST":
        enrolment = get_object_or_404(requests, pk=request.POST.get("enrolment") or 0)
        try:
            services.enrolment_approve(enrolment=enrolment, approved_by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(name)s can now start the course.") % {"name": enrolment.user.full_name})
        return redirect("courses:pending", course_id=course.pk)
    return render(request, "courses/pending.html", {"course": course, "requests": requests})
