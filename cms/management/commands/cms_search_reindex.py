from django.core.management.base import BaseCommand

from cms import search


class Command(BaseCommand):
    help = "Rebuild the site-search entries of every registered page type (run after registering a new one)."

    def handle(self, *args, **options):
        count = search.reindex_all()
        self.stdout.write(f"{count} pages indexed for search.")
