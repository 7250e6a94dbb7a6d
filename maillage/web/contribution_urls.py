"""URLs of contributions, accounts, editions and personal data (French paths)."""

from django.urls import path

from maillage.web import (
    account_views,
    addition_views,
    contribution_views,
    edition_views,
    history_views,
    personal_data_views,
)

app_name = "contributions"

urlpatterns = [
    path("contribuer/", contribution_views.propose, name="propose"),
    path("contribuer/merci/", contribution_views.thanks, name="thanks"),
    path("contribuer/doublons/", contribution_views.duplicates, name="duplicates"),
    path("contribuer/defi/", contribution_views.challenge, name="challenge"),
    path("structures/<str:key>/corriger/", contribution_views.correct, name="correct"),
    path("structures/<str:key>/historique/", history_views.structure_history, name="history"),
    path(
        "structures/<str:key>/ajouter/<str:segment>/",
        addition_views.add_related,
        name="add_related",
    ),
    path("structures/<str:key>/contacter/", contribution_views.contact, name="contact"),
    path("structures/<str:key>/modifier/", account_views.edit, name="edit"),
    path("structures/<str:key>/gerer/", account_views.claim, name="claim"),
    path("gerer/confirmer/<str:token>/", account_views.claim_confirm, name="claim_confirm"),
    path("compte/", account_views.account, name="account"),
    path("compte/connexion/", account_views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", account_views.LogoutView.as_view(), name="logout"),
    path("compte/inscription/", account_views.signup, name="signup"),
    path("compte/activer/<str:uidb64>/<str:token>/", account_views.activate, name="activate"),
    path(
        "compte/mot-de-passe/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "compte/mot-de-passe/envoye/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/mot-de-passe/termine/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("editions/", edition_views.edition_list, name="editions"),
    path("editions/comparer/", edition_views.edition_compare, name="edition_compare"),
    path("editions/publier/", edition_views.edition_publish, name="edition_publish"),
    path("editions/<slug:slug>/", edition_views.edition_detail, name="edition_detail"),
    path(
        "editions/<slug:slug>/donnees.<str:format_name>",
        edition_views.edition_download,
        name="edition_download",
    ),
    path("donnees-personnelles/", personal_data_views.erasure, name="erasure"),
    path(
        "donnees-personnelles/confirmer/<str:token>/",
        personal_data_views.erasure_confirm,
        name="erasure_confirm",
    ),
]
