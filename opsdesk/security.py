"""Content-Security-Policy and Permissions-Policy on every response.

OpsDesk's pages load scripts, styles, fonts and images only from OpsDesk itself and have no
inline script, no `<style>` element, no `style=` attribute and no `on…=` handler
(tests/test_security_headers.py scans the templates), so the policy allows nothing inline.
htmx is configured (base.html) not to inject its indicator styles and not to eval.

One exception, for the API documentation alone (`/api/docs/`): Swagger UI and Redoc are
third-party pages served from drf-spectacular-sidecar, and drf-spectacular's templates start
them with an inline `<script>` and style the page with an inline `<style>`. For those paths the
policy lists the SHA-256 of each inline block of that very response, so only the blocks
OpsDesk sent may run, never injected ones. Redoc also injects its styles at run time
(styled-components), which no hash can name, so its page alone allows inline styles, and
runs its search in a `blob:` worker. Nothing is loaded from the internet either way: Redoc's
web fonts from Google are blocked and it falls back to local fonts.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.conf import settings

Policy = dict[str, list[str]]

POLICY: Policy = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Extra sources, by path prefix, for the third-party pages described above (longest first).
RELAXED: list[tuple[str, Policy]] = [
    ("/api/docs/redoc/", {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}),
    ("/api/docs/", {}),
]
HASH_INLINE_BLOCKS_UNDER = "/api/docs/"

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
DEBUG_PAGE_STATUSES = (404, 500)

_INLINE = re.compile(
    r"<(?P<tag>script|style)\b(?P<attrs>[^>]*)>(?P<body>.*?)</(?P=tag)\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _sha256_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_block_hashes(html: str) -> Policy:
    """The hash sources allowing each inline <script> and <style> block of a page as sent."""
    sources: Policy = {"script-src": [], "style-src": []}
    for match in _INLINE.finditer(html):
        if match["tag"].lower() == "script" and re.search(r"\bsrc\s*=", match["attrs"], re.I):
            continue
        if not match["body"].strip():
            continue
        directive = "script-src" if match["tag"].lower() == "script" else "style-src"
        sources[directive].append(_sha256_source(match["body"]))
    return sources


def policy_for(path: str, html: str | None = None) -> str:
    policy = {directive: list(sources) for directive, sources in POLICY.items()}
    for prefix, extra in RELAXED:
        if path.startswith(prefix):
            for directive, sources in extra.items():
                policy.setdefault(directive, []).extend(sources)
            break
    if html is not None and path.startswith(HASH_INLINE_BLOCKS_UNDER):
        for directive, sources in inline_block_hashes(html).items():
            # A hash would switch 'unsafe-inline' off where it is allowed on purpose.
            if "'unsafe-inline'" not in policy[directive]:
                policy[directive].extend(sources)
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Sets the policy unless a view set its own (a stricter one, say, for a download)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in DEBUG_PAGE_STATUSES:
            # Development only: Django's technical 404 and 500 pages are styled and
            # scripted inline, and a developer needs them readable.
            response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
            return response
        if "Content-Security-Policy" not in response:
            html = None
            if (
                request.path.startswith(HASH_INLINE_BLOCKS_UNDER)
                and response.get("Content-Type", "").startswith("text/html")
                and not response.streaming
            ):
                html = response.content.decode(response.charset or "utf-8", errors="replace")
            response["Content-Security-Policy"] = policy_for(request.path, html)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
