from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import AdminLoginForm
from accounts.models import LoginFailure, User
from contracts.models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "user"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone", "wecom_userid"]
    inlines = [MembershipInline]
    actions = ["require_new_password"]
    readonly_fields = ["password_changed_at"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Personal info"),
            {"fields": ["full_name", "email", "phone", "language", "wecom_userid"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Password policy"), {"fields": ["must_change_password", "password_changed_at"]}),
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

    @admin.action(description=_("Require a new password at next sign-in"), permissions=["change"])
    def require_new_password(self, request, queryset) -> None:
        users = list(queryset.filter(must_change_password=False))
        User.objects.filter(pk__in=[user.pk for user in users]).update(must_change_password=True)
        for user in users:
            self.log_change(request, user, [{"changed": {"fields": ["must_change_password"]}}])
        count = len(users)
        self.message_user(
            request,
            ngettext(
                "%(count)d person must choose a new password before going on.",
                "%(count)d people must choose a new password before going on.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed sign-ins of the lockout window, for the platform administrator to read."""

    list_display = ["at", "username", "address"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# The admin's own login page is held to the lockout too (accounts/backends.py); this form
# says so, as the portal's does.
admin.site.login_form = AdminLoginForm
