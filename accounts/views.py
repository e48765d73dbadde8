from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import ProfileForm
from accounts.policies import can_open_content_admin
from accounts.profile import collect_links
from accounts.scopes import roles_of
from accounts.services import user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "full_name": user.full_name,
            "position": user.position,
            "phone": user.phone,
            "org_unit": user.org_unit_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    links = collect_links(request)
    context = {
        "form": form,
        "roles": sorted(roles_of(user)),
        "links": links,
        "content_admin": can_open_content_admin(user),
    }
    return render(request, "accounts/profile.html", context)
