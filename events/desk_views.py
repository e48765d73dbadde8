"""The registration desk: organisers manage every registration of their event, coordinators their units' own.

Thin views over ``events.services`` (every write, under the event lock and
audited) and ``events.policies`` (who sees and does what). Type-ahead
search returns small HTML fragments that the same pages render without
JavaScript when the search form is submitted.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import policy_required
from accounts.models import OrgUnit, User
from accounts.roles import ROLE_GROUPS, Role
from accounts.scopes import units_in_scope, users_in_scope
from accounts.services import user_create
from core.audit import history
from core.errors import ServiceError
from core.text import collapse_spaces, fold
from events import selectors, services
from events.exports import XLSX_CONTENT_TYPE, registrations_xlsx
from events.forms import (
    CancelForm,
    DeskFilterForm,
    EventSettingsForm,
    NewPersonForm,
    QuotaForm,
    RegistrationEditForm,
    SessionForm,
)
from events.models import Attendance, EventPage, EventSession, Registration
from events.policies import (
    can_act_on_registration,
    can_manage_event,
    can_nominate_into,
    can_open_desk,
    desk_units,
)

PAGE_SIZE = 50
PEOPLE_LIMIT = 20
BULK_ACTIONS = ("confirm", "cancel", "waitlist", "resend")


def _event(event_id: int) -> EventPage:
    return get_object_or_404(EventPage, pk=event_id)


def _session(event_id: int, session_id: int) -> EventSession:
    return get_object_or_404(EventSession.objects.select_related("event"), pk=session_id, event_id=event_id)


def _registration(event_id: int, registration_uuid: uuid.UUID) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("event", "org_unit", "user"), uuid=registration_uuid, event_id=event_id
    )


def _scoped(request: HttpRequest, event: EventPage) -> QuerySet[Registration]:
    """The event's registrations the user sees: all for its organisers, their units' for a coordinator."""
    registrations = Registration.objects.filter(event=event)
    units = desk_units(request.user, event)
    return registrations if units is None else registrations.filter(org_unit__in=units)


def _unit_choices(request: HttpRequest, event: EventPage) -> QuerySet[OrgUnit]:
    """Units a person may be put in from the desk: any active unit for organisers, the coordinator's own."""
    units = desk_units(request.user, event)
    return OrgUnit.objects.filter(is_active=True) if units is None else units.filter(is_active=True)


def _names(registrations) -> str:
    return ", ".join(r.full_name for r in registrations)


def _say_promoted(request: HttpRequest, promoted: list[Registration]) -> None:
    if promoted:
        messages.info(
            request,
            _("Moved from the waiting list to a seat (each is mailed their ticket): %(names)s")
            % {"names": _names(promoted)},
        )


# --- the list -------------------------------------------------------------------------


def _filtered(request: HttpRequest, event: EventPage, form: DeskFilterForm) -> QuerySet[Registration]:
    registrations = _scoped(request, event).select_related("org_unit", "user")
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status")
    registrations = (
        registrations.filter(status=status) if status else registrations.exclude(status=Registration.Status.CANCELLED)
    )
    if data.get("unit"):
        registrations = registrations.filter(org_unit=data["unit"])
    if data.get("source"):
        registrations = registrations.filter(source=data["source"])
    if data.get("session"):
        registrations = registrations.filter(
            attendances__session=data["session"], attendances__status__in=selectors.ATTENDED
        )
    query = collapse_spaces(data.get("q") or "")
    if query:
        folded = fold(query)
        digits = "".join(ch for ch in query if ch.isdigit())
        condition = Q(full_name_folded__contains=folded) | Q(user__email__icontains=query)
        condition |= Q(org_unit__code__iexact=query)
        unit_ids = [unit.pk for unit in _unit_choices(request, event).only("pk", "name") if folded in fold(unit.name)]
        condition |= Q(org_unit__in=unit_ids)
        if len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        registrations = registrations.filter(condition)
    return registrations.order_by("org_unit__name", "full_name_folded", "pk")


