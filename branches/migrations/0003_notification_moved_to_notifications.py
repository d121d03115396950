# Notification now lives in the notifications app (same table); remove it from this app's
# state only, so the table and its rows are kept.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0002_org_checks_renewals_reports"),
        ("notifications", "0001_move_notification_from_branches"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
