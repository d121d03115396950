"""Services that act for a user refuse one without the right on their own (a second caller
cannot skip the view's check), before writing anything: README "Services and access"."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches import services
from branches.imports import onboarding  # noqa: F401  (registers the onboarding spec)
from branches.imports import services as import_services
from branches.models import ImportJob, MonthlyReport, Postponement, RoleAssignment
from branches.renewals import services as renewal_services
from branches.reports import services as report_services
from tests.conftest import database_unchanged
from tests.factories import UserFactory

from .renewals.conftest import make_term

pytestmark = pytest.mark.django_db
Step = renewal_services.Step


def refused(call):
    with database_unchanged(), pytest.raises(PermissionDenied):
        call()


# --- the tree and roles ---------------------------------------------------------------------


def test_a_move_needs_edit_rights_on_the_node_and_the_new_parent(tree, personas):
    # unit staff of unit_a may edit branch_a but not unit_b; secretaries edit no tree
    refused(
        lambda: services.organization_move(
            organization=tree["branch_a"], new_parent=tree["unit_b"], user=personas["unit_staff"]
        )
    )
    refused(
        lambda: services.organization_move(
            organization=tree["branch_c"], new_parent=tree["unit_a"], user=personas["unit_staff"]
        )
    )
    refused(
        lambda: services.organization_move(
            organization=tree["cell_a"], new_parent=tree["branch_b"], user=personas["secretary"]
        )
    )
    services.organization_move(
        organization=tree["branch_a"], new_parent=tree["unit_b"], user=personas["admin"]
    )


def test_roles_are_given_by_admins_only(tree, personas):
    newcomer = UserFactory(username="newcomer")
    for who in ("unit_staff", "provincial", "secretary"):
        refused(
            lambda who=who: services.role_assign(
                by=personas[who],
                user=newcomer,
                role=RoleAssignment.Role.SECRETARY,
                organization=tree["branch_a"],
            )
        )
    services.role_assign(
        by=personas["admin"], user=newcomer, role=RoleAssignment.Role.SECRETARY, organization=tree["branch_a"]
    )
    assert newcomer.role_assignments.filter(organization=tree["branch_a"]).exists()


# --- monthly reports ------------------------------------------------------------------------


@pytest.fixture
def report(tree, personas):
    report = report_services.report_get_or_create(
        branch=tree["branch_a"], month=date(2026, 2, 1), user=personas["secretary"], today=date(2026, 3, 2)
    )
    MonthlyReport.objects.filter(pk=report.pk).update(
        status=MonthlyReport.Status.SUBMITTED, first_submitted_at=timezone.now(), submitted_at=timezone.now()
    )
    report.refresh_from_db()
    return report


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_only_reviewers_return_accept_or_reopen_a_report(report, personas, who):
    user = personas[who]
    refused(lambda: report_services.report_return(report=report, user=user, comment="请补充"))
    refused(lambda: report_services.report_accept(report=report, user=user))
    MonthlyReport.objects.filter(pk=report.pk).update(status=MonthlyReport.Status.ACCEPTED)
    report.refresh_from_db()
    refused(lambda: report_services.report_reopen(report=report, user=user, comment="更正党费"))


def test_an_existing_report_is_not_handed_to_someone_who_may_not_file_it(report, tree, personas):
    for who in ("unit_staff", "outsider"):
        refused(
            lambda who=who: report_services.report_get_or_create(
                branch=tree["branch_a"], month=report.month, user=personas[who], today=date(2026, 3, 2)
            )
        )


# --- renewals -------------------------------------------------------------------------------


@pytest.fixture
def renewal(tree):
    with time_machine.travel(date(2027, 6, 1), tick=False):
        yield renewal_services.renewal_get_or_start(term=make_term(tree["branch_a"], date(2024, 6, 30)))


def test_each_renewal_step_is_refused_without_its_action(renewal, personas):
    secretary, staff, outsider = personas["secretary"], personas["unit_staff"], personas["outsider"]
    day = date(2027, 5, 1)

    def step(step, user):
        return lambda: renewal_services.renewal_step_record(
            renewal=renewal, step=step, done_on=day, user=user, version=renewal.version
        )

    refused(step(Step.REQUEST, outsider))
    refused(step(Step.REQUEST, staff))  # the branch records its own request
    refused(step(Step.REQUEST_APPROVAL, secretary))  # the higher organization approves
    refused(step(Step.CANDIDATES, outsider))
    refused(step(Step.CANDIDATE_APPROVAL, secretary))
    for user in (staff, outsider):
        refused(
            lambda user=user: renewal_services.renewal_election_record(
                renewal=renewal,
                user=user,
                version=renewal.version,
                held_on=day,
                expected_voters=1,
                present_voters=1,
                ballots_issued=1,
                ballots_returned=1,
                seats=1,
                votes={},
            )
        )
        refused(
            lambda user=user: renewal_services.renewal_results_report(
                renewal=renewal, user=user, version=renewal.version, done_on=day, posts={}
            )
        )
    for user in (secretary, outsider):
        refused(
            lambda user=user: renewal_services.renewal_complete(
                renewal=renewal, user=user, version=renewal.version, approved_on=day
            )
        )


def test_postponements_are_requested_by_the_branch_and_decided_above_it(renewal, personas):
    term = renewal.term
    for who in ("unit_staff", "outsider"):
        refused(
            lambda who=who: renewal_services.postponement_request(
                term=term,
                kind=Postponement.Kind.POSTPONE,
                until=date(2027, 9, 30),
                reason="重点任务",
                user=personas[who],
            )
        )
    pending = Postponement.objects.create(
        term=term, kind=Postponement.Kind.POSTPONE, until=date(2027, 9, 30), reason="重点任务"
    )
    for who in ("secretary", "outsider"):
        refused(
            lambda who=who: renewal_services.postponement_decide(
                postponement=pending, approve=True, user=personas[who]
            )
        )


# --- import jobs ----------------------------------------------------------------------------


def test_import_jobs_need_the_import_right(tree, personas):
    secretary = personas["secretary"]
    refused(
        lambda: import_services.import_job_create(
            kind="onboarding", upload=SimpleUploadedFile("名单.xlsx", b"PK\x03\x04"), user=secretary
        )
    )
    job = ImportJob.objects.create(
        kind="onboarding", uploaded_by=secretary, original_name="名单.xlsx", status=ImportJob.Status.PREVIEW
    )
    refused(lambda: import_services.import_job_confirm(job=job, user=secretary))
    refused(lambda: import_services.import_job_cancel(job=job, user=secretary))


def test_a_sign_in_sheet_is_imported_by_whoever_organizes_the_event(tree, personas):
    # branch_c's secretary organizes for branch_c only; unit_a's staff do not supervise it
    for who in ("outsider", "unit_staff"):
        refused(
            lambda who=who: import_services.import_job_create(
                kind="training",
                upload=SimpleUploadedFile("签到表.xlsx", b"PK\x03\x04"),
                user=personas[who],
                organization=tree["branch_a"] if who == "outsider" else tree["branch_c"],
                params={"event": 1},
            )
        )