def quota_rows(event: EventPage, user) -> list[dict]:
    """Each unit quota the user may see: seats, used, left and how many of its people wait."""
    if event.registration_mode != EventPage.Mode.QUOTA:
        return []
    seats = services.SeatMap(event)
    waiting: dict[int, int] = {}
    for path in Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED).values_list(
        "org_unit__path", flat=True
    ):
        quota = seats.quota_of_path(path)
        if quota is not None:
            waiting[quota.pk] = waiting.get(quota.pk, 0) + 1
    units = desk_units(user, event)
    visible = None if units is None else {unit.path for unit in units.only("path")}
    rows = []
    for path, quota in sorted(seats.quotas, key=lambda item: fold(item[1].unit.name)):
        # A coordinator sees the quotas of their units and the one their own unit falls under.
        if visible is not None and path not in visible and not any(p.startswith(path) for p in visible):
            continue
        used = seats.used.get(quota.pk, 0)
        rows.append(
            {
                "unit": quota.unit,
                "seats": quota.seats,
                "used": used,
                "left": max(0, quota.seats - used),
                "waiting": waiting.get(quota.pk, 0),
            }
        )
    return rows


@policy_required(can_open_desk, load=_event)
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, event: EventPage) -> HttpResponse:
    if request.method == "POST":
        return _bulk(request, event)
    scoped = _scoped(request, event)
    units = OrgUnit.objects.filter(pk__in=scoped.values("org_unit")).order_by("name")
    form = DeskFilterForm(request.GET or None, units=units, sessions=event.sessions.order_by("starts_at"))
    registrations = _filtered(request, event, form)
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    attended = dict(
        Attendance.objects.filter(registration__in=[r.pk for r in rows], status__in=selectors.ATTENDED)
        .values("registration_id")
        .annotate(n=Count("pk"))
        .values_list("registration_id", "n")
    )
    places = services.waitlist_places(event)
    confirmed = [r for r in rows if r.status == Registration.Status.CONFIRMED]
    standings = {}
    if event.certificate_rule != EventPage.CertificateRule.NONE and confirmed:
        standings = {s.registration.pk: s for s in selectors.certificate_standings(event, registrations=confirmed)}
    counts = {row["status"]: row["n"] for row in scoped.values("status").annotate(n=Count("pk"))}
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "event": event,
        "form": form,
        "page": page,
        "rows": [
            {
                "registration": r,
                "attended": attended.get(r.pk, 0),
                "place": places.get(r.pk),
                "standing": standings.get(r.pk),
            }
            for r in rows
        ],
        "counts": counts,
        "sessions_total": len(selectors.counted_sessions(event)),
        "quotas": quota_rows(event, request.user),
        "manager": can_manage_event(request.user, event),
        "may_add": can_nominate_into(request.user, event),
        "query": query.urlencode(),
        "free_seats": services.free_seats(event),
        "started": event.starts_at <= timezone.now(),
    }
    return render(request, "events/desk.html", context)


