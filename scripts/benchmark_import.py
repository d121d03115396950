"""Time the onboarding import of a province workbook (not a test).

    export DATABASE_URL=postgres://...   # PostgreSQL, as in production
    python scripts/benchmark_import.py [--units 120] [--branches 25] [--members 20] [--keep]

Creates ``--units`` unit committees (named with a run tag, so runs never collide), writes a
workbook with their branches, ``units × branches × members`` members (60,000 by default), one
term and four posts per branch, then runs the import exactly as the Celery tasks do: the
preview (read + plan), the confirmed write in one transaction, and a second import of the
same file, which must change nothing. Prints seconds per phase, the CPU time of this process,
the load average, and the peak memory (resident set) of each phase: the peak is reset before
each phase (Linux ``/proc/self/clear_refs``), so the figures show what the phase itself needs
(run it with ``--units 40`` and ``--units 120`` to see that memory does not grow with the rows).
Without ``--keep`` the imported data is deleted afterwards.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchportal.settings")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.db import transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from branches import services  # noqa: E402
from branches.imports import engine, onboarding  # noqa: E402
from branches.models import ImportJob, Member, Organization, Post, RoleAssignment, Term, User  # noqa: E402

Kind = Organization.Kind
ROLES = ("书记", "组织委员", "宣传委员", "纪检委员")


def build_workbook(path, tag, units, branches, members):
    book = Workbook(write_only=True)
    sheets = {sheet.name: book.create_sheet(sheet.name) for sheet in onboarding.spec.sheets}
    for sheet_spec in onboarding.spec.sheets:
        sheets[sheet_spec.name].append([sheet_spec.notes])
        sheets[sheet_spec.name].append([str(c.header) for c in sheet_spec.columns])
    for u in range(units):
        unit = f"基准{tag}单位{u:03d}机关党委"
        for b in range(branches):
            branch = f"第{b + 1}党支部"
            path_text = f"{unit}/{branch}"
            sheets["组织"].append([unit, branch, "党支部", "党政机关", "否", 1, "否", 1, "2015-07-01"])
            for m in range(members):
                probationary = m == members - 1
                sheets["党员"].append(
                    [
                        path_text,
                        f"{b + 1:03d}{m + 1:03d}",
                        f"党员{u}-{b}-{m}",
                        "男" if m % 2 else "女",
                        date(1970 + m % 30, 1 + m % 12, 1 + m % 28),
                        "2026/3/1" if probationary else f"{2000 + m % 20}年7月1日",
                        "预备党员" if probationary else "正式党员",
                        None if probationary else date(2001 + m % 20, 7, 1),
                        "2027-03-01" if probationary else None,
                        "是" if m == 0 else "否",
                        None,
                    ]
                )
            sheets["届次"].append([path_text, "2025-06-01", 3, "是"])
            for m, role in enumerate(ROLES):
                sheets["职务"].append(
                    [
                        path_text,
                        "2025-06-01",
                        f"{b + 1:03d}{m + 1:03d}",
                        None,
                        role,
                        None,
                        "2025-06-20" if m == 0 else None,
                    ]
                )
    book.save(path)


def setup(tag, units):
    root = Organization.objects.filter(kind=Kind.WORK_COMMITTEE).first()
    if root is None:
        root = services.organization_create(name="省直机关工委", kind=Kind.WORK_COMMITTEE)
    for u in range(units):
        services.organization_create(
            name=f"基准{tag}单位{u:03d}机关党委",
            kind=Kind.UNIT_COMMITTEE,
            parent=root,
            unit_name=f"基准{tag}单位{u:03d}",
        )
    user, _ = User.objects.get_or_create(username="benchmark-import", defaults={"display_name": "导入基准"})
    services.role_assign_by_system(user=user, role=RoleAssignment.Role.ADMIN, organization=root)
    return user


def cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _status_mb(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak():
    """Start measuring the peak resident set afresh (Linux); returns the current RSS in MB."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


