from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms import search, services
from cms.models import RegulationIndexPage, RegulationSubscription, paginate


def search_view(request):
    query = search.parse_query(request.GET.get("q"))
    kinds = search.kinds(query)
    kind = request.GET.get("type") or None
    if kind not in {k.key for k in kinds}:
        kind = None  # a stale or hand-typed filter shows every type
    results = None
    if query.searchable:
        results = paginate(request, search.search(query, kind=kind))
        search.annotate_results(results.object_list, query)
    return render(
        request,
        "cms/search.html",
        {
            "query": query,
            "results": results,
            "kinds": kinds,
            "kind": kind,
            "total": sum(k.count for k in kinds),
            "max_length": search.MAX_QUERY_LENGTH,
        },
    )


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
