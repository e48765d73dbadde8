"""Public verification, the holder's list, staff pages for revocation and batches."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import policy_required
from accounts.ratelimits import rate_limit
from certificates import badges, selectors, services
from certificates.forms import CodeForm, PdfCheckForm, ReissueForm, RevokeForm
from certificates.models import Certificate, CertificateBatch
from certificates.policies import can_manage_certificate, can_manage_certificates, can_see_batch
from core.errors import ServiceError


def _no_index(response: HttpResponse) -> HttpResponse:
    # Holders' names are public to whoever has the code, not to search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _json(document: dict, *, cache_seconds: int = 0) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/ld+json; charset=utf-8"
    )
    # Verifiers (wallets, other platforms) fetch these from their own origins.
    response["Access-Control-Allow-Origin"] = "*"
    if cache_seconds:
        response["Cache-Control"] = f"public, max-age={cache_seconds}"
    return _no_index(response)


def _unknown(request: HttpRequest, code: str = "") -> HttpResponse:
    return _no_index(render(request, "certificates/unknown.html", {"code": code}, status=404))


@require_http_methods(["GET", "POST"])
@rate_limit("certificate_pdf_check")
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """Find a certificate by its code, or by the PDF file itself."""
    code_form = CodeForm(request.GET or None)
    if code_form.is_valid():
        certificate = selectors.certificate_lookup(code_form.cleaned_data["code"])
        if certificate is None:
            return _unknown(request, code_form.cleaned_data["code"])
        return redirect("certificates:verify", code=certificate.code)
    pdf_form = PdfCheckForm(request.POST or None, request.FILES or None)
    found, checked = None, False
    if request.method == "POST" and pdf_form.is_valid():
        checked = True
        found = selectors.certificate_by_sha256(pdf_form.sha256())
    context = {"code_form": code_form, "pdf_form": pdf_form, "found": found, "checked": checked}
    return _no_index(render(request, "certificates/lookup.html", context))


@require_http_methods(["GET", "POST"])
@rate_limit("certificate_pdf_check")
def verify(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        return _unknown(request, code)
    form = PdfCheckForm(request.POST or None, request.FILES or None)
    match = None
    if request.method == "POST" and form.is_valid():
        match = bool(certificate.pdf_sha256) and form.sha256() == certificate.pdf_sha256
    context = {
        "certificate": certificate,
        "form": form,
        "match": match,
        "verify_url": services.verify_url(certificate),
        "issuer": badges.issuer_name(),
    }
    return _no_index(render(request, "certificates/verify.html", context))


@require_GET
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.certificate_by_code(code)
    if certificate is None or not certificate.pdf_sha256:
        return _unknown(request, code)
    response = FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment="download" in request.GET,
        filename=services.pdf_filename(certificate),
    )
    return _no_index(response)


@require_GET
def credential(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.certificate_by_code(code)
    if certificate is None or not certificate.credential:
        return _unknown(request, code)
    return _json(certificate.credential)


@require_GET
def issuer(request: HttpRequest) -> HttpResponse:
    return _json(badges.issuer_profile(), cache_seconds=3600)


@require_GET
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    if number < 1:
        raise Http404
    document = badges.status_list_credential(number, selectors.revoked_indexes(number), now=timezone.now())
    # Short: a revocation should reach verifiers within minutes.
    return _json(document, cache_seconds=300)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    certificates = list(selectors.certificates_of(request.user))
    rows = [(certificate, services.verify_url(certificate)) for certificate in certificates]
    return render(request, "certificates/mine.html", {"rows": rows})


# --- staff -------------------------------------------------------------------------


def _certificate(code: str) -> Certificate:
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        raise Http404
    return certificate


def _batch(pk: int) -> CertificateBatch:
    return get_object_or_404(CertificateBatch.objects.select_related("started_by"), pk=pk)


@policy_required(can_manage_certificates)
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = Paginator(selectors.certificates_for_staff(request.user, query), 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "batches": selectors.recent_batches(request.user)}
    return render(request, "certificates/manage_list.html", context)


@policy_required(can_manage_certificate, load=_certificate, refuse=Http404, gate=can_manage_certificates)
@require_http_methods(["GET", "POST"])
def manage_detail(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    action = request.POST.get("action")
    revoke_form = RevokeForm(request.POST if action == "revoke" else None, prefix="revoke")
    reissue_form = ReissueForm(request.POST if action == "reissue" else None, prefix="reissue")
    try:
        if action == "revoke" and revoke_form.is_valid():
            services.certificate_revoke(
                certificate=certificate, reason=revoke_form.cleaned_data["reason"], revoked_by=request.user
            )
            messages.success(request, _("Certificate %(serial)s is revoked.") % {"serial": certificate.serial})
            return redirect("certificates:manage_detail", code=certificate.code)
        if action == "reissue" and reissue_form.is_valid():
            new = services.certificate_reissue(
                certificate=certificate,
                reason=reissue_form.cleaned_data["reason"],
                holder_name=reissue_form.cleaned_data["holder_name"] or None,
                reissued_by=request.user,
            )
            messages.success(
                request,
                _("Certificate %(new)s replaces %(old)s.") % {"new": new.serial, "old": certificate.serial},
            )
            return redirect("certificates:manage_detail", code=new.code)
    except ServiceError as error:
        messages.error(request, error.message)
    context = {
        "certificate": certificate,
        "log_entries": selectors.certificate_log(certificate),
        "revoke_form": revoke_form,
        "reissue_form": reissue_form,
        "verify_url": services.verify_url(certificate),
    }
    return render(request, "certificates/manage_detail.html", context)


@policy_required(can_see_batch, load=_batch, refuse=Http404, gate=can_manage_certificates)
@require_GET
def batch_detail(request: HttpRequest, batch: CertificateBatch) -> HttpResponse:
    template = "certificates/includes/batch_progress.html" if request.htmx else "certificates/batch_detail.html"
    return render(request, template, {"batch": batch})


@policy_required(can_see_batch, load=_batch, refuse=Http404, gate=can_manage_certificates)
@require_GET
def batch_download(request: HttpRequest, batch: CertificateBatch) -> HttpResponse:
    if batch.status != CertificateBatch.Status.DONE or not batch.archive:
        raise Http404
    filename = f"giay-chung-nhan-{batch.pk}.zip"
    return FileResponse(batch.archive.open("rb"), as_attachment=True, filename=filename, content_type="application/zip")
