from django.urls import path

from knowledge import views

urlpatterns = [
    path("", views.article_list, name="knowledge-list"),
    path("new/", views.article_new, name="knowledge-new"),
    path("<int:pk>/", views.article_detail, name="knowledge-detail"),
    path("<int:pk>/edit/", views.article_edit, name="knowledge-edit"),
    path("<int:pk>/publish/", views.article_publish, name="knowledge-publish"),
    path(
        "draft-from/<str:ticket_number>/",
        views.draft_from_ticket,
        name="knowledge-draft-from-ticket",
    ),
]
