"""The site shell: home, standard pages, regulations and emulation campaigns.

Editors build the tree; ``parent_page_types``/``subpage_types`` keep it sane:

    Root
    └── HomePage (site root)
        ├── StandardPage ── StandardPage …
        ├── RegulationIndexPage ── RegulationPage …
        ├── CampaignIndexPage ── CampaignPage …
        └── (pages of later apps that name HomePage as their parent)

Per-user data (subscriptions, sent notices, the search index) are plain
models at the end of this module.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.documents import get_document_model_string
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model_string
from wagtail.models import Orderable, Page, PageManager, Revision
from wagtail.query import PageQuerySet
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES, BodyStreamBlock, WhatIsNewStreamBlock
from core.fields import NFCCharField, NFCTextField
from core.text import collapse_spaces, nfc

LISTING_PAGE_SIZE = 20

# --- Document numbers ---------------------------------------------------------
# A symbol segment starts with a capital (Đ included) and may go on with
# letters and digits: TT, BTTTT, TĐKT, QH15, NĐ, CP, TTg. Segments join with "-".
_SYMBOL = r"[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*"
_NUMBER = r"[0-9]{1,5}"
_YEAR = r"(?:19|20)[0-9]{2}"
DOCUMENT_NUMBER_PATTERN = (
    rf"^(?:{_NUMBER}/{_YEAR}/{_SYMBOL}"  # 13/2015/TT-BTTTT, 06/2022/QH15, 15/2003/QH11
    rf"|{_NUMBER}/{_SYMBOL}"  # 105/CT-BTTTT, 890/KH-BTTTT, 664/BTTTT-TĐKT
    rf"|{_NUMBER}-{_SYMBOL}/{_SYMBOL})$"  # 39-CT/TW (documents of the Party)
)
_YEAR_IN_NUMBER = re.compile(rf"^{_NUMBER}/({_YEAR})/")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—−", "-"))

validate_document_number = RegexValidator(
    DOCUMENT_NUMBER_PATTERN,
    _(
        "Enter the document number as printed on the document, for example 13/2015/TT-BTTTT, "
        "105/CT-BTTTT, 39-CT/TW or 06/2022/QH15."
    ),
    code="invalid_document_number",
)


def normalize_document_number(value: str) -> str:
    """The stored form: NFC, plain hyphens, no spaces around "/" and "-"."""
    value = nfc(value).translate(_DASHES)
    value = re.sub(r"\s*([/-])\s*", r"\1", value)
    return collapse_spaces(value)


def year_from_document_number(value: str) -> int | None:
    match = _YEAR_IN_NUMBER.match(value or "")
    return int(match.group(1)) if match else None


class DocumentNumberField(NFCCharField):
    """Normalised on every path in (forms, save, lookups), like the NFC fields."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_document_number(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_document_number(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if isinstance(value, str):
            value = normalize_document_number(value)
            setattr(model_instance, self.attname, value)
        return value


# --- Pages --------------------------------------------------------------------


class HomePage(Page):
    """The site root: an introduction, the latest regulation updates, and the
    panels other apps register (see ``cms.home``)."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    # No subpage_types: every child type names its own parents, so later apps
    # (courses, events) can hang their index pages under the home page.

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_regulations"] = list(
            RegulationPage.objects.live().public().with_status().order_by(*RegulationPage.LISTING_ORDER)[:5]
        )
        context["latest_campaigns"] = list(
            CampaignPage.objects.live().public().order_by(*CampaignPage.LISTING_ORDER)[:3]
        )
        from cms.selectors import nav_urls

        context["section_urls"] = nav_urls()
        return context


class StandardPage(Page):
    """A free-form page: about, contacts, guidance."""

    intro = NFCTextField(_("introduction"), blank=True, help_text=_("One or two sentences shown under the title."))
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


def paginate(request, queryset, per_page: int = LISTING_PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class RegulationIndexPage(Page):
    """The list of legal documents, filtered by type, year, issuer and status."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.RegulationPage"]
    max_count = 1

    class Meta:
        verbose_name = _("regulation index page")
        verbose_name_plural = _("regulation index pages")

    def get_context(self, request, *args, **kwargs):
        from cms.forms import RegulationFilterForm

        context = super().get_context(request, *args, **kwargs)
        regulations = RegulationPage.objects.live().public().child_of(self)
        form = RegulationFilterForm(request.GET, regulations=regulations)
        context["filter_form"] = form
        context["regulations"] = paginate(request, form.filter(regulations.with_status()))
        return context


