from django import forms

from core.widgets import PlainSelect


class Pick(forms.Form):
    unit = forms.ChoiceField(
        choices=[("", "---------"), ("1", "Bộ A & B"), ("12", "<Sở>")], required=False, widget=PlainSelect
    )


def test_plain_select_writes_what_django_select_writes():
    class Reference(forms.Form):
        unit = forms.ChoiceField(choices=Pick.base_fields["unit"].choices, required=False)

    for data in ({"unit": "12"}, {"unit": ""}, {}):
        ours, django = str(Pick(data)["unit"]), str(Reference(data)["unit"])
        assert ours.replace("\n", "").replace("  ", "") == django.replace("\n", "").replace("  ", "")


def test_plain_select_escapes_labels_and_marks_the_chosen_option_only():
    html = str(Pick({"unit": "1"})["unit"])
    assert '<option value="1" selected>Bộ A &amp; B</option>' in html
    assert '<option value="12">&lt;Sở&gt;</option>' in html
    assert html.count("selected") == 1
    assert 'name="unit"' in html and 'id="id_unit"' in html
