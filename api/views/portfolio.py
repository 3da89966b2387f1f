"""A vendor manager's overview of their contracts: the portal's /portfolio/ as JSON."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import token_of
from api.serializers.portfolio import PortfolioSerializer
from reports.policy import may_see_portfolio
from reports.portfolio import portfolio


class PortfolioView(APIView):
    @extend_schema(
        summary="A vendor manager's contracts in force: compliance this quarter, open tickets "
        "and breaches now, on-site days and person-days this service year",
        description=(
            "The portal's overview (/portfolio/), with the figures each contract's dashboard "
            "shows. For the vendor's managers: a token sees its own organisation's contracts."
        ),
        operation_id="portfolio_retrieve",
        responses={200: PortfolioSerializer},
        tags=["reports"],
    )
    def get(self, request):
        token = token_of(request)
        organization = None if token is None else token.organization_id
        if not may_see_portfolio(request.user, organization):
            raise PermissionDenied(_("The overview of contracts is for the vendor's managers."))
        vendors = None if organization is None else [organization]
        overview = portfolio(request.user, timezone.now(), vendors)
        return Response(PortfolioSerializer(overview).data)