def _bulk(request: HttpRequest, event: EventPage) -> HttpResponse:
    """One action on the ticked people; a cancellation is shown for confirmation (with its reason) first."""
    action = request.POST.get("action", "")
    keys = []
    for value in request.POST.getlist("r"):
        try:
            keys.append(uuid.UUID(value))
        except ValueError:
            raise Http404 from None
    chosen = list(_scoped(request, event).filter(uuid__in=keys).select_related("org_unit", "user", "event"))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("events:desk", args=[event.pk])
    if action not in BULK_ACTIONS or not chosen:
        messages.error(request, _("Tick at least one person and choose an action."))
        return redirect(back)
    if action == "cancel" and "confirmed" not in request.POST:
        return render(
            request,
            "events/desk_confirm_cancel.html",
            {"event": event, "chosen": chosen, "form": CancelForm(), "next": back},
        )
    reason = ""
    if action == "cancel":
        cancel_form = CancelForm(request.POST)
        if not cancel_form.is_valid():
            return render(
                request,
                "events/desk_confirm_cancel.html",
                {"event": event, "chosen": chosen, "form": cancel_form, "next": back},
            )
        reason = cancel_form.cleaned_data["reason"]
    done, promoted, errors = [], [], []
    for registration in chosen:
        try:
            if action == "confirm":
                services.registration_confirm(registration=registration, actor=request.user)
            elif action == "cancel":
                promoted += services.registration_cancel(registration=registration, actor=request.user, reason=reason)
            elif action == "waitlist":
                promoted += services.registration_waitlist(registration=registration, actor=request.user)
            else:
                services.registration_resend_ticket(registration=registration, actor=request.user)
        except ServiceError as error:
            errors.append(f"{registration.full_name}: {error.message}")
        else:
            done.append(registration)
    labels = {
        "confirm": _("Given a seat: %(names)s"),
        "cancel": _("Cancelled: %(names)s"),
        "waitlist": _("Moved to the waiting list: %(names)s"),
        "resend": _("Ticket sent again to: %(names)s"),
    }
    if done:
        messages.success(request, labels[action] % {"names": _names(done)})
    for error in errors:
        messages.error(request, error)
    _say_promoted(request, [r for r in promoted if r.pk not in {d.pk for d in done}])
    return redirect(back)


# --- one person -------------------------------------------------------------------------


def _may_act(user, registration: Registration) -> bool:
    return can_act_on_registration(user, registration)


