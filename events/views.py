"""Thin views: parse, check permission (by URL too), call a service or selector, render."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.roles import Role
from accounts.scopes import users_in_scope
from core.errors import ServiceError
from core.pending import chosen_rows
from core.spreadsheets import read_upload
from events import imports, selectors, services
from events.exports import attendance_xlsx, sign_in_sheet_pdf
from events.forms import CheckInForm, ImportForm, NominateForm, SelfRegistrationForm
from events.models import Attendance, EventPage, EventSession, Registration
from events.permissions import can_manage_event, can_register_into_unit, nominable_units
from events.qr import qr_svg
from events.tokens import (
    SESSION_CODE_REFRESH,
    SessionCodeExpired,
    self_check_in_claim,
    self_check_in_token,
    session_code,
    session_code_session_id,
    ticket_token,
)

MANAGERS = (Role.ORGANISER, Role.ADMIN)
NOMINATORS = (Role.ORGANISER, Role.ADMIN, Role.COORDINATOR)


def _managed_event(request: HttpRequest, event_id: int) -> EventPage:
    event = get_object_or_404(EventPage, pk=event_id)
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    return event


def _nominating_event(request: HttpRequest, event_id: int) -> EventPage:
    event = get_object_or_404(EventPage, pk=event_id)
    if can_manage_event(request.user, event):
        return event
    # Coordinators nominate only into published events that are not over.
    if not (event.live and event.ends_at >= timezone.now() and nominable_units(request.user, event).exists()):
        raise PermissionDenied
    return event


def _registration_of(event: EventPage, value: str) -> Registration:
    """A registration of ``event`` named by its UUID in a form; 404 for anything else (a malformed value too)."""
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Registration.objects.select_related("user", "org_unit"), uuid=key, event=event)


def _own_registration(request: HttpRequest, registration_uuid) -> Registration:
    registration = get_object_or_404(
        Registration.objects.select_related("event", "org_unit", "user"), uuid=registration_uuid
    )
    # A participant sees only their own ticket; the event's organisers see all.
    if registration.user_id != request.user.pk and not can_manage_event(request.user, registration.event):
        raise Http404
    return registration


# --- participants ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(EventPage.objects.live(), pk=event_id)
    existing = selectors.registration_for_user(event=event, user=request.user)
    if existing is not None:
        return redirect("events:ticket", registration_uuid=existing.uuid)
    user = request.user
    initial = {
        "full_name": user.full_name,
        "email": user.email,
        "org_unit": user.org_unit_id,
        "position": user.position,
        "phone": user.phone,
    }
    form = SelfRegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(
                event=event,
                user=user,
                full_name=form.cleaned_data["full_name"],
                org_unit=form.cleaned_data["org_unit"],
                position=form.cleaned_data["position"],
                phone=form.cleaned_data["phone"],
                notes=form.cleaned_data["notes"],
                created_by=user,
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            if registration.status == Registration.Status.CONFIRMED:
                messages.success(request, _("You are registered. Your ticket has been sent by email."))
            else:
                messages.info(request, _("The event is full: you are on the waiting list."))
            return redirect("events:ticket", registration_uuid=registration.uuid)
    return render(request, "events/register.html", {"event": event, "form": form})


@login_required
@never_cache
def ticket(request: HttpRequest, registration_uuid) -> HttpResponse:
    registration = _own_registration(request, registration_uuid)
    event = registration.event
    context = {"registration": registration, "event": event, "event_over": event.ends_at <= timezone.now()}
    if registration.status == Registration.Status.CONFIRMED:
        context["qr"] = qr_svg(ticket_token(registration.uuid))
        if event.post_test_id:
            context["post_test_url"] = (
                reverse("quizzes:quiz", args=[event.post_test_id]) + "?" + urlencode({"next": request.path})
            )
        if context["event_over"] and event.certificate_rule != EventPage.CertificateRule.NONE:
            context["standing"] = selectors.certificate_standing(registration)
    return render(request, "events/ticket.html", context)


@login_required
@require_POST
def ticket_certificate(request: HttpRequest, registration_uuid) -> HttpResponse:
    """The delegate asks for their certificate once the event is over and the rule is met."""
    registration = _own_registration(request, registration_uuid)
    if registration.user_id != request.user.pk:
        raise Http404
    if registration.event.ends_at > timezone.now():
        messages.error(request, _("Certificates can be requested after the event ends."))
        return redirect("events:ticket", registration_uuid=registration.uuid)
    try:
        certificate = services.event_certificate_issue(registration=registration)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("events:ticket", registration_uuid=registration.uuid)
    messages.success(
        request,
        _("Certificate %(serial)s is issued; the PDF will also be sent by email.") % {"serial": certificate.serial},
    )
    return redirect("certificates:mine")


@login_required
@require_POST
def cancel(request: HttpRequest, registration_uuid) -> HttpResponse:
    registration = _own_registration(request, registration_uuid)
    if registration.user_id != request.user.pk:
        raise Http404
    try:
        services.registration_cancel(registration=registration)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect(registration.event.url or "home")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    registrations = (
        Registration.objects.filter(user=request.user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event")
        .order_by("-event__starts_at")
    )
    return render(request, "events/mine.html", {"registrations": registrations})


@login_required
@require_http_methods(["GET", "POST"])
def self_check_in(request: HttpRequest, code: str) -> HttpResponse:
    """A participant scanned the projector's rotating code with their own phone.

    The scan (GET) only shows a confirmation button, so that nothing is
    recorded by a link preview or a prefetch; the button posts the signed
    scan, and the attendance keeps the time of the scan.
    """
    try:
        if request.method == "POST":
            claim = self_check_in_claim(request.POST.get("confirmation", ""), user_id=request.user.pk)
            session_id, scanned = claim if claim else (None, None)
        else:
            session_id, scanned = session_code_session_id(code), timezone.now().timestamp()
    except SessionCodeExpired:
        result = services.CheckInResult("expired", _("This code has expired. Scan the code on the screen again."))
    else:
        if session_id is None:
            result = services.CheckInResult("unknown", _("This session code is not valid."))
        elif request.method == "GET":
            session = get_object_or_404(EventSession.objects.select_related("event"), pk=session_id)
            confirmation = self_check_in_token(session_id=session_id, user_id=request.user.pk, scanned_at=scanned)
            return render(
                request, "events/self_check_in_confirm.html", {"session": session, "confirmation": confirmation}
            )
        else:
            at = datetime.datetime.fromtimestamp(scanned, tz=datetime.UTC)
            result = services.attendance_self_check_in(session_id=session_id, user=request.user, now=at)
    return render(
        request, "events/self_check_in.html", {"result": result}, status=200 if result.colour != "red" else 400
    )


# --- organisers and coordinators --------------------------------------------------


@staff_required(*NOMINATORS)
def manage_list(request: HttpRequest) -> HttpResponse:
    events = selectors.managed_events(request.user)
    if not events.exists() and request.user.coordinated_unit_id:
        events = EventPage.objects.live().filter(ends_at__gte=timezone.now()).order_by("starts_at")
    return render(request, "events/manage_list.html", {"events": events})


@staff_required(*MANAGERS)
def manage_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    sessions = list(event.sessions.order_by("starts_at"))
    counts = {row["status"]: row["n"] for row in event.registrations.values("status").annotate(n=Count("pk"))}
    return render(request, "events/manage_detail.html", {"event": event, "sessions": sessions, "counts": counts})


@staff_required(*NOMINATORS)
@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _nominating_event(request, event_id)
    people = users_in_scope(request.user).filter(is_active=True)
    form = NominateForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["user"]
        if not can_register_into_unit(request.user, event, person.org_unit):
            raise PermissionDenied
        try:
            registration = services.registration_create(
                event=event, user=person, source=Registration.Source.COORDINATOR, created_by=request.user
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s is registered (%(status)s).")
                % {"name": registration.full_name, "status": registration.get_status_display()},
            )
            return redirect("events:nominate", event_id=event.pk)
    unit_registrations = (
        Registration.objects.filter(event=event, org_unit__in=nominable_units(request.user, event))
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("org_unit")
        .order_by("full_name_folded")
    )
    return render(request, "events/nominate.html", {"event": event, "form": form, "registrations": unit_registrations})


@staff_required(*NOMINATORS)
@require_GET
def import_template(request: HttpRequest, event_id: int) -> HttpResponse:
    _nominating_event(request, event_id)
    response = HttpResponse(
        imports.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-dang-ky-dai-bieu.xlsx"'
    return response


@staff_required(*NOMINATORS)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _nominating_event(request, event_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = token = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_upload(upload, max_bytes=imports.MAX_UPLOAD_BYTES)
            preview = imports.registration_import_preview(event=event, file=data, filename=upload.name, by=request.user)
        except ServiceError as error:
            form.add_error("file", error.message)
        else:
            token = imports.registration_import_stage(event=event, preview=preview, data=data, by=request.user)
    return render(request, "events/import.html", {"event": event, "form": form, "preview": preview, "token": token})


@staff_required(*NOMINATORS)
@require_POST
def import_confirm(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _nominating_event(request, event_id)
    confirmation, report = imports.registration_import_confirm(
        event=event,
        token=request.POST.get("token", ""),
        by=request.user,
        convert_rows=chosen_rows(request.POST.getlist("convert")),
        keep_as_typed="keep_as_typed" in request.POST,
    )
    if report is None:
        if confirmation.status == "running":
            messages.info(request, _("This import is being saved. Reload the registrations in a moment."))
        else:
            messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("events:import", event_id=event.pk)
    return render(
        request,
        "events/import_report.html",
        {"event": event, "report": report, "repeated": confirmation.status == "repeated"},
    )


def _session_of(event: EventPage, session_id: int) -> EventSession:
    session = EventSession.objects.filter(pk=session_id, event_id=event.pk).first()
    if session is None:
        raise Http404
    session.event = event
    return session


@staff_required(*MANAGERS)
def check_in_page(request: HttpRequest, event_id: int, session_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    session = _session_of(event, session_id)
    return render(
        request,
        "events/check_in.html",
        {
            "event": event,
            "session": session,
            "counts": selectors.session_counts(session),
            "sessions": event.sessions.order_by("starts_at"),
            "statuses": Attendance.Status.choices,
        },
    )


@staff_required(*MANAGERS)
@require_GET
def check_in_search(request: HttpRequest, event_id: int, session_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    session = _session_of(event, session_id)
    results = selectors.registrations_matching(event, request.GET.get("q", "")[:100])
    checked = dict(
        Attendance.objects.filter(session=session, registration__in=[r.pk for r in results]).values_list(
            "registration_id", "checked_in_at"
        )
    )
    rows = [(r, checked.get(r.pk)) for r in results]
    return render(request, "events/includes/search_results.html", {"rows": rows, "session": session, "event": event})


def _result_json(result: services.CheckInResult) -> dict:
    registration = result.registration
    attendance = result.attendance
    return {
        "outcome": result.outcome,
        "colour": result.colour,
        "message": str(result.message),
        "name": registration.full_name if registration and result.colour != "red" else "",
        "unit": registration.org_unit.name if registration and registration.org_unit and result.colour != "red" else "",
        "time": timezone.localtime(attendance.checked_in_at).strftime("%H:%M") if attendance else "",
        "status": attendance.get_status_display() if attendance else "",
        "attendance": attendance.pk if attendance and result.outcome == "ok" else None,
    }


@staff_required(*MANAGERS)
@require_POST
def check_in_scan(request: HttpRequest, event_id: int, session_id: int) -> JsonResponse:
    event = _managed_event(request, event_id)
    session = _session_of(event, session_id)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return JsonResponse(
            {
                "outcome": "invalid",
                "colour": "red",
                "message": _("Unknown ticket: this QR code is not one of our tickets."),
            },
            status=400,
        )
    data = form.cleaned_data
    registration = None
    if data["registration"]:
        registration = Registration.objects.select_related("org_unit").filter(uuid=data["registration"]).first()
        if registration is None:
            return JsonResponse(
                {"outcome": "unknown", "colour": "red", "message": _("Unknown registration.")}, status=404
            )
    result = services.attendance_check_in(
        session=session,
        recorded_by=request.user,
        token=data["token"],
        registration=registration,
        scanned_at=data["scanned_at"],
        nonce=data["nonce"],
        status=data["status"] or None,
        method=Attendance.Method.SEARCH if registration else Attendance.Method.SCAN,
    )
    return JsonResponse(_result_json(result))


@staff_required(*MANAGERS)
@require_POST
def check_in_undo(request: HttpRequest, event_id: int, session_id: int, attendance_id: int) -> JsonResponse:
    event = _managed_event(request, event_id)
    session = _session_of(event, session_id)
    attendance = get_object_or_404(Attendance, pk=attendance_id, session=session)
    try:
        services.attendance_undo(attendance=attendance)
    except ServiceError as error:
        return JsonResponse({"ok": False, "message": error.message}, status=409)
    return JsonResponse({"ok": True, "message": _("Check-in undone.")})


@staff_required(*MANAGERS)
@require_POST
def check_in_mark(request: HttpRequest, event_id: int, session_id: int) -> HttpResponse:
    """Set a status by hand (excused, absent, or a correction)."""
    event = _managed_event(request, event_id)
    session = _session_of(event, session_id)
    registration = _registration_of(event, request.POST.get("registration", ""))
    try:
        services.attendance_mark(
            registration=registration, session=session, status=request.POST.get("status", ""), recorded_by=request.user
        )
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("events:check_in", event_id=event.pk, session_id=session.pk)


@staff_required(*MANAGERS)
@require_GET
@never_cache
def check_in_counts(request: HttpRequest, event_id: int, session_id: int) -> JsonResponse:
    event = _managed_event(request, event_id)
    return JsonResponse(selectors.session_counts(_session_of(event, session_id)))


@staff_required(*MANAGERS)
@never_cache
def projector(request: HttpRequest, event_id: int, session_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    session = _session_of(event, session_id)
    url = request.build_absolute_uri(reverse("events:self_check_in", kwargs={"code": session_code(session.pk)}))
    template = "events/includes/projector_code.html" if request.htmx else "events/projector.html"
    return render(
        request, template, {"event": event, "session": session, "qr": qr_svg(url), "refresh": SESSION_CODE_REFRESH}
    )


@staff_required(*MANAGERS)
def report(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    sessions, rows = selectors.event_report(event)
    context = {
        "event": event,
        "sessions": sessions,
        "session_rows": [(s, selectors.session_counts(s)) for s in sessions],
        "unit_rows": [(row, [row.per_session.get(s.pk, 0) for s in sessions]) for row in rows],
    }
    return render(request, "events/report.html", context)


@staff_required(*MANAGERS)
def report_xlsx(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    response = HttpResponse(
        attendance_xlsx(event), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="diem-danh-{event.pk}.xlsx"'
    return response


@staff_required(*MANAGERS)
def sign_in_sheet(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _managed_event(request, event_id)
    response = HttpResponse(
        sign_in_sheet_pdf(event, selectors.sign_in_sheet_rows(event)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="danh-sach-ky-ten-{event.pk}.pdf"'
    return response


@staff_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def certificates(request: HttpRequest, event_id: int) -> HttpResponse:
    """Who met the certificate rule and why not; issue for one person or in bulk."""
    event = _managed_event(request, event_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "bulk":
                batch = services.event_certificates_bulk_issue(event=event, started_by=request.user)
                return redirect("certificates:batch_detail", pk=batch.pk)
            if action == "issue":
                registration = _registration_of(event, request.POST.get("registration", ""))
                certificate = services.event_certificate_issue(registration=registration, issued_by=request.user)
                messages.success(
                    request,
                    _("Certificate %(serial)s is issued to %(name)s.")
                    % {"serial": certificate.serial, "name": certificate.holder_name},
                )
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect("events:certificates", event_id=event.pk)
    standings = selectors.certificate_standings(event)
    context = {
        "event": event,
        "standings": standings,
        "earned": sum(1 for s in standings if s.earned),
        "issued": sum(1 for s in standings if s.certificate is not None),
        "event_over": event.ends_at <= timezone.now(),
    }
    return render(request, "events/certificates.html", context)
