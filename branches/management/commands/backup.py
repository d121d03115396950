from django.core.management.base import BaseCommand, CommandError

from branches import backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (MEDIA_ROOT) into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "destination", nargs="?", help="archive path (*.tar.gz) or folder; default: BACKUP_DIR"
        )

    def handle(self, *args, destination=None, **options):
        try:
            path = backup.create(destination)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path}: {sum(manifest['tables'].values())} rows in "
                f"{len(manifest['tables'])} tables, {len(manifest['files'])} files."
            )
        )
