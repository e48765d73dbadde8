"""Model fields that keep the project's text rules in the database layer."""

from django.db import models

from core.text import nfc


class NFCMixin:
    """Stores text NFC-normalised whatever path it arrives by.

    Normalising in ``get_prep_value`` covers save, bulk_create, update() and
    lookups (a search for a decomposed name finds the stored NFC one), and
    ``pre_save`` puts the normalised value back on the instance.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return nfc(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return nfc(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if isinstance(value, str):
            value = nfc(value)
            setattr(model_instance, self.attname, value)
        return value


class NFCCharField(NFCMixin, models.CharField):
    pass


class NFCTextField(NFCMixin, models.TextField):
    pass
