"""Policy keys of the dashboards app (see branches.policy for the registry)."""

from branches.policy import register

# A period's snapshots freeze this many days after it ends (the last month's report is due on
# the 5th of the following month); later changes need `manage.py rebuild_snapshots`.
register(
    "dashboards.close_after_days",
    15,
    min=0,
    max=120,
    help="指标快照在期末后多少天封存（之后仅能通过重建命令修改并记录变更）",
)
