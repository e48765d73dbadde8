"""Taking quizzes (trainees) and the bank's import, export and statistics (editors).

Pages render question texts and option ids only: right answers, accepted
short answers and option feedback are read in the review alone.
"""

from __future__ import annotations

import hashlib
import logging
import math
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import policy_required
from cms import caching
from cms.sanitize import html_to_text
from core.errors import ServiceError
from quizzes import formats, grading, selectors, services
from quizzes.forms import ImportForm
from quizzes.models import TYPED_TYPES, Attempt, Category, Option, QuestionSlot, QuestionType, Quiz
from quizzes.policies import can_edit_question_banks, quiz_access

logger = logging.getLogger("quizzes")


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


def _remaining(attempt: Attempt | selectors.AttemptHead) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, math.ceil((attempt.deadline - timezone.now()).total_seconds()))


@login_required
@require_GET
def quiz_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.prefetch_related("rules"), pk=pk)
    access = quiz_access(request.user, quiz)
    if not access.allowed:
        # Sent back to where the quiz is offered, told why (the course, the module, the ticket).
        messages.error(request, access.reason)
        return redirect(access.url or "home")
    current = Attempt.objects.filter(quiz=quiz, user=request.user, state=Attempt.State.IN_PROGRESS).first()
    if current is not None:
        current = services.attempt_close_if_overdue(attempt=current)
        if current.is_finished:
            current = None
    attempts = list(Attempt.objects.filter(quiz=quiz, user=request.user).order_by("number"))
    finished = [a for a in attempts if a.is_finished]
    return render(
        request,
        "quizzes/quiz_detail.html",
        {
            "quiz": quiz,
            "attempts": finished,
            "current": current,
            "question_count": sum(rule.count for rule in quiz.rules.all()),
            "best": selectors.best_result(request.user, quiz),
            "attempts_left": (quiz.max_attempts - len(attempts)) if quiz.max_attempts else None,
            "is_open": quiz.is_open(),
            "next": _safe_next(request),
        },
    )


@login_required
@require_POST
def quiz_start(request: HttpRequest, pk: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz, pk=pk)
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        if error.code == "quiz_not_available":
            return redirect(quiz_access(request.user, quiz).url or "home")
        return redirect("quizzes:quiz", pk=quiz.pk)
    url = reverse("quizzes:attempt", args=[attempt.pk])
    nxt = _safe_next(request)
    return redirect(f"{url}?next={nxt}" if nxt else url)


def _own_attempt(request: HttpRequest, attempt_id) -> Attempt:
    # Another person's attempt is indistinguishable from one that does not exist.
    return get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id, user=request.user)


def _small_int(raw: str) -> int | None:
    """A posted id or version: ASCII digits that fit a 64-bit column, else None (never a 500)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _answers_from_post(request: HttpRequest) -> list[services.AnswerInput]:
    answers = []
    for raw in request.POST.getlist("slot"):
        slot_id = _small_int(raw)
        if slot_id is None:
            continue
        prefix = f"q{slot_id}_m"
        version = _small_int(request.POST.get(f"v{slot_id}", ""))
        answers.append(
            services.AnswerInput(
                slot_id=slot_id,
                values=request.POST.getlist(f"q{slot_id}"),
                matches={k[len(prefix) :]: request.POST[k] for k in request.POST if k.startswith(prefix)},
                version=-1 if version is None else version,
            )
        )
    return answers


def _readable_numbers(
    attempt: Attempt, answers: list[services.AnswerInput]
) -> tuple[list[services.AnswerInput], list[str]]:
    """The answers to save, and the typed texts that are no number (told back, not saved).

    A page posted without JavaScript carries all its answers at once: one
    mistyped number must not cost the others, and the page is not submitted
    until it is fixed.
    """
    numerical = set(
        QuestionSlot.objects.filter(
            attempt=attempt, pk__in=[a.slot_id for a in answers], question__qtype=QuestionType.NUMERICAL
        ).values_list("pk", flat=True)
    )
    kept, unreadable = [], []
    for answer in answers:
        text = " ".join(v.strip() for v in answer.values if v and v.strip())
        if answer.slot_id in numerical and text and grading.parse_number(text) is None:
            unreadable.append(text)
        else:
            kept.append(answer)
    return kept, unreadable


QUESTION_TEMPLATE = "quizzes/includes/question.html"
PAGE_TEMPLATE = "quizzes/attempt.html"
# Every template the question page is made of: a deploy (or, while developing, an edit) that changes the markup
# never serves an older page or question.
PAGE_TEMPLATES = (PAGE_TEMPLATE, "base.html", "quizzes/includes/submit_summary.html", "includes/site_nav.html")
# A slot's rendered question lives as long as a sitting; any change to what it shows changes its key.
SLOT_FRAGMENT_SECONDS = 3 * 3600
# A whole rendered page: kept for reloads and page turns in a sitting, not for the whole sitting (each new
# answer makes the next load a new page, and an old one is never read again).
PAGE_SECONDS = 600
# Filled in per request: the seconds left change with every load, so the stored page never holds them.
REMAINING_PLACEHOLDER = "\x00quiz-remaining\x00"
CLOCK_PLACEHOLDER = "\x00quiz-clock\x00"


def _template_digest(*names: str) -> str:
    """The templates' source digest. They are loaded once per process in production (the cached loader)."""
    digest = hashlib.blake2b(digest_size=6)
    for name in names:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()


