"""Tenant isolation (等保 2.0 level 3): no hospital or vendor ever reaches another's records.

The matrix is generated at collection time from the URL configuration itself
(`django.urls.get_resolver()`): every route of the API, the portal and the admin is one of

- an *object route*: it names a record (`pk`, `number`, `code`, `attachment_pk`, `result_id`,
  `delivery_pk`, `object_id` …). Each caller asks for a record of a contract they are not
  party to, with every method the route accepts (GET, and POST/PATCH/DELETE with a small body
  that would succeed on their own record), and must get 404 or 403 (the admin's "no such
  object" redirect), never a success and never a 500; no answer may carry the record's text,
  and no write may reach the other party's rows. Routes that name a parent and a child
  (`/tickets/{id}/attachments/{attachment_pk}/`) are asked a second time with the caller's own
  parent and the other party's child;
- a *list route*: the caller reads it with filters pointing at the other party (its contract,
  system, hospital, patient's name) and nothing of the other party may appear; a list route
  that creates (`POST /api/v1/tickets/` …) is posted to with references to the other party's
  contract and system, and nothing may be created there;
- or explicitly allowed below, with the reason it holds nothing to isolate.

A new route is therefore covered the day it is added: it matches a rule of OBJECT_RULES and is
attacked, or it has no object parameter and is read as a list, or
`test_every_route_is_attacked_or_explicitly_allowed` fails until someone decides.

The records are those of tests/security/conftest.py: each tenant's ticket, comment, worklog,
attachment, inspection with results and report, service report and its PDF, webhooks and a
delivery, knowledge article, system, API token … all carrying one made-up patient's name.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, unquote

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import User
from api.models import ApiToken
from api.tokens import issue_token, token_for
from contracts.models import Contract, CoveredSystem, Membership, Organization, ServiceClass
from inspections.models import Inspection, InspectionEvent, InspectionResult
from knowledge.models import Article
from notifications.models import Channel
from reports.models import ReportFile, ServiceReport
from tests.security.conftest import Tenant, World, add_member, found_in, shared_world
from tickets import consent_links
from tickets.actions import ACTIONS_BY_SLUG
from tickets.models import Attachment, Event, Outage, Ticket, Worklog
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


# --- the routes, from the URL configuration ------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # as the resolver spells it: "api/v1/tickets/<int:pk>/", "api/v1/^systems/…$"
    name: str
    params: tuple[str, ...]
    methods: tuple[str, ...]

    @property
    def area(self) -> str:
        if self.pattern.startswith("api/"):
            return "api"
        if self.pattern.startswith("admin/"):
            return "admin"
        return "page"

    def url(self, values: dict[str, object]) -> str:
        def value(match: re.Match) -> str:
            return quote(str(values[match[1]]), safe="")

        path = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", value, self.pattern)
        path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
        return "/" + path.replace("^", "").replace("$", "")


def _method_list(callback) -> tuple[str, ...] | None:
    """`require_http_methods` keeps its list in its closure; look through the decorators."""
    function = callback
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = function.__closure__[code.co_freevars.index("request_method_list")]
            return tuple(method.upper() for method in cell.cell_contents)
        function = getattr(function, "__wrapped__", None)
    return None


def accepted_methods(callback) -> tuple[str, ...]:
    """The methods a view answers (HEAD and OPTIONS aside)."""
    handlers = ("get", "post", "put", "patch", "delete")
    actions = getattr(callback, "actions", None)  # a DRF viewset route
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        allowed = getattr(view_class, "http_method_names", handlers)
        return tuple(m.upper() for m in handlers if m in actions and m in allowed)
    if view_class is not None:
        allowed = getattr(view_class, "http_method_names", handlers)
        return tuple(m.upper() for m in handlers if m in allowed and hasattr(view_class, m))
    listed = _method_list(callback)
    if listed is not None:
        return tuple(m for m in listed if m.lower() in handlers)
    # A plain function view (or the admin's) answers every method; it acts on a POST only if
    # its code reads one. Those that do not render the same page for a POST as for a GET.
    return ("GET", "POST") if _reads_post(callback) else ("GET",)


def _reads_post(callback) -> bool:
    function = callback
    while getattr(function, "__wrapped__", None) is not None:
        function = function.__wrapped__
    function = getattr(function, "__func__", function)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return True  # cannot tell: send both
    return "POST" in source or "request.method" in source


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            params = tuple(
                dict.fromkeys(
                    re.findall(r"(?<!\?P)<(?:\w+:)?(\w+)>", pattern)
                    + re.findall(r"\(\?P<(\w+)>", pattern)
                )
            )
            yield Route(
                pattern=pattern,
                name=f"{namespace}{entry.name or ''}",
                params=params,
                methods=accepted_methods(entry.callback),
            )


@cache
def all_routes() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver()))


# Routes with nothing to isolate, and why. Everything else is attacked.
ALLOWED = {
    r"^accounts/login/$": "the sign-in page: no record before signing in",
    r"^accounts/logout/$": "signing out",
    r"^accounts/password/$": "the person's own password",
    r"^(api/v1/me/notification-preferences|notifications/preferences)/$": "the person's own "
    "notification preferences: no record of a contract (tests/notifications/test_preferences)",
    r"^i18n/setlang/$": "the language switch",
    r"^api/v1/schema/$": "the OpenAPI schema, the same for everyone",
    r"^api/docs/": "the API documentation, the same for everyone",
    r"^api/v1/checklists/<int:pk>/$": "checklists are one catalogue shared by every contract",
    r"^admin/(login|logout|password_change|password_change/done|jsi18n)/$": "the admin's own "
    "sign-in, sign-out, password and translations",
    r"^admin/\^\(\?P<app_label>": "an admin section's index: model names only",
    r"^admin/\(\?P<url>": "the admin's catch-all: an unknown admin address is 404",
    r"^intake/wecom/<int:app_id>/callback/$": "WeCom's callback: no session, each app's "
    "callbacks are authenticated by its own Token and EncodingAESKey and act only for the "
    "sender it binds (tests/intake/test_wecom_callback.py)",
}
# Texts of another party that a route shows by design, and why: the check still looks there
# for every patient's name and ticket number, only not for these names.
# (None today: the checklist catalogue named two hospitals until its texts were made neutral,
# which inspections.models.checklists now enforces.)
SHARED_NAMES: dict[str, str] = {}
# Admin models that are one catalogue for everybody: nothing of a tenant in them.
ADMIN_SHARED = {
    "auth.group": "permission groups, the same for every organisation",
    "sla.servicecalendar": "service calendars, shared by every contract",
    "sla.holidaydate": "the State Council's public holidays",
    "sla.holidayyear": "which years' holidays are published",
    "sla.calendarchange": "edits of the shared calendars",
    "sla.holidaynotice": "the State Council's notices as imported, for every contract",
    "inspections.checklisttemplate": "the shared checklist catalogue",
    "inspections.checklistsection": "the shared checklist catalogue",
    "webhooks.intranetnetwork": "intranet networks webhooks may reach: platform-wide, kept by "
    "platform administrators only",
}

# Object routes: which record each parameter names, by the route's pattern (first match wins,
# and a rule applies only when it names every parameter of the route).
OBJECT_RULES: list[tuple[str, dict[str, str]]] = [
    (r"^api/v1/tickets/<int:pk>/consents/<int:cid>/", {"pk": "consent_ticket", "cid": "consent"}),
    (r"^api/v1/tickets/<int:pk>/", {"pk": "ticket", "attachment_pk": "attachment"}),
    (r"^api/v1/inspections/<int:pk>/", {"pk": "inspection", "result_id": "result"}),
    (r"^api/v1/reports/files/<int:pk>/", {"pk": "report_file"}),
    (r"^api/v1/reports/<int:pk>/", {"pk": "report"}),
    (r"^api/v1/triage/<int:pk>/", {"pk": "triage"}),
    (r"^intake/triage/<int:pk>/", {"pk": "triage"}),
    (r"^api/v1/\^contracts/", {"code": "contract"}),
    (r"^api/v1/contracts/<slug:code>/", {"code": "contract"}),
    (r"^api/v1/\^systems/", {"pk": "system"}),
    (r"^api/v1/\^webhooks/", {"pk": "webhook", "delivery_pk": "delivery"}),
    (r"^contracts/<slug:code>/reports/files/<int:pk>/", {"code": "contract", "pk": "report_file"}),
    (r"^contracts/<slug:code>/reports/<int:pk>/", {"code": "contract", "pk": "report"}),
    (r"^contracts/<slug:code>/", {"code": "contract"}),
    (r"^tickets/<str:number>/attachments/", {"number": "ticket_number", "pk": "attachment"}),
    (r"^tickets/<str:number>/consents/", {"number": "consent_ticket_number", "cid": "consent"}),
    (r"^tickets/<str:number>/", {"number": "ticket_number", "slug": "action"}),
    (r"^consent/<str:token>/", {"token": "consent_token"}),
    (r"^knowledge/draft-from/", {"ticket_number": "ticket_number"}),
    (r"^knowledge/<int:pk>/", {"pk": "article"}),
    (r"^inspections/<int:pk>/", {"pk": "inspection"}),
    (r"^admin/r/", {"content_type_id": "admin_content_type", "object_id": "admin_object"}),
    (r"^admin/\w+/\w+/<id>/", {"id": "admin_object"}),
    (r"^admin/\w+/\w+/<path:object_id>/", {"object_id": "admin_object"}),
]
# A child record is asked for under the caller's own parent too.
CHILD_KINDS = {"attachment", "result", "delivery", "report", "report_file", "consent"}

# Each admin model's record of a tenant.
ADMIN_OBJECTS: dict[str, Callable[[Tenant], object]] = {
    "tickets.ticket": lambda t: t.ticket,
    "inspections.inspection": lambda t: t.inspection,
    "inspections.inspectionrule": lambda t: t.extra["rule"],
    "reports.servicereport": lambda t: t.service_report,
    "knowledge.article": lambda t: t.article,
    "webhooks.subscription": lambda t: t.hospital_webhook,
    "webhooks.delivery": lambda t: t.delivery,
    "contracts.contract": lambda t: t.contract,
    "contracts.coveredsystem": lambda t: t.system,
    "contracts.serviceclass": lambda t: t.extra["service_class"],
    "contracts.organization": lambda t: t.hospital,
    "notifications.channel": lambda t: t.extra["channel"],
    "notifications.notification": lambda t: t.extra["notification"],
    "notifications.wecomapp": lambda t: t.extra["wecom_app"],
    "intake.mailbox": lambda t: t.extra["triage"].mailbox,
    "api.apitoken": lambda t: ApiToken.objects.get(pk=t.token_id),
    "accounts.user": lambda t: t.extra["reporter"],
    # Apps that may not be installed (conftest makes their records when they are).
    "audit.auditentry": lambda t: t.extra.get("audit_entry"),
    "accounts.loginfailure": lambda t: t.extra.get("login_failure"),
}


def allowed(route: Route) -> str | None:
    for pattern, reason in ALLOWED.items():
        if re.search(pattern, route.pattern):
            return reason
    model = admin_model(route)
    if model in ADMIN_SHARED:
        return ADMIN_SHARED[model]
    return None


def admin_model(route: Route) -> str | None:
    match = re.match(r"^admin/(\w+)/(\w+)/", route.pattern)
    return f"{match[1]}.{match[2]}" if match else None


def object_kinds(route: Route) -> dict[str, str] | None:
    for pattern, kinds in OBJECT_RULES:
        if re.search(pattern, route.pattern) and set(route.params) <= set(kinds):
            named_by_admin = admin_model(route) if route.area == "admin" else None
            if named_by_admin and named_by_admin not in ADMIN_OBJECTS:
                return None
            return {param: kinds[param] for param in route.params}
    return None


def object_routes() -> list[Route]:
    return [r for r in all_routes() if r.params and allowed(r) is None]


def list_routes() -> list[Route]:
    return [r for r in all_routes() if not r.params and allowed(r) is None]


# --- who asks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    label: str
    username: str
    own: str  # the contract whose records are the caller's own (parents of the mixed cases)
    foreign: str  # the contract whose records the caller asks for
    token_for: str | None = None  # an API token acting within this organisation
    side: str = "hospital"

    @property
    def is_token(self) -> bool:
        return self.token_for is not None


CALLERS = [
    # A hospital's people ask for records of another hospital served by the same vendor.
    Caller("yn-reporter", "yn-reporter", "yn-his", "zj-einvoice"),
    Caller("yn-it", "yn-it", "yn-his", "zj-einvoice"),
    Caller("yn-admin", "yn-admin", "yn-his", "zj-einvoice"),
    # A vendor's people ask for records of another vendor's contract.
    Caller("ny-engineer", "ny-engineer", "yn-his", "cd-nutrition", side="vendor"),
    Caller("ny-dispatcher", "ny-dispatcher", "yn-his", "cd-nutrition", side="vendor"),
    Caller("ny-manager", "ny-manager", "yn-his", "cd-nutrition", side="vendor"),
    Caller("rk-engineer", "rk-engineer", "cd-nutrition", "zj-einvoice", side="vendor"),
    Caller("rk-dispatcher", "rk-dispatcher", "cd-nutrition", "zj-einvoice", side="vendor"),
    Caller("rk-manager", "rk-manager", "cd-nutrition", "zj-einvoice", side="vendor"),
    # API tokens of each side.
    Caller("token:yn-it", "yn-it", "yn-his", "zj-einvoice", token_for="YN"),
    Caller("token:ny-manager", "ny-manager", "yn-his", "cd-nutrition", "NYYX", side="vendor"),
    # A person of two organisations: the token acts for one of them only (api/scoping.py).
    Caller(
        "token:dual-hospital-it@YN", "dual-hospital-it", "yn-his", "zj-einvoice", token_for="YN"
    ),
    Caller("token:dual-engineer@NYYX", "dual-engineer", "yn-his", "cd-nutrition", "NYYX", "vendor"),
]
SESSION_CALLERS = [c for c in CALLERS if not c.is_token]
STAFF = {"yn-admin", "ny-manager", "rk-manager"}


def callers_for(route: Route) -> list[Caller]:
    if route.area == "admin":
        # Everyone else is sent to the admin's sign-in; one of them proves it.
        return [c for c in SESSION_CALLERS if c.username in STAFF or c.username == "yn-it"]
    if route.area == "page":
        return SESSION_CALLERS
    return CALLERS


@dataclass
class Asking:
    """A caller, ready: how to make a client, and what must never reach them."""

    caller: Caller
    session_key: str | None
    raw_token: str | None
    forbidden: list[str]
    own: Tenant
    foreign: Tenant
    signed_in: Client | None = None  # a client signed in already (the controls)

    def client(self) -> Client:
        if self.signed_in is not None:
            return self.signed_in
        if self.raw_token is not None:
            client = APIClient(raise_request_exception=False)
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.raw_token}")
            return client
        client = Client(raise_request_exception=False)
        client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
        return client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    with shared_world(django_db_blocker, tmp_path_factory.mktemp("media")) as built:
        # The two people of two organisations.
        for username, full_name in (("dual-hospital-it", "叶志坚"), ("dual-engineer", "倪荣康")):
            User.objects.create(username=username, full_name=full_name)
        add_member("dual-hospital-it", "YN", "hospital_it")
        add_member("dual-hospital-it", "ZJ", "hospital_it")
        add_member("dual-engineer", "NYYX", "engineer")
        add_member("dual-engineer", "RKYY", "engineer")
        yield built


def _forbidden(world: World, contracts: set[str], organizations: set[int]) -> list[str]:
    texts: list[str] = []
    for code, tenant in world.tenants.items():
        if code not in contracts:
            texts += tenant.texts(visible_organizations=organizations)
    return texts


@pytest.fixture(scope="module")
def asking(world, django_db_blocker) -> dict[str, Asking]:
    """Every caller signed in (or holding a token), built once for the module."""
    ready = {}
    with django_db_blocker.unblock():
        for caller in CALLERS:
            person = User.objects.get(username=caller.username)
            session_key = raw = None
            if caller.is_token:
                organization = Organization.objects.get(code=caller.token_for)
                _token, raw = issue_token(
                    user=person,
                    organization=organization,
                    name=f"matrix {caller.label}",
                    rate_limit_per_minute=1_000_000,
                )
                contracts = Contract.objects.filter(
                    Q(hospital=organization) | Q(vendor=organization)
                )
                organizations = (
                    {organization.pk}
                    | set(contracts.values_list("hospital_id", flat=True))
                    | set(contracts.values_list("vendor_id", flat=True))
                )
            else:
                client = Client()
                client.force_login(person)
                session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
                contracts = Contract.objects.visible_to(person)
                organizations = set(
                    Organization.objects.visible_to(person).values_list("pk", flat=True)
                )
            codes = set(contracts.values_list("code", flat=True))
            assert caller.own in codes and caller.foreign not in codes, caller
            ready[caller.label] = Asking(
                caller=caller,
                session_key=session_key,
                raw_token=raw,
                forbidden=_forbidden(world, codes, organizations),
                own=world.tenants[caller.own],
                foreign=world.tenants[caller.foreign],
            )
    return ready


# --- what is sent --------------------------------------------------------------------------------


def minimal_body(tenant: Tenant) -> dict:
    """A small body that most actions would accept on `tenant`'s own records: were the record
    reachable, the request would go through, so a 404 is the scope's doing, not the body's."""
    if "engineer" not in tenant.extra:  # read once for the module's world, not per request
        tenant.extra["engineer"] = (
            User.objects.filter(
                memberships__organization=tenant.vendor, memberships__role="engineer"
            )
            .order_by("pk")
            .first()
        )
    engineer = tenant.extra["engineer"]
    return {
        "note": "矩阵测试",
        "text": "矩阵测试",
        "reason": "矩阵测试",
        "title": "矩阵测试",
        "description": "矩阵测试",
        "problem": "矩阵测试",
        "solution": "矩阵测试",
        "improvements": "矩阵测试",
        "consent_by": "信息科",
        "satisfaction": 5,
        "mode": "on_site",
        "signer_name": "信息科",
        "engineer": engineer.pk,
        "level": 1,
        "contact_phone": "13800000000",
        "minutes": 30,
        "work_date": "2026-09-15",
        "url": "https://intruder.example.org/hook",
        "events": "ticket.created",
        "is_active": "false",
        "post": "yes",  # the admin's "yes, delete it"
    }


def create_body(foreign: Tenant, own: Tenant, *, mixed: bool) -> dict:
    """What a create form or endpoint is sent: the other party's contract and system, or (mixed)
    the caller's own contract with the other party's system and hospital."""
    level = ServiceClass.objects.filter(contract=foreign.contract).order_by("level").first()
    return {
        **minimal_body(foreign),
        "contract": (own if mixed else foreign).code,
        "system": foreign.system.pk,
        "hospital": foreign.hospital.pk,
        "service_class": level.pk,
        "level": level.level or 1,
        "kind": "quarterly",
        "year": 2026,
        "quarter": 3,
        "period": "2026-Q3",
        "due_on": "2026-10-30",
        "template": Inspection.objects.filter(contract=foreign.contract).first().template_id,
        "name": "矩阵测试",
    }


def send(client: Client, method: str, url: str, body: dict, *, api: bool):
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    if api:
        return getattr(client, method.lower())(url, body, content_type="application/json")
    if method == "POST":
        return client.post(url, body)
    form = "&".join(f"{name}={quote(str(value))}" for name, value in body.items())
    return getattr(client, method.lower())(
        url, form, content_type="application/x-www-form-urlencoded"
    )


def body_text(response) -> str:
    """All of an answer a person or system could read: headers that name things, and the body
    (an .xlsx unzipped)."""
    # (Reading a file response to its end closes it, as a WSGI server would. Closing it once
    # more would run close_old_connections, which on PostgreSQL closes the connection the
    # module's transaction lives in.)
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            content = b"".join(book.read(name) for name in book.namelist())
    headers = " ".join(
        f"{name}: {response.get(name, '')}" for name in ("Location", "Content-Disposition")
    )
    return headers + "\n" + content.decode("utf-8", "replace")


def fingerprint(tenant: Tenant) -> tuple:
    """The state of everything of the tenant's contract and hospital that a request could
    change, and of everything that points at them (a ticket filed on their system …)."""
    contract, hospital = tenant.contract, tenant.hospital
    systems = Q(system__hospital=hospital)
    return (
        list(
            Ticket.objects.filter(Q(contract=contract) | systems)
            .order_by("pk")
            .values_list(
                "pk",
                "state",
                "title",
                "description",
                "assignee_id",
                "service_class_id",
                "contact_phone",
            )
        ),
        Event.objects.filter(ticket__contract=contract).count(),
        Attachment.objects.filter(ticket__contract=contract).count(),
        Worklog.objects.filter(ticket__contract=contract).count(),
        list(
            Outage.objects.filter(ticket__contract=contract)
            .order_by("pk")
            .values_list("pk", "started_at", "ended_at", "partial")
        ),
        list(
            Inspection.objects.filter(Q(contract=contract) | systems)
            .order_by("pk")
            .values_list("pk", "state", "revision", "engineer_id", "signer_name")
        ),
        list(
            InspectionResult.objects.filter(inspection__contract=contract)
            .order_by("pk")
            .values_list("pk", "verdict", "note", "ticket_id")
        ),
        InspectionEvent.objects.filter(inspection__contract=contract).count(),
        list(
            ServiceReport.objects.filter(contract=contract)
            .order_by("pk")
            .values_list("pk", "improvements", "final_at")
        ),
        list(
            ReportFile.objects.filter(report__contract=contract)
            .order_by("pk")
            .values_list("pk", "state", "attempts")
        ),
        list(
            Subscription.objects.filter(Q(contract=contract) | Q(organization=hospital))
            .order_by("pk")
            .values_list("pk", "url", "name", "is_active", "secret", "events", "contract_id")
        ),
        list(
            Delivery.objects.filter(subscription__contract=contract)
            .order_by("pk")
            .values_list("pk", "status", "attempts")
        ),
        list(
            Article.objects.filter(Q(hospital=hospital) | systems)
            .order_by("pk")
            .values_list("pk", "version", "status", "title", "system_id")
        ),
        list(
            ApiToken.objects.filter(organization=hospital)
            .order_by("pk")
            .values_list("pk", "revoked_at", "name")
        ),
        list(
            Channel.objects.filter(contract=contract)
            .order_by("pk")
            .values_list("pk", "name", "is_active")
        ),
        list(
            ServiceClass.objects.filter(contract=contract).order_by("pk").values_list("pk", "name")
        ),
        list(Contract.objects.filter(pk=contract.pk).values_list("name", "starts_on", "ends_on")),
        list(Organization.objects.filter(pk=hospital.pk).values_list("name", "code")),
        list(
            User.objects.filter(memberships__organization=hospital)
            .order_by("pk")
            .values_list("pk", "password", "is_active", "is_staff", "is_superuser")
        ),
        Membership.objects.filter(organization=hospital).count(),
        # Records of other contracts that now point at this tenant: its levels, or its
        # vendor's people (another vendor's engineer assigned to a ticket).
        Ticket.objects.exclude(contract=contract).filter(service_class__contract=contract).count(),
        Ticket.objects.exclude(contract__vendor=tenant.vendor)
        .filter(assignee__memberships__organization=tenant.vendor)
        .count(),
        Inspection.objects.exclude(contract__vendor=tenant.vendor)
        .filter(engineer__memberships__organization=tenant.vendor)
        .count(),
    )


@dataclass
class Answer:
    method: str
    url: str
    status: int
    location: str
    leaked: list[str]
    changed: bool
    error: str


# Every table `fingerprint` reads, or filters through (a ticket's system names its hospital).
FINGERPRINTED = (
    Ticket, Event, Attachment, Worklog, Outage, Inspection, InspectionResult, InspectionEvent,
    ServiceReport, ReportFile, Subscription, Delivery, Article, ApiToken, Channel, ServiceClass,
    Contract, Organization, User, Membership, CoveredSystem,
)  # fmt: skip


def writes_to_fingerprinted_tables() -> tuple | None:
    """The rows inserted, updated and deleted so far in this transaction in each table the
    fingerprint reads (PostgreSQL's pg_stat_xact counters, which keep counting what a rolled
    back savepoint wrote); None on a database that does not count them."""
    if connection.vendor != "postgresql":
        return None
    tables = [model._meta.db_table for model in FINGERPRINTED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname = ANY(%s) ORDER BY relname",
            [tables],
        )
        return tuple(cursor.fetchall())


def ask(asking: Asking, method: str, url: str, body: dict, *, api: bool, watch: Tenant) -> Answer:
    """One request in a savepoint rolled back afterwards, so a leaked write cannot disturb the
    next request. Whether it changed the watched tenant: the fingerprint inside the savepoint
    against the fingerprint after its rollback (the state before the request). When the
    database counts no write at all to the fingerprinted tables, nothing of theirs changed,
    and the two fingerprints (two dozen queries each) are not read."""
    if method != "GET" and asking.raw_token is not None:
        # The token's own bookkeeping (last_used_at, written at most once a minute:
        # api/tokens.py) done here, outside the savepoint, where it is not rolled back; else
        # every write the token sends would count that write of its own and read both
        # fingerprints. A write the request itself makes is still counted.
        token_for(asking.raw_token)
    writes_before = writes_to_fingerprinted_tables() if method != "GET" else None
    after = None
    with transaction.atomic():
        response = send(asking.client(), method, url, body, api=api)
        text = body_text(response)
        if method != "GET" and response.status_code != 500:
            wrote = writes_before is None or writes_to_fingerprinted_tables() != writes_before
            if wrote:
                after = fingerprint(watch)
        transaction.set_rollback(True)
    changed = after is not None and fingerprint(watch) != after
    error = ""
    if response.status_code == 500 and getattr(response, "exc_info", None):
        error = repr(response.exc_info[1])
    return Answer(
        method=method,
        url=url,
        status=response.status_code,
        location=response.get("Location", ""),
        # What the caller typed into the URL themselves (a ticket number) is no news to them.
        leaked=found_in(text, [t for t in asking.forbidden if t not in unquote(url)]),
        changed=changed,
        error=error,
    )


# --- object routes -------------------------------------------------------------------------------


def _value(kind: str, tenant: Tenant, caller: Caller, *, own: bool, route: Route) -> object:
    if kind == "webhook":
        side = caller.side if own else "hospital"
        return (tenant.vendor_webhook if side == "vendor" else tenant.hospital_webhook).pk
    if kind == "admin_object":
        return ADMIN_OBJECTS[admin_model(route)](tenant).pk
    return {
        "contract": lambda: tenant.contract.code,
        "ticket": lambda: tenant.ticket.pk,
        "ticket_number": lambda: tenant.ticket.number,
        "attachment": lambda: tenant.attachment.pk,
        "inspection": lambda: tenant.inspection.pk,
        "result": lambda: tenant.result.pk,
        "report": lambda: tenant.service_report.pk,
        "report_file": lambda: tenant.report_file.pk,
        "system": lambda: tenant.system.pk,
        "delivery": lambda: tenant.delivery.pk,
        "article": lambda: tenant.article.pk,
        "triage": lambda: tenant.extra["triage"].pk,
        "consent": lambda: tenant.extra["consent"].pk,
        "consent_ticket": lambda: tenant.extra["consent"].ticket_id,
        "consent_ticket_number": lambda: tenant.extra["consent"].ticket.number,
        "consent_token": lambda: consent_links.token_for(tenant.extra["consent"]),
    }[kind]()


def urls_for(route: Route, asking: Asking) -> list[tuple[str, str]]:
    """(what is asked, the URL) for the route: the other party's record, and for a child record
    also under the caller's own parent; every action slug; every admin model for view_on_site."""
    kinds = object_kinds(route)
    assert kinds is not None
    caller, own, foreign = asking.caller, asking.own, asking.foreign
    variants: list[tuple[str, dict]] = []
    base = {
        param: _value(kind, foreign, caller, own=False, route=route)
        for param, kind in kinds.items()
        if kind not in ("action", "admin_content_type") and not route.pattern.startswith("admin/r/")
    }
    variants.append(("theirs", base))
    children = [param for param, kind in kinds.items() if kind in CHILD_KINDS]
    parents = [param for param, kind in kinds.items() if kind not in CHILD_KINDS]
    if children and parents:
        mixed = dict(base)
        for param in parents:
            if kinds[param] != "action":
                mixed[param] = _value(kinds[param], own, caller, own=True, route=route)
        variants.append(("my parent, their child", mixed))
    if "action" in kinds.values():
        param = next(p for p, k in kinds.items() if k == "action")
        variants = [
            (f"{label}, {slug}", {**values, param: slug})
            for label, values in variants
            for slug in sorted(ACTIONS_BY_SLUG)
        ]
    if route.pattern.startswith("admin/r/"):
        variants = [
            (
                f"theirs, {label}",
                {
                    "content_type_id": ContentType.objects.get_by_natural_key(*label.split(".")).pk,
                    "object_id": make(foreign).pk,
                },
            )
            for label, make in ADMIN_OBJECTS.items()
            if make(foreign) is not None
        ]
    return [(label, route.url(values)) for label, values in variants]


