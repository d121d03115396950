"""Imports every module that registers an export builder (the worker imports this)."""

from branches import org_views  # noqa: F401  (roster)
from branches.rectifications import views as rectification_views  # noqa: F401  (整改台账)