def _question_template_digest() -> str:
    return _template_digest(QUESTION_TEMPLATE)


def _slot_fragment_key(slot: selectors.SlotState, show_case: bool, template: str) -> str:
    # Everything the fragment shows: the slot's answer (its version moves with every saved answer), its flag,
    # its question's content (its version moves with any edit), whether the case study is shown, the language.
    return (
        f"quizzes:slot:{slot.pk}:{slot.version}:{int(slot.flagged)}:{slot.question_version.timestamp():.6f}:"
        f"{int(show_case)}:{translation.get_language()}:{template}"
    )


def _slot_view(slot: selectors.SlotState, content: selectors.QuestionContent, show_case: bool) -> dict:
    """What the browser may know of a question: texts and positions, no answers.

    Options are named by their position in the order shown, never by
    database id.
    """
    response = slot.response or {}
    chosen = set(response.get("choices") or ([response["choice"]] if "choice" in response else []))
    matches = response.get("matches") or {}
    texts = content.options
    return {
        "slot": slot,
        "question": content,
        "case_study": (
            {"title": content.case_study_title, "scenario": content.case_study_scenario} if show_case else None
        ),
        "options": [
            {"index": index, "text": texts[oid], "checked": oid in chosen}
            for index, oid in enumerate(slot.option_order)
            if oid in texts
        ],
        # A matching option without a left-hand text is a distractor: a choice, not a pair.
        "pairs": [
            {"index": index, "text": texts[oid], "selected": matches.get(str(oid))}
            for index, oid in enumerate(slot.option_order)
            if texts.get(oid)
        ],
        "choices": list(enumerate(slot.match_choices)),
        "text": response.get("text", ""),
    }


def _questions_html(slots: list[selectors.SlotState]) -> str:
    """The page's questions, each rendered once per state of its slot and reused until that state changes.

    A case study's scenario is shown once, above the first of its questions
    on the page. Fragments are keyed by the slot's id, which the caller read
    from the reader's own attempt: no one is ever given another's fragment.
    """
    keyed = []
    previous_case = None
    template = _question_template_digest()
    for slot in slots:
        show_case = bool(slot.case_study_id) and slot.case_study_id != previous_case
        keyed.append((slot, show_case, _slot_fragment_key(slot, show_case, template)))
        previous_case = slot.case_study_id
    found = cache.get_many([key for _slot, _show, key in keyed]) if keyed else {}
    missing = [(slot, show_case, key) for slot, show_case, key in keyed if key not in found]
    if missing:
        contents = selectors.question_contents({slot.question_id: slot.question_version for slot, _s, _k in missing})
        rendered = {
            key: render_to_string(QUESTION_TEMPLATE, {"item": _slot_view(slot, contents[slot.question_id], show_case)})
            for slot, show_case, key in missing
        }
        cache.set_many(rendered, SLOT_FRAGMENT_SECONDS)
        found.update(rendered)
    return mark_safe("".join(found[key] for _slot, _show, key in keyed))  # noqa: S308 - rendered by the template


