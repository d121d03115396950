from django.core.management.base import BaseCommand, CommandError

from branches import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: REPLACES the whole database and MEDIA_ROOT. "
        "Stop the web server and Celery first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="confirm replacing all current data")

    def handle(self, *args, archive, yes, **options):
        if not yes:
            raise CommandError("Restoring replaces all data and uploaded files; add --yes to confirm.")
        try:
            manifest = backup.restore(archive)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        differences = backup.verify(manifest)
        if differences:
            raise CommandError("Restored, but the result differs from the backup:\n" + "\n".join(differences))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive} (taken {manifest['created']}): row counts and file checksums match."
            )
        )
