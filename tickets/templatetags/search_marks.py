"""{% highlight text terms %}: a search result's text with the words found marked."""

from django import template

from tickets.search import highlight as mark_terms

register = template.Library()


@register.simple_tag
def highlight(text, terms):
    return mark_terms(str(text or ""), tuple(terms or ()))