def _object_cases():
    for route in sorted(object_routes(), key=lambda r: r.pattern):
        if object_kinds(route) is None:
            continue  # test_every_route_is_attacked_or_explicitly_allowed says so
        for caller in callers_for(route):
            yield pytest.param(route, caller, id=f"{route.pattern} | {caller.label}")


def _acceptable(route: Route, answer: Answer) -> bool:
    if answer.status in (403, 404):
        return True
    if route.area == "admin" and answer.status == 302:
        # Django's admin answers "no such object" and "not staff" with a redirect: to its
        # index, to its sign-in, or (the bare object URL) to the same object's change page.
        location = answer.location.split("?")[0]
        return location in ("/admin/", "/admin/login/") or (
            location.endswith("/change/") and location.startswith("/admin/")
        )
    return False


@pytest.mark.parametrize(("route", "caller"), list(_object_cases()))
def test_another_partys_record_is_404_or_403_on_every_route(world, asking, route, caller):
    ready = asking[caller.label]
    failures = []
    for label, url in urls_for(route, ready):
        for method in route.methods:
            body = minimal_body(ready.foreign)
            answer = ask(ready, method, url, body, api=route.area == "api", watch=ready.foreign)
            problems = []
            if not _acceptable(route, answer):
                problems.append(f"answered {answer.status} {answer.location}".strip())
            if answer.leaked:
                problems.append(f"showed {answer.leaked}")
            if answer.changed:
                problems.append("changed the other party's records")
            if answer.error:
                problems.append(answer.error)
            if problems:
                failures.append(f"{method} {answer.url} ({label}): " + "; ".join(problems))
    assert not failures, (
        f"LEAK on route {route.pattern} ({route.name}) for {caller.label}:\n  "
        + "\n  ".join(failures)
    )


