"""Forms of the contribution pages: they parse and check what people type, in their words,
and hand the domain a payload in Maillage's record format."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import RegexValidator
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from maillage.contributions.records import PROPOSABLE_FIELDS
from maillage.contributions.spam import HONEYPOT_FIELD
from maillage.referential.models import Commune
from maillage.referential.resolution import normalize_name
from maillage.structures.models import Term


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Term) -> str:
        return obj.label


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Term) -> str:
        return obj.label


def _terms(kind: str):
    return Term.objects.filter(kind=kind).order_by("position", "label_fr")


def term_checkboxes(kind: str, label, **options) -> TermMultipleChoiceField:
    """Optional checkboxes over one vocabulary, in its order, read back by slug."""
    return TermMultipleChoiceField(
        label=label,
        queryset=_terms(kind),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        **options,
    )


class HoneypotMixin(forms.Form):
    """A field people never see; bots that fill every field give themselves away."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Ne remplissez pas ce champ"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )


def _commune_for(value: str, postcode: str) -> tuple[Commune | None, str]:
    """(commune, error message) for what someone typed as commune."""
    value = value.strip()
    if not value:
        return None, ""
    if value.isdigit() or (len(value) == 5 and value[:2].upper() in {"2A", "2B"}):
        commune = Commune.objects.filter(code=value.upper()).first()
        return commune, "" if commune else _("Aucune commune n'a le code INSEE « %s ».") % value
    key = normalize_name(value)
    candidates = Commune.objects.filter(name__iexact=value)
    if postcode:
        # Accents and hyphens aside, a name is unique among the communes of a postcode.
        same_postcode = [
            c
            for c in Commune.objects.filter(postcodes__contains=postcode)
            if normalize_name(c.name) == key
        ]
        if len(same_postcode) == 1:
            return same_postcode[0], ""
        candidates = candidates.filter(postcodes__contains=postcode) or candidates
    found = list(candidates.select_related("department")[:6])
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, _(
            "Commune introuvable : vérifiez l'orthographe ou indiquez son code INSEE (5 "
            "caractères)."
        )
    examples = ", ".join(f"{c.name} ({c.department_id}) : {c.code}" for c in found[:5])
    return None, _(
        "Plusieurs communes portent ce nom : indiquez le code postal ou le code INSEE (%s)."
    ) % examples


