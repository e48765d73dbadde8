from importlib import import_module

from django.apps import apps
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings


class Command(BaseCommand):
    help = "Load the demo content (idempotent: running it again gives the same data)."

    def handle(self, *args, **options):
        if not apps.is_installed("demo"):
            raise CommandError("The demo app is not installed (INSTALLED_APPS): there is no demo content to load.")
        from demo import MODULES

        # Each module offers `seed(out)`, run in the demo's order; `summary(out)`,
        # where a module has one, runs after all of them (the logins, printed last).
        modules = [import_module(f"demo.{name}") for name in MODULES]
        # The demo's trainees "complete" courses and conferences, which mails
        # them certificates: those mails are kept, not sent (nor printed by
        # the console backend, where they would bury the logins).
        previous = getattr(mail, "outbox", None)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            try:
                for module in modules:
                    with transaction.atomic():
                        module.seed(self.stdout)
                kept = len(mail.outbox)
            finally:
                if previous is None:
                    del mail.outbox
                else:
                    mail.outbox = previous
        self.stdout.write(f"Thư điện tử được tạo khi nạp dữ liệu mẫu (không gửi): {kept}")
        for module in modules:
            if hasattr(module, "summary"):
                module.summary(self.stdout)