def _get_routes_for_control():
    for route in sorted(object_routes(), key=lambda r: r.pattern):
        if object_kinds(route) is not None and "GET" in route.methods:
            yield pytest.param(route, id=route.pattern)


@pytest.mark.parametrize("route", list(_get_routes_for_control()))
def test_the_records_the_matrix_asks_for_exist(world, asking, route):
    """Control: the other party's own hospital IT (in the admin, the platform administrator)
    reaches every record the matrix asks for, so the 404s above come from the scope, not
    from a wrong id."""
    foreign = asking["yn-it"].foreign
    # The admin by the platform administrator; the API and pages by the hospital's own IT.
    party = "admin" if route.area == "admin" else f"{foreign.code.split('-')[0]}-it"
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=party))
    ready = dataclasses.replace(asking["yn-it"], forbidden=[], signed_in=client)
    misses = []
    for label, url in urls_for(route, ready):
        if "my parent" in label:
            continue
        answer = ask(ready, "GET", url, {}, api=route.area == "api", watch=ready.foreign)
        # 403: found, but not for this role (hospital IT do not edit articles; nobody
        # deletes a ticket in the admin); a wrong id would be 404. The admin's bare object
        # URL leads to its change page.
        ok = answer.status in (200, 403) or (
            route.area == "admin" and answer.status == 302 and "/change/" in answer.location
        )
        if route.pattern.startswith("admin/r/"):
            ok = answer.status in (302, 404)  # a model without a page of its own is 404
        if not ok:
            misses.append(f"GET {url} ({label}): {answer.status} {answer.location}")
    assert not misses, "\n".join(misses)


