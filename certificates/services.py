"""Issuing, rendering, revoking and reissuing certificates.

The interface for the apps that decide when a certificate is earned
(``courses`` on completion, ``events`` when the attendance rule is met):

    from certificates.services import Achievement, certificate_issue

    achievement = Achievement(
        page=course_page,                      # the Wagtail page it was earned on
        earned=progress.is_complete,           # the caller's own rule
        reason=_("Module 3 is not finished."), # shown when earned is False
        completed_on=progress.completed_on,
        hours=Decimal("8"), score=Decimal("9.5"),        # optional facts
        sessions_attended=4, sessions_total=4, started_on=...,
    )
    certificate = certificate_issue(holder=user, achievement=achievement)

This app never judges whether an achievement is earned: the caller does and
says so in ``earned``; with ``earned=False`` the issue is refused with the
caller's ``reason`` (ServiceError code "not_earned"). Issuing is idempotent:
while a valid certificate exists for (holder, page), the call returns it;
the database's partial unique index makes this hold under concurrent calls.
What was achieved is named by the page's own type (its verbose name, and its
``badge_achievement_type`` for the Open Badges credential; see
``Certificate.achievement_type``), so this app names none of its callers.

The PDF is rendered and mailed to the holder by a Celery task queued when the
transaction commits. For many people at once (an organiser after an event),
``certificate_batch_start`` takes a list of ``BatchItem`` and a worker issues
them one by one, recording progress and building a ZIP of the PDFs.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from accounts.models import OrgUnit, User
from certificates import badges
from certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateLogEntry,
    CertificateTemplate,
    SerialCounter,
)
from certificates.pdf import print_data, render_pdf
from certificates.policies import can_manage_page_certificates
from core.audit import audit
from core.errors import ServiceError
from core.outbox import OutboxRetry, outbox_enqueue
from core.text import collapse_spaces, fold, nfc


@dataclass(frozen=True)
class Issuer:
    """Who issues a certificate, as the caller (a course, an event) names it.

    Each part replaces the template's as a whole: ``body`` with its
    ``parent_body`` (empty ``body``: the template's heading), ``signatory_title``
    with the name and signature (empty title: the template's block), ``place``
    alone (empty: the template's place).
    """

    body: str = ""
    parent_body: str = ""
    place: str = ""
    signatory_title: str = ""
    signatory_name: str = ""
    signature_image_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Issuer | None:
        return cls(**data) if data else None


@dataclass(frozen=True)
class Achievement:
    """What was achieved on ``page``, and whether the caller's rule says it is earned."""

    page: Page
    earned: bool
    reason: str = ""
    title: str = ""  # default: the page's title
    completed_on: datetime.date | None = None  # default: today
    started_on: datetime.date | None = None
    hours: Decimal | None = None
    sessions_attended: int | None = None
    sessions_total: int | None = None
    score: Decimal | None = None
    criteria: str = ""
    url: str = ""  # default: the page's full URL
    # As printed: the name the caller holds for this person (an event's
    # registration), default the account's; the unit likewise (None: the account's).
    holder_name: str = ""
    holder_unit: str | None = None
    issuer: Issuer | None = None  # default: the template's

    def to_json(self) -> dict[str, Any]:
        """For a batch record: the page by id, dates and decimals as strings."""
        return {
            "earned": self.earned,
            "reason": self.reason,
            "title": self.title,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "started_on": self.started_on.isoformat() if self.started_on else None,
            "hours": str(self.hours) if self.hours is not None else None,
            "sessions_attended": self.sessions_attended,
            "sessions_total": self.sessions_total,
            "score": str(self.score) if self.score is not None else None,
            "criteria": self.criteria,
            "url": self.url,
            "holder_name": self.holder_name,
            "holder_unit": self.holder_unit,
            "issuer": self.issuer.to_json() if self.issuer else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, page: Page) -> Achievement:
        def date(value):
            return datetime.date.fromisoformat(value) if value else None

        def decimal(value):
            return Decimal(value) if value is not None else None

        return cls(
            page=page,
            earned=data["earned"],
            reason=data.get("reason", ""),
            title=data.get("title", ""),
            completed_on=date(data.get("completed_on")),
            started_on=date(data.get("started_on")),
            hours=decimal(data.get("hours")),
            sessions_attended=data.get("sessions_attended"),
            sessions_total=data.get("sessions_total"),
            score=decimal(data.get("score")),
            criteria=data.get("criteria", ""),
            url=data.get("url", ""),
            holder_name=data.get("holder_name", ""),
            holder_unit=data.get("holder_unit"),
            issuer=Issuer.from_json(data.get("issuer")),
        )


@dataclass(frozen=True)
class BatchItem:
    holder: User
    achievement: Achievement


@dataclass
class _Snapshot:
    holder_name: str
    holder_unit: str
    achievement_title: str
    achievement_url: str
    criteria: str
    completed_on: datetime.date
    started_on: datetime.date | None = None
    hours: Decimal | None = None
    sessions_attended: int | None = None
    sessions_total: int | None = None
    score: Decimal | None = None
    issuing_body_parent: str = ""
    issuing_body: str = ""
    place: str = ""
    signatory_title: str = ""
    signatory_name: str = ""
    signature_image_id: int | None = None


def _issuer_fields(template: CertificateTemplate, issuer: Issuer | None) -> dict[str, Any]:
    """The issuer as printed, whole parts from the caller and the rest from the template (see ``Issuer``)."""
    issuer = issuer or Issuer()
    body = issuer if issuer.body else None
    signatory = issuer if issuer.signatory_title else None
    return {
        "issuing_body_parent": collapse_spaces(body.parent_body if body else template.issuing_body_parent),
        "issuing_body": collapse_spaces(body.body if body else template.issuing_body),
        "place": collapse_spaces(issuer.place or template.place),
        "signatory_title": (signatory.signatory_title if signatory else template.signatory_title).strip(),
        "signatory_name": collapse_spaces(signatory.signatory_name if signatory else template.signatory_name),
        "signature_image_id": signatory.signature_image_id if signatory else template.signature_image_id,
    }


# --- templates -------------------------------------------------------------------


def template_default() -> CertificateTemplate:
    template = CertificateTemplate.objects.filter(is_default=True, live=True).first()
    if template is None:
        raise ServiceError(
            "no_template", _("There is no default certificate template. Mark one as default in the admin.")
        )
    return template


def template_for_unit(unit: OrgUnit | None) -> CertificateTemplate | None:
    """The live template of ``unit`` or of the nearest unit above it; None when none has one (the default applies)."""
    if unit is None:
        return None
    step = unit.steplen
    paths = [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]
    templates = CertificateTemplate.objects.filter(live=True, org_unit__path__in=paths).select_related("org_unit")
    return max(templates, key=lambda template: len(template.org_unit.path), default=None)


def _live_template(template: CertificateTemplate | None) -> CertificateTemplate:
    """The template to issue with, read again from its row: a live template's row holds
    only what a moderator published (drafts stay in its revisions), whatever the
    caller's copy holds.

    A template never published holds its unreviewed first draft, an unpublished
    one was withdrawn: either is refused rather than swapped for the default,
    which may name another issuing body.
    """
    if template is None:
        return template_default()
    live = CertificateTemplate.objects.filter(pk=template.pk, live=True).first()
    if live is None:
        raise ServiceError(
            "template_not_live",
            _(
                "The certificate template “%(name)s” is not published; "
                "a moderator must publish it before certificates are issued with it."
            )
            % {"name": template.name},
        )
    return live


# --- issue -----------------------------------------------------------------------


def certificate_issue(
    *,
    holder: User,
    achievement: Achievement,
    template: CertificateTemplate | None = None,
    issued_by: User | None = None,
) -> Certificate:
    """The holder's valid certificate for ``achievement.page``, issued now if there is none."""
    certificate, _created = certificate_issue_or_get(
        holder=holder, achievement=achievement, template=template, issued_by=issued_by
    )
    return certificate


@transaction.atomic
def certificate_issue_or_get(
    *,
    holder: User,
    achievement: Achievement,
    template: CertificateTemplate | None = None,
    issued_by: User | None = None,
) -> tuple[Certificate, bool]:
    """As certificate_issue, and whether this call created the certificate."""
    if not achievement.earned:
        raise ServiceError(
            "not_earned",
            achievement.reason or _("%(name)s has not yet earned this certificate.") % {"name": holder.full_name},
        )
    if achievement.page is None:
        raise ServiceError("no_page", _("A certificate must name the course or event it was earned on."))
    existing = _valid_certificate(holder, achievement.page)
    if existing is not None:
        return existing, False
    template = _live_template(template)
    page = achievement.page
    snapshot = _Snapshot(
        holder_name=collapse_spaces(nfc(achievement.holder_name or holder.full_name or "") or ""),
        holder_unit=(
            achievement.holder_unit
            if achievement.holder_unit is not None
            else (holder.org_unit.name if holder.org_unit_id else "")
        ),
        achievement_title=collapse_spaces(achievement.title or page.title or ""),
        achievement_url=achievement.url or _page_url(page),
        criteria=achievement.criteria or "",
        completed_on=achievement.completed_on or timezone.localdate(),
        started_on=achievement.started_on,
        hours=achievement.hours,
        sessions_attended=achievement.sessions_attended,
        sessions_total=achievement.sessions_total,
        score=achievement.score,
        **_issuer_fields(template, achievement.issuer),
    )
    counter = _lock_counter(template.serial_prefix, snapshot.completed_on.year)
    # Checked again under the counter's lock: a concurrent issue for the same
    # person that got the lock first has committed by now, and its
    # certificate is returned without using up a serial number.
    existing = _valid_certificate(holder, page)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            certificate = _create(
                holder=holder,
                page=page,
                page_type_id=page.content_type_id,
                template=template,
                snapshot=snapshot,
                counter=counter,
                issued_by=issued_by,
            )
    except IntegrityError:
        # Only reachable when the racing issue used another serial prefix or
        # year (another counter row, so no shared lock); that number is lost.
        existing = _valid_certificate(holder, page)
        if existing is None:
            raise
        return existing, False
    _log(certificate, CertificateLogEntry.Action.ISSUED, actor=issued_by)
    _queue_render(certificate)
    return certificate, True


def _log(certificate: Certificate, action: str, *, actor: User | None, reason: str = "", was: str = "") -> None:
    """The certificate's own log (shown on its pages and kept with it) and the platform's audit trail."""
    CertificateLogEntry.objects.create(certificate=certificate, action=action, actor=actor, reason=reason)
    audit(
        certificate,
        f"certificates.certificate.{action}",
        actor=actor,
        before={"status": was} if was else None,
        after={"status": certificate.status},
        serial=certificate.serial,
        reason=reason,
    )


def _valid_certificate(holder: User, page: Page) -> Certificate | None:
    return Certificate.objects.filter(holder=holder, page=page, status=Certificate.Status.VALID).first()


def _page_url(page: Page) -> str:
    try:
        return page.full_url or ""
    except (AttributeError, ValueError):
        return ""


def _lock_counter(prefix: str, year: int) -> SerialCounter:
    counter, _created = SerialCounter.objects.get_or_create(prefix=prefix, year=year)
    return SerialCounter.objects.select_for_update().get(pk=counter.pk)


def _create(
    *,
    holder: User,
    page: Page | None,
    page_type_id: int | None,
    template: CertificateTemplate,
    snapshot: _Snapshot,
    counter: SerialCounter,
    issued_by: User | None,
    supersedes: Certificate | None = None,
) -> Certificate:
    counter.last += 1
    counter.save(update_fields=["last"])
    certificate = Certificate.objects.create(
        serial=f"{counter.prefix}-{counter.year}-{counter.last:06d}",
        holder=holder,
        page=page,
        page_type_id=page_type_id,
        template=template,
        holder_name=snapshot.holder_name,
        holder_unit=snapshot.holder_unit,
        achievement_title=snapshot.achievement_title,
        achievement_url=snapshot.achievement_url,
        criteria=snapshot.criteria,
        hours=snapshot.hours,
        sessions_attended=snapshot.sessions_attended,
        sessions_total=snapshot.sessions_total,
        score=snapshot.score,
        started_on=snapshot.started_on,
        completed_on=snapshot.completed_on,
        issuing_body_parent=snapshot.issuing_body_parent,
        issuing_body=snapshot.issuing_body,
        place=snapshot.place,
        signatory_title=snapshot.signatory_title,
        signatory_name=snapshot.signatory_name,
        signature_image_id=snapshot.signature_image_id,
        issued_at=timezone.now(),
        issued_by=issued_by,
        supersedes=supersedes,
    )
    # The credential names the certificate's primary key (its place in the
    # status list), so it is signed once the row exists.
    certificate.credential = badges.sign(badges.build_credential(_facts(certificate)), created=certificate.issued_at)
    certificate.save(update_fields=["credential"])
    return certificate


def _facts(certificate: Certificate) -> badges.CredentialFacts:
    return badges.CredentialFacts(
        code=certificate.code,
        pk=certificate.pk,
        serial=certificate.serial,
        holder_name=certificate.holder_name,
        achievement_title=certificate.achievement_title,
        achievement_url=certificate.achievement_url,
        achievement_type=certificate.achievement_type,
        criteria=certificate.criteria,
        issued_at=certificate.issued_at,
        started_on=certificate.started_on,
        completed_on=certificate.completed_on,
        page_id=certificate.page_id,
    )


def _queue_render(certificate: Certificate) -> None:
    outbox_enqueue(
        "certificates.tasks.certificate_deliver", key=f"certificate:{certificate.pk}", certificate_id=certificate.pk
    )


def verify_url(certificate: Certificate) -> str:
    return badges.site_url(reverse("certificates:verify", args=[certificate.code]))


# --- PDF and mail ----------------------------------------------------------------


def certificate_render_pdf(*, certificate: Certificate) -> Certificate:
    """Render and store the PDF once; later calls return the stored one.

    Not one transaction: the file goes to storage first, then the row is
    updated only if no PDF was recorded meanwhile (a batch and the delivery
    task may render the same certificate at once); the loser deletes its file.
    """
    certificate = Certificate.objects.select_related(
        "template__logo", "template__signature_image", "template__background", "signature_image"
    ).get(pk=certificate.pk)
    if certificate.pdf_sha256:
        return certificate
    data = render_pdf(certificate.template, print_data(certificate, verify_url(certificate)))
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(f"certificates/pdf/{certificate.code}.pdf", ContentFile(data))
    updated = Certificate.objects.filter(pk=certificate.pk, pdf_sha256="").update(pdf=name, pdf_sha256=digest)
    if not updated:
        default_storage.delete(name)
        certificate.refresh_from_db()
        return certificate
    certificate.pdf.name, certificate.pdf_sha256 = name, digest
    return certificate


def certificate_email(*, certificate: Certificate) -> bool:
    """Mail the PDF to the holder once; False when there is nothing to send."""
    if certificate.emailed_at or not certificate.is_valid or not certificate.pdf_sha256:
        return False
    holder = certificate.holder
    if not holder.email:
        return False
    context = {"certificate": certificate, "verify_url": verify_url(certificate), "holder": holder}
    # The holder's language is not stored; mail goes out in the site's
    # (override(None) would mean no translation at all: English).
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("certificates/email/issued_subject.txt", context).strip()
        body = render_to_string("certificates/email/issued.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[holder.email])
    with certificate.pdf.open("rb") as handle:
        message.attach(pdf_filename(certificate), handle.read(), "application/pdf")
    message.send()
    Certificate.objects.filter(pk=certificate.pk).update(emailed_at=timezone.now())
    return True


def pdf_filename(certificate: Certificate) -> str:
    # ASCII: some mail clients and ZIP tools still mangle accented names.
    name = "-".join(fold(certificate.holder_name).split())
    serial = fold(certificate.serial).upper()
    return f"{serial}_{name}.pdf"


# --- revocation and reissue --------------------------------------------------------


def _require_manager(user: User | None, page_id: int | None, title: str) -> None:
    if not can_manage_page_certificates(user, page_id):
        raise ServiceError("forbidden", _("You may not manage the certificates of “%(title)s”.") % {"title": title})


def _reason(reason: str) -> str:
    reason = collapse_spaces(nfc(reason or "") or "")
    if not reason:
        raise ServiceError("reason_required", _("Give a reason; it is kept in the certificate's log."))
    return reason


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, revoked_by: User) -> Certificate:
    _require_manager(revoked_by, certificate.page_id, certificate.achievement_title)
    reason = _reason(reason)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.is_valid:
        raise ServiceError("not_valid", _("Certificate %(serial)s is not valid.") % {"serial": certificate.serial})
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revocation_reason"])
    _log(certificate, CertificateLogEntry.Action.REVOKED, actor=revoked_by, reason=reason, was=Certificate.Status.VALID)
    return certificate


@transaction.atomic
def certificate_reissue(
    *, certificate: Certificate, reason: str, reissued_by: User, holder_name: str | None = None
) -> Certificate:
    """Replace a valid certificate by a new one (new serial) that names the old.

    For a corrected name: the new certificate prints ``holder_name`` or, by
    default, the holder's name as it is now in their profile. The old one is
    marked superseded, which the status list publishes as revoked.
    """
    _require_manager(reissued_by, certificate.page_id, certificate.achievement_title)
    reason = _reason(reason)
    old = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("holder__org_unit", "template")
        .get(pk=certificate.pk)
    )
    if not old.is_valid:
        raise ServiceError(
            "not_valid", _("Only a valid certificate can be reissued; %(serial)s is not.") % {"serial": old.serial}
        )
    now = timezone.now()
    old.status = Certificate.Status.SUPERSEDED
    old.revoked_at = now
    old.revocation_reason = reason
    old.save(update_fields=["status", "revoked_at", "revocation_reason"])
    name = collapse_spaces(holder_name or old.holder.full_name or "")
    if not name:
        raise ServiceError("name_required", _("The holder's name is empty."))
    snapshot = _Snapshot(
        holder_name=name,
        holder_unit=old.holder.org_unit.name if old.holder.org_unit_id else old.holder_unit,
        achievement_title=old.achievement_title,
        achievement_url=old.achievement_url,
        criteria=old.criteria,
        completed_on=old.completed_on,
        started_on=old.started_on,
        hours=old.hours,
        sessions_attended=old.sessions_attended,
        sessions_total=old.sessions_total,
        score=old.score,
        # The replacement is issued by whoever issued the original.
        issuing_body_parent=old.issuing_body_parent,
        issuing_body=old.issuing_body,
        place=old.place,
        signatory_title=old.signatory_title,
        signatory_name=old.signatory_name,
        signature_image_id=old.signature_image_id,
    )
    counter = _lock_counter(old.template.serial_prefix, old.completed_on.year)
    new = _create(
        holder=old.holder,
        page=old.page,
        page_type_id=old.page_type_id,
        template=old.template,
        snapshot=snapshot,
        counter=counter,
        issued_by=reissued_by,
        supersedes=old,
    )
    _log(old, CertificateLogEntry.Action.SUPERSEDED, actor=reissued_by, reason=reason, was=Certificate.Status.VALID)
    # The new certificate's ``supersedes`` names the old serial.
    _log(new, CertificateLogEntry.Action.REISSUED, actor=reissued_by, reason=reason)
    _queue_render(new)
    return new


# --- bulk issue ------------------------------------------------------------------


@transaction.atomic
def certificate_batch_start(
    *,
    page: Page,
    items: list[BatchItem],
    started_by: User,
    template: CertificateTemplate | None = None,
) -> CertificateBatch:
    """Record a bulk issue for ``page`` and queue it for a worker."""
    _require_manager(started_by, page.pk, page.title)
    if not items:
        raise ServiceError("empty_batch", _("Nobody to issue certificates to."))
    for item in items:
        if item.achievement.page is None or item.achievement.page.pk != page.pk:
            raise ServiceError("page_mismatch", _("Every certificate in a batch must be for the same page."))
    batch = CertificateBatch.objects.create(
        page=page,
        title=page.title,
        template=template,
        started_by=started_by,
        items=[{"holder_id": item.holder.pk, "achievement": item.achievement.to_json()} for item in items],
        total=len(items),
    )
    outbox_enqueue("certificates.tasks.certificate_batch_run", batch_id=batch.pk)
    return batch


def certificate_batch_process(*, batch_id: int) -> CertificateBatch:
    """Issue a batch's certificates from where it stopped, then build the ZIP.

    Each person is one transaction, so a worker that dies half-way resumes at
    the next person (and issuing again is idempotent anyway). One worker at a
    time: the batch is claimed through its heartbeat, and a second runner
    while the first still reports asks the outbox to try again later (so the
    work stays pending until the batch is done, whoever dies).
    """
    batch = CertificateBatch.objects.select_related("page", "template", "started_by").get(pk=batch_id)
    if batch.status == CertificateBatch.Status.DONE:
        return batch
    if batch.page is None:
        CertificateBatch.objects.filter(pk=batch.pk).update(status=CertificateBatch.Status.FAILED)
        batch.status = CertificateBatch.Status.FAILED
        return batch
    now = timezone.now()
    stalled_before = now - datetime.timedelta(seconds=settings.CERTIFICATE_BATCH_STALL_SECONDS)
    claimed = (
        CertificateBatch.objects.filter(pk=batch.pk)
        .exclude(status=CertificateBatch.Status.DONE)
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stalled_before))
        .update(status=CertificateBatch.Status.RUNNING, heartbeat_at=now)
    )
    if not claimed:
        raise OutboxRetry(f"batch {batch.pk} is being processed by another worker")
    batch.refresh_from_db()
    holder_ids = [item["holder_id"] for item in batch.items]
    holders = User.objects.select_related("org_unit").in_bulk(holder_ids)
    for position in range(batch.processed, batch.total):
        item = batch.items[position]
        holder = holders.get(item["holder_id"])
        try:
            if holder is None:
                raise ServiceError("no_holder", _("This account no longer exists."))
            certificate, created = certificate_issue_or_get(
                holder=holder,
                achievement=Achievement.from_json(item["achievement"], page=batch.page),
                template=batch.template,
                issued_by=batch.started_by,
            )
        except ServiceError as error:
            batch.skipped.append(
                {"holder_id": item["holder_id"], "name": holder.full_name if holder else "", "reason": error.message}
            )
        else:
            # The ZIP needs every PDF; rendering here (idempotent) rather than
            # waiting for the delivery tasks keeps the batch self-contained.
            certificate_render_pdf(certificate=certificate)
            batch.certificate_ids.append(certificate.pk)
            if created:
                batch.issued_count += 1
            else:
                batch.existing_count += 1
        batch.processed = position + 1
        CertificateBatch.objects.filter(pk=batch.pk).update(
            heartbeat_at=timezone.now(),
            processed=batch.processed,
            issued_count=batch.issued_count,
            existing_count=batch.existing_count,
            skipped=batch.skipped,
            certificate_ids=batch.certificate_ids,
        )
    name = default_storage.save(
        f"certificates/batches/{batch.pk}-{secrets.token_urlsafe(12)}.zip", ContentFile(_zip(batch.certificate_ids))
    )
    batch.archive.name = name
    batch.status = CertificateBatch.Status.DONE
    batch.finished_at = timezone.now()
    CertificateBatch.objects.filter(pk=batch.pk).update(
        archive=name, status=batch.status, finished_at=batch.finished_at
    )
    return batch


def _zip(certificate_ids: list[int]) -> bytes:
    buffer = io.BytesIO()
    certificates = Certificate.objects.filter(pk__in=certificate_ids).order_by("serial")
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        # PDFs are compressed already; storing them keeps the worker quick.
        for certificate in certificates:
            if certificate.pdf_sha256:
                with certificate.pdf.open("rb") as handle:
                    archive.writestr(pdf_filename(certificate), handle.read())
    return buffer.getvalue()
