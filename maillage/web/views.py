"""Public pages. Placeholder views until the web layer lands."""

from django.http import HttpResponse


def home(request):
    return HttpResponse("Maillage")


def search(request):
    return HttpResponse("")


def structure_detail(request, key):
    return HttpResponse(key)