# --- the caller's own records never take the other party's ---------------------------------------


# Callers with wide rights on their own records (assign, change levels, manage webhooks, edit
# articles …), each with a stranger: a contract with no party in common with their own.
OWNERS = {"rk-manager": "zj-einvoice", "yn-it": "cd-nutrition", "token:ny-manager": "cd-nutrition"}


def own_urls(route: Route, asking: Asking) -> list[tuple[str, str]]:
    kinds = object_kinds(route)
    values = {
        param: _value(kind, asking.own, asking.caller, own=True, route=route)
        for param, kind in kinds.items()
        if kind != "action"
    }
    slugs = [slug for slug in sorted(ACTIONS_BY_SLUG)] if "action" in kinds.values() else [None]
    param = next((p for p, k in kinds.items() if k == "action"), None)
    return [
        (
            f"mine, {slug}" if slug else "mine",
            route.url({**values, **({param: slug} if slug else {})}),
        )
        for slug in slugs
    ]


def _own_cases():
    for route in sorted(object_routes(), key=lambda r: r.pattern):
        writes = set(route.methods) & {"POST", "PATCH", "PUT", "DELETE"}
        if route.area != "admin" and writes and object_kinds(route) is not None:
            for caller in CALLERS:
                if caller.label in OWNERS and (route.area == "api" or not caller.is_token):
                    yield pytest.param(route, caller, id=f"{route.pattern} | {caller.label}")


