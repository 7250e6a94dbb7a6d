"""Roles as Django groups, with their permissions, created after every migrate.

visitor: anyone, no account (proposes, contacts, asks for removal);
structure manager: edits the structures they manage (a confirmed StructureManager, no
permission needed); moderator: the proposal queue, claims and history; editor: vocabularies,
sources, imports, editions and practice sheets on top; administrator: everything, accounts included.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

MANAGERS = "Gestionnaires de structure"
MODERATORS = "Modérateurs"
EDITORS = "Éditeurs"
ADMINISTRATORS = "Administrateurs"

_MODERATION = [
    "contributions.view_proposal",
    "contributions.change_proposal",
    "contributions.moderate_proposal",
    "contributions.view_structurerevision",
    "contributions.revert_structurerevision",
    "contributions.view_structuremanager",
    "contributions.change_structuremanager",
    "contributions.confirm_structuremanager",
    "structures.view_structure",
    "structures.change_structure",
    "structures.view_term",
    "structures.view_source",
]
_EDITION = [
    *_MODERATION,
    "structures.add_structure",
    "structures.add_term",
    "structures.change_term",
    "structures.delete_term",
    "structures.add_source",
    "structures.change_source",
    "imports.view_importrun",
    "contributions.view_edition",
    "contributions.add_edition",
    "contributions.change_edition",
    "contributions.publish_edition",
    # Practice sheets: editors write and edit every sheet (managers only their structures').
    "practices.view_practicesheet",
    "practices.add_practicesheet",
    "practices.change_practicesheet",
    "practices.delete_practicesheet",
]

ROLES: dict[str, list[str]] = {
    MANAGERS: [],
    MODERATORS: _MODERATION,
    EDITORS: _EDITION,
    ADMINISTRATORS: ["*"],
}
STAFF_ROLES = (MODERATORS, EDITORS, ADMINISTRATORS)
ROLE_LABELS = {
    MANAGERS: _("gestionnaire de structure"),
    MODERATORS: _("modérateur"),
    EDITORS: _("éditeur"),
    ADMINISTRATORS: _("administrateur"),
}


def _permission(code: str) -> Permission | None:
    app_label, codename = code.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def roles_ensure() -> None:
    """Create the groups and give them exactly their permissions (idempotent)."""
    for name, codes in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        if codes == ["*"]:
            permissions = list(Permission.objects.all())
        else:
            permissions = [p for p in (_permission(code) for code in codes) if p]
        group.permissions.set(permissions)


def user_role_set(*, user, role: str) -> None:
    """Put user in the group of role; staff roles also open the admin to them."""
    user.groups.add(Group.objects.get(name=role))
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
