"""Thin views: parse, check permission (by URL too), call a service or selector, render."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import policy_required
from accounts.models import OrgUnit, User
from accounts.ratelimits import refusal_count, refusals_exceeded
from accounts.scopes import subtree
from core.audit import history
from core.errors import ServiceError
from core.pending import chosen_rows
from core.spreadsheets import read_upload
from core.text import fold
from events import door, imports, passes, selectors, services
from events.desk_views import quota_rows
from events.exports import XLSX_CONTENT_TYPE, attendance_xlsx, sign_in_sheet_pdf
from events.forms import AdmitForm, CheckInForm, ImportForm, MarkForm, SelfRegistrationForm
from events.models import Attendance, EventIndexPage, EventPage, EventSession, Registration
from events.policies import (
    can_check_in,
    can_follow_event,
    can_issue_event_certificates,
    can_manage_event,
    can_nominate_into,
    can_open_event_work,
    can_see_registration_history,
    can_view_registration,
    event_units,
    is_own_registration,
)
from events.qr import PROJECTOR_QR_BORDER, PROJECTOR_QR_ERROR_CORRECTION, qr_svg
from events.tokens import (
    SESSION_CODE_REFRESH,
    SessionCodeExpired,
    self_check_in_claim,
    self_check_in_token,
    session_code,
    session_code_session_id,
    ticket_fingerprint,
    ticket_token,
)

# What the door's service worker keeps for a reload without network, besides the page itself.
DOOR_ASSETS = (
    "css/site.css",
    "events/door.css",
    "events/vendor/jsQR.js",
    "js/offline-queue.js",
    "events/door-search.js",
    "events/checkin.js",
)

# Loaders for ``policy_required``: the object a URL names, or 404.


def _event(event_id: int) -> EventPage:
    return get_object_or_404(EventPage, pk=event_id)


def _session(event_id: int, session_id: int) -> EventSession:
    return get_object_or_404(EventSession.objects.select_related("event"), pk=session_id, event_id=event_id)


def _scan_session(event_id: int, session_id: int) -> EventSession:
    """The session a scan is for, with only what a scan reads, and its event's saved organisers for the policy."""
    session = door.scan_session(event_id, session_id)
    if session is None:
        raise Http404
    return session


def _registration(registration_uuid) -> Registration:
    return get_object_or_404(Registration.objects.select_related("event", "org_unit", "user"), uuid=registration_uuid)


def _registration_of(event: EventPage, value: str) -> Registration:
    """A registration of ``event`` named by its UUID in a form; 404 for anything else (a malformed value too)."""
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Registration.objects.select_related("user", "org_unit"), uuid=key, event=event)


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


@never_cache
def ticket(request: HttpRequest, registration_uuid: uuid.UUID) -> HttpResponse:
    """The ticket, for its holder signed in or holding its personal link, and for the event's organisers."""
    held = passes.held_registration(request, registration_uuid=registration_uuid)
    if held is not None and not can_view_registration(request.user, held):
        return _ticket_page(request, held, by_pass=True)
    return _ticket_for_account(request, registration_uuid=registration_uuid)


@policy_required(can_view_registration, load=_registration, refuse=Http404)
def _ticket_for_account(request: HttpRequest, registration: Registration) -> HttpResponse:
    return _ticket_page(request, registration)


def _ticket_page(request: HttpRequest, registration: Registration, *, by_pass: bool = False) -> HttpResponse:
    event = registration.event
    context = {
        "registration": registration,
        "event": event,
        "event_over": event.ends_at <= timezone.now(),
        "by_pass": by_pass,
    }
    if is_own_registration(request.user, registration) and not context["event_over"]:
        context["pass_url"] = request.build_absolute_uri(passes.pass_path(registration))
    if can_see_registration_history(request.user, registration):
        context["show_history"] = True
        context["history"] = history(registration, fields_of=(Registration, Attendance))
    if registration.status == Registration.Status.CONFIRMED:
        context["qr"] = qr_svg(ticket_token(registration.uuid))
        if event.post_test_id and not by_pass:
            # Offered once the event has started (the quiz's own rule, events.selectors.quiz_access).
            context["post_test_opens_at"] = event.starts_at
            if event.starts_at <= timezone.now():
                context["post_test_url"] = (
                    reverse("quizzes:quiz", args=[event.post_test_id]) + "?" + urlencode({"next": request.path})
                )
        if context["event_over"] and event.certificate_rule != EventPage.CertificateRule.NONE:
            context["standing"] = selectors.certificate_standing(registration)
    return render(request, "events/ticket.html", context)


