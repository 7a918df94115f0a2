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
