"""Rate limits per token (and per signed-in person for browser calls)."""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import token_of

logger = logging.getLogger(__name__)


class PerTokenRateThrottle(SimpleRateThrottle):
    """N requests a minute per token: the token's own limit, else the site default."""

    scope = "api"

    def get_rate(self) -> str:
        return f"{settings.API_RATE_LIMIT_PER_MINUTE}/min"

    def allow_request(self, request, view) -> bool:
        token = token_of(request)
        if token is not None and token.rate_limit_per_minute:
            self.num_requests, self.duration = token.rate_limit_per_minute, 60
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache (Redis) is down or hung: redis errors, timeouts
            # Filing a fault matters more than counting requests: let it through, say so.
            logger.warning(
                "API rate limit not counted (%s: %s); request let through.",
                type(exc).__name__,
                exc,
            )
            return True

    def get_cache_key(self, request, view) -> str | None:
        token = token_of(request)
        if token is not None:
            return f"api-throttle:token:{token.pk}"
        if request.user.is_authenticated:
            return f"api-throttle:user:{request.user.pk}"
        return f"api-throttle:address:{self.get_ident(request)}"
