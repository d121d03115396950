from django.contrib import admin

from .models import Notification, OutboxEmail

admin.site.register(Notification)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["to", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    readonly_fields = ["claim", "claimed_at"]
