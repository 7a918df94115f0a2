from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, Review


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["title", "protocol_id", "created_by", "created"]
    search_fields = ["title", "protocol_id"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["review", "user", "role", "added"]
    list_filter = ["role"]
    search_fields = ["review__title", "user__username", "user__email"]
    autocomplete_fields = ["user", "review"]
