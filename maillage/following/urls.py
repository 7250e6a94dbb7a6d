"""URLs of the feeds and e-mail digests (/flux/)."""

from django.urls import path

from maillage.following import views
from maillage.following.feeds import ItemsFeed

app_name = "following"

urlpatterns = [
    path("flux/", views.feeds_page, name="feeds"),
    path("flux/<slug:slug>.atom", ItemsFeed(), name="feed"),
    path("flux/abonnement/", views.subscribe, name="subscribe"),
    path("flux/abonnement/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("flux/abonnement/desabonner/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
