"""Requests refused before any view sees them, with a page that says why.

A NUL character in a query or form parameter is never typed by a person (it
comes from a broken client or a probe), and PostgreSQL refuses it in text, so
a view that passed it on would answer 500. One check here covers every view.
"""

from django.shortcuts import render

NUL = "\x00"


def _has_nul(params) -> str | None:
    for key, values in params.lists():
        if NUL in key or any(NUL in value for value in values):
            return key.replace(NUL, "\\0")
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _has_nul(request.GET)
        if field is None and request.method == "POST" and _is_form(request):
            field = _has_nul(request.POST)
        if field is not None:
            message = f"The field “{field}” holds a NUL character (\\0), which no field accepts."
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


def _is_form(request) -> bool:
    kind = request.content_type or ""
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")
