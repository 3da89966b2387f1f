"""The knowledge articles in the admin: scoped to the user's organisations, edits kept."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from knowledge.models import Article
from tests.conftest import login
from tests.factories import demo_user
from tests.knowledge.conftest import write

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(demo):
    user = demo_user("ny-manager")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="knowledge"))
    return user


def test_the_admin_lists_only_the_articles_of_the_users_organisations(manager):
    own = write("YN", title="郁南的文章")
    foreign = write("FD", by="sk-engineer", title="复旦的文章")
    client = login("ny-manager")
    page = client.get(reverse("admin:knowledge_article_changelist")).content.decode()
    assert "郁南的文章" in page and "复旦的文章" not in page
    assert client.get(reverse("admin:knowledge_article_change", args=[own.pk])).status_code == 200
    response = client.get(reverse("admin:knowledge_article_change", args=[foreign.pk]))
    assert response.status_code == 302  # "does not exist", as for any row not theirs


def test_an_admin_edit_keeps_the_previous_text_as_a_revision(manager):
    article = write("YN", title="旧标题", solution="旧办法")
    client = login("ny-manager")
    response = client.post(
        reverse("admin:knowledge_article_change", args=[article.pk]),
        {
            "system": "",
            "title": "新标题",
            "problem": article.problem,
            "solution": "新办法",
            "keywords": "",
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
            "revisions-MIN_NUM_FORMS": "0",
            "revisions-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    article.refresh_from_db()
    assert (article.title, article.solution, article.version) == ("新标题", "新办法", 2)
    revision = article.revisions.get()
    assert (revision.title, revision.solution, revision.edited_by) == ("旧标题", "旧办法", manager)
    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    assert "旧办法" in page.content.decode()


def test_the_admin_publish_action_applies_the_publishing_rules(manager):
    ready = write("YN", title="可发布", published=False)
    empty = write("YN", title="没写办法", solution="", published=False)
    login("ny-manager").post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "publish_selected", "_selected_action": [ready.pk, empty.pk]},
    )
    assert Article.objects.get(pk=ready.pk).status == "published"
    assert Article.objects.get(pk=empty.pk).status == "draft"


def test_a_new_article_in_the_admin_is_written_by_the_user(manager):
    client = login("ny-manager")
    yn = write("YN").hospital
    response = client.post(
        reverse("admin:knowledge_article_add"),
        {
            "hospital": yn.pk,
            "system": "",
            "title": "后台写的文章",
            "problem": "现象",
            "solution": "",
            "keywords": "甲 乙",
            "source_ticket": "",
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
            "revisions-MIN_NUM_FORMS": "0",
            "revisions-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    article = Article.objects.get(title="后台写的文章")
    assert (article.author, article.status, article.keywords) == (manager, "draft", "甲, 乙")
