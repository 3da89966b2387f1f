"""The knowledge base pages: search and read for everyone party to a hospital; write,
draft from a ticket and publish for the vendor's staff. The rules are in knowledge.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledge import selectors, services
from knowledge.forms import ArticleForm, SearchForm
from knowledge.models import Article
from knowledge.services import KnowledgeError
from tickets.models import Ticket

PAGE_SIZE = 20


@login_required
def article_list(request):
    form = SearchForm(request.GET or None, user=request.user)
    query, system = "", None
    if form.is_bound:
        form.is_valid()
        query = form.cleaned_data.get("q", "")
        system = form.cleaned_data.get("system")
    articles = selectors.search(request.user, query, system=system)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    terms = selectors.search_terms(query)
    results = [(article, selectors.best_excerpt(article, terms)) for article in page]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "knowledge/list.html",
        {
            "form": form,
            "query": query,
            "system": system,
            "results": results,
            "page": page,
            "params": params.urlencode(),
            "may_write": services.writable_hospitals(request.user).exists(),
        },
    )


@login_required
def article_detail(request, pk: int):
    article = selectors.article_for(request.user, pk)
    may_write = services.may_write(request.user, article.hospital_id)
    return render(
        request,
        "knowledge/detail.html",
        {
            "article": article,
            "may_write": may_write,
            "ticket": selectors.source_ticket_for(request.user, article),
            "revisions": selectors.revisions(article) if may_write else [],
        },
    )


def _form_page(request, form: ArticleForm, article: Article | None = None, status: int = 200):
    return render(request, "knowledge/form.html", {"form": form, "article": article}, status=status)


def _show_error(form: ArticleForm, error: KnowledgeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _saved(request, article: Article, saved_message: str):
    """After a save: publish too when "Save and publish" was pressed."""
    if not request.POST.get("publish"):
        messages.success(request, saved_message)
        return redirect(article)
    try:
        services.publish(article, request.user)
    except KnowledgeError as error:
        messages.warning(
            request, _("Saved, but not published: %(reason)s") % {"reason": str(error)}
        )
        return redirect("knowledge-edit", pk=article.pk)
    messages.success(request, _("Saved and published: the hospital's staff can read it now."))
    return redirect(article)


@login_required
def article_new(request):
    if not services.writable_hospitals(request.user).exists():
        raise PermissionDenied(_("Only a vendor's staff write knowledge articles."))
    form = ArticleForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create_article(
                by=request.user, hospital=form.cleaned_data["hospital"], **form.article_fields()
            )
        except KnowledgeError as error:
            _show_error(form, error)
        else:
            return _saved(
                request, article, _("Draft saved. Publish it when it is ready to be read.")
            )
    return _form_page(request, form, status=400 if form.is_bound else 200)


@login_required
def article_edit(request, pk: int):
    article = selectors.article_for(request.user, pk)
    if not services.may_write(request.user, article.hospital_id):
        raise PermissionDenied(_("Only the vendor's staff edit knowledge articles."))
    form = ArticleForm(
        request.POST if request.method == "POST" else None, user=request.user, article=article
    )
    if request.method == "POST" and form.is_valid():
        version = article.version
        try:
            services.edit(
                article,
                request.user,
                expected_version=form.cleaned_data.get("version"),
                **form.article_fields(),
            )
        except KnowledgeError as error:
            if error.code == "conflict":
                # Keep what was typed, but let the next save go through on purpose.
                data = request.POST.copy()
                data["version"] = Article.objects.get(pk=article.pk).version
                form = ArticleForm(data, user=request.user, article=article)
                form.is_valid()
            _show_error(form, error)
        else:
            return _saved(
                request,
                article,
                _("Saved. The text it replaced is kept as an earlier version.")
                if article.version > version
                else _("Saved."),
            )
    return _form_page(request, form, article, status=400 if form.is_bound else 200)


@login_required
@require_POST
def article_publish(request, pk: int):
    article = selectors.article_for(request.user, pk)
    try:
        services.publish(article, request.user)
    except KnowledgeError as error:
        messages.error(request, str(error))
        if error.field == "solution" and services.may_write(request.user, article.hospital_id):
            return redirect("knowledge-edit", pk=article.pk)
    else:
        messages.success(request, _("Published: the hospital's staff can read it now."))
    return redirect(article)


@login_required
@require_POST
def draft_from_ticket(request, ticket_number: str):
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), number=ticket_number)
    try:
        article, created = services.draft_from_ticket(ticket, request.user)
    except KnowledgeError as error:
        messages.error(request, str(error))
        return redirect(ticket)
    if created:
        messages.success(
            request, _("A draft was made from the ticket. Check the text, then publish it.")
        )
    else:
        messages.info(request, _("This ticket already has an article: here it is."))
    return redirect("knowledge-edit", pk=article.pk)
