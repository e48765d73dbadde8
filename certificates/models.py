"""Certificate templates, certificates, their audit log and bulk-issue batches.

A certificate points at the Wagtail ``Page`` it was earned on (a course or an
event page, which this app does not know) and keeps a snapshot of what was
achieved, so that it stays true after the page changes or is deleted.

"One valid certificate per person per achievement" is a partial unique index
on (holder, page) over valid certificates: revoked and superseded ones do not
count, so a certificate can be issued again after a revocation, and a
concurrent second issue fails in the database instead of making a duplicate.
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.images import get_image_model_string
from wagtail.models import DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin, WorkflowMixin

from core.fields import NFCCharField, NFCTextField

# Placeholders a template body may use, each with what it stands for.
PLACEHOLDERS: dict[str, str] = {
    "name": _("holder's full name"),
    "unit": _("holder's unit"),
    "achievement": _("course or event title"),
    "hours": _("hours of training"),
    "sessions": _("sessions attended, e.g. 4/4"),
    "score": _("final score"),
    "dates": _("dates of the course or event"),
    "date": _("date of completion"),
    "serial": _("certificate serial"),
}
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")

DEFAULT_NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
DEFAULT_MOTTO = "Độc lập – Tự do – Hạnh phúc"
DEFAULT_TITLE = "GIẤY CHỨNG NHẬN"
DEFAULT_BODY = (
    "Chứng nhận ông/bà: {name}\n"
    "Đơn vị công tác: {unit}\n"
    "Đã tham gia và hoàn thành chương trình tập huấn\n"
    "{achievement}\n"
    "Thời gian: {dates}\n"
    "Thời lượng: {hours} giờ\n"
    "Số chuyên đề tham dự: {sessions}\n"
    "Kết quả: {score} điểm"
)
DEFAULT_VERIFICATION_LABEL = "Quét mã QR hoặc truy cập địa chỉ sau để xác minh giấy chứng nhận:"


def generate_code() -> str:
    # 128 random bits, URL-safe: the code is the only key to the public
    # verification page, so it must not be guessable from a serial or a date.
    return secrets.token_urlsafe(16)


class DatePrinted(models.TextChoices):
    """Which day the place-and-date line carries."""

    COMPLETED = "completed", _("The last day of the course or event")
    ISSUED_IF_LATER = "issued_if_later", _("The day of issue, when it is later than the last day")


class CertificateTemplate(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin, models.Model):
    """How a certificate looks: an A4 landscape page in the style of official paper.

    What it prints goes out under the organisation's name, so it is reviewed
    like a page: editors save drafts and submit them, a moderator publishes
    (directly or by approving the moderation workflow). The row holds the
    published values only (drafts live in revisions), and certificates are
    issued only with a live template, so no unreviewed text reaches a PDF.
    """

    name = NFCCharField(_("name"), max_length=120, unique=True, help_text=_("For editors; not printed."))
    is_default = models.BooleanField(
        _("default template"),
        default=False,
        help_text=_("Used when a course or event names no template and its organising unit has none."),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The unit whose certificates this template issues: an event organised by this unit, or by a unit "
            "under it, uses it unless the event names another."
        ),
    )
    issuing_body_parent = NFCCharField(
        _("parent body"), max_length=150, blank=True, help_text=_("Printed above the issuing body, top left.")
    )
    issuing_body = NFCCharField(_("issuing body"), max_length=150, help_text=_("Printed top left, in capitals."))
    national_title = NFCCharField(_("national title"), max_length=150, default=DEFAULT_NATIONAL_TITLE)
    motto = NFCCharField(_("motto"), max_length=150, default=DEFAULT_MOTTO)
    serial_prefix = NFCCharField(
        _("serial prefix"),
        max_length=20,
        default="TĐKT",
        help_text=_("Serials read PREFIX-YEAR-NUMBER, e.g. TĐKT-2015-000123."),
    )
    title = NFCCharField(_("title"), max_length=120, default=DEFAULT_TITLE)
    body = NFCTextField(
        _("body text"),
        default=DEFAULT_BODY,
        help_text=_(
            "One line per line on the certificate. Placeholders: {name}, {unit}, {achievement}, {hours}, "
            "{sessions}, {score}, {dates}, {date}, {serial}. A line whose placeholders are all empty "
            "(for example hours of an event that has none) is left out."
        ),
    )
    place = NFCCharField(
        _("place"), max_length=80, help_text=_('Printed in the date line: "Đà Nẵng, ngày 25 tháng 8 năm 2015".')
    )
    date_printed = models.CharField(
        _("date printed"),
        max_length=20,
        choices=DatePrinted.choices,
        default=DatePrinted.COMPLETED,
        help_text=_(
            "The place-and-date line carries the last day of the course or event, or the day the "
            "certificate is issued when that is later."
        ),
    )
    signatory_title = NFCTextField(
        _("signatory's title"), max_length=200, help_text=_("One line per line, e.g. KT. BỘ TRƯỞNG / THỨ TRƯỞNG.")
    )
    signatory_name = NFCCharField(
        _("signatory's name"), max_length=120, blank=True, help_text=_("Leave empty to have it written by hand.")
    )
    signature_image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    logo = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    background = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("background"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional; stretched over the whole A4 landscape page, replacing the printed border."),
    )
    verification_label = NFCCharField(_("verification note"), max_length=200, default=DEFAULT_VERIFICATION_LABEL)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("is_default")]),
        FieldPanel("org_unit"),
        MultiFieldPanel(
            [
                FieldPanel("issuing_body_parent"),
                FieldPanel("issuing_body"),
                FieldPanel("national_title"),
                FieldPanel("motto"),
                FieldPanel("logo"),
            ],
            heading=_("Heading"),
        ),
        MultiFieldPanel(
            [FieldPanel("title"), FieldPanel("body"), FieldPanel("serial_prefix")],
            heading=_("Text"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("place"), FieldPanel("date_printed")]),
                FieldPanel("signatory_title"),
                FieldPanel("signatory_name"),
                FieldPanel("signature_image"),
            ],
            heading=_("Signature"),
        ),
        MultiFieldPanel([FieldPanel("background"), FieldPanel("verification_label")], heading=_("Page")),
    ]

    # Fields whose text is printed, checked against the bundled font on save.
    PRINTED_FIELDS = (
        "issuing_body_parent",
        "issuing_body",
        "national_title",
        "motto",
        "serial_prefix",
        "title",
        "body",
        "place",
        "signatory_title",
        "signatory_name",
        "verification_label",
    )

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="certificates_one_default_template"
            ),
            models.UniqueConstraint(fields=["org_unit"], name="certificates_one_template_per_unit"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from certificates.pdf import missing_characters

        errors: dict[str, list[str]] = {}
        for field in self.PRINTED_FIELDS:
            missing = missing_characters(getattr(self, field) or "")
            if missing:
                names = ", ".join(f"“{char}” (U+{ord(char):04X})" for char in missing)
                errors.setdefault(field, []).append(
                    _("The certificate font has no letter for %(chars)s; remove or replace it.") % {"chars": names}
                )
        unknown = sorted(set(PLACEHOLDER_RE.findall(self.body or "")) - set(PLACEHOLDERS))
        if unknown:
            errors.setdefault("body", []).append(
                _("Unknown placeholder: %(names)s. Known: %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            )
        if errors:
            raise ValidationError(errors)

    def publish(self, revision, *args, **kwargs):
        # A draft was checked when saved, but by the time it is approved another
        # template may have taken its name or become the default: checked again,
        # so that publishing is refused with the reason, not failed by the database.
        revision.as_object().full_clean()
        return super().publish(revision, *args, **kwargs)

    # --- preview in the Wagtail admin: the real PDF with sample data --------
    def serve_preview(self, request, mode_name):
        from django.http import HttpResponse

        from certificates.pdf import render_sample_pdf

        response = HttpResponse(render_sample_pdf(self), content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="preview.pdf"'
        return response


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Replaced by a reissued certificate")

    code = models.CharField(_("verification code"), max_length=32, unique=True, default=generate_code, editable=False)
    serial = NFCCharField(_("serial"), max_length=40, unique=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("course or event page"),
        null=True,
        blank=True,
        # The snapshot below keeps what was achieved when the page goes.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The page's own type, kept when the page goes: it names what was
    # achieved ("course", "event") and may declare its Open Badges type.
    page_type = models.ForeignKey(
        ContentType,
        verbose_name=_("type of page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    template = models.ForeignKey(
        CertificateTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="certificates"
    )
    # Who issues it, as printed: the course or event says (an event from its
    # organising unit), the template's own values otherwise. Empty on
    # certificates issued before these were kept: their template's values print.
    issuing_body_parent = NFCCharField(_("parent body as printed"), max_length=150, blank=True)
    issuing_body = NFCCharField(_("issuing body as printed"), max_length=150, blank=True)
    place = NFCCharField(_("place as printed"), max_length=80, blank=True)
    signatory_title = NFCTextField(_("signatory's title as printed"), max_length=200, blank=True)
    signatory_name = NFCCharField(_("signatory's name as printed"), max_length=120, blank=True)
    signature_image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)

    # Snapshot of the achievement, as printed.
    holder_name = NFCCharField(_("holder's name as printed"), max_length=150)
    holder_unit = NFCCharField(_("holder's unit as printed"), max_length=255, blank=True)
    achievement_title = NFCCharField(_("achievement"), max_length=255)
    achievement_url = models.URLField(_("achievement address"), max_length=500, blank=True)
    criteria = NFCTextField(_("criteria"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(_("sessions attended"), null=True, blank=True)
    sessions_total = models.PositiveSmallIntegerField(_("sessions in total"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"))

    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = NFCTextField(_("reason for revocation"), blank=True)

    pdf = models.FileField(_("PDF"), upload_to="certificates/pdf/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, db_index=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # The signed Open Badges 3.0 credential, kept as issued: re-signing on
    # every request would give a new proof each time.
    credential = models.JSONField(_("signed credential"), default=dict, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "page"],
                condition=Q(status="valid"),
                name="certificates_one_valid_per_holder_page",
            ),
        ]
        indexes = [models.Index(fields=["holder", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.serial} – {self.holder_name}"

    @property
    def issuer_name(self) -> str:
        """Who issued it, as printed ("Bộ Tài nguyên và Môi trường – Hội đồng Thi đua – Khen thưởng")."""
        source = self if self.issuing_body else self.template
        return " – ".join(part for part in (source.issuing_body_parent, source.issuing_body) if part)

    @property
    def revocation_reason_clause(self) -> str:
        """The reason as it reads inside a sentence ("… because <reason>."): without its own final stop."""
        return (self.revocation_reason or "").strip().rstrip(".").rstrip()

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def page_model(self) -> type[models.Model] | None:
        # get_for_id is cached for the process: no query per certificate.
        return ContentType.objects.get_for_id(self.page_type_id).model_class() if self.page_type_id else None

    @property
    def achievement_kind(self) -> str:
        """What the page type calls itself ("course", "event"), or "" when unknown."""
        model = self.page_model
        return str(model._meta.verbose_name) if model else ""

    @property
    def achievement_type(self) -> str:
        """Its Open Badges 3.0 achievementType.

        A page model names the type of the certificates earned on its pages
        in a ``badge_achievement_type`` class attribute (a course page says
        "Course"); without one, a certificate is a "Certificate".
        """
        return getattr(self.page_model, "badge_achievement_type", None) or "Certificate"


class SerialCounter(models.Model):
    """The last number used for a serial prefix in a year (locked while issuing)."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="certificates_serial_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class CertificateLogEntry(models.Model):
    """The audit log: every issue, revocation and reissue, with who, when and why."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")
        REISSUED = "reissued", _("Reissued")
        SUPERSEDED = "superseded", _("Replaced")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="log_entries")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = NFCTextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("certificate log entry")
        verbose_name_plural = _("certificate log")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class CertificateBatch(models.Model):
    """A bulk issue for one course or event, processed in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    page = models.ForeignKey("wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+")
    title = NFCCharField(_("title"), max_length=255)
    template = models.ForeignKey(CertificateTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the worker after each person: a running batch that stops
    # reporting has lost its worker (stalled) and is resumed by the outbox sweep.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # [{"holder_id": 1, "achievement": {...}}], in processing order.
    items = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    issued_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list)  # [{"holder_id", "name", "reason"}]
    certificate_ids = models.JSONField(default=list)
    archive = models.FileField(upload_to="certificates/batches/", blank=True)

    class Meta:
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%d/%m/%Y})"

    @property
    def is_stalled(self) -> bool:
        if self.status != self.Status.RUNNING or self.heartbeat_at is None:
            return False
        stall = datetime.timedelta(seconds=settings.CERTIFICATE_BATCH_STALL_SECONDS)
        return self.heartbeat_at < timezone.now() - stall

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.processed * 100 / self.total)
