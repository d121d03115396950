"""Load mix of the portal (scripts/load_benchmark.sh runs it headless; not a test).

One user class per role, weighted like a working day at month start:

- secretaries (支部书记, ``shuji``/``shuji2``) open their home, the month's report, the
  activity form and their reports overview (recording activities and filing the report);
- unit staff (机关党委, ``danwei``) work the review queue, open a report to review, the
  reporting rates and the assessment worklist;
- provincial staff (``sheng``) open the home page, the dashboards, renewal supervision and
  calendar, the roster and the organization tree, the rankings;
- a reference user requests the Django admin changelists on the same rows (members, terms)
  and ``/healthz``, so every page can be read against them (``--ratios`` in the script).

All requests are GETs (plus the login): the figures are the pages', and the database a run
uses only gains sessions and login records. Logins: the demo password ``demo-2027``
(``LOAD_PASSWORD`` overrides).
"""

import os
import random
import re
from datetime import date

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-2027")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    usernames: tuple[str, ...] = ()

    def on_start(self):
        # Production settings behind the TLS proxy: say what the proxy says (X-Forwarded-Proto)
        # and keep the Secure cookies on this plain-HTTP connection.
        origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin})
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(page.text).group(1)
        self.insecure_cookies()
        self.client.post(
            "/accounts/login/",
            {"username": random.choice(self.usernames), "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
        )
        self.insecure_cookies()

    def insecure_cookies(self):
        for cookie in self.client.cookies:
            cookie.secure = False

    def page(self, url, name=None):
        return self.client.get(url, name=name or url)


class Secretary(PortalUser):
    weight = 6
    usernames = ("shuji", "shuji2")
    branch_id = None

    def on_start(self):
        super().on_start()
        home = self.page("/", name="secretary home")
        found = re.search(r"/reports/branch/(\d+)/", home.text)
        self.branch_id = found.group(1) if found else None

    @task(3)
    def home(self):
        self.page("/", name="secretary home")

    @task(3)
    def month_report(self):
        if self.branch_id:
            last = date.today().replace(day=1)
            month = (last.year, last.month - 1) if last.month > 1 else (last.year - 1, 12)
            self.page(f"/reports/branch/{self.branch_id}/{month[0]}-{month[1]}/", name="monthly report")

    @task(2)
    def activity_form(self):
        if self.branch_id:
            self.page(f"/reports/branch/{self.branch_id}/activities/new/", name="activity form")

    @task(2)
    def overview(self):
        if self.branch_id:
            self.page(f"/reports/branch/{self.branch_id}/", name="branch reports")


class UnitStaff(PortalUser):
    weight = 3
    usernames = ("danwei",)

    @task(3)
    def queue(self):
        queue = self.page("/reports/review/", name="review queue")
        found = re.findall(r"/reports/review/(\d+)/", queue.text)
        if found:
            self.page(f"/reports/review/{random.choice(found)}/", name="report review")

    @task(1)
    def rates(self):
        self.page("/reports/rates/", name="reporting rates")

    @task(1)
    def worklist(self):
        self.page("/assessments/worklist/", name="assessment worklist")

    @task(1)
    def home(self):
        self.page("/", name="unit home")


class ProvincialStaff(PortalUser):
    weight = 2
    usernames = ("sheng",)

    @task(3)
    def home(self):
        self.page("/", name="provincial home")

    @task(2)
    def supervision(self):
        self.page("/renewals/supervision/", name="renewal supervision")

    @task(1)
    def calendar(self):
        self.page("/renewals/calendar/", name="renewal calendar")

    @task(2)
    def roster(self):
        self.page("/members/", name="province roster")

    @task(1)
    def tree(self):
        self.page("/orgs/", name="organization tree")

    @task(1)
    def rankings(self):
        self.page("/assessments/rankings/", name="rankings")

    @task(1)
    def dashboards(self):
        self.page("/dashboards/", name="dashboards")


class Reference(PortalUser):
    """Django admin's changelists on the same rows, and the bare health view."""

    weight = 1
    usernames = ("admin",)

    @task
    def member_changelist(self):
        self.page("/admin/branches/member/", name="admin: member changelist")

    @task
    def term_changelist(self):
        self.page("/admin/branches/term/", name="admin: term changelist")

    @task
    def healthz(self):
        self.page("/healthz", name="healthz")