def _navigator_views(navigator: list[selectors.NavItem], *, page: int, summary: bool) -> list[dict]:
    """The navigator's buttons as the template writes them, words translated once per page, not once per button.

    Strings throughout: a number in a template goes through localisation on
    every use, which for a long quiz cost more than the rest of the page.
    """
    answered, not_answered, flagged = _("answered"), _("not answered"), _("flagged")
    views = []
    for item in navigator:
        words = [answered if item.answered else not_answered]
        if item.flagged:
            words.append(flagged)
        views.append(
            {
                "number": str(item.number),
                "slot_id": str(item.slot_id),
                "page": str(item.page),
                "answered": "1" if item.answered else "0",
                "flagged": "1" if item.flagged else "0",
                "here": item.page == page and not summary,
                "label": _("Question %(number)s") % {"number": item.number},
                "state": "".join(f", {word}" for word in words),
            }
        )
    return views


def _flags_from_post(request: HttpRequest, answers: list[services.AnswerInput]) -> dict[int, bool]:
    """The "flag for review" boxes of the questions posted with the page (a box left unticked is no flag)."""
    ticked = set(request.POST.getlist("flag"))
    return {answer.slot_id: str(answer.slot_id) in ticked for answer in answers}


def _after_post(request: HttpRequest, navigator: list[selectors.NavItem], *, stay: bool) -> str:
    """Where a posted page goes: the summary before submitting, a question chosen in the navigator, or a page.

    ``stay``: back to the page posted (``page``), where a mistyped number is shown with its question.
    """
    fragment = ""
    jump = _small_int(request.POST.get("jump", ""))
    if stay:
        query = f"page={_small_int(request.POST.get('page', '')) or 1}"
    elif request.POST.get("action") == "summary":
        query = "summary=1"
    elif jump and jump <= len(navigator):
        item = navigator[jump - 1]
        query, fragment = f"page={item.page}", f"#slot-{item.slot_id}"
    else:
        query = f"page={_small_int(request.POST.get('goto', '')) or 1}"
    nxt = _safe_next(request)
    return f"?{query}" + (f"&next={nxt}" if nxt else "") + fragment


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def attempt_page(request: HttpRequest, attempt_id) -> HttpResponse:
    if request.method == "GET":
        # The common case, a question page of an open attempt: one query (the attempt, which is the ownership
        # check, its quiz, every slot and the content generation), then the page from the cache if nothing on it
        # has changed. A finished or overdue attempt goes the long way below, to be graded and reviewed.
        read = selectors.attempt_page_read(attempt_id, request.user.pk)
        if read is None:
            raise Http404
        head, slots, generation = read
        if not head.is_finished and not head.is_overdue(timezone.now()):
            caching.remember_generation(generation)
            return _question_page(request, head, slots)
    attempt = services.attempt_close_if_overdue(attempt=_own_attempt(request, attempt_id))
    nxt = _safe_next(request)
    review_url = reverse("quizzes:review", args=[attempt.pk]) + (f"?next={nxt}" if nxt else "")
    if attempt.is_finished:
        if not selectors.attempt_ran_out_of_time(attempt):
            # This tab still showed questions: the attempt was submitted elsewhere (the review says time-up itself).
            messages.info(
                request,
                _("This attempt was already submitted, in another tab or on another device: here is its result."),
            )
        return redirect(review_url)
    if request.method == "GET":  # the deadline moved on between the two reads: the page after all
        read = selectors.attempt_page_read(attempt.pk, request.user.pk)
        if read is None:
            raise Http404
        return _question_page(request, read[0], read[1])
    # Without JavaScript the page is a form: answers arrive with navigation or submit.
    navigator = selectors.navigator_from(selectors.attempt_slots(attempt.pk), attempt.quiz.questions_per_page)
    answers, unreadable = _readable_numbers(attempt, _answers_from_post(request))
    for text in unreadable:
        messages.error(request, _("“%(text)s” is not a number: write it like 2024, 3,5 or -0.25.") % {"text": text})
    try:
        if request.POST.get("action") == "submit" and not unreadable:
            services.attempt_submit(attempt_id=attempt.pk, user=request.user, answers=answers)
            return redirect(review_url)
        _saved, stale = services.answers_save(attempt_id=attempt.pk, user=request.user, answers=answers)
        if answers:
            services.slots_flag(attempt_id=attempt.pk, user=request.user, flags=_flags_from_post(request, answers))
    except ServiceError as error:
        messages.error(request, error.message)
        if error.code in {"deadline_passed", "attempt_finished"}:
            return redirect(review_url)
        return redirect(request.get_full_path())
    if stale:
        messages.warning(
            request, _("Some answers had been changed in another tab or device; the newer ones were kept.")
        )
    url = reverse("quizzes:attempt", args=[attempt.pk]) + _after_post(request, navigator, stay=bool(unreadable))
    return redirect(url)


