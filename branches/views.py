from django.shortcuts import render

from .home import panels_for


def home(request):
    return render(request, "home.html", {"panels": panels_for(request)})
