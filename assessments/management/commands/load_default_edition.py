from django.core.management.base import BaseCommand

from assessments import default_edition
from assessments.models import Dimension, Edition, Item, Tier


class Command(BaseCommand):
    help = "Load the default standard edition (six dimensions, 100 points) if it is missing."

    def handle(self, *args, **options):
        edition = default_edition.load(Edition, Dimension, Item, Tier)
        self.stdout.write(f"Default edition: {edition.name} (id {edition.pk})")
