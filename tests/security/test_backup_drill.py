"""Backup drill: back up database and files, wipe both, restore, compare — zero difference."""

import pytest
from django.core.management import CommandError, call_command

from branches import backup
from branches.models import Member, Organization
from tests.factories import MemberFactory, Role, UserFactory, grant, make_org

Kind = Organization.Kind


@pytest.fixture
def populated(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    root = make_org("省直机关工委", Kind.WORK_COMMITTEE)
    unit = make_org("甲厅机关党委", Kind.UNIT_COMMITTEE, root)
    branch = make_org("第一党支部", Kind.BRANCH, unit)
    MemberFactory.create_batch(7, branch=branch)
    user = UserFactory(username="secretary")
    grant(user, Role.SECRETARY, branch)
    # uploaded files (what activity attachments, evidence and renewal documents leave in storage)
    media = tmp_path / "media" / "activities" / "2026" / "03"
    media.mkdir(parents=True)
    (media / "a_minutes.pdf").write_bytes(b"%PDF-1.4 minutes")
    (media / "b_photo.png").write_bytes(b"\x89PNG\r\n\x1a\nphoto")
    return tmp_path


def test_backup_wipe_restore_gives_zero_difference(populated, settings):
    before_tables, before_files = backup.table_counts(), backup.file_checksums()
    assert before_tables["branches_member"] == 7 and len(before_files) == 2
    archive = populated / "drill.tar.gz"
    call_command("backup", str(archive), stdout=open("/dev/null", "w"))
    assert archive.exists()

    # wipe: every row and every uploaded file
    call_command("flush", interactive=False, verbosity=0)
    for path in (populated / "media").rglob("*.p*"):
        path.unlink()
    assert Member.objects.count() == 0 and not backup.file_checksums()

    call_command("restore", str(archive), "--yes", stdout=open("/dev/null", "w"))
    assert backup.table_counts() == before_tables
    assert backup.file_checksums() == before_files
    assert backup.verify(backup.read_manifest(archive)) == []
    assert Organization.objects.get(name="第一党支部").members.count() == 7


def test_restore_needs_confirmation(populated):
    archive = populated / "b.tar.gz"
    call_command("backup", str(archive), stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))


def test_restore_refuses_an_archive_with_unsafe_paths(populated, tmp_path):
    import io
    import tarfile

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        data = b"{}"
        info = tarfile.TarInfo("../escape.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="unsafe path"):
        call_command("restore", str(evil), "--yes")
