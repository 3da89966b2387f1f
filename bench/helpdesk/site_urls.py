"""django-helpdesk mounted at the site root: /tickets/, /dashboard/, …"""

from django.urls import include, path

urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
