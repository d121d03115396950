from django.urls import path

from . import org_views, views

app_name = "branches"
urlpatterns = [
    path("", views.home, name="home"),
    # Organization tree, branch pages and roster.
    path("orgs/", org_views.org_tree, name="org-tree"),
    path("orgs/<int:org_id>/", org_views.org_detail, name="org-detail"),
    path("orgs/<int:org_id>/children/", org_views.org_children, name="org-children"),
    path("orgs/<int:org_id>/new/", org_views.org_create, name="org-create"),
    path("orgs/<int:org_id>/edit/", org_views.org_edit, name="org-edit"),
    path("orgs/<int:org_id>/move/", org_views.org_move, name="org-move"),
    path("orgs/<int:org_id>/members/", org_views.member_list, name="org-members"),
    path("orgs/<int:org_id>/members/export/", org_views.member_export, name="org-members-export"),
    path("orgs/<int:org_id>/members/new/", org_views.member_create, name="member-create"),
    path("orgs/<int:org_id>/terms/new/", org_views.term_start, name="term-start"),
    path("members/", org_views.member_list, name="member-list"),
    path("members/export/", org_views.member_export, name="member-export"),
    path("members/<int:pk>/", org_views.member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", org_views.member_edit, name="member-edit"),
    path("terms/<int:pk>/close/", org_views.term_close, name="term-close"),
    path("terms/<int:term_id>/posts/new/", org_views.post_assign, name="post-assign"),
    path("posts/<int:pk>/end/", org_views.post_end, name="post-end"),
    path("posts/<int:pk>/approve/", org_views.post_approve, name="post-approve"),
]
