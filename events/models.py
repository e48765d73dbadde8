"""Training conferences (hội nghị tập huấn): pages for what is public, plain models for people.

Registrations reference ``accounts.User``: a ticket is shown on the
participant's own page, attendance feeds certificates (which name a holder
user), and an imported delegate without an account gets one (unverified,
no usable password) so they can later sign in by an emailed code.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.images import get_image_model_string
from wagtail.models import Orderable, Page

from core.fields import NFCCharField, NFCTextField


class EventIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["events.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("event index page")
        verbose_name_plural = _("event index pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["events"] = EventPage.objects.live().public().child_of(self).order_by("-starts_at")
        return context


class EventPageForm(WagtailAdminPageForm):
    """The event page's form refuses dates its sessions and registration window would fall outside of."""

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if not (starts and ends) or not self.instance.pk:
            return data
        if ends < starts:
            self.add_error("ends_at", _("The event cannot end before it starts."))
            return data
        outside = EventSession.objects.filter(event_id=self.instance.pk).filter(
            models.Q(starts_at__lt=starts) | models.Q(ends_at__gt=ends)
        )
        if outside.exists():
            self.add_error(
                None,
                _("Sessions would fall outside the event's dates (%(titles)s): move them on the management page first.")
                % {"titles": "; ".join(outside.values_list("title", flat=True)[:3])},
            )
        return data


