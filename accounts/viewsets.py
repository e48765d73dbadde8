import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages as wagtail_messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, TitleColumn
from wagtail.admin.views.generic import DeleteView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from accounts.forms import UserCreationForm, UserEditForm
from accounts.imports import (
    ORGUNIT_IMPORT_MAX_BYTES,
    orgunit_columns,
    orgunit_template,
    orgunits_import,
    orgunits_import_confirm,
    orgunits_import_stage,
    read_orgunit_upload,
)
from accounts.models import OrgUnit, User
from accounts.policies import can_manage_people
from accounts.roles import ROLE_GROUPS, Role
from accounts.services import orgunit_create, orgunit_update
from core.errors import ServiceError
from core.pending import chosen_rows
from core.text import collapse_spaces, fold, nfc


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update: bool = False):
        return UserEditForm if for_update else UserCreationForm


# --- Organisation units ------------------------------------------------------
#
# Units are managed by administrators and organisers: a role, not a Django
# model permission, so the viewset uses a policy that asks accounts.scopes.


class OrgUnitPermissionPolicy(BasePermissionPolicy):
    def user_has_permission(self, user, action) -> bool:
        return can_manage_people(user)

    def user_has_any_permission(self, user, actions) -> bool:
        return can_manage_people(user)

    def users_with_any_permission(self, actions):
        return (
            User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name=ROLE_GROUPS[Role.ORGANISER]))
            .distinct()
        )


def _unit_label(unit: OrgUnit) -> str:
    return f"{'— ' * (unit.depth - 1)}{unit.name} ({unit.code})"


class ParentUnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return _unit_label(obj)


class OrgUnitForm(forms.ModelForm):
    """Unit fields plus its parent; saving places the unit in the tree."""

    parent = ParentUnitField(
        label=gettext_lazy("Parent unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("(none: a top-level unit)"),
    )

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "kind", "cluster", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = OrgUnit.objects.order_by("path")
        if self.instance.pk:
            # A unit cannot sit under itself or under one of its own units.
            choices = choices.exclude(path__startswith=self.instance.path)
            self.initial.setdefault("parent", self.instance.get_parent(update=True))
        self.fields["parent"].queryset = choices

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_name(self) -> str:
        return collapse_spaces(nfc(self.cleaned_data["name"]))

    def clean_cluster(self) -> str:
        return collapse_spaces(nfc(self.cleaned_data["cluster"]))

    def save(self, commit: bool = True) -> OrgUnit:
        data = self.cleaned_data
        fields = {"code": data["code"], "name": data["name"], "kind": data["kind"], "cluster": data["cluster"]}
        if self.instance._state.adding:
            return orgunit_create(parent=data["parent"], is_active=data["is_active"], **fields)
        return orgunit_update(
            unit=self.instance, is_active=data["is_active"], parent=data["parent"], move=True, **fields
        )


class OrgUnitFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind"),
        choices=OrgUnit.Kind.choices,
        empty_label=gettext_lazy("All"),
        widget=forms.RadioSelect,
    )
    # A callable, so clusters added since start-up are offered.
    cluster = django_filters.ChoiceFilter(
        label=gettext_lazy("Emulation block or cluster"), choices=lambda: _cluster_choices()
    )

    class Meta:
        model = OrgUnit
        fields = ["kind", "cluster", "is_active"]


def _cluster_choices() -> list[tuple[str, str]]:
    clusters = OrgUnit.objects.exclude(cluster="").order_by("cluster").values_list("cluster", flat=True).distinct()
    return [(cluster, cluster) for cluster in clusters]


class IndentedTitleColumn(TitleColumn):
    """The unit's name, indented by depth while the listing is in tree order."""

    indent = True

    def get_value(self, instance: OrgUnit) -> str:
        if not self.indent:
            return instance.name
        return f"{'— ' * (instance.depth - 1)}{instance.name}"


class OrgUnitIndexView(IndexView):
    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        return super()._get_title_column(field_name, column_class=IndentedTitleColumn, **kwargs)

    @cached_property
    def columns(self):
        columns = super().columns
        columns[0].indent = self.ordering == "path" and not self.is_searching
        return columns

    def search_queryset(self, queryset):
        # Accent-insensitive, as everywhere, and word by word: "so da nang"
        # finds "Sở Thông tin và Truyền thông Đà Nẵng". Units number in the
        # hundreds, so folding in Python is cheap and the same on every database.
        if not self.is_searching:
            return queryset
        words = fold(self.search_query).split()
        matching = [
            pk
            for pk, name, code in OrgUnit.objects.values_list("pk", "name", "code")
            if all(word in f"{fold(name)} {code.casefold()}" for word in words)
        ]
        return queryset.filter(pk__in=matching)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_manage_people(self.request.user):
            buttons.append(
                HeaderButton(_("Import from a spreadsheet"), url=reverse("orgunits:import"), icon_name="upload")
            )
        return buttons