@pytest.mark.parametrize(("route", "caller"), list(_own_cases()))
def test_my_records_never_take_another_partys_references(world, asking, route, caller):
    """Acting on one's own record with the ids of another party's engineer, result, system,
    level or contract in the body links nothing of theirs to it and changes nothing of theirs."""
    ready = dataclasses.replace(asking[caller.label], foreign=world.tenants[OWNERS[caller.label]])
    stranger = ready.foreign
    body = {
        **create_body(stranger, ready.own, mixed=False),
        "answers": [{"id": stranger.result.pk, "passed": False, "note": "矩阵测试"}],
        "result": stranger.result.pk,
        "service_class": stranger.extra["service_class"].code,
    }
    failures = []
    for label, url in own_urls(route, ready):
        for method in sorted(set(route.methods) - {"GET"}):
            answer = ask(ready, method, url, body, api=route.area == "api", watch=stranger)
            problems = []
            if answer.status >= 500:
                problems.append(f"answered {answer.status} {answer.error}")
            if answer.changed:
                problems.append(f"linked or changed {stranger.code}'s records")
            if answer.leaked:
                problems.append(f"showed {answer.leaked}")
            if problems:
                failures.append(f"{method} {url} ({label}): " + "; ".join(problems))
    assert not failures, f"LEAK on {route.pattern} for {caller.label}:\n  " + "\n  ".join(failures)