class EventPage(Page):
    # Run from the management pages, at once and without review: they are
    # not page content, and publishing any revision keeps their live values
    # (see ``with_content_json``).
    OPERATIONAL_FIELDS = ("capacity", "registration_mode", "registration_opens", "registration_closes")

    class Mode(models.TextChoices):
        OPEN = "open", _("Open registration")
        INVITATION = "invitation", _("By invitation only")
        QUOTA = "quota", _("Quotas per unit")

    class CertificateRule(models.TextChoices):
        NONE = "none", _("No certificate")
        ATTENDANCE = "attendance", _("Attendance")
        POST_TEST = "post_test", _("Passing the post-test")
        BOTH = "both", _("Attendance and passing the post-test")

    description = RichTextField(_("description"), blank=True)
    venue = NFCCharField(_("venue"), max_length=200)
    address = NFCCharField(_("address"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    organising_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("organising unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organisers"),
        blank=True,
        related_name="organised_events",
        help_text=_("Organisers who manage registrations, check-in and reports of this event."),
    )
    audience = NFCTextField(_("audience"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=100)
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    registration_mode = models.CharField(_("registration mode"), max_length=20, choices=Mode.choices, default=Mode.OPEN)
    late_after_minutes = models.PositiveIntegerField(
        _("late after (minutes)"),
        default=15,
        help_text=_("A check-in this long after a session starts counts as late."),
    )
    # Certificate rule: attend at least this share of the required sessions,
    # and/or pass the post-test (see events.selectors.certificate_standings).
    certificate_rule = models.CharField(
        _("certificate rule"), max_length=20, choices=CertificateRule.choices, default=CertificateRule.ATTENDANCE
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of the required sessions (all sessions if none is marked required) a delegate attends."),
    )
    post_test = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("post-test"),
        null=True,
        blank=True,
        # A certificate rule may depend on it: the quiz stays while an event names it.
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("An optional quiz delegates take after the event."),
    )
    hours = models.DecimalField(_("training hours"), max_digits=5, decimal_places=1, default=0)
    # The certificate: its template (default: the organising unit's, or the
    # site's default) and who issues it; an empty part takes the template's.
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        verbose_name=_("certificate template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"live": True},
        help_text=_("Leave empty to use the organising unit's template (or the default template)."),
    )
    place = NFCCharField(
        _("place"),
        max_length=80,
        blank=True,
        help_text=_('Printed in the certificate\'s date line with the last day: "Đà Lạt, ngày 02 tháng 6 năm 2022".'),
    )
    issuing_body_parent = NFCCharField(_("parent body"), max_length=150, blank=True)
    issuing_body = NFCCharField(
        _("issuing body"), max_length=150, blank=True, help_text=_("Leave empty to print the template's.")
    )
    signatory_title = NFCTextField(
        _("signatory's title"),
        max_length=200,
        blank=True,
        help_text=_("One line per line, e.g. KT. BỘ TRƯỞNG / THỨ TRƯỞNG. Leave empty to print the template's."),
    )
    signatory_name = NFCCharField(_("signatory's name"), max_length=120, blank=True)
    signature_image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pre_reading = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("pre-reading course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("An online course delegates study before the conference."),
    )

    content_panels = [
        *Page.content_panels,
        HelpPanel(template="events/admin_operational_help.html", heading=_("Sessions and registration")),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
            ],
            heading=_("When and where"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("organising_unit"),
                FieldPanel("audience"),
                FieldPanel("pre_reading"),
            ],
            heading=_("Registration"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("late_after_minutes"),
                FieldPanel("certificate_rule"),
                FieldPanel("min_attendance_percent"),
                FieldPanel("post_test"),
                FieldPanel("hours"),
            ],
            heading=_("Attendance and certificate"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("certificate_template"), FieldPanel("place")]),
                FieldRowPanel([FieldPanel("issuing_body_parent"), FieldPanel("issuing_body")]),
                FieldPanel("signatory_title"),
                FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signature_image")]),
            ],
            heading=_("Certificate issuer"),
        ),
    ]
    base_form_class = EventPageForm
    parent_page_types = ["events.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(certificate_rule__in=["post_test", "both"]) | models.Q(post_test__isnull=False),
                name="events_event_post_test_rule_needs_quiz",
            ),
            models.CheckConstraint(
                condition=models.Q(min_attendance_percent__lte=100), name="events_event_attendance_percent_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="events_event_ends_after_start"
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.rule_uses_post_test and not self.post_test_id:
            raise ValidationError({"post_test": _("Choose the post-test: the certificate rule needs it.")})
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The event cannot end before it starts.")})
        self._check_printed_text()

    # Printed on certificates: refused when the bundled font cannot draw them.
    PRINTED_FIELDS = ("place", "issuing_body_parent", "issuing_body", "signatory_title", "signatory_name")

    def _check_printed_text(self) -> None:
        from certificates.pdf import missing_characters

        errors = {}
        for name in self.PRINTED_FIELDS:
            missing = missing_characters(getattr(self, name) or "")
            if missing:
                errors[name] = _("The certificate font has no letter for %(chars)s; remove or replace it.") % {
                    "chars": ", ".join(f"“{char}” (U+{ord(char):04X})" for char in missing)
                }
        if self.issuing_body_parent.strip() and not self.issuing_body.strip():
            errors.setdefault("issuing_body", _("Give the issuing body that the parent body stands above."))
        if (self.signatory_name.strip() or self.signature_image_id) and not self.signatory_title.strip():
            errors.setdefault("signatory_title", _("Give the signatory's title: it goes with the name and signature."))
        if errors:
            raise ValidationError(errors)

    def with_content_json(self, content):
        """A revision carries the page's text; capacity, mode, window and organisers stay as they are live.

        Read from the database, not from ``self``: the page a revision holds
        may have been loaded before the desk changed them.
        """
        page = super().with_content_json(content)
        live = EventPage.objects.filter(pk=self.pk).values(*self.OPERATIONAL_FIELDS).first() if self.pk else None
        for name in self.OPERATIONAL_FIELDS:
            setattr(page, name, live[name] if live else getattr(self, name))
        if self.pk:
            through = EventPage.organisers.through.objects.filter(eventpage_id=self.pk).select_related("user")
            page.organisers = [row.user for row in through]
        return page

    @property
    def rule_uses_attendance(self) -> bool:
        return self.certificate_rule in (self.CertificateRule.ATTENDANCE, self.CertificateRule.BOTH)

    @property
    def rule_uses_post_test(self) -> bool:
        return self.certificate_rule in (self.CertificateRule.POST_TEST, self.CertificateRule.BOTH)

    def registration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        if self.registration_opens and now < self.registration_opens:
            return False
        closes = self.registration_closes or self.starts_at
        return now <= closes

    def search_document(self):
        from cms.search import SearchDocument

        return SearchDocument(
            title=self.title,
            text=(self.description, self.venue, self.address, self.audience, *[s.title for s in self.sessions.all()]),
            date=timezone.localtime(self.starts_at).date() if self.starts_at else None,
        )

    def get_context(self, request, *args, **kwargs):
        from events.selectors import registration_for_user

        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = list(self.sessions.order_by("starts_at"))
        context["registration"] = registration_for_user(event=self, user=request.user)
        context["seats_taken"] = self.registrations.filter(status=Registration.Status.CONFIRMED).count()
        context["started"] = self.starts_at <= timezone.now()
        return context


class EventSession(Orderable):
    """One chuyên đề of a conference: run from the management pages, outside the page's revisions."""

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="sessions")
    title = NFCCharField(_("topic"), max_length=300)
    speaker = NFCCharField(_("speaker"), max_length=200, blank=True)
    room = NFCCharField(_("room"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    required = models.BooleanField(_("required"), default=True)

    class Meta(Orderable.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="events_session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class UnitQuota(Orderable):
    """The most seats a unit and the units under it may hold (quota mode); set from the management pages."""

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey("accounts.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    seats = models.PositiveIntegerField(_("seats"))

    class Meta(Orderable.Meta):
        verbose_name = _("unit quota")
        constraints = [models.UniqueConstraint(fields=["event", "unit"], name="events_quota_unique_unit")]


class TallyStateMixin:
    """Remembers the fields events.tallies counts by, as loaded, so a save can move the counts from them."""

    tally_fields: tuple[str, ...]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._tally_state = instance.tally_state()
        return instance

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._tally_state = self.tally_state()

    def tally_state(self) -> tuple | None:
        """The tally fields' values; None when one of them was not loaded."""
        if not set(self.tally_fields) <= self.__dict__.keys():
            return None
        return tuple(self.__dict__[name] for name in self.tally_fields)


class Registration(TallyStateMixin, models.Model):
    tally_fields = ("event_id", "org_unit_id", "status")

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        SELF = "self", _("Self-registration")
        COORDINATOR = "coordinator", _("Nominated by unit")
        IMPORT = "import", _("Imported")

    # The ticket carries this (signed), never the database id.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_registrations")
    # A snapshot of what the delegate gave for this event (units change).
    full_name = NFCCharField(_("full name"), max_length=150)
    full_name_folded = models.CharField(max_length=150, editable=False, db_index=True)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = NFCCharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Bounded like every text a person can post (the form and the import say so).
    notes = NFCTextField(_("notes"), max_length=2000, blank=True)
    cancel_reason = NFCCharField(_("reason for cancelling"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    # Seat numbers 1..capacity: the unique constraint below is the guard that
    # two people racing for the last seat cannot both get it.
    seat = models.PositiveIntegerField(_("seat"), null=True, blank=True, editable=False)
    source = models.CharField(_("registered through"), max_length=20, choices=Source.choices, default=Source.SELF)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Place in the waiting list: first come, first served, and one moved
    # back to the list by an organiser queues again from the end.
    waitlisted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The personal check-in link's generation: an organiser revoking the link
    # (a phone lost, a link forwarded) raises it, and links signed with an
    # earlier one are refused; the next ticket mail carries a new link.
    pass_version = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~models.Q(status="cancelled"),
                name="events_registration_one_active_per_user",
            ),
            models.UniqueConstraint(fields=["event", "seat"], name="events_registration_unique_seat"),
            models.CheckConstraint(
                condition=models.Q(status="confirmed", seat__isnull=False)
                | (~models.Q(status="confirmed") & models.Q(seat__isnull=True)),
                name="events_registration_seat_iff_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} – {self.event_id}"

    def save(self, *args, **kwargs) -> None:
        from core.text import fold

        self.full_name_folded = fold(self.full_name or "")[:150]
        super().save(*args, **kwargs)


class Attendance(TallyStateMixin, models.Model):
    tally_fields = ("registration_id", "session_id", "status")

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    class Method(models.TextChoices):
        SCAN = "scan", _("Ticket scan")
        SEARCH = "search", _("Search")
        SELF = "self", _("Session code")

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.SEARCH)
    # When the scan happened on the device, which may be long before a queued
    # offline scan reaches the server.
    checked_in_at = models.DateTimeField(_("checked in at"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The door device that recorded it (a random id the door page keeps): a
    # ticket held in front of the same camera again is the same scan.
    device = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["registration", "session"], name="events_attendance_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}@{self.session_id}: {self.status}"


class ScanNonce(models.Model):
    """Every client nonce the server has accepted: a replayed offline scan is answered from here."""

    nonce = models.CharField(max_length=64, unique=True)
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE, related_name="+")
    attendance = models.ForeignKey(Attendance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.nonce


class EventTally(models.Model):
    """Counts the attendance report reads instead of counting rows (events.tallies keeps them).

    Per event and unit: with ``session_id`` 0, how many confirmed
    registrations (``status`` "confirmed"); with a session, how many of
    those confirmed delegates hold each attendance status in it. Every write
    of a registration or an attendance moves them in its own transaction;
    ``events_recount_tallies`` counts them again from the rows (after a bulk
    insert that went around the models).
    """

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="+")
    # Plain numbers, not foreign keys: 0 stands for "no unit" and for "no
    # session" (the registrations' line), and a count never blocks deleting.
    unit_id = models.BigIntegerField()
    session_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "unit_id", "session_id", "status"], name="events_tally_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.unit_id}/{self.session_id}/{self.status}: {self.n}"