class OrgUnitDeleteView(DeleteView):
    def form_valid(self, form):
        unit = self.object
        if unit.get_children_count() or unit.members.exists() or unit.coordinators.exists():
            return self._refuse()
        try:
            return super().form_valid(form)
        except ProtectedError:
            # Records in other apps (registrations, certificates) keep a unit.
            return self._refuse()

    def _refuse(self):
        wagtail_messages.error(
            self.request,
            _(
                "%(unit)s cannot be deleted while units, people or records belong to it. "
                "Move them first, or untick “active” to retire the unit."
            )
            % {"unit": self.object},
        )
        return redirect(self.edit_url_name, quote(self.object.pk))


class OrgUnitImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("An Excel workbook (.xlsx) or a CSV file, at most %(size)d MB.") % {
            "size": ORGUNIT_IMPORT_MAX_BYTES // (1024 * 1024)
        }


class OrgUnitImportView(WagtailAdminTemplateMixin, TemplateView):
    """Upload → preview (or every error by row) → confirm → result.

    The previewed file waits server-side under a one-time token (core.pending),
    so the person does not pick it again, cannot confirm a different file
    from the one previewed, and a second confirm shows the first result.
    Confirming validates again: the units may have changed in between.
    """

    template_name = "accounts/admin/orgunit_import.html"
    page_title = gettext_lazy("Import units")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_manage_people(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("orgunits:index"), "label": capfirst(OrgUnit._meta.verbose_name_plural)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", OrgUnitImportForm())
        kwargs.setdefault("stage", "upload")
        kwargs["template_url"] = reverse("orgunits:import_template")
        kwargs["index_url"] = reverse("orgunits:index")
        kwargs["columns"] = orgunit_columns()
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm(request)
        form = OrgUnitImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        try:
            data = read_orgunit_upload(upload)
            result = orgunits_import(file=data, filename=upload.name, dry_run=True)
        except ServiceError as error:
            form.add_error("file", error.message)
            return self.render_to_response(self.get_context_data(form=form))
        context = {"result": result, "filename": upload.name, "stage": "preview"}
        if result.ok:
            context["token"] = orgunits_import_stage(data=data, filename=upload.name, actor_id=request.user.pk)
        return self.render_to_response(self.get_context_data(**context))

    def confirm(self, request):
        convert_rows = set() if "keep_as_typed" in request.POST else chosen_rows(request.POST.getlist("convert"))
        try:
            confirmation, result = orgunits_import_confirm(
                token=request.POST.get("token", ""), actor_id=request.user.pk, convert_rows=convert_rows
            )
        except ServiceError as error:
            form = OrgUnitImportForm()
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        if result is None:
            if confirmation.status == "running":
                wagtail_messages.info(request, _("This import is being saved. Reload the units in a moment."))
            else:
                wagtail_messages.error(request, _("The previewed file is no longer available. Upload it again."))
            return redirect("orgunits:import")
        stage = "done" if result.written else "preview"
        return self.render_to_response(
            self.get_context_data(
                result=result, filename=result.filename, stage=stage, repeated=confirmation.status == "repeated"
            )
        )


def orgunit_import_template(request):
    if not can_manage_people(request.user):
        raise PermissionDenied
    response = HttpResponse(
        orgunit_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-don-vi.xlsx"'
    return response


class OrgUnitViewSet(ModelViewSet):
    model = OrgUnit
    name = "orgunits"
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Units")
    menu_order = 250
    add_to_admin_menu = True
    copy_view_enabled = False
    index_view_class = OrgUnitIndexView
    delete_view_class = OrgUnitDeleteView
    list_display = ["name", "code", "kind", "cluster", BooleanColumn("is_active", label=gettext_lazy("Active"))]
    list_per_page = 50
    ordering = "path"
    search_fields = ["name", "code"]
    filterset_class = OrgUnitFilterSet

    @property
    def permission_policy(self):
        return OrgUnitPermissionPolicy(OrgUnit)

    def get_form_class(self, for_update: bool = False):
        return OrgUnitForm

    def get_permissions_to_register(self):
        # Access comes from the administrator and organiser roles; model
        # permissions ticked in a group would change nothing, so none are offered.
        return Permission.objects.none()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", OrgUnitImportView.as_view(), name="import"),
            path("import/template.xlsx", orgunit_import_template, name="import_template"),
        ]