# --- list routes ---------------------------------------------------------------------------------


def list_queries(route: Route, foreign: Tenant) -> list[str]:
    engineer = minimal_body(foreign)["engineer"]
    queries = [
        "show=all&status=all",  # every row the list has, finished ones too
        f"contract={foreign.code}",
        f"system={foreign.system.pk}",
        f"hospital={foreign.hospital.code}",
        f"assignee={engineer}",
        f"q={quote(foreign.marker)}",  # a search (knowledge, admin) for the patient's name
    ]
    if route.area == "admin":
        queries = ["", f"q={quote(foreign.marker)}"]
        if route.pattern == "admin/autocomplete/":
            queries = [
                f"app_label={app}&model_name={model}&field_name={field}&term={quote(term)}"
                for app, model, field in autocomplete_fields()
                for term in ("", foreign.marker)
            ]
    if "export" in route.pattern:
        # Every filter as CSV; the workbook once, unfiltered.
        queries = [f"{q}&format=csv" for q in queries] + ["show=all&format=xlsx"]
    return queries


@cache
def autocomplete_fields() -> list[tuple[str, str, str]]:
    """Every (app, model, field) the admin offers an autocomplete for."""
    found = []
    for model, model_admin in admin.site._registry.items():
        for owner in [model_admin, *[inline(model, admin.site) for inline in model_admin.inlines]]:
            for field in owner.autocomplete_fields:
                meta = owner.model._meta
                found.append((meta.app_label, meta.model_name, field))
    return sorted(set(found))


