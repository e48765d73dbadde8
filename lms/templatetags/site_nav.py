from django import template

from lms import navigation

register = template.Library()


@register.inclusion_tag("includes/site_nav.html", takes_context=True)
def site_nav(context):
    """The header's menu (``templates/includes/site_nav.html``)."""
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(user and user.is_authenticated)
    path = request.path if request else ""
    training = navigation.training_links(path) if signed_in else []
    return {
        "request": request,
        "user": user,
        "main_links": navigation.main_links(path),
        "training_links": training,
        "training_current": any(link.current for link in training),
        "csrf_token": context.get("csrf_token"),
    }