@policy_required(is_own_registration, load=_registration, refuse=Http404)
@require_POST
def ticket_certificate(request: HttpRequest, registration: Registration) -> HttpResponse:
    """The delegate asks for their certificate once the event is over and the rule is met."""
    try:
        certificate = services.event_certificate_issue(registration=registration, issued_by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("events:ticket", registration_uuid=registration.uuid)
    messages.success(
        request,
        _("Certificate %(serial)s is issued; the PDF will also be sent by email.") % {"serial": certificate.serial},
    )
    return redirect("certificates:mine")


@policy_required(is_own_registration, load=_registration, refuse=Http404)
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, registration: Registration) -> HttpResponse:
    """Cancelling asks first: only the confirmation page's form cancels."""
    if request.method == "POST" and request.POST.get("confirm") == "cancel":
        try:
            services.registration_cancel(registration=registration, actor=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your registration is cancelled."))
        return redirect(registration.event.url or "home")
    context = {"registration": registration, "event": registration.event}
    return render(request, "events/cancel_confirm.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    registrations = (
        Registration.objects.filter(user=request.user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event")
        .order_by("-event__starts_at")
    )
    index = EventIndexPage.objects.live().first()
    context = {"registrations": registrations, "events_url": index.url if index else ""}
    return render(request, "events/mine.html", context)


@require_GET
def check_in_pass(request: HttpRequest, token: str) -> HttpResponse:
    """The personal link from the ticket mail: this phone may now check in to that registration, and see its ticket.

    Not a sign-in (``events.passes``): the link is kept in the session and
    the browser goes on to the ticket, so the secret leaves the address bar.
    """
    refused = refusals_exceeded(request, "check_in_pass")
    if refused is not None:
        return refused
    registration, refusal = passes.pass_open(request, token)
    if registration is None:
        refusal_count(request, "check_in_pass")
        return render(request, "events/self_check_in_pass_refused.html", {"refusal": refusal}, status=410)
    return redirect("events:ticket", registration_uuid=registration.uuid)


def _self_check_in_person(request: HttpRequest, session: EventSession) -> tuple[User | None, Registration | None]:
    """Who is checking in on this phone: the signed-in account's own registration, else a personal link's."""
    own = selectors.registration_for_user(event=session.event, user=request.user)
    if own is not None:
        return request.user, own
    held = passes.held_registration(request, event_id=session.event_id)
    if held is not None:
        return held.user, held
    return (request.user if request.user.is_authenticated else None), None


@require_http_methods(["GET", "POST"])
def self_check_in(request: HttpRequest, code: str) -> HttpResponse:
    """A delegate scanned the projector's rotating code with their own phone.

    The scan (GET) only shows a confirmation button, so that nothing is
    recorded by a link preview or a prefetch; the button posts the signed
    scan, and the attendance keeps the time of the scan. The phone is known
    by its signed-in account or by the personal link from the ticket mail; an
    old code names its session still, so the delegate is told to scan the one
    on the screen now, keeping everything else. The confirmation has its own,
    longer, time limit: the code in the address may have rotated meanwhile.
    """
    try:
        session_id = session_code_session_id(code)
    except SessionCodeExpired as expired:
        session_id, code_expired = expired.session_id, True
    else:
        code_expired = False
    session = (
        EventSession.objects.select_related("event").filter(pk=session_id).first() if session_id is not None else None
    )
    if session is None:
        result = services.CheckInResult("unknown", _("This session code is not valid."))
        return render(request, "events/self_check_in.html", {"result": result}, status=400)
    user, registration = _self_check_in_person(request, session)
    context = {"session": session, "registration": registration}
    if user is None:
        # Nobody known on this phone: say how, rather than a sign-in page
        # that the code would have outlived by the time it is done.
        return render(request, "events/self_check_in_who.html", {**context, "next": request.get_full_path()})
    if registration is None:
        result = services.CheckInResult("not_registered", _("You are not registered for this event."))
        return render(request, "events/self_check_in.html", {**context, "result": result}, status=400)
    if request.method == "GET":
        if code_expired:
            return render(request, "events/self_check_in_rescan.html", context)
        confirmation = self_check_in_token(
            session_id=session.pk, user_id=user.pk, scanned_at=timezone.now().timestamp()
        )
        return render(request, "events/self_check_in_confirm.html", {**context, "confirmation": confirmation})
    try:
        claim = self_check_in_claim(request.POST.get("confirmation", ""), user_id=user.pk)
    except SessionCodeExpired:
        return render(request, "events/self_check_in_rescan.html", context)
    if claim is None or claim[0] != session.pk:
        result = services.CheckInResult("unknown", _("This session code is not valid."))
    else:
        at = datetime.datetime.fromtimestamp(claim[1], tz=datetime.UTC)
        result = services.attendance_self_check_in(session_id=session.pk, user=user, now=at)
    status = 200 if result.colour != "red" else 400
    return render(request, "events/self_check_in.html", {**context, "result": result}, status=status)


# --- organisers and coordinators --------------------------------------------------


@policy_required(can_open_event_work)
def manage_list(request: HttpRequest) -> HttpResponse:
    return render(request, "events/manage_list.html", {"events": selectors.managed_events(request.user)})


@policy_required(can_follow_event, load=_event)
def manage_detail(request: HttpRequest, event: EventPage) -> HttpResponse:
    """The event's overview: everything for its organisers; a coordinator's units' figures, quotas and pages."""
    units = event_units(request.user, event)
    context = {
        "event": event,
        "sessions": list(event.sessions.order_by("starts_at")),
        "counts": selectors.registration_counts(event, units=units),
        "manager": units is None,
        "may_add": can_nominate_into(request.user, event),
        "quotas": quota_rows(event, request.user) if units is not None else [],
        "units_label": selectors.units_label(request.user) if units is not None else "",
    }
    return render(request, "events/manage_detail.html", context)


@policy_required(can_nominate_into, load=_event)
@require_GET
def import_template(request: HttpRequest, event: EventPage) -> HttpResponse:
    response = HttpResponse(
        imports.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-dang-ky-dai-bieu.xlsx"'
    return response


@policy_required(can_nominate_into, load=_event)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, event: EventPage) -> HttpResponse:
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


@policy_required(can_nominate_into, load=_event)
@require_POST
def import_confirm(request: HttpRequest, event: EventPage) -> HttpResponse:
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


def _door_texts() -> dict[str, str]:
    """What the door's script says, translated here (templates would double the %% of the placeholders)."""
    return {
        "msgOffline": _("Offline: saved on this phone, will be sent when the network is back."),
        "msgNoCamera": _("The camera is not available: search by name instead."),
        "msgCheckedIn": _("Checked in"),
        "msgAlready": _("Already checked in at %(time)s"),
        "msgUnknown": _("Unknown ticket: this QR code is not one of our tickets."),
        "msgNotInRoster": _(
            "This ticket is not in the list downloaded at %(time)s. It will be checked when the network is back."
        ),
        "msgCancelled": _("This registration was cancelled."),
        "msgWaitlisted": _("This person is on the waiting list, not confirmed."),
        "msgAdmitOnline": _("Letting someone in needs the network."),
        "msgRecorded": _("Recorded as “%(state)s”. Check them in as present?"),
        "msgNotStarted": _("This session is not running: it starts at %(time)s on %(date)s. Check in anyway?"),
        "msgEnded": _("This session is not running: it ended at %(time)s on %(date)s. Check in anyway?"),
        "msgSearchOffline": _("Offline: searching the list downloaded at %(time)s (%(count)s people)."),
        "msgNoRoster": _("Offline, and the list of delegates has not been downloaded yet: search needs the network."),
        "msgNobody": _("Nobody found."),
        "msgRoster": _("List of %(count)s people downloaded at %(time)s."),
        "msgChangeOnline": _("Changing a recorded state needs the network."),
        "msgConfirmChange": _("Change %(name)s from “%(from)s” to “%(to)s”?"),
        "msgConflict": _("Shown offline as: %(shown)s. After sync: %(result)s"),
        "labelNone": _("Not checked in"),
        "labelPresent": _("Checked in at %(time)s"),
        "labelLate": _("Late, checked in at %(time)s"),
        "labelExcused": _("Excused absence"),
        "labelAbsent": _("Marked absent at %(time)s"),
        "labelWaitlisted": _("Waiting list"),
        "labelCancelled": _("Cancelled"),
        "labelPending": _("waiting to sync"),
        "actionCheckIn": _("Check in"),
        "actionAdmit": _("Let in and check in"),
        "actionChange": _("Change state"),
        "statusPresent": _("Present"),
        "statusLate": _("Late"),
        "statusExcused": _("Excused"),
        "statusAbsent": _("Absent"),
        "statusNone": _("Not checked in"),
    }


@policy_required(can_check_in, load=_session)
def check_in_page(request: HttpRequest, session: EventSession) -> HttpResponse:
    event = session.event
    return render(
        request,
        "events/check_in.html",
        {
            "event": event,
            "session": session,
            "counts": selectors.session_counts(session),
            "sessions": event.sessions.order_by("starts_at"),
            "statuses": Attendance.Status.choices,
            "door_opens": session.starts_at - services.CHECK_IN_OPENS_BEFORE,
            "door_texts": _door_texts(),
        },
    )


def _state_json(state: selectors.DoorState) -> dict:
    return {"state": state.status, "time": state.time, "label": state.label, "attended": state.attended}


def _person_json(registration: Registration, state: selectors.DoorState) -> dict:
    unit = registration.org_unit
    return {
        "registration": str(registration.uuid),
        "name": registration.full_name,
        "unit": unit.name if unit else "",
        "status": registration.status,
        **_state_json(state),
    }


@policy_required(can_check_in, load=_session)
@require_GET
@never_cache
def check_in_search(request: HttpRequest, session: EventSession) -> JsonResponse:
    rows = selectors.door_search(session, request.GET.get("q", "")[:100])
    return JsonResponse({"results": [_person_json(row.registration, row.state) for row in rows]})


@policy_required(can_check_in, load=_session)
@require_GET
@never_cache
def check_in_roster(request: HttpRequest, session: EventSession) -> JsonResponse:
    """Everyone the door may meet, for searching and validating tickets offline (no signing key, no phone)."""
    people = []
    for row in selectors.door_roster(session):
        registration, unit = row.registration, row.registration.org_unit
        person = _person_json(registration, row.state)
        person["folded"] = registration.full_name_folded
        person["unit_folded"] = fold(unit.name) if unit else ""
        person["unit_code"] = unit.code.casefold() if unit else ""
        person["fingerprint"] = ticket_fingerprint(ticket_token(registration.uuid))
        people.append(person)
    return JsonResponse({"generated_at": timezone.now().isoformat(), "people": people})


def _result_json(result: services.CheckInResult) -> dict:
    registration = result.registration
    state = result.state
    return {
        "outcome": result.outcome,
        "colour": result.colour,
        "message": str(result.message),
        "confirm": result.needs_confirmation,
        "registration": str(registration.uuid) if registration else "",
        "name": registration.full_name if registration else "",
        "unit": registration.org_unit.name if registration and registration.org_unit else "",
        "registration_status": registration.status if registration else "",
        "time": state.time,
        "status": result.attendance.get_status_display() if result.attendance else "",
        **_state_json(state),
        "change": result.change,
        "note": str(result.note),
    }


@policy_required(can_check_in, load=_scan_session)
@require_POST
def check_in_scan(request: HttpRequest, session: EventSession) -> JsonResponse:
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
        registration = door.ticket_registration(data["registration"], session)
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
        device=data["device"],
        confirm=data["confirm"],
    )
    return JsonResponse(_result_json(result))


@policy_required(can_check_in, load=_session)
@require_POST
def check_in_undo(request: HttpRequest, session: EventSession, change_id: int) -> JsonResponse:
    try:
        services.attendance_undo(change_id=change_id, session=session, actor=request.user)
    except ServiceError as error:
        return JsonResponse({"ok": False, "message": error.message}, status=409)
    return JsonResponse({"ok": True, "message": _("Undone: the earlier state is back.")})


@policy_required(can_check_in, load=_session)
@require_POST
def check_in_mark(request: HttpRequest, session: EventSession) -> JsonResponse:
    """Change a delegate's state by hand (the door asked the usher to confirm first)."""
    form = MarkForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "message": _("Choose a person and a state.")}, status=400)
    registration = _registration_of(session.event, form.cleaned_data["registration"])
    try:
        change = services.attendance_mark(
            registration=registration,
            session=session,
            status=form.cleaned_data["status"],
            expected=form.cleaned_data["expected"],
            recorded_by=request.user,
        )
    except ServiceError as error:
        return JsonResponse({"ok": False, "message": error.message}, status=409)
    state = selectors.session_states(session, [registration.pk]).get(registration.pk, selectors.NOT_RECORDED)
    return JsonResponse(
        {
            "ok": True,
            "message": _("%(name)s: %(state)s") % {"name": registration.full_name, "state": state.label},
            "change": change.pk,
            **_person_json(registration, state),
        }
    )