def _list_cases():
    for route in sorted(list_routes(), key=lambda r: r.pattern):
        if "GET" in route.methods:
            for caller in callers_for(route):
                yield pytest.param(route, caller, id=f"{route.pattern} | {caller.label}")


def _names_shown_by_design(route: Route, world: World) -> set[str]:
    if not any(re.search(pattern, route.pattern) for pattern in SHARED_NAMES):
        return set()
    return {name for t in world.tenants.values() for name in (t.hospital.name, t.contract.name)}


@pytest.mark.parametrize(("route", "caller"), list(_list_cases()))
def test_lists_never_show_another_partys_rows(world, asking, route, caller):
    ready = asking[caller.label]
    shown = _names_shown_by_design(route, world)
    if shown:
        ready = dataclasses.replace(ready, forbidden=[t for t in ready.forbidden if t not in shown])
    failures = []
    for query in list_queries(route, ready.foreign):
        url = route.url({}) + (f"?{query}" if query else "")
        answer = ask(ready, "GET", url, {}, api=route.area == "api", watch=ready.foreign)
        if answer.status >= 500 or answer.leaked:
            failures.append(f"GET {url}: {answer.status} {answer.leaked} {answer.error}")
    assert not failures, f"LEAK on list {route.pattern} for {caller.label}:\n  " + "\n  ".join(
        failures
    )


def _create_cases():
    for route in sorted(list_routes(), key=lambda r: r.pattern):
        if set(route.methods) & {"POST", "PUT", "PATCH", "DELETE"}:
            for caller in callers_for(route):
                yield pytest.param(route, caller, id=f"{route.pattern} | {caller.label}")


@pytest.mark.parametrize(("route", "caller"), list(_create_cases()))
def test_nothing_is_created_under_another_party(world, asking, route, caller):
    """A create endpoint or form sent the other party's contract, system or hospital (or the
    caller's own contract with the other party's system) refuses, and nothing of the other
    party changes."""
    ready = asking[caller.label]
    failures = []
    for mixed in (False, True):
        body = create_body(ready.foreign, ready.own, mixed=mixed)
        for method in sorted(set(route.methods) - {"GET"}):
            answer = ask(
                ready, method, route.url({}), body, api=route.area == "api", watch=ready.foreign
            )
            problems = []
            if answer.status >= 500:
                problems.append(f"answered {answer.status} {answer.error}")
            if not mixed and route.area == "api" and 200 <= answer.status < 300:
                # (With the caller's own contract the request may well succeed, e.g. a report
                # of their own contract: what matters is that nothing of the other party
                # changed.)
                problems.append(f"answered {answer.status}")
            if answer.changed:
                problems.append("changed the other party's records")
            if answer.leaked:
                problems.append(f"showed {answer.leaked}")
            if problems:
                label = "my contract, their system" if mixed else "their contract"
                failures.append(f"{method} {answer.url} ({label}): " + "; ".join(problems))
    assert not failures, f"LEAK on {route.pattern} for {caller.label}:\n  " + "\n  ".join(failures)