@policy_required(_may_act, load=_registration, refuse=Http404)
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, registration: Registration) -> HttpResponse:
    """A registration's page: edit, substitute (thay người), move, resend, cancel, and its history."""
    event = registration.event
    units = _unit_choices(request, event)
    initial = {
        "full_name": registration.full_name,
        "org_unit": registration.org_unit.code if registration.org_unit else "",
        "position": registration.position,
        "phone": registration.phone,
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    edit_form = RegistrationEditForm(request.POST if action == "edit" else None, initial=initial, units=units)
    new_person_form = NewPersonForm(
        request.POST if action == "substitute_new" else None,
        initial={"org_unit": registration.org_unit.code if registration.org_unit else ""},
        units=units.filter(pk=registration.org_unit_id),
    )
    here = reverse("events:desk_person", args=[event.pk, registration.uuid])
    try:
        if action == "edit" and edit_form.is_valid():
            data = edit_form.cleaned_data
            promoted = services.registration_update(
                registration=registration,
                actor=request.user,
                full_name=data["full_name"],
                org_unit=data["org_unit"],
                position=data["position"],
                phone=data["phone"],
            )
            messages.success(request, _("Saved."))
            _say_promoted(request, promoted)
            return redirect(here)
        if action == "substitute":
            other = _person_in_scope(request, request.POST.get("user", ""))
            registration = services.registration_substitute(registration=registration, person=other, actor=request.user)
            return _substituted(request, registration)
        if action == "substitute_new" and new_person_form.is_valid():
            data = new_person_form.cleaned_data
            other = user_create(
                email=data["email"],
                full_name=data["full_name"],
                position=data["position"],
                phone=data["phone"],
                org_unit=data["org_unit"],
            )
            registration = services.registration_substitute(registration=registration, person=other, actor=request.user)
            return _substituted(request, registration)
        if action == "revoke_pass":
            send_new = request.POST.get("send_new") == "1"
            services.check_in_pass_revoke(registration=registration, actor=request.user, send_new=send_new)
            if send_new:
                text = _("The old check-in link no longer works; a new one is mailed with the ticket.")
            else:
                text = _("The old check-in link no longer works. Resend the ticket to mail a new one.")
            messages.success(request, text)
            return redirect(here)
        if action in ("confirm", "waitlist", "resend"):
            promoted = []
            if action == "confirm":
                services.registration_confirm(registration=registration, actor=request.user)
                messages.success(request, _("Given a seat: %(names)s") % {"names": registration.full_name})
            elif action == "waitlist":
                promoted = services.registration_waitlist(registration=registration, actor=request.user)
                messages.success(request, _("Moved to the waiting list: %(names)s") % {"names": registration.full_name})
            else:
                services.registration_resend_ticket(registration=registration, actor=request.user)
                messages.success(request, _("Ticket sent again to: %(names)s") % {"names": registration.full_name})
            _say_promoted(request, promoted)
            return redirect(here)
    except ServiceError as error:
        messages.error(request, error.message)
        if action in ("confirm", "waitlist", "resend", "substitute", "revoke_pass"):
            return redirect(here)
        target = new_person_form if action == "substitute_new" else edit_form
        target.add_error(None, error.message)
    query = request.GET.get("q", "")[:100]
    context = {
        "event": event,
        "registration": registration,
        "edit_form": edit_form,
        "new_person_form": new_person_form,
        "history": history(registration, fields_of=(Registration, Attendance)),
        "manager": can_manage_event(request.user, event),
        "place": services.waitlist_places(event).get(registration.pk),
        "query": query,
        "people": _people(request, event, query, unit=registration.org_unit) if query else None,
        "cancel_form": CancelForm(),
    }
    return render(request, "events/desk_person.html", context)


def _substituted(request: HttpRequest, registration: Registration) -> HttpResponse:
    messages.success(
        request,
        _("The place passed to %(name)s, who is mailed a new ticket; the old ticket no longer opens the door.")
        % {"name": registration.full_name},
    )
    return redirect("events:desk_person", event_id=registration.event_id, registration_uuid=registration.uuid)


def _person_in_scope(request: HttpRequest, value: str) -> User:
    """A person the user may act for, named by id in a form; 404 for anyone else."""
    try:
        pk = int(value)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(users_in_scope(request.user).filter(is_active=True).select_related("org_unit"), pk=pk)


# --- finding people (type-ahead) -------------------------------------------------------


def _people(
    request: HttpRequest, event: EventPage, query: str, *, unit: OrgUnit | None = None, organisers: bool = False
) -> list[dict]:
    """Accounts whose name or email matches, accents ignored, with whether they are already registered.

    Names are folded in Python (one query, two columns): accounts keep no
    folded copy of the name, and a few thousand names fold in milliseconds.
    """
    query = collapse_spaces(query)
    if len(query) < 2:
        return []
    people = users_in_scope(request.user).filter(is_active=True)
    if unit is not None:
        people = people.filter(org_unit=unit)
    if organisers:
        people = people.filter(Q(groups__name=ROLE_GROUPS[Role.ORGANISER]) | Q(is_superuser=True)).distinct()
    folded = fold(query)
    if "@" in query:
        ids = list(people.filter(email__icontains=query).values_list("pk", flat=True)[:PEOPLE_LIMIT])
    else:
        words = folded.split()
        ids = [
            pk
            for pk, name, email in people.values_list("pk", "full_name", "email").order_by("full_name", "pk")
            if all(word in fold(name) or word in email.lower() for word in words)
        ][:PEOPLE_LIMIT]
    found = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("org_unit")}
    registered = set(
        Registration.objects.filter(event=event, user_id__in=ids)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("user_id", flat=True)
    )
    return [{"user": found[pk], "registered": pk in registered} for pk in ids if pk in found]


@policy_required(can_open_desk, load=_event)
@require_GET
def people_search(request: HttpRequest, event: EventPage) -> HttpResponse:
    """The type-ahead's fragment: people to register, to substitute with, or to name as organisers."""
    query = request.GET.get("q", "")[:100]
    purpose = request.GET.get("for", "add")
    context = {"event": event, "query": query, "purpose": purpose}
    if purpose == "substitute":
        try:
            key = uuid.UUID(request.GET.get("registration", ""))
        except ValueError:
            raise Http404 from None
        registration = _registration(event.pk, key)
        if not can_act_on_registration(request.user, registration):
            raise Http404
        context["registration"] = registration
        context["people"] = _people(request, event, query, unit=registration.org_unit)
    elif purpose == "organiser":
        if not can_manage_event(request.user, event):
            raise Http404
        context["people"] = _people(request, event, query, organisers=True)
    else:
        context["people"] = _people(request, event, query)
    return render(request, "events/includes/desk_people.html", context)


