"""A backup restores into an empty database with every record and uploaded file intact."""

import datetime as dt
import io
import json
import tarfile
from decimal import Decimal

import psycopg
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from consultations import services
from consultations.models import (
    Attachment,
    Meeting,
    ProjectUpdate,
    ProposalCategory,
    ProposalStatusChange,
)
from organizations import backup
from organizations.roles import COUNTY_STAFF, VILLAGE_COMMITTEE

from .factories import (
    AttachmentFactory,
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    StewardshipFactory,
    StewardshipLogFactory,
    UserFactory,
)
from .upload_files import image_bytes, pdf_bytes

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump/pg_restore need PostgreSQL; CI's PostgreSQL pass runs this test",
)
on_sqlite = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="checks the refusal on a non-PostgreSQL database"
)


def seed_chain(village):
    """One matter through all five stages, with history, status changes, files and people."""
    county_staff = UserFactory(username="county", area=village.parent.parent)
    county_staff.groups.add(Group.objects.get_or_create(name=COUNTY_STAFF)[0])
    # Permissions and groups live under other ids in another database: kept by natural key.
    county_staff.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    committee = Group.objects.get_or_create(name=VILLAGE_COMMITTEE)[0]
    committee.permissions.add(Permission.objects.get(codename="change_proposal"))

    council = OrganizationFactory(area=village, name="陆水村村民理事会")
    person = PersonFactory(area=village, name="孙建国", phone="13812345678")
    MembershipFactory(person=person, organization=council, role="理事长")
    meeting = MeetingFactory(area=village, title="孙家湾屋场会", host_organization=council)
    meeting.attending_organizations.add(council)
    meeting.moderator = person
    meeting._history_user = county_staff
    meeting.save()
    AttachmentFactory(meeting=meeting, file=ContentFile(image_bytes("PNG"), name="现场.png"))
    AttachmentFactory(meeting=meeting, kind="document", file=ContentFile(pdf_bytes(), "纪要.pdf"))

    proposal = services.raise_proposal(
        meeting=meeting,
        title="硬化通湾公路",
        category=ProposalCategory.ROADS,
        actor=county_staff,
        raised_by=person,
    )
    services.start_deliberation(proposal=proposal, actor=county_staff, note="提交讨论")
    services.adopt_proposal(
        proposal=proposal,
        actor=county_staff,
        decided_on=dt.date(2024, 3, 1),
        votes_for=25,
        votes_against=2,
    )
    project = services.start_project(
        proposals=[proposal],
        title="通湾公路硬化工程",
        actor=county_staff,
        budget=Decimal("120000.50"),
        planned_start=dt.date(2024, 3, 10),
        planned_end=dt.date(2024, 6, 30),
    )
    FundingLineFactory(project=project, planned=Decimal("50000.00"))
    services.record_progress(
        project=project,
        actor=county_staff,
        reported_on=dt.date(2024, 4, 15),
        progress=40,
        description="路基完成。",
        photo=ContentFile(image_bytes("JPEG"), name="进度.jpg"),
    )
    stewardship = StewardshipFactory(project=project, organization=council)
    StewardshipLogFactory(stewardship=stewardship)
    EvaluationFactory(project=project)
    OutcomeFactory(project=project)
    return meeting


def _key(model, obj):
    if backup.label(model) in backup.NATURAL_KEY_MODELS:
        return obj.natural_key()
    return obj.pk


def snapshot():
    """Every row of every backed-up model, as values, with its many-to-many links; rows a
    database numbers itself (groups) are keyed by name."""
    state = {}
    for model in backup.models_to_back_up():
        natural = backup.label(model) in backup.NATURAL_KEY_MODELS
        rows = {}
        m2m = list(model._meta.local_many_to_many)
        for obj in model._base_manager.order_by("pk"):
            values = {
                f.attname: getattr(obj, f.attname)
                for f in model._meta.concrete_fields
                if not (natural and f.primary_key)
            }
            for field in m2m:
                values[field.name] = sorted(
                    _key(field.related_model, r) for r in getattr(obj, field.name).all()
                )
            rows[_key(model, obj)] = values
        state[backup.label(model)] = rows
    return state


def media_bytes():
    return {a.file.name: a.file.read() for a in Attachment.objects.all()} | {
        u.photo.name: u.photo.read() for u in ProjectUpdate.objects.exclude(photo="")
    }


@pytest.mark.django_db(transaction=True)
def test_portable_backup_restores_every_record_and_file_into_an_empty_database(
    village, tmp_path, settings
):
    # The role groups come from a migration; a transactional test run before this one
    # may have flushed them.
    for name in (VILLAGE_COMMITTEE, "town_staff", COUNTY_STAFF):
        Group.objects.get_or_create(name=name)
    seed_chain(village)
    before = snapshot()
    files = media_bytes()
    # What the test relies on is really there: history, status changes, files, links.
    assert len(before["consultations.historicalmeeting"]) >= 2
    assert ProposalStatusChange.objects.count() == 3
    assert len(files) == 3
    assert before["organizations.user"][Meeting.history.latest().history_user_id]

    archive = tmp_path / "wuhgong.tar"
    call_command("export_backup", output=str(archive), stdout=io.StringIO())

    # A new machine: an empty, migrated database and an empty media folder. Its migrations
    # made the role groups and permissions under ids of their own.
    call_command("flush", interactive=False, verbosity=0)
    for name in (VILLAGE_COMMITTEE, "town_staff", COUNTY_STAFF):
        Group.objects.create(name=name)
    view_meeting = Permission.objects.get(codename="view_meeting")
    view_meeting.delete()
    view_meeting.pk = None
    view_meeting.save()
    assert backup.models_with_rows() == []
    settings.MEDIA_ROOT = tmp_path / "new-media"

    out = io.StringIO()
    call_command("import_backup", str(archive), stdout=out)
    assert "restored" in out.getvalue()

    after = snapshot()
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    for model, rows in before.items():
        assert after[model] == rows, model
    assert media_bytes() == files
    # New rows continue after the restored ids instead of colliding with them.
    assert MeetingFactory(area=village).pk > max(before["consultations.meeting"])


