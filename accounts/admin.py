from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contracts.models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "user"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "email", "phone", "language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "phone", "password1", "password2"],
            },
        ),
    ]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        organizations = Organization.objects.visible_to(request.user)
        return users.filter(memberships__organization__in=organizations).distinct()
