"""Backups of every record and uploaded file, and their restore.

Two forms, one pair of commands (``export_backup`` / ``import_backup``):

- **Portable archive** (``.tar``), for any database: ``manifest.json`` (format, applied
  migrations, rows per model), ``data.json.gz`` (Django's JSON serialization of every
  model's rows, in dependency order) and ``media/`` (the uploaded files). It loads into an
  empty, migrated database of either kind, in one transaction, and the restore checks the
  row counts against the manifest before it commits.
- **PostgreSQL dump** (``.dump``): ``pg_dump --format=custom`` of the whole database and a
  ``-media.tar`` of the uploaded files beside it; restored with ``pg_restore --clean
  --if-exists`` in a single transaction.

Primary keys are kept, so links, history rows and audit references stay valid. Natural keys
stand in only for the rows a migrated database makes for itself with ids of its own
(content types, permissions, and the role groups a migration creates): they are matched by
name on restore.
"""

import datetime as dt
import gzip
import io
import json
import os
import shutil
import subprocess  # nosec B404
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.timezone import is_aware

FORMAT = "wuhgong-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json.gz"
MEDIA_PREFIX = "media/"

# Not records: derived (content types, permissions), ephemeral (sessions) or security logs
# of their own (the admin's action log, sign-in attempts).
EXCLUDED_APPS = {"contenttypes", "sessions", "axes"}
EXCLUDED_MODELS = {"auth.permission", "admin.logentry"}
# Rows a migrated database already holds, under ids of its own: referred to by natural key.
NATURAL_KEY_MODELS = {"contenttypes.contenttype", "auth.permission", "auth.group"}


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why and what to do."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    migrations: dict[str, list[str]]
    counts: dict[str, int] = field(default_factory=dict)
    media_files: int = 0

    def as_json(self):
        return json.dumps(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": self.created_at,
                "vendor": self.vendor,
                "migrations": self.migrations,
                "counts": self.counts,
                "media_files": self.media_files,
            },
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, raw):
        data = json.loads(raw)
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise BackupError("This file is not a wuhgong backup of a format this version reads.")
        return cls(
            created_at=data["created_at"],
            vendor=data["vendor"],
            migrations=data["migrations"],
            counts=data["counts"],
            media_files=data["media_files"],
        )


def label(model):
    return model._meta.label_lower


def models_to_back_up():
    """Every concrete model with rows of its own, parents before the models that refer to
    them (as ``dumpdata`` orders them)."""
    app_list = []
    for app_config in apps.get_app_configs():
        if app_config.label in EXCLUDED_APPS:
            continue
        models = [
            model
            for model in app_config.get_models()
            if model._meta.managed and not model._meta.proxy and label(model) not in EXCLUDED_MODELS
        ]
        if models:
            app_list.append((app_config, models))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def applied_migrations(using=DEFAULT_DB_ALIAS):
    applied = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


class _FullPrecisionEncoder(DjangoJSONEncoder):
    """Times with all six decimals: Django's encoder cuts them to milliseconds (for
    JavaScript), which would change every timestamp that goes through a backup."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            if isinstance(o, dt.time) and is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _Serializer(JSONSerializer):
    """Django's JSON serializer, with natural keys only for ``NATURAL_KEY_MODELS``."""

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = label(field.remote_field.model) in NATURAL_KEY_MODELS
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = label(field.remote_field.model) in NATURAL_KEY_MODELS
        super().handle_m2m_field(obj, field)

    def get_dump_object(self, obj):
        self.use_natural_primary_keys = label(type(obj)) in NATURAL_KEY_MODELS
        return super().get_dump_object(obj)


def _rows(models, counts):
    for model in models:
        counts[label(model)] = 0
        m2m = [
            f.name
            for f in model._meta.local_many_to_many
            if f.remote_field.through._meta.auto_created
        ]
        rows = model._base_manager.order_by(model._meta.pk.name)
        if m2m:
            rows = rows.prefetch_related(*m2m)
        for obj in rows.iterator(chunk_size=2000):
            counts[label(model)] += 1
            yield obj