@policy_required(can_open_desk, load=_event)
@require_GET
def unit_search(request: HttpRequest, event: EventPage) -> HttpResponse:
    """Units matching what is typed (code or name, accents ignored), to fill a unit field."""
    query = collapse_spaces(request.GET.get("q", "")[:100])
    units = []
    if query:
        folded = fold(query)
        scope = OrgUnit.objects.filter(is_active=True) if can_manage_event(request.user, event) else None
        scope = scope if scope is not None else units_in_scope(request.user).filter(is_active=True)
        units = [
            unit
            for unit in scope.only("pk", "code", "name").order_by("name")
            if folded in fold(unit.name) or folded in unit.code.lower()
        ][:PEOPLE_LIMIT]
    return render(request, "events/includes/desk_units.html", {"units": units, "query": query})


@policy_required(can_nominate_into, load=_event)
@require_http_methods(["GET", "POST"])
def add(request: HttpRequest, event: EventPage) -> HttpResponse:
    """Register one person: found by name or email as one types, or created on the spot."""
    units = _unit_choices(request, event)
    creating = request.method == "POST" and request.POST.get("action") == "create"
    new_person_form = NewPersonForm(request.POST if creating else None, units=units)
    if request.method == "POST":
        try:
            if creating:
                if not new_person_form.is_valid():
                    raise _Invalid
                data = new_person_form.cleaned_data
                person_ = user_create(
                    email=data["email"],
                    full_name=data["full_name"],
                    position=data["position"],
                    phone=data["phone"],
                    org_unit=data["org_unit"],
                )
            else:
                person_ = _person_in_scope(request, request.POST.get("user", ""))
            source = (
                Registration.Source.IMPORT if can_manage_event(request.user, event) else Registration.Source.COORDINATOR
            )
            registration = services.registration_create(
                event=event, user=person_, source=source, created_by=request.user
            )
        except _Invalid:
            pass
        except ServiceError as error:
            if creating:
                new_person_form.add_error(None, error.message)
            else:
                messages.error(request, error.message)
                return redirect("events:nominate", event_id=event.pk)
        else:
            if registration.status == Registration.Status.CONFIRMED:
                text = _("%(name)s is registered (seat %(seat)d); the ticket is mailed.")
                messages.success(request, text % {"name": registration.full_name, "seat": registration.seat})
            else:
                place = services.waitlist_places(event).get(registration.pk)
                text = _("%(name)s is on the waiting list (place %(place)s): %(why)s")
                why = _why_waiting(event, registration)
                messages.warning(request, text % {"name": registration.full_name, "place": place, "why": why})
            _say_promoted(request, registration.promoted)
            return redirect("events:nominate", event_id=event.pk)
    query = request.GET.get("q", "")[:100]
    context = {
        "event": event,
        "query": query,
        "people": _people(request, event, query) if query else None,
        "new_person_form": new_person_form,
        "quotas": quota_rows(event, request.user),
        "free_seats": services.free_seats(event),
    }
    return render(request, "events/desk_add.html", context)


class _Invalid(Exception):
    """The new-person form has errors: show it again."""


def _why_waiting(event: EventPage, registration: Registration) -> str:
    seats = services.SeatMap(event)
    if seats.free > 0 and seats.unit_room(registration.org_unit) == 0:
        return _("the unit's quota is used up.")
    return _("every seat is taken.")


# --- export -------------------------------------------------------------------------------


