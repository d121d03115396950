# The Notification model moves here from ``branches``; its table (branches_notification),
# rows, index and constraint stay as they are: this migration changes only Django's state.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("branches", "0002_org_checks_renewals_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=40, verbose_name="类别")),
                        ("title", models.CharField(max_length=200, verbose_name="标题")),
                        ("body", models.TextField(blank=True, verbose_name="内容")),
                        ("link", models.CharField(blank=True, max_length=300, verbose_name="链接")),
                        ("dedupe_key", models.CharField(max_length=120)),
                        ("requires_ack", models.BooleanField(default=False, verbose_name="需确认")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="branches.organization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "通知",
                        "verbose_name_plural": "通知",
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "branches_notification",
                        "indexes": [models.Index(fields=["recipient", "read_at"], name="notification_unread")],
                        "constraints": [
                            models.UniqueConstraint(fields=("recipient", "dedupe_key"), name="notification_once")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