@contextmanager
def _consistent_snapshot(using=DEFAULT_DB_ALIAS):
    """Read every table as of one moment, while the site keeps running."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def media_root():
    return Path(settings.MEDIA_ROOT)


def _media_files():
    root = media_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _add_media(tar, prefix=MEDIA_PREFIX):
    files = _media_files()
    root = media_root()
    for path in files:
        tar.add(path, arcname=prefix + path.relative_to(root).as_posix(), recursive=False)
    return len(files)


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o644
    tar.addfile(info, fileobj=io.BytesIO(data))


def default_path(suffix, directory=None):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(directory or Path(settings.BASE_DIR) / "backups") / f"wuhgong-{stamp}{suffix}"


def _partial(path):
    return path.with_name(path.name + ".partial")


def export_archive(path, *, media=True, using=DEFAULT_DB_ALIAS):
    """Write the portable archive to ``path``; returns its manifest. A failed export leaves
    no file behind (it is written under a temporary name and renamed when complete)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        vendor=connections[using].vendor,
        migrations=applied_migrations(using),
    )
    partial = _partial(path)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / DATA
            with _consistent_snapshot(using), gzip.open(data, "wt", encoding="utf-8") as out:
                _Serializer().serialize(
                    _rows(models_to_back_up(), manifest.counts),
                    stream=out,
                    cls=_FullPrecisionEncoder,
                )
            with tarfile.open(partial, "w") as tar:
                # The data goes first and the manifest last: its counts are known only now.
                tar.add(data, arcname=DATA)
                if media:
                    manifest.media_files = _add_media(tar)
                _add_bytes(tar, MANIFEST, manifest.as_json())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def read_manifest(path):
    with tarfile.open(path, "r") as tar:
        try:
            member = tar.getmember(MANIFEST)
        except KeyError as exc:
            raise BackupError(f"{path} has no {MANIFEST}: not a wuhgong backup.") from exc
        return Manifest.from_json(tar.extractfile(member).read())


def models_with_rows(using=DEFAULT_DB_ALIAS):
    """Models holding rows that a freshly migrated database would not have."""
    return [
        label(model)
        for model in models_to_back_up()
        if label(model) not in NATURAL_KEY_MODELS and model._base_manager.using(using).exists()
    ]


def count_rows(models, using=DEFAULT_DB_ALIAS):
    return {label(model): model._base_manager.using(using).count() for model in models}


def import_archive(path, *, force=False, media=True, using=DEFAULT_DB_ALIAS):
    """Load a portable archive into the database, in one transaction; returns its manifest
    and the number of uploaded files put back.

    The database must be migrated and empty (no rows beyond what migrations make) unless
    ``force``. Without ``force`` the restore is checked: every model's row count must equal
    the manifest's, or nothing is kept.
    """
    path = Path(path)
    manifest = read_manifest(path)
    here = applied_migrations(using)
    missing = sorted(
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if name not in here.get(app, [])
    )
    if missing and not force:
        raise BackupError(
            "The backup was made with migrations this database does not have: "
            + ", ".join(missing[:5])
            + (" ..." if len(missing) > 5 else "")
            + ". Run `manage.py migrate` with the version that made the backup first."
        )
    if not force:
        occupied = models_with_rows(using)
        if occupied:
            raise BackupError(
                "The database already holds data ("
                + ", ".join(occupied[:5])
                + (" ..." if len(occupied) > 5 else "")
                + "). Restore into an empty, migrated database, or pass --force to load "
                "over it (rows with the same ids are overwritten)."
            )
    with tarfile.open(path, "r") as tar, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / DATA
        with tar.extractfile(tar.getmember(DATA)) as src, data.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        with transaction.atomic(using=using):
            call_command("loaddata", str(data), database=using, verbosity=0)
            if not force:
                models = [m for m in models_to_back_up() if label(m) in manifest.counts]
                counts = count_rows(models, using)
                wrong = {
                    name: (manifest.counts[name], counts[name])
                    for name in counts
                    if counts[name] != manifest.counts[name]
                }
                if wrong:
                    raise BackupError(
                        "The restored rows do not match the backup (model: backup, restored): "
                        + ", ".join(f"{k}: {a}, {b}" for k, (a, b) in wrong.items())
                        + ". Nothing was kept."
                    )
            restored = restore_media(tar, overwrite=force) if media else 0
    return manifest, restored