def peak_mb():
    return _status_mb("VmHWM")


def run_job(user, path):
    job = ImportJob(kind="onboarding", uploaded_by=user, original_name=Path(path).name)
    with open(path, "rb") as handle:
        job.file.save("benchmark.xlsx", File(handle), save=False)
    job.save()
    started = time.perf_counter()
    engine.preview_job(job.pk)
    preview = time.perf_counter() - started
    job.refresh_from_db()
    return job, preview


def cleanup(tag):
    units = Organization.objects.filter(kind=Kind.UNIT_COMMITTEE, name__startswith=f"基准{tag}")
    with transaction.atomic():
        unit_ids = list(units.values_list("pk", flat=True))
        Post.objects.filter(term__branch__unit_id__in=unit_ids).delete()
        Term.objects.filter(branch__unit_id__in=unit_ids).delete()
        Member.objects.filter(branch__unit_id__in=unit_ids).delete()
        below = Organization.objects.filter(unit_id__in=unit_ids).exclude(kind=Kind.UNIT_COMMITTEE)
        for depth in sorted(set(below.values_list("depth", flat=True)), reverse=True):
            below.filter(depth=depth).delete()
        Organization.objects.filter(pk__in=unit_ids).update(unit=None)
        Organization.objects.filter(pk__in=unit_ids).delete()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=120)
    parser.add_argument("--branches", type=int, default=25)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tag = time.strftime("%H%M%S")
    total_members = args.units * args.branches * args.members
    print(
        f"run tag {tag}: {args.units} units, {args.units * args.branches} branches, {total_members} members"
    )
    user = setup(tag, args.units)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"province-{tag}.xlsx")
        started = time.perf_counter()
        build_workbook(path, tag, args.units, args.branches, args.members)
        print(
            f"workbook written in {time.perf_counter() - started:.1f} s ({os.path.getsize(path) / 1e6:.1f} MB)"
        )
        try:
            cpu = cpu_s()
            base = reset_peak()
            job, preview = run_job(user, path)
            preview_peak = peak_mb()
            print(f"preview: {preview:.1f} s, status {job.status}, errors {job.preview.get('error_count')}")
            if job.status != ImportJob.Status.PREVIEW or job.preview.get("error_count"):
                print(job.message, job.preview.get("sheets", [{}])[0].get("samples", {}).get("error", [])[:3])
                return 1
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)
            reset_peak()
            started = time.perf_counter()
            engine.apply_job(job.pk)
            apply = time.perf_counter() - started
            apply_peak = peak_mb()
            job.refresh_from_db()
            print(f"confirmed write (re-check + write, one transaction): {apply:.1f} s, status {job.status}")
            print(f"upload to done: {preview + apply:.1f} s wall, {cpu_s() - cpu:.1f} s CPU in this process")
            print(f"load average (1, 5, 15 min): {os.getloadavg()}")
            print("imported:", {s["name"]: s["counts"] for s in job.result["sheets"]})
            reset_peak()
            again, preview2 = run_job(user, path)
            again_peak = peak_mb()
            counts = {s["name"]: s["counts"] for s in again.preview["sheets"]}
            print(f"re-import preview: {preview2:.1f} s; {counts}")
            print(f"load average (1, 5, 15 min): {os.getloadavg()}")
            print(
                f"peak memory (RSS) — before: {base:.0f} MB, preview: {preview_peak:.0f} MB, "
                f"confirmed write: {apply_peak:.0f} MB, re-import preview: {again_peak:.0f} MB"
            )
            print(
                f"SUMMARY rows={total_members} preview={preview:.1f}s write={apply:.1f}s "
                f"reimport={preview2:.1f}s peak_mb={max(preview_peak, apply_peak, again_peak):.0f} "
                f"load={os.getloadavg()[0]:.1f}"
            )
        finally:
            if not args.keep:
                cleanup(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
