from importlib import import_module, util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo content (idempotent: running it again gives the same data)."

    def handle(self, *args, **options):
        # Each app that has demo content offers `<app>.demo.seed(out)`; apps run
        # in INSTALLED_APPS order, so units and accounts exist before the
        # pages, courses and events that refer to them.
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if util.find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).seed(self.stdout)