@policy_required(can_open_desk, load=_event)
@require_GET
def export(request: HttpRequest, event: EventPage) -> HttpResponse:
    """The list as filtered, as XLSX: what the user sees, their units' only for a coordinator."""
    scoped = _scoped(request, event)
    form = DeskFilterForm(
        request.GET or None,
        units=OrgUnit.objects.filter(pk__in=scoped.values("org_unit")),
        sessions=event.sessions.all(),
    )
    response = StreamingHttpResponse(
        registrations_xlsx(_filtered(request, event, form), event=event), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="dang-ky-{event.pk}.xlsx"'
    return response


# --- operational settings (organisers) -------------------------------------------------


@policy_required(can_manage_event, load=_event)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, event: EventPage) -> HttpResponse:
    """Capacity, mode, window, quotas, sessions and organisers: in force at once, no review."""
    which = request.POST.get("form", "") if request.method == "POST" else ""
    settings_form = EventSettingsForm(
        request.POST if which == "settings" else None,
        initial={name: getattr(event, name) for name in EventPage.OPERATIONAL_FIELDS},
    )
    quota_form = QuotaForm(request.POST if which == "quota" else None)
    session_form = SessionForm(request.POST if which == "session" else None, event=event)
    here = reverse("events:desk_settings", args=[event.pk])
    try:
        if which == "settings" and settings_form.is_valid():
            promoted = services.event_settings_update(event=event, actor=request.user, **settings_form.cleaned_data)
            messages.success(request, _("Registration settings saved; they apply now."))
            _say_promoted(request, promoted)
            return redirect(here)
        if which == "quota" and quota_form.is_valid():
            promoted = services.quota_set(
                event=event,
                actor=request.user,
                unit=quota_form.cleaned_data["unit"],
                seats=quota_form.cleaned_data["seats"],
            )
            messages.success(request, _("Quota saved."))
            _say_promoted(request, promoted)
            return redirect(here)
        if which == "session" and session_form.is_valid():
            services.session_save(event=event, actor=request.user, **session_form.cleaned_data)
            messages.success(request, _("Session added."))
            return redirect(here)
        if which in ("organiser_add", "organiser_remove"):
            other = _person_in_scope(request, request.POST.get("user", ""))
            if which == "organiser_add":
                services.event_organiser_add(event=event, actor=request.user, person=other)
                messages.success(request, _("%(name)s is now an organiser of this event.") % {"name": other})
            else:
                services.event_organiser_remove(event=event, actor=request.user, person=other)
                messages.success(request, _("%(name)s no longer organises this event.") % {"name": other})
            return redirect(here)
    except ServiceError as error:
        form = {"settings": settings_form, "quota": quota_form, "session": session_form}.get(which)
        if form is None:
            messages.error(request, error.message)
            return redirect(here)
        form.add_error(None, error.message)
    query = request.GET.get("q", "")[:100]
    context = {
        "event": event,
        "settings_form": settings_form,
        "quota_form": quota_form,
        "session_form": session_form,
        "quotas": quota_rows(event, request.user),
        "sessions": event.sessions.order_by("starts_at").annotate(n_attended=Count("attendances")),
        "organisers": User.objects.filter(organised_events=event).order_by("full_name"),
        "query": query,
        "people": _people(request, event, query, organisers=True) if query else None,
        "free_seats": services.free_seats(event),
    }
    return render(request, "events/manage_settings.html", context)


@policy_required(can_manage_event, load=_event)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, event: EventPage, session_id: int) -> HttpResponse:
    session = get_object_or_404(EventSession, pk=session_id, event=event)
    initial = {name: getattr(session, name) for name in services.SESSION_FIELDS}
    form = SessionForm(request.POST or None, initial=initial, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(event=event, actor=request.user, session=session, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Session saved."))
            return redirect("events:desk_settings", event_id=event.pk)
    return render(request, "events/manage_session.html", {"event": event, "session": session, "form": form})


@policy_required(can_manage_event, load=_event)
@require_http_methods(["GET", "POST"])
def session_delete(request: HttpRequest, event: EventPage, session_id: int) -> HttpResponse:
    """Deleting a session asks first, on a page of its own (no script needed); one with check-ins is refused."""
    sessions = EventSession.objects.annotate(n_attended=Count("attendances"))
    session = get_object_or_404(sessions, pk=session_id, event=event)
    if request.method == "POST" and request.POST.get("confirm") == "delete":
        try:
            services.session_delete(session=session, actor=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Session deleted."))
        return redirect("events:desk_settings", event_id=event.pk)
    return render(request, "events/manage_session_delete.html", {"event": event, "session": session})
