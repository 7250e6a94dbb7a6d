"""Template helpers: the practice sheets of a structure's page, and who may write."""

from django import template

from maillage.practices import access, selectors

register = template.Library()


@register.simple_tag
def structure_practices(structure) -> list:
    """The published sheets linked to structure (one query)."""
    return selectors.structure_practices(structure=structure)


@register.simple_tag(takes_context=True)
def can_edit_practice(context, sheet) -> bool:
    request = context.get("request")
    return access.user_can_edit_practice(getattr(request, "user", None), sheet)


@register.simple_tag(takes_context=True)
def can_write_practices(context) -> bool:
    request = context.get("request")
    return access.user_can_create_practice(getattr(request, "user", None))
