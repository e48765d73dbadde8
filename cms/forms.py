"""GET filter forms for the listing pages.

Invalid values are ignored rather than reported: a filter link that went
stale (an issuer renamed, a year emptied) still shows a list.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cms.models import CampaignPage, RegulationPage, RegulationStatus

MAX_CAMPAIGN_SPAN = 50  # years a campaign listing offers for one campaign, at most


class _FilterForm(forms.Form):
    def cleaned(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None

    @property
    def is_filtered(self) -> bool:
        self.is_valid()
        return any(value not in (None, "") for value in getattr(self, "cleaned_data", {}).values())


class RegulationFilterForm(_FilterForm):
    type = forms.ChoiceField(label=_("Document type"), required=False)
    year = forms.TypedChoiceField(label=_("Year issued"), required=False, coerce=int, empty_value=None)
    issuer = forms.ChoiceField(label=_("Issuing body"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data, *, regulations):
        super().__init__(data)
        self.fields["type"].choices = [("", _("All types")), *RegulationPage.DocumentType.choices]
        years = (
            regulations.exclude(year_issued__isnull=True)
            .order_by("-year_issued")
            .values_list("year_issued", flat=True)
            .distinct()
        )
        self.fields["year"].choices = [("", _("All years")), *((year, year) for year in years)]
        issuers = regulations.order_by("issuing_body").values_list("issuing_body", flat=True).distinct()
        self.fields["issuer"].choices = [("", _("All issuing bodies")), *((name, name) for name in issuers)]
        self.fields["status"].choices = [("", _("Any status")), *RegulationStatus.choices]

    def filter(self, queryset):
        """``queryset`` must carry ``with_status()`` for the status filter."""
        if document_type := self.cleaned("type"):
            queryset = queryset.filter(document_type=document_type)
        if year := self.cleaned("year"):
            queryset = queryset.filter(year_issued=year)
        if issuer := self.cleaned("issuer"):
            queryset = queryset.filter(issuing_body=issuer)
        if status := self.cleaned("status"):
            queryset = queryset.filter(status_code=status)
        return queryset.order_by(*RegulationPage.LISTING_ORDER)


class CampaignFilterForm(_FilterForm):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, campaigns):
        super().__init__(data)
        years: set[int] = set()
        for start, end, launched in campaigns.values_list("start_year", "end_year", "launch_date"):
            if start:
                years.update(range(start, min(end or start, start + MAX_CAMPAIGN_SPAN) + 1))
            if launched:
                years.add(launched.year)
        self.fields["year"].choices = [("", _("All years")), *((year, year) for year in sorted(years, reverse=True))]

    def filter(self, queryset):
        if year := self.cleaned("year"):
            in_period = Q(start_year__lte=year) & (Q(end_year__gte=year) | Q(end_year__isnull=True, start_year=year))
            queryset = queryset.filter(in_period | Q(launch_date__year=year))
        return queryset.order_by(*CampaignPage.LISTING_ORDER)
