"""Template helpers for the desk: ask the events policies instead of testing roles in templates."""

from django import template

from events.policies import can_manage_event, can_nominate_into

register = template.Library()


@register.filter
def manages(user, event) -> bool:
    """``{% if request.user|manages:event %}``: the user is one of the event's organisers (or an administrator)."""
    return can_manage_event(user, event)


@register.filter
def nominates(user, event) -> bool:
    """``{% if request.user|nominates:event %}``: the user may still register people for the event."""
    return can_nominate_into(user, event)


@register.simple_tag
def unit_quotas(event, user) -> list[dict]:
    """The unit quotas the user may see, with seats used and left (shown before an import)."""
    from events.desk_views import quota_rows

    return quota_rows(event, user)
