from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms import caching, search, services
from cms.models import RegulationIndexPage, RegulationSubscription, paginate


def search_view(request):
    query = search.parse_query(request.GET.get("q"))
    context = {
        "query": query,
        "results": None,
        "kinds": [],
        "kind": None,
        "results_html": "",
        "max_length": search.MAX_QUERY_LENGTH,
    }
    if query.searchable:
        context.update(_search_results(request, query))
    return render(request, "cms/search.html", context)


def _search_results(request, query: search.ParsedQuery) -> dict:
    """The results part of the page, rendered once per content generation and reused by every searcher.

    Search shows public pages only, so every searcher sees the same results:
    the rendered part is shared, keyed by the host (page links), the day (a
    regulation's status), the language and the whole query string (the
    pagination keeps every parameter). A publish, unpublish, move or view
    restriction moves the generation and shows at once. When it is rendered
    afresh, the context also carries ``results`` and ``kinds`` (for tests).
    """
    rendered = {}

    def build() -> dict:
        visible = search.visible_pages()
        kinds = search.kinds(query, visible=visible)
        kind = request.GET.get("type") or None
        if kind not in {k.key for k in kinds}:
            kind = None  # a stale or hand-typed filter shows every type
        results = paginate(request, search.search(query, kind=kind, visible=visible))
        search.annotate_results(results.object_list, query)
        parts = {"query": query, "results": results, "kinds": kinds, "kind": kind, "total": sum(k.count for k in kinds)}
        rendered.update(parts)
        html = render_to_string("cms/includes/search_results.html", parts, request=request)
        return {"html": html, "kind": kind}

    name = "\x1f".join(("search", request.get_host(), timezone.localdate().isoformat(), request.GET.urlencode()))
    cached = caching.fragment(name, build)
    return {**rendered, "results_html": cached["html"], "kind": cached["kind"]}


@login_required
@require_http_methods(["GET", "POST"])
def regulation_subscribe(request):
    if request.method == "POST":
        subscribed = services.regulation_subscription_set(
            user=request.user, subscribed=request.POST.get("subscribe") == "1"
        )
        if subscribed:
            messages.success(request, _("You will get an email when a regulation update is published."))
        else:
            messages.success(request, _("You will no longer get emails about regulation updates."))
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            return redirect(next_url)
        return redirect("cms:regulation_subscribe")
    return render(
        request,
        "cms/regulation_subscribe.html",
        {
            "subscribed": RegulationSubscription.objects.filter(user=request.user).exists(),
            "regulation_index": RegulationIndexPage.objects.live().first(),
            "next": request.GET.get("next", ""),
        },
    )
