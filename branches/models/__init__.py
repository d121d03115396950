"""Models of the branches app, one module per concept; import new modules here."""

from .org import (  # noqa: F401
    JobHeartbeat,
    Member,
    Notification,
    Organization,
    PolicySetting,
    Post,
    RoleAssignment,
    Term,
    User,
)
from .renewals import (  # noqa: F401
    CalendarToken,
    ElectionResult,
    Postponement,
    Renewal,
    RenewalStep,
    TermReminder,
)
