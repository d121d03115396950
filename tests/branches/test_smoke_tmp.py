import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(personas, tree, staffed_branch, client_for):
    c = client_for(personas["admin"])
    member = staffed_branch.members.first()
    term = staffed_branch.terms.get()
    post = term.posts.first()
    urls = [
        reverse("branches:home"), reverse("branches:org-tree"), reverse("branches:org-tree") + "?q=甲",
        reverse("branches:org-children", args=[tree["unit_a"].pk]),
        reverse("branches:org-detail", args=[staffed_branch.pk]),
        reverse("branches:org-detail", args=[tree["unit_a"].pk]),
        reverse("branches:org-detail", args=[tree["root"].pk]),
        reverse("branches:org-detail", args=[tree["cell_a"].pk]),
        reverse("branches:org-create", args=[staffed_branch.pk]),
        reverse("branches:org-create", args=[tree["unit_a"].pk]),
        reverse("branches:org-edit", args=[tree["unit_a"].pk]),
        reverse("branches:org-members", args=[staffed_branch.pk]),
        reverse("branches:member-list"),
        reverse("branches:member-detail", args=[member.pk]),
        reverse("branches:member-edit", args=[member.pk]),
        reverse("branches:member-create", args=[staffed_branch.pk]),
        reverse("branches:term-start", args=[staffed_branch.pk]),
        reverse("branches:term-close", args=[term.pk]),
        reverse("branches:post-assign", args=[term.pk]),
        reverse("branches:post-end", args=[post.pk]),
        reverse("branches:post-approve", args=[post.pk]),
        reverse("branches:member-export"),
    ]
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
    r = c.get(reverse("branches:org-detail", args=[staffed_branch.pk]))
    open("/tmp/h1/branch.html", "wb").write(r.content)
    for u in ["secretary", "unit_staff", "provincial"]:
        r = client_for(personas[u]).get(reverse("branches:home"))
        assert r.status_code == 200