class StructureForm(forms.Form):
    """The proposable fields of a structure, with the atlas' own vocabularies."""

    name = forms.CharField(label=_("Nom de la structure"), max_length=250)
    acronym = forms.CharField(label=_("Sigle"), max_length=40, required=False)
    main_type = TermChoiceField(
        label=_("Type principal"),
        queryset=_terms(Term.Kind.TYPE),
        to_field_name="slug",
        empty_label=_("Choisissez un type"),
    )
    secondary_types = term_checkboxes(Term.Kind.TYPE, _("Autres types"))
    short_description = forms.CharField(
        label=_("Présentation en une phrase"),
        max_length=300,
        required=False,
        help_text=_("300 caractères au plus."),
    )
    description = forms.CharField(
        label=_("Présentation détaillée"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Texte simple : les balises HTML sont affichées telles quelles."),
    )
    address = forms.CharField(label=_("Adresse (numéro et voie)"), max_length=300, required=False)
    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        validators=[RegexValidator(r"^\d{5}$", _("Un code postal a 5 chiffres, ex. 44000."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=100,
        help_text=_("Son nom, ou son code INSEE s'il y a plusieurs communes de ce nom."),
    )
    website = forms.URLField(
        label=_("Site web"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Adresse complète, ex. https://www.exemple.fr"),
    )
    linkedin = forms.URLField(
        label="LinkedIn", max_length=500, required=False, assume_scheme="https"
    )
    twitter = forms.URLField(
        label=_("X / Twitter"), max_length=500, required=False, assume_scheme="https"
    )
    facebook = forms.URLField(
        label="Facebook", max_length=500, required=False, assume_scheme="https"
    )
    year_founded = forms.IntegerField(
        label=_("Année de création"),
        required=False,
        min_value=1800,
        max_value=dt.date.today().year + 1,
    )
    legal_form = forms.CharField(label=_("Forme juridique"), max_length=120, required=False)
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=14,
        required=False,
        validators=[RegexValidator(r"^\d{14}$", _("Un SIRET a 14 chiffres, sans espace."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    themes = term_checkboxes(Term.Kind.THEME, _("Thématiques"))
    formats = term_checkboxes(Term.Kind.FORMAT, _("Formats d'activité"))
    audiences = term_checkboxes(Term.Kind.ACTOR, _("Publics accompagnés"))
    partner_kinds = term_checkboxes(Term.Kind.ACTOR, _("Types de partenaires"))

    # Groups of fields, in the page's order, for the template's fieldsets.
    SECTIONS = (
        (
            _("Identité"),
            (
                "name",
                "acronym",
                "main_type",
                "secondary_types",
                "legal_form",
                "year_founded",
                "siret",
            ),
        ),
        (_("Présentation"), ("short_description", "description")),
        (
            _("Où la trouver"),
            ("address", "postcode", "commune", "website", "linkedin", "twitter", "facebook"),
        ),
        (_("Activité"), ("themes", "formats", "audiences", "partner_kinds")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update(
            {"data-duplicate-name": "", "autocomplete": "organization"}
        )
        self.fields["commune"].widget.attrs.update({"data-duplicate-commune": ""})
        self.fields["short_description"].widget.attrs.update({"data-wide": ""})
        self.commune_obj: Commune | None = None

    def clean(self):
        cleaned = super().clean()
        commune, error = _commune_for(cleaned.get("commune", ""), cleaned.get("postcode", ""))
        if error:
            self.add_error("commune", error)
        self.commune_obj = commune
        return cleaned

    def payload(self) -> dict[str, Any]:
        """The cleaned values in Maillage's record format (export column names)."""
        data = self.cleaned_data
        payload: dict[str, Any] = {}
        for name in PROPOSABLE_FIELDS:
            if name == "commune_code":
                payload[name] = self.commune_obj.code if self.commune_obj else ""
            elif name == "main_type":
                payload[name] = data["main_type"].slug
            elif isinstance(self.fields.get(name), forms.ModelMultipleChoiceField):
                payload[name] = sorted(term.slug for term in data.get(name) or [])
            elif name == "year_founded":
                payload[name] = data.get(name)
            else:
                payload[name] = (data.get(name) or "").strip()
        return payload

    @classmethod
    def initial_from_payload(
        cls, payload: dict[str, Any], commune_name: str = ""
    ) -> dict[str, Any]:
        initial = {name: payload.get(name) for name in PROPOSABLE_FIELDS if name != "commune_code"}
        initial["commune"] = commune_name or payload.get("commune_code") or ""
        return initial


class ProposalForm(HoneypotMixin, StructureForm):
    """A proposal from anyone: the structure, plus who proposes it (optional)."""

    proposer_name = forms.CharField(label=_("Votre nom"), max_length=200, required=False)
    proposer_email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        required=False,
        help_text=_(
            "Facultatif : seulement pour vous dire si la proposition est publiée. Elle n'est "
            "ni publiée ni transmise."
        ),
    )
    message = forms.CharField(
        label=_("Un mot pour l'équipe de modération"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("D'où viennent ces informations, ce qui a changé…"),
    )
    not_duplicate = forms.BooleanField(
        label=_("Ma proposition ne correspond à aucune de ces fiches"), required=False
    )


class CorrectionForm(ProposalForm):
    """A correction of an existing structure: the same fields, prefilled."""


class ManagerEditForm(StructureForm):
    """A manager's or moderator's direct edit, carrying the record's version."""

    version = forms.CharField(widget=forms.HiddenInput)
    confirm_current = forms.BooleanField(
        label=_("Je confirme que toutes les informations de la fiche sont à jour"),
        required=False,
        initial=True,
    )

    def clean_version(self):
        value = parse_datetime(self.cleaned_data["version"])
        if value is None:
            raise forms.ValidationError(_("Version de la fiche illisible : rechargez la page."))
        return value


class ClaimForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail sur le domaine du site de la structure"),
        required=False,
        help_text=_("Un lien de confirmation y sera envoyé, ex. direction@exemple.fr."),
    )
    message = forms.CharField(
        label=_("Sinon, expliquez votre lien avec la structure"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un modérateur vérifiera et confirmera votre demande."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("message", "").strip():
            raise forms.ValidationError(
                _(
                    "Donnez une adresse sur le domaine de la structure, ou un message aux "
                    "modérateurs."
                )
            )
        return cleaned


class ContactRelayForm(HoneypotMixin, forms.Form):
    sender_name = forms.CharField(label=_("Votre nom"), max_length=200)
    sender_email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_("La structure vous répondra à cette adresse."),
    )
    message = forms.CharField(
        label=_("Votre message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )


class ErasureForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_("Nous y envoyons un lien : la suppression a lieu quand vous le suivez."),
    )


class EditionForm(forms.Form):
    title = forms.CharField(label=_("Titre de l'édition"), max_length=200)
    note = forms.CharField(
        label=_("Note de publication"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce qui a changé, les sources ajoutées, les limites connues."),
    )


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an e-mail address (the account's user name)."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Adresse e-mail"))
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)

    class Meta:
        model = get_user_model()
        fields = ("first_name", "last_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("usable_password", None)

    def clean_email(self):
        # Whether the address already has an account is not said here (no enumeration):
        # the service writes to that mailbox instead.
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self):
        pass


# --- additions to a structure (partners, examples, contacts, initiatives) -------------------


class ProposerFieldsMixin(forms.Form):
    """Who proposes (optional), as on the structure proposal form."""

    proposer_name = forms.CharField(label=_("Votre nom"), max_length=200, required=False)
    proposer_email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        required=False,
        help_text=_(
            "Facultatif : seulement pour vous dire si la proposition est publiée. Elle n'est "
            "ni publiée ni transmise."
        ),
    )
    message = forms.CharField(
        label=_("Un mot pour l'équipe de modération"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("D'où viennent ces informations…"),
    )


class RelatedItemForm(forms.Form):
    """The fields of one related record; item() gives it in the nested export format."""

    ITEM_FIELDS: tuple[str, ...] = ()

    def item(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {}
        for name in self.ITEM_FIELDS:
            value = data.get(name)
            if isinstance(value, Term):
                value = value.slug
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = value.strip()
            elif value is None:
                value = ""
            item[name] = value
        return item

    @classmethod
    def initial_from_item(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item.get(name) for name in cls.ITEM_FIELDS}


class PartnerItemForm(RelatedItemForm):
    ITEM_FIELDS = ("name", "kind")
    name = forms.CharField(label=_("Nom du partenaire"), max_length=250)
    kind = TermChoiceField(
        label=_("Type de partenaire"),
        queryset=_terms(Term.Kind.ACTOR),
        to_field_name="slug",
        required=False,
        empty_label=_("Choisissez un type (facultatif)"),
    )


class ValueExampleItemForm(RelatedItemForm):
    ITEM_FIELDS = ("title", "description")
    title = forms.CharField(
        label=_("Titre de l'exemple"),
        max_length=250,
        help_text=_(
            "Ce que la structure a permis, ex. « 12 start-up installées en centre-bourg »."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Texte simple : les balises HTML sont affichées telles quelles."),
    )


class ResilienceItemForm(RelatedItemForm):
    ITEM_FIELDS = ("title", "description", "category", "started_on", "ended_on")
    title = forms.CharField(label=_("Titre de l'initiative"), max_length=250)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    category = TermChoiceField(
        label=_("Catégorie"),
        queryset=_terms(Term.Kind.RESILIENCE),
        to_field_name="slug",
        required=False,
        empty_label=_("Choisissez une catégorie (facultatif)"),
    )
    started_on = forms.DateField(
        label=_("Date de début"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Format AAAA-MM-JJ, ex. 2020-03-17."),
    )
    ended_on = forms.DateField(
        label=_("Date de fin"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laissez vide si elle continue."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("La date de fin précède la date de début."))
        return cleaned


class ContactItemForm(RelatedItemForm):
    ITEM_FIELDS = ("name", "role", "email", "phone", "publication_consent", "consent_date")
    name = forms.CharField(label=_("Nom de la personne"), max_length=200)
    role = forms.CharField(label=_("Fonction"), max_length=200, required=False)
    email = forms.EmailField(label=_("Adresse e-mail de la personne"), required=False)
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        validators=[
            RegexValidator(
                r"^\+?[0-9 .()-]{6,30}$",
                _("Un numéro de téléphone : chiffres, espaces, points, ex. 02 40 00 00 00."),
            )
        ],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    publication_consent = forms.BooleanField(
        label=_("La personne a accepté que ces coordonnées soient publiées"),
        required=False,
        help_text=_(
            "Sinon, elles ne sont jamais affichées : on lui écrit par le formulaire de "
            "contact de Maillage, qui transmet sans montrer son adresse."
        ),
    )
    consent_date = forms.DateField(
        label=_("Date de son accord"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Obligatoire si elle a accepté la publication. Format AAAA-MM-JJ."),
    )

    def clean(self):
        cleaned = super().clean()
        from maillage.contributions.additions import addition_validate

        if self.errors:
            return cleaned
        try:
            addition_validate(name="contacts", item=self.item())
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


RELATED_ITEM_FORMS: dict[str, type[RelatedItemForm]] = {
    "partners": PartnerItemForm,
    "value_examples": ValueExampleItemForm,
    "contacts": ContactItemForm,
    "resilience_initiatives": ResilienceItemForm,
}


def addition_form_class(name: str) -> type[forms.Form]:
    """The public form proposing a record of kind name: its fields, who proposes, honeypot."""
    return type(
        f"{RELATED_ITEM_FORMS[name].__name__}Proposal",
        (HoneypotMixin, RELATED_ITEM_FORMS[name], ProposerFieldsMixin),
        {},
    )
