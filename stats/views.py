from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/dashboard.html", {})


def stats_page(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/stats.html", {})
