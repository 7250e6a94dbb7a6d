"""The filter form of /flux/ (a GET form whose fields are the feeds' parameters) and the
digest subscription form built on it."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.contributions.forms import HoneypotMixin, term_checkboxes
from maillage.following.filters import FilterError, FollowFilters
from maillage.following.models import Subscription
from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures.models import Term


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.code} · {obj.name}"


class FollowForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Région"),
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label=_("Toutes"),
    )
    department = DepartmentChoiceField(
        label=_("Département"),
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label=_("Tous"),
    )
    epci = forms.CharField(
        label=_("Intercommunalité"),
        required=False,
        max_length=200,
        help_text=_("Numéro SIREN (9 chiffres) ou nom exact de l'EPCI."),
    )
    commune = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=100,
        help_text=_("Code INSEE (5 caractères, ex. 44109) ou nom exact de la commune."),
    )
    theme = term_checkboxes(
        Term.Kind.THEME,
        _("Thématiques"),
        help_text=_("Aucune case cochée : toutes les thématiques."),
    )
    type = term_checkboxes(
        Term.Kind.TYPE, _("Types de structure"), help_text=_("Aucune case cochée : tous les types.")
    )

    def clean_epci(self) -> Epci | None:
        value = self.cleaned_data["epci"].strip()
        if not value:
            return None
        found = list(Epci.objects.filter(Q(code=value) | Q(name__iexact=value))[:2])
        if len(found) == 1:
            return found[0]
        raise forms.ValidationError(
            _("Intercommunalité introuvable : indiquez son numéro SIREN (9 chiffres).")
        )

    def clean_commune(self) -> Commune | None:
        value = self.cleaned_data["commune"].strip()
        if not value:
            return None
        commune = Commune.objects.filter(code=value.upper()).first()
        if commune:
            return commune
        found = list(Commune.objects.filter(name__iexact=value).select_related("department")[:6])
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(
                _("Commune introuvable : vérifiez l'orthographe ou indiquez son code INSEE.")
            )
        raise forms.ValidationError(
            _("Plusieurs communes portent ce nom : indiquez son code INSEE (%s).")
            % ", ".join(f"{c.name} ({c.department_id}) : {c.code}" for c in found[:5])
        )

    def filters(self) -> FollowFilters:
        """The checked filters of a valid form."""
        data = self.cleaned_data
        params = {
            "region": [data["region"].code] if data.get("region") else [],
            "department": [data["department"].code] if data.get("department") else [],
            "epci": [data["epci"].code] if data.get("epci") else [],
            "commune": [data["commune"].code] if data.get("commune") else [],
            "theme": [term.slug for term in data.get("theme") or []],
            "type": [term.slug for term in data.get("type") or []],
        }
        try:
            return FollowFilters.parse({k: v for k, v in params.items() if v})
        except FilterError as error:  # a value deleted between the form and now
            raise forms.ValidationError(str(error)) from error


class SubscriptionForm(HoneypotMixin, FollowForm):
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Elle ne sert qu'à cet envoi ; vous pourrez vous désabonner en un clic."),
    )
    frequency = forms.ChoiceField(
        label=_("Fréquence"),
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.WEEKLY,
        widget=forms.RadioSelect,
        help_text=_("Seulement s'il y a du nouveau : sinon, pas d'e-mail."),
    )
    field_order = ["email", "region", "department", "epci", "commune", "theme", "type", "frequency"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and self.filters().is_empty():
            raise forms.ValidationError(
                _(
                    "Choisissez au moins un territoire, une thématique ou un type de "
                    "structure : la lettre ne porte que sur ce que vous suivez."
                )
            )
        return cleaned
