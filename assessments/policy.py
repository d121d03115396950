"""Policy keys of the assessments app (see branches.policy for the registry)."""

from branches.policy import register

# Standards (domain.md §6.5): veto when a term expired more than this many months ago.
register("assessment.veto_term_overdue_months", 12, min=0)
# Evidence uploads on review items: allowed file types and size limit.
register("assessment.evidence_extensions", ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx"])
register("assessment.evidence_max_mb", 10, min=0, max=100)
