"""Admin for knowledge articles, scoped to the signed-in user's organisations.

Text edits go through knowledge.services.edit, so the admin keeps earlier versions as the
portal does; publishing is an action that applies the same rules.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from contracts.models import CoveredSystem
from knowledge import services
from knowledge.models import Article, ArticleRevision, split_keywords
from tickets.models import Ticket


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["version", "title", "problem", "solution", "keywords", "edited_by", "edited_at"]
    readonly_fields = fields
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "hospital", "system", "status", "author", "updated_at"]
    list_filter = ["status", ("hospital", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "keywords"]
    list_select_related = ["hospital", "system", "author"]
    raw_id_fields = ["source_ticket"]
    date_hierarchy = "updated_at"
    actions = ["publish_selected"]
    inlines = [ArticleRevisionInline]
    fields = [
        "hospital",
        "system",
        "title",
        "problem",
        "solution",
        "keywords",
        "source_ticket",
        "status",
        "author",
        "version",
        "updated_by",
        "published_at",
        "created_at",
        "updated_at",
    ]
    always_readonly = [
        "status",
        "author",
        "version",
        "updated_by",
        "published_at",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.always_readonly
        # The hospital and the source ticket are set once; the text changes through edit().
        return [*self.always_readonly, "hospital", "source_ticket"]

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.may_write(request.user, obj.hospital_id))

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or services.may_write(request.user, obj.hospital_id))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "hospital":
            kwargs["queryset"] = services.writable_hospitals(request.user)
        elif db_field.name == "system":
            kwargs["queryset"] = CoveredSystem.objects.visible_to(request.user).select_related(
                "hospital", "parent__parent"
            )
        elif db_field.name == "source_ticket":
            kwargs["queryset"] = Ticket.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
            obj.keywords = ", ".join(split_keywords(obj.keywords))
            super().save_model(request, obj, form, change)
            return
        changed = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.changed_data
        }
        if changed:
            services.edit(obj, request.user, **changed)

    @admin.action(description=_("Publish the selected articles"))
    def publish_selected(self, request, queryset):
        published = 0
        for article in queryset:
            try:
                services.publish(article, request.user)
            except services.KnowledgeError as error:
                self.message_user(request, f"{article}: {error}", messages.WARNING)
            else:
                published += 1
        if published:
            self.message_user(
                request,
                _("%(count)s articles published.") % {"count": published},
                messages.SUCCESS,
            )