def _page_key(
    request: HttpRequest,
    head: selectors.AttemptHead,
    slots: list[selectors.SlotState],
    shown: list[selectors.SlotState],
    *,
    page: int,
    summary: bool,
) -> str | None:
    """The key of the whole rendered page: everything it shows but the tokens and the seconds left, or None when
    a message waits to be shown (shown once: that page is this request's alone).

    ``head`` and ``slots`` (all of the attempt's; ``shown``: the page's questions) were read with the reader's own
    id, so no one is ever given another's page. An answer changed on another page makes a new key only when it
    answers or clears a question (the navigator shows that); its other changes show only where it is shown.
    """
    if len(messages.get_messages(request)):
        return None
    parts = [
        str(request.user.pk),
        str(head.pk),
        head.state,
        head.deadline.isoformat() if head.deadline else "",
        head.quiz_title,
        str(head.questions_per_page),
        str(caching.generation()),  # the header's menu
        translation.get_language() or "",
        str(page),
        "1" if summary else "0",
        request.get_full_path(),  # the form's ``next`` and the language switch's return path
        _template_digest(*PAGE_TEMPLATES, QUESTION_TEMPLATE),
        # The navigator: every question answered or not, flagged or not.
        *(f"{s.pk}:{int(s.response is not None)}:{int(s.flagged)}" for s in slots),
        # The questions on the page: each one's answer (its version moves with every saved answer) and content
        # (its version moves with any edit of the question, its options or its case study).
        "\x1e",
        *(f"{s.pk}:{s.version}:{s.question_version.timestamp():.6f}" for s in shown),
    ]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"quizzes:page:{head.pk}:{digest}"


def _page_response(html: str, remaining: int | None) -> HttpResponse:
    if remaining is not None:
        html = html.replace(REMAINING_PLACEHOLDER, str(remaining))
        html = html.replace(CLOCK_PLACEHOLDER, f"{remaining // 60}:{remaining % 60:02d}")
    return HttpResponse(html)


def _question_page(request: HttpRequest, head: selectors.AttemptHead, slots: list[selectors.SlotState]) -> HttpResponse:
    """A page of questions (or the summary before submitting) of an open attempt of the reader's.

    Stored whole once rendered, with the tokens and the seconds left as placeholders filled per request.
    """
    per_page = head.questions_per_page
    navigator = selectors.navigator_from(slots, per_page)
    total = len(navigator)
    pages = max(1, math.ceil(total / per_page)) if per_page else 1
    summary = request.GET.get("summary") == "1"
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    remaining = _remaining(head)
    shown = [] if summary else slots[(page - 1) * (per_page or total) : page * (per_page or total)]
    key = _page_key(request, head, slots, shown, page=page, summary=summary)
    if key is not None:
        stored = cache.get(key)
        if stored is not None:
            return _page_response(caching.personal_html(request, stored), remaining)
    nav_views = _navigator_views(navigator, page=page, summary=summary)
    html = render_to_string(
        PAGE_TEMPLATE,
        {
            "attempt": head,
            "quiz": {"title": head.quiz_title},
            "questions_html": _questions_html(shown) if shown else "",
            "page": page,
            "pages": pages,
            "summary": summary,
            "navigator": nav_views,
            "answered_count": sum(item.answered for item in navigator),
            "unanswered": [view for view in nav_views if view["answered"] == "0"],
            "flagged": [view for view in nav_views if view["flagged"] == "1"],
            "total": total,
            "remaining": None if remaining is None else REMAINING_PLACEHOLDER,
            "remaining_clock": CLOCK_PLACEHOLDER,
            "next": _safe_next(request),
        },
        request=request,
    )
    if key is not None:
        shareable = caching.shareable_html(request, html)
        if shareable is not None:
            cache.set(key, shareable, PAGE_SECONDS)
    return _page_response(html, remaining)