# --- the matrix covers everything ----------------------------------------------------------------


def test_every_route_is_attacked_or_explicitly_allowed():
    """A route that names a record but matches no rule would escape the matrix: name the
    record its parameters stand for in OBJECT_RULES (or allow it, saying why)."""
    unmapped = [
        f"{route.pattern} ({route.name}) params={route.params}"
        for route in object_routes()
        if object_kinds(route) is None
    ]
    assert not unmapped, "Routes the isolation matrix cannot attack:\n  " + "\n  ".join(unmapped)


def test_the_matrix_reaches_the_api_the_portal_and_the_admin():
    areas = {route.area for route in object_routes()}
    assert areas == {"api", "page", "admin"}
    names = {route.name for route in object_routes()}
    for expected in (
        "api:ticket-attachment-download",
        "api:inspection-result-ticket",
        "api:webhook-redeliver",
        "api:report-file-download",
        "ticket-attachment",
        "contract-report-file-download",
        "knowledge-detail",
        "inspection-report",
    ):
        assert expected in names


# --- the leak detector sees what it looks for ----------------------------------------------------


@pytest.mark.parametrize(
    ("label", "url"),
    [
        ("yn-it", "/tickets/?show=all"),
        ("yn-it", "/tickets/export/?show=all&format=csv"),
        ("yn-it", "/tickets/export/?show=all&format=xlsx"),
        ("ny-engineer", "/queue/"),
        ("ny-dispatcher", "/dispatch/"),
        ("yn-it", "/knowledge/"),
        ("token:yn-it", "/api/v1/tickets/"),
        ("token:ny-manager", "/api/v1/webhooks/"),
        ("token:yn-it", "/api/v1/tickets/export/?format=xlsx"),
        ("ny-manager", "/admin/knowledge/article/"),
        ("yn-admin", "/admin/webhooks/subscription/"),
    ],
)
def test_a_partys_own_records_are_found_by_the_leak_detector(world, asking, label, url):
    """Control: the same search finds the caller's own patient where it is allowed to be, so
    an empty search above means nothing leaked, not that nothing was looked for."""
    ready = asking[label]
    own = dataclasses.replace(ready, forbidden=[ready.own.marker])
    answer = ask(own, "GET", url, {}, api=url.startswith("/api/"), watch=ready.foreign)
    assert answer.status == 200
    assert answer.leaked == [ready.own.marker]


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("yn-it", {"text": "矩阵测试：自己的评论"}),  # a comment: a row of the timeline
        ("token:yn-it", {"text": "矩阵测试：自己的评论"}),
    ],
)
def test_a_write_to_the_watched_tenant_is_seen_by_the_change_detector(world, asking, label, body):
    """Control: a request that does write to the watched tenant's records (the caller's own
    ticket, commented on) is reported as a change, so `changed` False above means nothing was
    written there, not that the detector looked away."""
    ready = asking[label]
    ticket = ready.own.ticket
    api = label.startswith("token:")
    url = f"/api/v1/tickets/{ticket.pk}/comments/" if api else f"/tickets/{ticket.number}/comment/"
    answer = ask(ready, "POST", url, body, api=api, watch=ready.own)
    assert answer.status in (200, 201, 302), answer
    assert answer.changed


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("yn-reporter", "/search/"),
        ("yn-it", "/search/"),
        ("ny-engineer", "/search/"),
        ("rk-dispatcher", "/search/"),
        ("token:yn-it", "/api/v1/tickets/search/"),
        ("token:ny-manager", "/api/v1/tickets/search/"),
    ],
)
def test_the_search_finds_the_callers_own_patient_and_never_another_partys(
    world, asking, label, path
):
    """Control for the search box: the patient's name of every tenant is written in a title,
    a description and a comment; searching for it finds the caller's own ticket (its number
    is on the answer), and searching for another party's finds nothing of theirs. (The
    name searched for is in the URL, which the leak detector rightly does not count.)"""
    ready = asking[label]
    own = dataclasses.replace(ready, forbidden=[ready.own.ticket.number])
    url = f"{path}?q={quote(ready.own.marker)}"
    answer = ask(own, "GET", url, {}, api=path.startswith("/api/"), watch=ready.foreign)
    assert answer.status == 200
    assert answer.leaked == [ready.own.ticket.number]
    foreign = ask(
        ready,
        "GET",
        f"{path}?q={quote(ready.foreign.marker)}",
        {},
        api=path.startswith("/api/"),
        watch=ready.foreign,
    )
    assert foreign.status == 200 and not foreign.leaked


def test_the_admins_view_on_site_leads_only_to_records_its_admin_lists(world, asking):
    """opsdesk/urls.py: Django's own view-on-site redirect told any staff member where another
    hospital's record lives (/tickets/ZJ-2026-00001/); OpsDesk's answers a party only."""
    ready = asking["ny-manager"]
    kind = ContentType.objects.get_for_model(Article).pk
    mine = ask(
        ready, "GET", f"/admin/r/{kind}/{ready.own.article.pk}/", {}, api=False, watch=ready.foreign
    )
    theirs = ask(
        ready,
        "GET",
        f"/admin/r/{kind}/{ready.foreign.article.pk}/",
        {},
        api=False,
        watch=ready.foreign,
    )
    assert (mine.status, mine.location) == (
        302,
        f"http://testserver/knowledge/{ready.own.article.pk}/",
    )
    assert (theirs.status, theirs.location) == (404, "")
