"""Who may write practice sheets: editors (the practices permissions of their role) and the
confirmed managers of a linked structure (the contributions' StructureManager, the same rule
as their direct edit of the structure). Everyone sees published sheets; a draft only those
who may edit it.
"""

from __future__ import annotations

from maillage.contributions.selectors import managed_structures


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_practice_editor(user) -> bool:
    """Editors (and administrators) write and edit every sheet."""
    return _active(user) and user.has_perm("practices.change_practicesheet")


def managed_structure_ids(user) -> set[int]:
    if not _active(user):
        return set()
    return set(managed_structures(user=user).values_list("pk", flat=True))


def user_can_create_practice(user) -> bool:
    """Editors, and managers of at least one structure (who link it to the sheet)."""
    if not _active(user):
        return False
    if user.has_perm("practices.add_practicesheet"):
        return True
    return bool(managed_structure_ids(user))


def user_can_edit_practice(user, sheet) -> bool:
    if not _active(user):
        return False
    if is_practice_editor(user):
        return True
    linked = {structure.pk for structure in sheet.structures.all()}
    return bool(linked & managed_structure_ids(user))


def user_can_view_practice(user, sheet) -> bool:
    return sheet.is_published or user_can_edit_practice(user, sheet)