def _json_refusal(error: ServiceError) -> JsonResponse:
    # not_found: another person's attempt is indistinguishable from one that does not exist.
    status = {"deadline_passed": 409, "attempt_finished": 409, "not_found": 404}.get(error.code, 400)
    return JsonResponse({"error": error.code, "message": error.message}, status=status)


@login_required
@require_POST
def attempt_answer(request: HttpRequest, attempt_id) -> JsonResponse:
    """Autosave of one question's answer; JSON for static/quizzes/attempt.js.

    Lean on purpose (it runs every few seconds per trainee in a full room): the
    service's locked read of the attempt is also the ownership check, so nothing
    is read before it.
    """
    answers = _answers_from_post(request)
    if len(answers) != 1:
        return JsonResponse({"error": "bad_request", "message": _("One answer at a time.")}, status=400)
    try:
        saved, stale = services.answers_save(attempt_id=attempt_id, user=request.user, answers=answers)
    except ServiceError as error:
        return _json_refusal(error)
    if stale:
        current = QuestionSlot.objects.get(pk=stale[0])
        return JsonResponse(
            {
                "error": "stale",
                "slot": current.pk,
                "version": current.version,
                "message": _("This answer was changed in another tab or device. Reload the page to see it."),
            },
            status=409,
        )
    # The slot is named so that a client saving several questions at once can match answers to saves.
    return JsonResponse(
        {"saved": True, "slot": saved[0].pk, "version": saved[0].version, "remaining": _remaining(saved[0].attempt)}
    )


@login_required
@require_POST
def attempt_flag(request: HttpRequest, attempt_id) -> JsonResponse:
    """Set or clear one question's "flag for review" (``slot``, ``flagged`` = 1 or 0); JSON for attempt.js."""
    attempt = _own_attempt(request, attempt_id)
    slot_id = _small_int(request.POST.get("slot", ""))
    flagged = request.POST.get("flagged")
    if slot_id is None or flagged not in {"0", "1"}:
        return JsonResponse({"error": "bad_request", "message": _("One question's flag at a time.")}, status=400)
    try:
        services.slots_flag(attempt_id=attempt.pk, user=request.user, flags={slot_id: flagged == "1"})
    except ServiceError as error:
        return _json_refusal(error)
    return JsonResponse({"flagged": flagged == "1"})


def _accepted_text(option: Option) -> str:
    text = html_to_text(option.text)
    if option.tolerance:
        return f"{text} ± {option.tolerance.normalize():f}"
    return text


def _marks(value: Decimal | None) -> str:
    """Marks as people write them, in the active language: 0,5 and 1, not 0,50 and 1,00."""
    value = (value or Decimal(0)).normalize()
    if value.as_tuple().exponent > 0:  # 1E+1 after normalize(): back to 10
        value = value.quantize(Decimal(1))
    return number_format(value)


def _outcome(slot: QuestionSlot) -> str:
    """How a graded question went, for the review's colour, icon and word."""
    if slot.response is None:
        return "unanswered"
    score = slot.score or 0
    if score >= slot.marks:
        return "right"
    return "partial" if score > 0 else "wrong"


