"""Models of the branches app, one module per concept; import new modules here."""

from .activities import Activity, ActivityAttachment, Decision  # noqa: F401, E402
from .exports import ExportJob  # noqa: F401, E402
from .imports import ImportJob  # noqa: F401, E402
from .org import (  # noqa: F401
    JobHeartbeat,
    Member,
    Organization,
    PolicySetting,
    Post,
    RoleAssignment,
    Term,
    UnitCategory,
    User,
)
from .rectifications import (  # noqa: F401, E402
    RectificationEvidence,
    RectificationItem,
    RectificationReminder,
    SourceKind,
)
from .renewals import (  # noqa: F401
    CalendarToken,
    ElectionResult,
    Postponement,
    Renewal,
    RenewalStep,
    TermReminder,
)
from .reports import MonthlyReport, ReportEvent, ReportReminder  # noqa: F401, E402
