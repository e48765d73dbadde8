from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.models import TaskState, WorkflowState

from cms import caching
from cms.home import collect_panels
from cms.selectors import nav_urls

register = template.Library()


@register.inclusion_tag("cms/includes/nav_items.html", takes_context=True)
def cms_nav_items(context):
    """Menu links to regulations, campaigns and search, for ``base.html``."""
    request = context.get("request")
    current_path = request.path if request else ""
    urls = nav_urls()
    links = [
        (_("Regulations"), urls.get("regulations")),
        (_("Emulation campaigns"), urls.get("campaigns")),
        (_("Search"), reverse("cms:search")),
    ]
    return {
        "items": [{"label": label, "url": url, "current": current_path.startswith(url)} for label, url in links if url]
    }


@register.simple_tag(takes_context=True)
def home_panels(context, page) -> list[str]:
    """The rendered panels other apps registered for the home page (``cms.home``).

    Use as ``{% home_panels page as panels %}{% for panel in panels %}{{ panel }}{% endfor %}``;
    each is the (already escaped) output of the panel's own template.
    """
    request = context.get("request")

    def render() -> list[str]:
        return [
            render_to_string(panel.template_name, {**panel.context, "page": page}, request=request)
            for panel in collect_panels(request, page)
        ]

    # The same for every reader until content changes (panels show published pages only);
    # a panel may link to "My courses" for signed-in readers, so those get their own copy.
    return caching.fragment(f"home-panels:{page.pk}", render, request=request, per_sign_in=True)


@register.simple_tag(takes_context=True)
def stream_html(context, page, field: str = "body") -> str:
    """A page's StreamField rendered once per published revision (and language), then cached.

    The blocks' templates use neither the request nor the reader, so the HTML
    is the same for everyone; a preview (a draft, not the live revision)
    renders afresh. Keyed by the content generation too: a block may show
    another page (a cited regulation's title) that changes on its own publish.
    """
    request = context.get("request")

    def render() -> str:
        flat = context.flatten()
        return "".join(block.render_as_block(flat) for block in getattr(page, field))

    if getattr(request, "is_preview", False) or not page.live_revision_id:
        return mark_safe(render())  # noqa: S308 - block templates escape their own content
    key = f"stream:{page.pk}:{page.live_revision_id}:{field}"
    return mark_safe(caching.fragment(key, render))  # noqa: S308 - block templates escape their own content


@register.simple_tag
def moderation_comment(obj) -> dict:
    """The comment and the moderator of the last finished review of ``obj``, for the approval email."""
    state = WorkflowState.objects.for_instance(obj).order_by("-created_at").first()
    task_state = (
        TaskState.objects.filter(workflow_state=state, finished_at__isnull=False).order_by("-finished_at").first()
        if state
        else None
    )
    if task_state is None:
        return {"comment": "", "moderator": None}
    return {"comment": (task_state.comment or "").strip(), "moderator": task_state.finished_by}