def restore_media(tar, *, prefix=MEDIA_PREFIX, overwrite=False):
    """Copy the archive's uploaded files into MEDIA_ROOT. Only plain files under ``prefix``
    are taken, and only to paths inside MEDIA_ROOT (no absolute paths, ``..`` or links)."""
    root = media_root().resolve()
    restored = 0
    for member in tar.getmembers():
        if not member.name.startswith(prefix) or not member.isfile():
            continue
        relative = PurePosixPath(member.name[len(prefix) :])
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise BackupError(f"Refusing an unsafe path in the backup: {member.name}")
        target = root.joinpath(*relative.parts)
        if not target.resolve().is_relative_to(root):
            raise BackupError(f"Refusing an unsafe path in the backup: {member.name}")
        if target.exists() and not overwrite:
            with tar.extractfile(member) as src:
                if target.read_bytes() == src.read():
                    continue
            raise BackupError(f"{target} exists with other content; pass --force to overwrite.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        restored += 1
    return restored


# PostgreSQL's own tools ---------------------------------------------------------------


def _pg(program, database):
    """Arguments and environment to run ``program`` against ``database`` (a DATABASES
    entry): the password goes through the environment, never the command line."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(
            "pg_dump and pg_restore need PostgreSQL (DATABASE_URL=postgres://...); "
            "for this database use the portable archive (export_backup without --postgres)."
        )
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (apt-get install postgresql-client).")
    args = [executable, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            args.append(f"{option}={database[key]}")
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    if database.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = database["OPTIONS"]["sslmode"]
    return args, env


def _run(args, env):
    # The program is found by shutil.which and every argument comes from the settings or
    # the command line of an administrator; no shell is involved.
    result = subprocess.run(  # noqa: S603  # nosec B603
        args, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")


def media_tar_for(dump_path):
    dump_path = Path(dump_path)
    return dump_path.with_name(dump_path.stem + "-media.tar")


def pg_dump(path, *, media=True, database=None):
    """``pg_dump --format=custom`` of the database into ``path``, and the uploaded files
    into a ``-media.tar`` beside it. Returns the number of media files."""
    database = database or settings.DATABASES[DEFAULT_DB_ALIAS]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    args, env = _pg("pg_dump", database)
    partial = _partial(path)
    try:
        _run([*args, "--format=custom", f"--file={partial}", f"--dbname={database['NAME']}"], env)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    if not media:
        return 0
    media_tar = media_tar_for(path)
    with tarfile.open(_partial(media_tar), "w") as tar:
        count = _add_media(tar)
    _partial(media_tar).replace(media_tar)
    return count


def pg_restore(path, *, media=True, database=None):
    """Replace the database's contents with the dump (``pg_restore --clean --if-exists``,
    in a single transaction: a failed restore leaves the database as it was), then put back
    the uploaded files from the ``-media.tar`` beside it, if there is one."""
    database = database or settings.DATABASES[DEFAULT_DB_ALIAS]
    args, env = _pg("pg_restore", database)
    _run(
        [
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={database['NAME']}",
            str(path),
        ],
        env,
    )
    media_tar = media_tar_for(path)
    if not media or not media_tar.exists():
        return 0
    with tarfile.open(media_tar, "r") as tar:
        return restore_media(tar, overwrite=True)