@policy_required(can_check_in, load=_session)
@require_POST
def check_in_admit(request: HttpRequest, session: EventSession) -> JsonResponse:
    """Let in a waitlisted or unregistered person: registered (and confirmed) and checked in, all logged."""
    form = AdmitForm(request.POST)
    if not form.is_valid():
        return JsonResponse(
            {
                "outcome": "invalid",
                "colour": "red",
                "message": " ".join(form.errors.get("__all__", [])) or _("Check the form."),
            },
            status=400,
        )
    data = form.cleaned_data
    registration = _registration_of(session.event, data["registration"]) if data["registration"] else None
    unit = selectors.unit_by_text(data["unit"]) if data["unit"] else None
    if data["unit"] and unit is None:
        return JsonResponse(
            {
                "outcome": "invalid",
                "colour": "red",
                "message": _("No single unit matches “%(unit)s”.") % {"unit": data["unit"]},
            },
            status=400,
        )
    try:
        result = services.attendance_admit(
            session=session,
            actor=request.user,
            registration=registration,
            email=data["email"],
            full_name=data["full_name"],
            org_unit=unit,
            device=data["device"],
        )
    except ServiceError as error:
        return JsonResponse({"outcome": error.code, "colour": "red", "message": error.message}, status=409)
    return JsonResponse(_result_json(result))


