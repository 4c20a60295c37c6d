"""``manage.py export_backup [--output FILE] [--postgres] [--no-media]``: see
``organizations.backup`` and README.md, "Backup and restore"."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organizations import backup


class Command(BaseCommand):
    help = (
        "Back up every record and uploaded file: a portable archive (.tar) for any database, "
        "or with --postgres a pg_dump (.dump) plus a -media.tar beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="File to write (default: backups/wuhgong-<date>-<time>.tar or .dump).",
        )
        parser.add_argument(
            "--postgres",
            action="store_true",
            help="Use pg_dump --format=custom (PostgreSQL only) instead of the portable archive.",
        )
        parser.add_argument("--no-media", action="store_true", help="Leave the uploaded files out.")

    def handle(self, *args, output, postgres, no_media, **options):
        path = Path(output) if output else backup.default_path(".dump" if postgres else ".tar")
        started = time.monotonic()
        try:
            if postgres:
                media_files = backup.pg_dump(path, media=not no_media)
                rows = None
            else:
                manifest = backup.export_archive(path, media=not no_media)
                media_files, rows = manifest.media_files, sum(manifest.counts.values())
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        what = f"{rows:,} rows and " if rows is not None else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {what}{media_files:,} uploaded files to {path} "
                f"({path.stat().st_size / 1e6:,.1f} MB) in {elapsed:.1f} s."
            )
        )
        if postgres and not no_media:
            self.stdout.write(f"Uploaded files: {backup.media_tar_for(path)}")
