from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from cms import caching
from lms import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def site_nav(context):
    """The header's menu (``templates/includes/site_nav.html``), rendered once per path, language,
    content generation and signed-in state: it is the same for every reader who shares those
    (nothing in it names the reader), and only the sign-out form's CSRF token is their own."""
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(user and user.is_authenticated)
    path = request.path if request else ""

    def build() -> str:
        training = navigation.training_links(path) if signed_in else []
        menu = {
            "request": request,
            "user": user,
            "main_links": navigation.main_links(path),
            "training_links": training,
            "training_current": any(link.current for link in training),
            "csrf_token": context.get("csrf_token"),
        }
        return render_to_string("includes/site_nav.html", menu)

    if request is None:
        return mark_safe(build())  # noqa: S308 (our own template's output)
    stored = caching.fragment(
        f"site-nav:{path}", lambda: caching.shareable_html(request, build()), request=request, per_sign_in=True
    )
    if stored is None:  # could not be shared (see shareable_html): this reader's own copy
        return mark_safe(build())  # noqa: S308
    return mark_safe(caching.personal_html(request, stored))  # noqa: S308