@policy_required(can_check_in, load=_session)
@require_GET
@never_cache
def check_in_counts(request: HttpRequest, session: EventSession) -> JsonResponse:
    return JsonResponse(selectors.session_counts(session))


@policy_required(can_check_in, load=_session)
@require_GET
def check_in_worker(request: HttpRequest, session: EventSession) -> HttpResponse:
    """The door's service worker, served from the door's own URL so that its scope is this door only.

    It keeps the door page and its scripts for a reload without network;
    ``no-cache`` makes the browser check for a newer worker on every visit.
    """
    response = render(
        request,
        "events/door_worker.js",
        {"assets": [static(name) for name in DOOR_ASSETS]},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@policy_required(can_check_in, load=_session)
@never_cache
def projector(request: HttpRequest, session: EventSession) -> HttpResponse:
    """The code for the big screen, full-screen: the session, the rotating QR and the live count.

    htmx asks again for the code (``?part=code``) every ``SESSION_CODE_REFRESH``
    seconds and for the count (``?part=count``) more often.
    """
    part = request.GET.get("part") if request.htmx else None
    context = {"event": session.event, "session": session, "refresh": SESSION_CODE_REFRESH}
    if part == "count":
        return render(
            request, "events/includes/projector_count.html", {**context, "counts": selectors.session_counts(session)}
        )
    url = request.build_absolute_uri(reverse("events:self_check_in", kwargs={"code": session_code(session.pk)}))
    context["qr"] = qr_svg(url, border=PROJECTOR_QR_BORDER, error_correction=PROJECTOR_QR_ERROR_CORRECTION)
    if part == "code":
        return render(request, "events/includes/projector_code.html", context)
    context["counts"] = selectors.session_counts(session)
    return render(request, "events/projector.html", context)


def _report_scope(request: HttpRequest, event: EventPage) -> tuple[OrgUnit | None, QuerySet[OrgUnit] | None]:
    """The unit the report looks at (``?unit=``, within the viewer's reach) and the units it counts.

    A coordinator starts at their own unit; an organiser at every unit. A
    unit outside the viewer's reach is a 404, not another unit's figures.
    """
    units = event_units(request.user, event)
    top = request.user.coordinated_unit if units is not None else None
    if request.GET.get("unit"):
        try:
            chosen = OrgUnit.objects.get(pk=int(request.GET["unit"]))
        except (ValueError, OrgUnit.DoesNotExist):
            raise Http404 from None
        if units is not None and not units.filter(pk=chosen.pk).exists():
            raise Http404
        top = chosen
    return top, (subtree(top) if top is not None else None)


@policy_required(can_follow_event, load=_event)
def report(request: HttpRequest, event: EventPage) -> HttpResponse:
    """Attendance per session and per unit: the whole event for organisers, their units' for a coordinator.

    Counts come from the tallies (events.tallies) in a fixed number of
    queries; a long list of units is added up one level down, and each
    such row opens the next level (``?unit=``).
    """
    from events import tallies

    top, units = _report_scope(request, event)
    counts = tallies.counts(event, units=units)
    sessions, rows = selectors.event_report(event, units=units, top=top, counts=counts)
    session_rows = selectors.session_report(event, units=units, counts=counts)
    states = {row.session.pk: row.state for row in session_rows}
    total = selectors.report_total(rows)

    def cells(row: selectors.UnitRow) -> list[int | None]:
        # A session to come has no attendance to report (None: shown as a dash).
        return [
            None if states[s.pk] == selectors.SessionState.UPCOMING else row.per_session.get(s.pk, 0) for s in sessions
        ]

    manager = event_units(request.user, event) is None
    reach = None if manager else request.user.coordinated_unit
    context = {
        "event": event,
        "sessions": sessions,
        "session_rows": session_rows,
        "unit_rows": [(row, cells(row)) for row in rows],
        "total": (total, cells(total)),
        "days": selectors.event_days(sessions),
        "manager": manager,
        "units_label": selectors.units_label(request.user) if not manager else "",
        "top": top,
        # The way back up, no higher than the viewer's reach.
        "up": selectors.report_ancestors(top, reach) if top is not None and top != reach else [],
        "query": f"?unit={top.pk}" if top is not None and top != reach else "",
    }
    return render(request, "events/report.html", context)


@policy_required(can_follow_event, load=_event)
def report_xlsx(request: HttpRequest, event: EventPage) -> HttpResponse:
    # Streamed as it is written: a national event's workbook is large.
    _top, units = _report_scope(request, event)
    response = StreamingHttpResponse(attendance_xlsx(event, units=units), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="diem-danh-{event.pk}.xlsx"'
    return response


@policy_required(can_manage_event, load=_event)
@require_GET
def sign_in_sheet(request: HttpRequest, event: EventPage) -> HttpResponse:
    """The danh sách ký tên of one session (?session=id) or one day (?day=yyyy-mm-dd; default: the first day)."""
    try:
        session_id = int(request.GET["session"]) if request.GET.get("session") else None
        day = datetime.date.fromisoformat(request.GET["day"]) if request.GET.get("day") else None
    except ValueError:
        raise Http404 from None
    sheet = selectors.sign_in_sheet(event, session_id=session_id, day=day)
    if sheet is None:
        raise Http404
    response = HttpResponse(sign_in_sheet_pdf(sheet), content_type="application/pdf")
    which = f"chuyen-de-{sheet.session_number}" if sheet.session else f"{sheet.day:%Y-%m-%d}"
    response["Content-Disposition"] = f'inline; filename="danh-sach-ky-ten-{event.pk}-{which}.pdf"'
    return response


@policy_required(can_follow_event, load=_event)
@require_http_methods(["GET", "POST"])
def certificates(request: HttpRequest, event: EventPage) -> HttpResponse:
    """Who met the certificate rule and why not; the organisers issue for one person or in bulk.

    A coordinator sees their units' delegates only, and issues nothing.
    """
    issuer = can_issue_event_certificates(request.user, event)
    if request.method == "POST":
        if not issuer:
            raise PermissionDenied
        # One delegate's button in the name chooser is named "issue" and
        # carries their UUID; the table's buttons post action=issue.
        action = "issue" if "issue" in request.POST else request.POST.get("action")
        try:
            if action == "bulk":
                choices = {
                    key.removeprefix("name-"): value
                    for key, value in request.POST.items()
                    if key.startswith("name-") and value
                }
                batch = services.event_certificates_bulk_issue(
                    event=event, started_by=request.user, name_choices=choices
                )
                return redirect("certificates:batch_detail", pk=batch.pk)
            if action == "issue":
                registration = _registration_of(
                    event, request.POST.get("issue") or request.POST.get("registration", "")
                )
                certificate = services.event_certificate_issue(
                    registration=registration,
                    issued_by=request.user,
                    name_choice=request.POST.get(f"name-{registration.uuid}") or None,
                )
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
    standings = selectors.certificate_standings(event, units=event_units(request.user, event))
    context = {
        "event": event,
        "issuer": issuer,
        "units_label": "" if issuer else selectors.units_label(request.user),
        "standings": standings,
        "earned": sum(1 for s in standings if s.earned),
        "issued": sum(1 for s in standings if s.certificate is not None),
        # Delegates who will get a certificate but whose registered name is not their account's.
        "to_choose": [s for s in standings if s.earned and s.certificate is None and s.names_differ],
        "event_over": event.ends_at <= timezone.now(),
        "name_from_registration": services.NAME_FROM_REGISTRATION,
        "name_from_account": services.NAME_FROM_ACCOUNT,
    }
    return render(request, "events/certificates.html", context)