class CampaignIndexPage(Page):
    """The list of emulation campaigns (phong trào thi đua), filtered by year."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CampaignPage"]
    max_count = 1

    class Meta:
        verbose_name = _("campaign index page")
        verbose_name_plural = _("campaign index pages")

    def get_context(self, request, *args, **kwargs):
        from cms.forms import CampaignFilterForm

        context = super().get_context(request, *args, **kwargs)
        campaigns = CampaignPage.objects.live().public().child_of(self)
        form = CampaignFilterForm(request.GET, campaigns=campaigns)
        context["filter_form"] = form
        context["campaigns"] = paginate(request, form.filter(campaigns))
        return context


# --- Regulations ----------------------------------------------------------------


class RegulationStatus(models.TextChoices):
    NOT_YET_IN_FORCE = "pending", _("Not yet in force")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


def regulation_status(
    *,
    today: datetime.date,
    superseded: bool,
    date_issued: datetime.date | None,
    date_in_force: datetime.date | None,
    expiry_date: datetime.date | None,
) -> RegulationStatus:
    """The derived status; ``RegulationPageQuerySet.with_status`` is the same rule in SQL."""
    if superseded:
        return RegulationStatus.SUPERSEDED
    if expiry_date is not None and expiry_date < today:
        return RegulationStatus.EXPIRED
    # Without a stated in-force date a document counts from its date of issue.
    starts = date_in_force or date_issued
    if starts is not None and starts > today:
        return RegulationStatus.NOT_YET_IN_FORCE
    return RegulationStatus.IN_FORCE


class RegulationPageQuerySet(PageQuerySet):
    def with_status(self, today: datetime.date | None = None):
        """Annotate ``status_code`` (a RegulationStatus value) in the query itself."""
        today = today or timezone.localdate()
        superseding = RegulationPage.objects.live().filter(supersedes=OuterRef("pk"))
        return self.annotate(
            is_superseded=Exists(superseding),
            status_code=Case(
                When(is_superseded=True, then=Value(RegulationStatus.SUPERSEDED.value)),
                When(expiry_date__lt=today, then=Value(RegulationStatus.EXPIRED.value)),
                When(
                    Q(date_in_force__gt=today) | Q(date_in_force__isnull=True, date_issued__gt=today),
                    then=Value(RegulationStatus.NOT_YET_IN_FORCE.value),
                ),
                default=Value(RegulationStatus.IN_FORCE.value),
                output_field=models.CharField(max_length=20),
            ),
        )


RegulationPageManager = PageManager.from_queryset(RegulationPageQuerySet)


class RegulationPage(Page):
    """A legal document (văn bản quy phạm pháp luật) and what it changes."""

    class DocumentType(models.TextChoices):
        LAW = "law", _("Law")
        DECREE = "decree", _("Decree")
        CIRCULAR = "circular", _("Circular")
        DIRECTIVE = "directive", _("Directive")
        PLAN = "plan", _("Plan")
        DECISION = "decision", _("Decision")
        OFFICIAL_LETTER = "official_letter", _("Official letter")
        GUIDANCE = "guidance", _("Guidance")

    Status = RegulationStatus
    LISTING_ORDER = (
        F("year_issued").desc(nulls_last=True),
        F("date_issued").desc(nulls_last=True),
        "-first_published_at",
        "-pk",
    )

    document_number = DocumentNumberField(
        _("document number"),
        max_length=50,
        unique=True,
        validators=[validate_document_number],
        error_messages={"unique": _("Another regulation already has this document number.")},
        help_text=_("As printed on the document: 13/2015/TT-BTTTT, 39-CT/TW, 06/2022/QH15…"),
    )
    document_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    issuing_body = NFCCharField(_("issuing body"), max_length=255)
    signer = NFCCharField(_("signed by"), max_length=150, blank=True)
    date_issued = models.DateField(
        _("date issued"),
        null=True,
        blank=True,
        help_text=_("May be left empty only when the document number carries the year (06/2022/QH15)."),
    )
    year_issued = models.PositiveSmallIntegerField(_("year issued"), null=True, editable=False, db_index=True)
    date_in_force = models.DateField(
        _("date in force"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the document takes effect on the date it is issued."),
    )
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
        help_text=_(
            "The older regulation this one replaces. Once this page is published the older one shows as superseded."
        ),
    )
    summary = NFCTextField(_("summary"), help_text=_("What the document is about, in a few plain sentences."))
    what_is_new = StreamField(WhatIsNewStreamBlock(), verbose_name=_("what is new"), blank=True)
    notify_subscribers = models.BooleanField(
        _("email subscribers when published"),
        default=True,
        help_text=_("Untick for corrections that trainees need not be told about."),
    )

    objects = RegulationPageManager()

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("document_number", required_on_save=True), FieldPanel("document_type")]),
                FieldPanel("issuing_body"),
                FieldPanel("signer"),
                FieldRowPanel([FieldPanel("date_issued"), FieldPanel("date_in_force"), FieldPanel("expiry_date")]),
                FieldPanel("supersedes"),
            ],
            heading=_("Document"),
        ),
        FieldPanel("summary"),
        FieldPanel("what_is_new"),
        InlinePanel("attachments", label=_("Attachments (PDF or DOCX)")),
    ]
    settings_panels = [*Page.settings_panels, FieldPanel("notify_subscribers")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("document_number"),
        index.SearchField("summary"),
        index.SearchField("what_is_new"),
        index.FilterField("document_type"),
    ]

    parent_page_types = ["cms.RegulationIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(supersedes=F("page_ptr")),
                name="cms_regulation_not_superseding_itself",
                violation_error_message=_("A regulation cannot supersede itself."),
            ),
        ]

    def save(self, *args, **kwargs):
        if self.date_issued:
            self.year_issued = self.date_issued.year
        else:
            self.year_issued = year_from_document_number(self.document_number)
        return super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        if self.date_issued is None and year_from_document_number(self.document_number or "") is None:
            errors.setdefault("date_issued", []).append(
                _("Enter the date issued: this document number does not show the year.")
            )
        if self.date_issued and self.date_in_force and self.date_in_force < self.date_issued:
            errors.setdefault("date_in_force", []).append(_("A document cannot take effect before it is issued."))
        starts = self.date_in_force or self.date_issued
        if self.expiry_date and starts and self.expiry_date < starts:
            errors.setdefault("expiry_date", []).append(_("The expiry date is before the document takes effect."))
        if self.supersedes_id is not None and self.pk is not None:
            if self.supersedes_id == self.pk:
                errors.setdefault("supersedes", []).append(_("A regulation cannot supersede itself."))
            elif self._supersede_chain_reaches_self():
                errors.setdefault("supersedes", []).append(
                    _(
                        "%(other)s already supersedes this regulation, directly or through others; "
                        "two regulations cannot supersede each other."
                    )
                    % {"other": self.supersedes.document_number}
                )
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # clean() reports a regulation superseding itself on the field; the
        # check constraint stays as the database's guarantee.
        super().validate_constraints(exclude={*(exclude or ()), "supersedes"})

    def _supersede_chain_reaches_self(self) -> bool:
        seen: set[int] = set()
        current = self.supersedes_id
        while current is not None and current not in seen:
            if current == self.pk:
                return True
            seen.add(current)
            current = RegulationPage.objects.filter(pk=current).values_list("supersedes_id", flat=True).first()
        return False

    @property
    def status(self) -> RegulationStatus:
        code = getattr(self, "status_code", None)
        if code is not None:
            return RegulationStatus(code)
        superseding = getattr(self, "_superseding", None)
        superseded = bool(superseding) if superseding is not None else self.superseded_by.live().exists()
        return regulation_status(
            today=timezone.localdate(),
            superseded=superseded,
            date_issued=self.date_issued,
            date_in_force=self.date_in_force,
            expiry_date=self.expiry_date,
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Everything the template shows, in a fixed number of queries.
        # (A page previewed before its first save has no pk and no relations yet.)
        self._superseding = list(self.superseded_by.live().order_by(*self.LISTING_ORDER)) if self.pk else []
        context["superseding"] = self._superseding
        context["superseded"] = (
            RegulationPage.objects.live().with_status().filter(pk=self.supersedes_id).first()
            if self.supersedes_id
            else None
        )
        context["attachments"] = list(self.attachments.select_related("document"))
        return context

    def search_document(self):
        from cms.search import SearchDocument, stream_text

        return SearchDocument(
            title=f"{self.title} {self.document_number}",
            text=[
                self.get_document_type_display(),
                self.issuing_body,
                self.signer,
                self.summary,
                *stream_text(self.what_is_new),
            ],
            date=self.date_issued,
            year=self.year_issued,
        )


class RegulationAttachment(Orderable):
    """The document's full text (PDF or DOCX) attached to its page."""

    ALLOWED_EXTENSIONS = ("pdf", "docx")

    page = ParentalKey(RegulationPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        get_document_model_string(), verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    title = NFCCharField(
        _("link text"), max_length=255, blank=True, help_text=_("Leave empty to use the document's title.")
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def clean(self) -> None:
        super().clean()
        if self.document_id is not None and self.document.file_extension.lower() not in self.ALLOWED_EXTENSIONS:
            raise ValidationError({"document": _("Attach the document as a PDF or DOCX file.")})

    @property
    def label(self) -> str:
        return self.title or self.document.title


# --- Campaigns ------------------------------------------------------------------

_year_validators = [MinValueValidator(1945), MaxValueValidator(2100)]


class CampaignPage(Page):
    """An emulation movement (phong trào thi đua): who launched it, when, its
    goals and criteria, and the advanced examples it brought forward."""

    LISTING_ORDER = (
        F("start_year").desc(nulls_last=True),
        F("launch_date").desc(nulls_last=True),
        "title",
    )

    launched_by = NFCCharField(_("launched by"), max_length=255, blank=True)
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True, validators=_year_validators)
    end_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True, validators=_year_validators)
    period_note = NFCCharField(
        _("period (as text)"),
        max_length=255,
        blank=True,
        help_text=_("When the period is not a span of years, say it in words."),
    )
    summary = NFCTextField(_("summary"), help_text=_("What the campaign is about, in a few plain sentences."))
    goals = RichTextField(_("goals"), blank=True, features=RICH_TEXT_FEATURES)
    criteria = RichTextField(_("criteria"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("launched_by"), FieldPanel("launch_date")]),
                FieldRowPanel([FieldPanel("start_year"), FieldPanel("end_year")]),
                FieldPanel("period_note"),
            ],
            heading=_("Launch and period"),
        ),
        FieldPanel("summary"),
        FieldPanel("goals"),
        FieldPanel("criteria"),
        InlinePanel("advanced_examples", label=_("Advanced examples")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("launched_by")]

    parent_page_types = ["cms.CampaignIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("emulation campaign")
        verbose_name_plural = _("emulation campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__isnull=True) | Q(end_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="cms_campaign_period_ordered",
                violation_error_message=_("The period ends before it starts."),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The period ends before it starts.")})
        if self.end_year and not self.start_year:
            raise ValidationError({"start_year": _("Enter the first year of the period.")})

    def validate_constraints(self, exclude=None):
        # clean() reports an inverted period on the field itself.
        super().validate_constraints(exclude={*(exclude or ()), "end_year"})

    @property
    def period(self) -> str:
        if self.start_year and self.end_year and self.end_year != self.start_year:
            return f"{self.start_year}–{self.end_year}"
        if self.start_year:
            return str(self.start_year)
        return self.period_note

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["advanced_examples"] = list(self.advanced_examples.select_related("photo"))
        return context

    def search_document(self):
        from cms.search import SearchDocument, rich_text

        return SearchDocument(
            title=self.title,
            text=[
                self.launched_by,
                self.period_note,
                self.summary,
                rich_text(self.goals),
                rich_text(self.criteria),
                *(f"{e.name} {e.unit} {e.achievement}" for e in self.advanced_examples.all()),
            ],
            date=self.launch_date,
            year=self.launch_date.year if self.launch_date else self.start_year,
        )


class AdvancedExample(Orderable):
    """An advanced example (điển hình tiên tiến): a person or collective held up
    for others to follow."""

    page = ParentalKey(CampaignPage, on_delete=models.CASCADE, related_name="advanced_examples")
    name = NFCCharField(_("name"), max_length=255, help_text=_("A person or a collective."))
    unit = NFCCharField(_("unit"), max_length=255, blank=True)
    achievement = NFCTextField(_("achievement"))
    photo = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("name"), FieldPanel("unit"), FieldPanel("achievement"), FieldPanel("photo")]

    class Meta(Orderable.Meta):
        verbose_name = _("advanced example")
        verbose_name_plural = _("advanced examples")


# --- Plain models -------------------------------------------------------------


class RegulationSubscription(models.Model):
    """A trainee who wants an email when a regulation update is published.

    It belongs with the profile, but ``accounts`` sits below ``cms``; a row
    here means "subscribed", no row means not.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="regulation_subscription",
    )
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("regulation update subscription")
        verbose_name_plural = _("regulation update subscriptions")

    def __str__(self) -> str:
        return str(self.user)


class RegulationNotice(models.Model):
    """One email about one published revision to one person.

    The unique row is claimed before the email goes out and stamped after, so a
    retried task skips whoever was already mailed about that revision.
    """

    revision = models.ForeignKey(Revision, verbose_name=_("revision"), on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(
        RegulationPage, verbose_name=_("regulation"), on_delete=models.CASCADE, related_name="notices"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="regulation_notices",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("regulation update email")
        verbose_name_plural = _("regulation update emails")
        constraints = [
            models.UniqueConstraint(fields=["revision", "user"], name="cms_regulation_notice_once_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.page_id}/{self.revision_id} → {self.user_id}"


class SearchEntry(models.Model):
    """The accent-folded text of one searchable page (see ``cms.search``).

    One table for every registered page type, so one query searches them all
    and paginates; the same ``contains`` lookups run on SQLite and PostgreSQL.
    """

    page = models.OneToOneField(
        Page, verbose_name=_("page"), on_delete=models.CASCADE, primary_key=True, related_name="cms_search_entry"
    )
    title_folded = models.CharField(max_length=400)
    text_folded = models.TextField()
    date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [models.Index(fields=["-year", "-date"], name="cms_search_recent")]

    def __str__(self) -> str:
        return self.title_folded

    @property
    def kind(self) -> str:
        return self.page.specific_class._meta.verbose_name if self.page.specific_class else ""
