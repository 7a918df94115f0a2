"""Response headers beyond Django's own: a tight policy for SVG figures."""

# Matplotlib's SVGs carry a <style> element and style attributes, and nothing
# else they need; opened on their own, they may run nothing and load nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


class SvgPolicyMiddleware:
    """Give every SVG response its own Content-Security-Policy.

    Sits inside django-csp's middleware, which leaves a policy already set alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("image/svg+xml"):
            response["Content-Security-Policy"] = SVG_POLICY
        return response


# django-axes keeps the username of a failed login in a 255-character column and
# takes it from the raw POST, before the form checks its length: a longer one is a
# 500 on PostgreSQL. No account has a username past User's 150 characters, so the
# first 150 name the attempt as well as the whole would.
LOGIN_USERNAME_LENGTH = 150


def login_attempt_username(request, credentials) -> str | None:
    """The username axes records for a login attempt, cut to a length an account can have."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if username is None:
        return None
    return str(username)[:LOGIN_USERNAME_LENGTH]