def test_export_counts_rows_of_every_model_and_leaves_out_derived_tables(village, tmp_path):
    seed_chain(village)
    manifest = backup.export_archive(tmp_path / "b.tar")
    assert manifest.counts["consultations.meeting"] == 1
    assert manifest.counts["consultations.proposalstatuschange"] == 3
    assert manifest.counts["consultations.historicalproposal"] >= 3
    assert manifest.media_files == 3
    for derived in ("contenttypes.contenttype", "auth.permission", "sessions.session"):
        assert derived not in manifest.counts
    with tarfile.open(tmp_path / "b.tar") as tar:
        names = tar.getnames()
    assert names[0] == backup.DATA and names[-1] == backup.MANIFEST
    assert sum(n.startswith("media/") for n in names) == 3


def test_import_refuses_a_database_that_holds_data(village, tmp_path):
    seed_chain(village)
    archive = tmp_path / "b.tar"
    backup.export_archive(archive)
    with pytest.raises(CommandError, match="already holds data"):
        call_command("import_backup", str(archive))


def rewrite_manifest(archive, change):
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(archive, "w") as tar:
        for member, data in members:
            if member.name == backup.MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_restore_that_does_not_match_the_manifest_keeps_nothing(village, tmp_path, settings):
    seed_chain(village)
    archive = tmp_path / "b.tar"
    backup.export_archive(archive)
    rewrite_manifest(archive, lambda m: m["counts"].update({"consultations.meeting": 2}))
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "new-media"
    with pytest.raises(CommandError, match=r"consultations.meeting: 2, 1\. Nothing was kept"):
        call_command("import_backup", str(archive))
    assert backup.models_with_rows() == []
    assert not (tmp_path / "new-media").exists()


def test_backup_from_a_newer_schema_is_refused(village, tmp_path):
    archive = tmp_path / "b.tar"
    backup.export_archive(archive)
    rewrite_manifest(
        archive, lambda m: m["migrations"]["consultations"].append("9999_from_the_future")
    )
    with pytest.raises(CommandError, match=r"consultations\.9999_from_the_future"):
        call_command("import_backup", str(archive))


def test_archive_with_a_path_outside_the_media_folder_is_refused(db, tmp_path, settings):
    archive = tmp_path / "b.tar"
    backup.export_archive(archive)
    with tarfile.open(archive, "a") as tar:
        info = tarfile.TarInfo("media/../../outside.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(CommandError, match="unsafe path"):
        call_command("import_backup", str(archive))
    assert not (tmp_path / "outside.txt").exists()


def test_file_that_is_not_a_backup_is_refused(db, tmp_path):
    archive = tmp_path / "other.tar"
    with tarfile.open(archive, "w") as tar:
        tar.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))
    with pytest.raises(CommandError, match="not a wuhgong backup"):
        call_command("import_backup", str(archive))


def test_replacing_a_database_from_a_dump_asks_first(db, tmp_path, monkeypatch):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("import_backup", str(dump))


@on_sqlite
def test_postgres_backup_on_another_database_says_what_to_use(db, tmp_path):
    with pytest.raises(CommandError, match="use the portable archive"):
        call_command("export_backup", "--postgres", output=str(tmp_path / "x.dump"))


def _table_counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the models)
        counts[table] = cursor.fetchone()[0]
    return counts


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_pg_dump_restores_into_a_fresh_postgresql_database(village, tmp_path, settings):
    from django.apps import apps

    seed_chain(village)
    files = media_bytes()
    dump = tmp_path / "wuhgong.dump"
    call_command("export_backup", "--postgres", output=str(dump), stdout=io.StringIO())
    assert dump.stat().st_size > 0 and backup.media_tar_for(dump).exists()

    source = settings.DATABASES["default"]
    fresh = f"{source['NAME']}_restore"
    params = {
        "host": source.get("HOST") or None,
        "port": source.get("PORT") or None,
        "user": source.get("USER") or None,
        "password": source.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        settings.MEDIA_ROOT = tmp_path / "new-media"
        # What `make restore` runs, pointed at the fresh database instead of the settings'.
        assert backup.pg_restore(dump, database={**source, "NAME": fresh}) == len(files)

        tables = sorted(m._meta.db_table for m in apps.get_models(include_auto_created=True))
        with connection.cursor() as cursor:
            expected = _table_counts(cursor, tables)
            cursor.execute("SELECT * FROM consultations_proposal ORDER BY id")
            proposals = cursor.fetchall()
            cursor.execute("SELECT * FROM consultations_historicalmeeting ORDER BY history_id")
            history = cursor.fetchall()
        with psycopg.connect(dbname=fresh, **params) as restored, restored.cursor() as cursor:
            assert _table_counts(cursor, tables) == expected
            cursor.execute("SELECT * FROM consultations_proposal ORDER BY id")
            assert cursor.fetchall() == proposals
            cursor.execute("SELECT * FROM consultations_historicalmeeting ORDER BY history_id")
            assert cursor.fetchall() == history
        assert expected["consultations_proposalstatuschange"] == 3
        restored_files = {name: (settings.MEDIA_ROOT / name).read_bytes() for name in files}
        assert restored_files == files
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