@login_required
@require_GET
def attempt_review(request: HttpRequest, attempt_id) -> HttpResponse:
    attempt = services.attempt_close_if_overdue(attempt=_own_attempt(request, attempt_id))
    if not attempt.is_finished:
        return redirect("quizzes:attempt", attempt_id=attempt.pk)
    show_answers = selectors.review_shows_answers(attempt)
    items = []
    slots = (
        QuestionSlot.objects.filter(attempt=attempt)
        .select_related("question", "question__case_study", "question__regulation")
        .prefetch_related("question__options")
        .order_by("position")
    )
    previous_case = None
    for slot in slots:
        response = slot.response or {}
        chosen = set(response.get("choices") or ([response["choice"]] if "choice" in response else []))
        case_id = slot.question.case_study_id
        options = list(slot.question.options.all())
        by_id = {o.pk: o for o in options}
        ordered = [by_id[i] for i in slot.option_order if i in by_id]
        matches = response.get("matches") or {}
        typed = response.get("text", "")
        matched = grading.matched_answer(slot.question, options, typed) if slot.question.qtype in TYPED_TYPES else None
        items.append(
            {
                "slot": slot,
                "question": slot.question,
                "case_study": slot.question.case_study if case_id and case_id != previous_case else None,
                "options": [{"option": o, "chosen": o.pk in chosen, "percent": o.fraction * 100} for o in ordered],
                "pairs": [
                    {"option": o, "given": given, "right": bool(given) and given == o.match_text}
                    for o in ordered
                    if o.text
                    for given in [slot.match_choices[matches[str(o.pk)]] if str(o.pk) in matches else ""]
                ],
                "accepted": [
                    {"option": o, "answer": _accepted_text(o), "percent": o.fraction * 100}
                    for o in options
                    if o.fraction > 0
                ],
                "text": typed,
                "matched": matched,
                "fraction": (slot.score or 0) / slot.marks if slot.marks else 0,
                "outcome": _outcome(slot),
                "score_text": _marks(slot.score),
                "marks_text": _marks(slot.marks),
            }
        )
        previous_case = case_id
    return render(
        request,
        "quizzes/review.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "items": items,
            "show_answers": show_answers,
            "ran_out_of_time": selectors.attempt_ran_out_of_time(attempt),
            "next": _safe_next(request),
        },
    )


# --- editors -----------------------------------------------------------------------


@policy_required(can_edit_question_banks)
@require_http_methods(["GET", "POST"])
def bank_import(request: HttpRequest) -> HttpResponse:
    """Upload → validate everything → preview → confirm once; nothing is saved before confirm.

    The preview keeps the file server-side under a one-time token; a second
    confirmation of the same token (a double click) imports nothing and
    shows what the first one did.
    """
    context: dict = {}
    form = ImportForm()
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            confirmation = services.bank_import_confirm(actor=request.user, token=request.POST.get("token", ""))
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("quizzes:import")
        except formats.ImportProblems as problems:
            context["problems"] = problems.problems
        else:
            if confirmation.status == "missing":
                messages.error(request, _("The upload has expired; please upload the file again."))
            elif confirmation.status == "running":
                messages.info(request, _("This file is being imported now; reload the page in a moment."))
            elif confirmation.status == "done":
                messages.success(request, _("%(count)d questions imported into “%(category)s”.") % confirmation.result)
            else:
                messages.info(
                    request,
                    _("This file was already imported (%(count)d questions into “%(category)s”); nothing was added.")
                    % confirmation.result,
                )
            return redirect("quizzes:import")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            fmt = form.cleaned_data["format"]
            try:
                parsed = formats.parse(fmt, content, filename=upload.name)
            except formats.ImportProblems as problems:
                context["problems"] = problems.problems
            else:
                category = form.cleaned_data["category"]
                token = services.bank_import_prepare(
                    actor=request.user, category=category, fmt=fmt, content=content, filename=upload.name
                )
                context.update(preview=parsed, category=category, token=token)
    context["form"] = form
    return render(request, "quizzes/import.html", context)


@policy_required(can_edit_question_banks)
@require_GET
def xlsx_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        formats.xlsx_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response


@policy_required(can_edit_question_banks)
@require_GET
def bank_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    questions = formats.export_queryset(category)
    if fmt == "gift":
        response = HttpResponse(formats.export_gift(questions), content_type="text/plain; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            formats.export_xlsx(questions),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="category-{category.pk}.{fmt}"'
    return response


@policy_required(can_edit_question_banks)
@require_GET
def quiz_statistics(request: HttpRequest, pk: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz, pk=pk)
    stats = selectors.quiz_statistics_recent(quiz)
    peak = max((n for _label, n in stats.distribution), default=0) or 1
    bars = [(label, n, round(n * 10 / peak)) for label, n in stats.distribution]
    max_age_minutes = int(selectors.STATISTICS_MAX_AGE.total_seconds() // 60)
    context = {"quiz": quiz, "stats": stats, "bars": bars, "max_age_minutes": max_age_minutes}
    return render(request, "quizzes/statistics.html", context)
