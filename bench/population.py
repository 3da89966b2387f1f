"""A hospital group's three years of history in PostgreSQL, filled fast.

`DATABASE_URL=postgres://…/opsdesk_bench_1000000 python -m bench.population 1000000`

One vendor (南粤医信, NYYX) serves 50 hospitals under 200 contracts, copies of the five demo
contracts with their own service-class tables and calendars. Tickets are spread over the three
years before the reference time, more of them in working hours and on working days; their
levels, states and timings follow what a vendor's history looks like (few level-1 faults,
most tickets closed within their clocks, some late), and 5 % of them are still open, most of
those recent. Each ticket has its clocks, computed with the real service calendars, and a
timeline of 2–6 events; level-1 faults record an outage, on-site work a worklog, a held
ticket its open pause.

Rows go in with COPY, in the order and shape the services would have written them. The
database is made afresh (dropped and migrated) unless it already holds this population:
the table bench_population records what was generated and when, and the reference time
every measurement of it uses.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
GENERATOR_VERSION = 2
HOSPITALS = 50
CONTRACTS_PER_HOSPITAL = 4
ENGINEERS = 40
YEARS = 3
OPEN_SHARE = 0.05
BATCH = 20_000
SEED = 20261130
# The reference "now" of every population: fixed, so that a benchmark measures the same
# history whenever it runs (the sweep is asked about this instant, not the wall clock).
REFERENCE_TIME = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
VENDOR = "NYYX"

# Relative weight of each service-class kind and fault level in a vendor's history.
LEVEL_WEIGHTS = {1: 1.0, 2: 9.0, 3: 45.0, 4: 25.0}
OTHER_KIND_WEIGHTS = {"service_request": 20.0, "consultation": 6.0, "change": 2.0}
# Reports by hour of day (working hours heavy) and by weekday (weekends light).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 9, 12, 12, 10, 6, 8, 11, 11, 10, 8, 5, 4, 3, 2, 2, 1]
WEEKDAY_WEIGHTS = [10, 10, 10, 10, 9, 3, 2]
FINISHED_STATES = [("closed", 0.88), ("resolved", 0.07), ("cancelled", 0.05)]
FINISHED_CHANGE_STATES = [("done", 0.90), ("rolled_back", 0.05), ("cancelled", 0.05)]
OPEN_STATES = [
    ("new", 0.08),
    ("acknowledged", 0.30),
    ("dispatched", 0.22),
    ("on_site", 0.25),
    ("on_hold", 0.15),
]
OPEN_CHANGE_STATES = [("acknowledged", 0.4), ("awaiting_approval", 0.3), ("approved", 0.3)]
TITLES = [
    "门诊挂号收费窗口无法打印发票",
    "住院医生站医嘱保存缓慢",
    "检验报告未能回传至医生站",
    "PACS 影像调阅超时",
    "电子病历质控规则需调整",
    "自助机缴费后未出凭条",
    "护士站体征录入报错",
    "药房发药单据重复",
    "互联网医院视频问诊卡顿",
    "接口平台消息积压",
]
# Descriptions and resolution notes are composed from these, with a ward, a patient or
# invoice number and a time, so that no two tickets share a text and a search index meets
# the variety of a real desk's history (a single shared text would make every trigram common).
PLACES = [
    "门诊一楼收费处",
    "急诊科",
    "心内科病房",
    "儿科门诊",
    "检验科",
    "放射科",
    "药剂科",
    "住院部三楼护士站",
    "手术室",
    "体检中心",
    "妇产科",
    "骨科病房",
    "信息科机房",
    "自助服务区",
    "发热门诊",
    "康复科",
    "口腔科",
    "眼科门诊",
    "病案室",
    "财务科",
]
SYMPTOMS = [
    "点击保存后提示数据库连接中断",
    "界面卡死约两分钟后恢复",
    "打印机无响应，队列堆积",
    "报错代码 ORA-01555",
    "登录时提示证书过期",
    "检验结果数值显示为空",
    "影像缩略图无法加载",
    "医嘱状态未同步",
    "扫码枪读取后无反应",
    "医保结算返回超时",
    "发票号重复",
    "排队叫号屏不刷新",
    "报表导出为乱码",
    "患者信息被覆盖",
    "处方审核一直处于等待",
    "接口返回 HTTP 500",
    "体征数据录入后丢失",
    "视频连接频繁断开",
    "消息队列延迟超过十分钟",
    "自助机读卡失败",
]
TRIED = [
    "重启客户端无效",
    "更换终端后复现",
    "清理缓存后暂时恢复",
    "其他科室正常",
    "仅该工作站出现",
    "全院均受影响",
    "已联系网络组确认链路正常",
    "重新登录后仍然报错",
]
FIXES = [
    "调整连接池参数后恢复",
    "更换打印机驱动",
    "修复接口映射配置",
    "清理历史锁表",
    "重建索引并优化查询",
    "更新证书并重启服务",
    "修正字典对照",
    "升级客户端版本",
    "协调第三方厂商修复",
    "指导用户正确操作",
]


def _set_up_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")
    import django

    django.setup()


# --- the database -----------------------------------------------------------------------


def recorded_population() -> dict | None:
    """What bench_population says this database holds, or None if it holds nothing known."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_population') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT data FROM bench_population ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _record_population(data: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_population (id serial PRIMARY KEY, data text)")
        cursor.execute("INSERT INTO bench_population (data) VALUES (%s)", [json.dumps(data)])


def _drop_everything() -> None:
    """Empty the database (the bench owns it) so that migrate starts from nothing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


# --- the group: hospitals, contracts, people ------------------------------------------------


@dataclass
class ClockSpec:
    name: str
    minutes: int
    calendar_id: int
    starts_from: str
    working_time: object


@dataclass
class ClassSpec:
    id: int
    kind: str
    level: int | None
    clocks: list[ClockSpec]


@dataclass
class ContractSpec:
    id: int
    code: str
    hospital_code: str
    system_ids: list[int]
    classes: list[ClassSpec]
    class_weights: list[float]
    reporter_id: int
    hospital_it_id: int
    weight: float


def _hospital_code(index: int) -> str:
    return f"H{index:02d}"


def load_group() -> list:
    """The 50 hospitals and 200 contracts, as the demo loader would load them."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from accounts.models import User
    from contracts.demo import loader
    from contracts.demo.contracts import CONTRACTS, SYSTEMS
    from contracts.demo.people import DEMO_PASSWORD
    from contracts.models import Membership, Organization, OrganizationKind, Role

    loader.load_demo()
    calendars = loader.load_calendars()
    organizations = loader.load_organizations()
    vendor = organizations[VENDOR]
    hashed = User(username="x")
    hashed.set_password(DEMO_PASSWORD)
    engineers = []
    for index in range(1, ENGINEERS + 1):
        user, _ = User.objects.get_or_create(
            username=f"bench-eng-{index:02d}",
            defaults={"full_name": f"工程师{index:02d}", "password": hashed.password},
        )
        Membership.objects.get_or_create(user=user, organization=vendor, role=Role.ENGINEER)
        engineers.append(user)
    contracts = []
    for index in range(1, HOSPITALS + 1):
        code = _hospital_code(index)
        hospital = loader.upsert(
            Organization,
            {"code": code},
            {
                "kind": OrganizationKind.HOSPITAL,
                "name": f"第{index:02d}人民医院（基准测试）",
                "short_name": f"第{index:02d}医院",
            },
        )
        organizations[code] = hospital
        people = {}
        for role in (Role.REPORTER, Role.HOSPITAL_IT):
            user, _ = User.objects.get_or_create(
                username=f"bench-{code.lower()}-{role}",
                defaults={"full_name": f"{code}{role}", "password": hashed.password},
            )
            Membership.objects.get_or_create(user=user, organization=hospital, role=role)
            people[role] = user
        specs = [CONTRACTS[(index + k) % len(CONTRACTS)] for k in range(CONTRACTS_PER_HOSPITAL)]
        systems: dict[str, dict] = {code: {}}
        for spec in specs:
            found: dict = {}
            loader._load_system_nodes(hospital, SYSTEMS[spec["hospital"]], None, found)
            systems[code].update(found)
        for spec in specs:
            contract = loader.load_contract(
                {
                    **spec,
                    "code": f"{code.lower()}-{spec['code']}",
                    "name": f"{hospital.short_name}{spec['name']}",
                    "hospital": code,
                    "vendor": VENDOR,
                    "starts_on": dt.date(2023, 11, 1),
                    "ends_on": dt.date(2027, 10, 31),
                },
                organizations,
                systems,
                calendars,
                {},
            )
            contracts.append((contract, people))
    return contracts, engineers


def contract_specs(contracts) -> list[ContractSpec]:
    from sla.calendar import working_time

    times = {}
    specs = []
    rng = random.Random(SEED)
    for contract, people in contracts:
        classes, weights = [], []
        for service_class in contract.service_classes.prefetch_related("clocks__calendar"):
            clocks = []
            for target in service_class.clocks.all():
                calendar = target.calendar
                if calendar.pk not in times:
                    times[calendar.pk] = working_time(calendar)
                clocks.append(
                    ClockSpec(
                        target.clock,
                        target.target_minutes(),
                        calendar.pk,
                        target.starts_from,
                        times[calendar.pk],
                    )
                )
            classes.append(
                ClassSpec(service_class.pk, service_class.kind, service_class.level, clocks)
            )
            weights.append(
                LEVEL_WEIGHTS.get(service_class.level, 5.0)
                if service_class.kind == "fault"
                else OTHER_KIND_WEIGHTS.get(service_class.kind, 5.0)
            )
        specs.append(
            ContractSpec(
                id=contract.pk,
                code=contract.code,
                hospital_code=contract.hospital.code,
                system_ids=list(contract.systems.values_list("pk", flat=True)),
                classes=classes,
                class_weights=weights,
                reporter_id=people["reporter"].pk,
                hospital_it_id=people["hospital_it"].pk,
                # Big hospitals file more: a long tail of contract sizes.
                weight=rng.paretovariate(1.5),
            )
        )
    return specs


# --- one ticket's life ----------------------------------------------------------------------


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    roll, total = rng.random(), 0.0
    for value, share in table:
        total += share
        if roll < total:
            return value
    return table[-1][0]


def _minutes(rng: random.Random, median: float, spread: float = 0.9) -> dt.timedelta:
    return dt.timedelta(minutes=max(1.0, rng.lognormvariate(math.log(median), spread)))


@dataclass
class Life:
    """What happened to one ticket, as the services would have recorded it."""

    state: str
    acknowledged_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    held_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None


def _live(rng, created: dt.datetime, kind: str, level: int | None, is_open: bool, now) -> Life:
    """Walk one ticket through its states with realistic delays, up to `now`."""
    change = kind == "change"
    state = _pick(
        rng,
        (OPEN_CHANGE_STATES if change else OPEN_STATES)
        if is_open
        else (FINISHED_CHANGE_STATES if change else FINISHED_STATES),
    )
    life = Life(state=state)
    if state == "new":
        return life
    urgent = level in (1, 2)
    at = created + _minutes(rng, 5 if urgent else 12)
    if state == "cancelled":
        life.cancelled_at = min(at, now)
        return life
    life.acknowledged_at = at
    if state in ("acknowledged", "awaiting_approval", "approved") and is_open:
        return life
    at += _minutes(rng, 20 if urgent else 90)
    life.dispatched_at = at
    if state == "dispatched":
        return life
    if kind == "fault" and rng.random() < (0.7 if urgent else 0.35):
        at += _minutes(rng, 150 if urgent else 600)
        life.arrived_at = at
    if state in ("on_site", "on_hold"):
        if state == "on_hold":
            life.held_at = at + _minutes(rng, 60)
        return life
    at += _minutes(rng, 180 if urgent else 900, 1.1)
    life.resolved_at = at
    if state in ("closed",):
        life.closed_at = at + _minutes(rng, 600, 1.2)
    return life


def _as_of(life: Life, now: dt.datetime) -> Life:
    """The ticket as it stood at `now`: steps not yet taken are undone (it is still open)."""
    if life.cancelled_at is not None and life.cancelled_at >= now:
        return Life(state="new")
    steps = [
        ("acknowledged_at", "acknowledged"),
        ("dispatched_at", "dispatched"),
        ("arrived_at", "on_site"),
        ("held_at", "on_hold"),
        ("resolved_at", life.state if life.state in ("done", "rolled_back") else "resolved"),
        ("closed_at", "closed"),
    ]
    state = "new"
    for field, reached in steps:
        at = getattr(life, field)
        if at is None:
            continue
        if at >= now:
            for later, _ in steps[steps.index((field, reached)) :]:
                setattr(life, later, None)
            life.state = state
            return life
        state = reached
    return life


def _clock_rows(
    ticket_id: int, contract_id: int, created, life: Life, spec: ClassSpec, now
) -> list[tuple]:
    rows = []
    for clock in spec.clocks:
        started = life.arrived_at if clock.starts_from == "arrival" else created
        met = {
            "respond": life.acknowledged_at,
            "arrive": life.arrived_at,
            "resolve": life.resolved_at,
        }.get(clock.name)
        if life.state == "cancelled" or life.resolved_at is not None:
            # A cancelled or finished ticket stops every clock that still ran.
            met = met or life.cancelled_at or life.resolved_at
        due = warn = None
        paused = False
        if started is not None:
            seconds = clock.minutes * 60
            due = clock.working_time.add_seconds(started, seconds)
            warn = clock.working_time.add_seconds(started, math.ceil(seconds * 80 / 100))
            if met is None and life.held_at is not None and life.held_at < due:
                due = warn = None
                paused = True
        until = met or now
        warned = warn if warn is not None and warn <= until else None
        breached = due if due is not None and due < until else None
        rows.append(
            (
                ticket_id,
                contract_id,
                clock.name,
                clock.minutes,
                0,
                clock.calendar_id,
                clock.starts_from,
                started,
                due,
                warn,
                met if started is not None else None,
                warned,
                breached,
                paused,
                True,
                False,
            )
        )
    return rows


def _description(rng: random.Random, created: dt.datetime) -> str:
    local = created.astimezone(SHANGHAI)
    return (
        f"现象：{rng.choice(PLACES)}{local:%H:%M}起{rng.choice(SYMPTOMS)}，"
        f"患者ID {rng.randrange(10**7, 10**8)}。\n"
        f"影响范围：{rng.choice(PLACES)}等{rng.randrange(1, 40)}个工作站。\n"
        f"已尝试：{rng.choice(TRIED)}。"
    )


def _event_rows(
    ticket_id: int, created, life: Life, reporter, engineer, rng: random.Random
) -> list[tuple]:
    rows = [(ticket_id, "tickets.ticket.reported", reporter, created, "", "", "", "{}")]
    state = "new"

    def move(action, actor, at, to_state, data="{}", note=""):
        nonlocal state
        rows.append((ticket_id, f"tickets.ticket.{action}", actor, at, state, to_state, note, data))
        state = to_state

    if life.cancelled_at:
        move("cancel", reporter, life.cancelled_at, "cancelled")
        return rows
    if life.acknowledged_at:
        move("acknowledge", engineer, life.acknowledged_at, "acknowledged")
    if life.state in ("awaiting_approval", "approved"):
        move("submit_plan", engineer, life.acknowledged_at, "awaiting_approval")
        if life.state == "approved":
            move("approve_plan", reporter, life.acknowledged_at, "approved")
    if life.dispatched_at:
        move("assign", engineer, life.dispatched_at, "dispatched", f'{{"assignee": {engineer}}}')
    if life.arrived_at:
        move("arrive", engineer, life.arrived_at, "on_site")
    if life.held_at:
        move("hold", engineer, life.held_at, "on_hold")
    if life.resolved_at:
        final = life.state if life.state in ("done", "rolled_back") else "resolved"
        action = {"done": "complete_change", "rolled_back": "roll_back"}.get(final, "resolve")
        note = f"{rng.choice(FIXES)}，工单 {rng.randrange(10**5, 10**6)} 关联处理。"
        move(action, engineer, life.resolved_at, final, note=note)
    if life.closed_at:
        move("confirm", reporter, life.closed_at, "closed")
    return rows


# --- COPY -------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def copy_rows(cursor, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> None:
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


# How hospitals report (the hotline first), and how long a call waits to be typed in.
CHANNELS = ("phone", "portal", "wecom", "email", "api")
CHANNEL_WEIGHTS = (50, 25, 15, 7, 3)
ENTRY_DELAY_MINUTES = (0, 0, 0, 1, 2, 3, 5, 8, 15)

TICKET_COLUMNS = (
    "id",
    "number",
    "contract_id",
    "system_id",
    "kind",
    "service_class_id",
    "title",
    "description",
    "reporter_id",
    "contact_phone",
    "assignee_id",
    "state",
    "state_before_hold",
    "upgrade_plan",
    "rollback_plan",
    "satisfaction",
    "satisfaction_comment",
    "created_at",
    "entered_at",
    "channel",
    "acknowledged_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    # Not null, no database default (tickets 0006): the cause is chosen when resolving.
    "resolution_cause",
)
CLOCK_COLUMNS = (
    "ticket_id",
    "contract_id",
    "name",
    "target_minutes",
    "extension_minutes",
    "calendar_id",
    "starts_from",
    "started_at",
    "due_at",
    "warn_at",
    "met_at",
    "warned_at",
    "breached_at",
    "is_paused",
    "is_active",
    "provisional",
)
EVENT_COLUMNS = ("ticket_id", "action", "actor_id", "at", "from_state", "to_state", "note", "data")
PAUSE_COLUMNS = (
    "ticket_id",
    "reason",
    "note",
    "started_at",
    "consent_by",
    "consent_at",
    "recorded_by_id",
)
OUTAGE_COLUMNS = ("ticket_id", "started_at", "ended_at", "recorded_by_id")
WORKLOG_COLUMNS = (
    "ticket_id",
    "contract_id",
    "engineer_id",
    "work_date",
    "minutes",
    "mode",
    "counts_against_quota",
    "description",
    "created_at",
)


# --- the whole history ----------------------------------------------------------------------


def _report_times(rng: random.Random, count: int, now: dt.datetime) -> list[dt.datetime]:
    """`count` report instants over the last YEARS years, sorted, shaped by hour and weekday,
    and growing: the vendor serves more each year."""
    first = now - dt.timedelta(days=365 * YEARS)
    days = (now.date() - first.date()).days
    day_weights = []
    for offset in range(days + 1):
        day = first.date() + dt.timedelta(days=offset)
        day_weights.append(WEEKDAY_WEIGHTS[day.weekday()] * (1 + offset / days))
    chosen_days = rng.choices(range(days + 1), weights=day_weights, k=count)
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    origin = dt.datetime.combine(first.date(), dt.time(0), tzinfo=SHANGHAI)
    times = []
    for day, hour in zip(chosen_days, hours, strict=True):
        at = origin + dt.timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
        times.append(min(at, now - dt.timedelta(minutes=1)))
    times.sort()
    return times


def generate(count: int, now: dt.datetime = REFERENCE_TIME) -> dict:
    from django.db import connection, transaction

    from tickets import next_deadline_sql
    from tickets.models import Event as TimelineEvent
    from tickets.models import Outage, Pause, Ticket, TicketClock, TicketSequence, Worklog

    rng = random.Random(SEED + count)
    started = time.perf_counter()
    contracts, engineers = load_group()
    specs = contract_specs(contracts)
    engineer_ids = [user.pk for user in engineers]
    times = _report_times(rng, count, now)
    weights = [spec.weight for spec in specs]
    # Open tickets are the recent ones, mostly: p(open) decays with age, scaled to 5 %.
    ages = [(now - at).total_seconds() / 86400 for at in times]
    decay = 60.0
    scale = OPEN_SHARE * count / sum(math.exp(-age / decay) for age in ages)
    numbers: dict[tuple[str, int], int] = {}
    counts = {"tickets": 0, "open": 0, "clocks": 0, "events": 0}
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
        next_id = cursor.fetchone()[0] + 1
    for offset in range(0, count, BATCH):
        tickets, clocks, events, pauses, outages, worklogs = [], [], [], [], [], []
        for position in range(offset, min(offset + BATCH, count)):
            created = times[position]
            spec = rng.choices(specs, weights=weights)[0]
            service_class = rng.choices(spec.classes, weights=spec.class_weights)[0]
            is_open = rng.random() < scale * math.exp(-ages[position] / decay)
            life = _live(rng, created, service_class.kind, service_class.level, is_open, now)
            life = _as_of(life, now)
            ticket_id = next_id
            next_id += 1
            local = created.astimezone(SHANGHAI)
            key = (spec.hospital_code, local.year)
            numbers[key] = numbers.get(key, 0) + 1
            engineer = rng.choice(engineer_ids)
            assignee = engineer if life.dispatched_at or life.resolved_at else None
            last = max(
                at
                for at in (
                    created,
                    life.acknowledged_at,
                    life.dispatched_at,
                    life.arrived_at,
                    life.held_at,
                    life.resolved_at,
                    life.closed_at,
                    life.cancelled_at,
                )
                if at is not None
            )
            open_now = life.state not in ("closed", "resolved", "cancelled", "done", "rolled_back")
            counts["open"] += open_now
            tickets.append(
                (
                    ticket_id,
                    f"{spec.hospital_code}-{local.year}-{numbers[key]:05d}",
                    spec.id,
                    rng.choice(spec.system_ids),
                    service_class.kind,
                    service_class.id,
                    rng.choice(TITLES),
                    _description(rng, created),
                    spec.reporter_id,
                    "13800000000",
                    assignee,
                    life.state,
                    "dispatched" if life.held_at else "",
                    "",
                    "",
                    rng.choice((5, 5, 5, 4, 4, 3))
                    if life.closed_at and rng.random() < 0.4
                    else None,
                    "",
                    created,
                    created + dt.timedelta(minutes=rng.choice(ENTRY_DELAY_MINUTES)),
                    rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0],
                    life.acknowledged_at,
                    life.arrived_at,
                    life.resolved_at,
                    life.closed_at,
                    last,
                    "",
                )
            )
            clocks.extend(_clock_rows(ticket_id, spec.id, created, life, service_class, now))
            events.extend(_event_rows(ticket_id, created, life, spec.reporter_id, engineer, rng))
            if life.held_at:
                pauses.append(
                    (
                        ticket_id,
                        "hospital",
                        "等待医院确认停机窗口",
                        life.held_at,
                        "信息科",
                        life.held_at,
                        engineer,
                    )
                )
            if service_class.level == 1 and life.acknowledged_at:
                outages.append((ticket_id, created, life.resolved_at, engineer))
            if life.arrived_at and life.resolved_at:
                worked = max(30, int((life.resolved_at - life.arrived_at).total_seconds() // 60))
                worklogs.append(
                    (
                        ticket_id,
                        spec.id,
                        engineer,
                        life.arrived_at.astimezone(SHANGHAI).date(),
                        min(worked, 600),
                        "on_site",
                        False,
                        "现场排查处理",
                        last,
                    )
                )
        with transaction.atomic(), connection.cursor() as cursor:
            # Triggers off while copying (the next-deadline trigger would update each ticket
            # once per clock); the same rule is applied set-wise at the end.
            cursor.execute("SET LOCAL session_replication_role = replica")
            copy_rows(cursor, Ticket._meta.db_table, TICKET_COLUMNS, tickets)
            copy_rows(cursor, TicketClock._meta.db_table, CLOCK_COLUMNS, clocks)
            copy_rows(cursor, TimelineEvent._meta.db_table, EVENT_COLUMNS, events)
            copy_rows(cursor, Pause._meta.db_table, PAUSE_COLUMNS, pauses)
            copy_rows(cursor, Outage._meta.db_table, OUTAGE_COLUMNS, outages)
            copy_rows(cursor, Worklog._meta.db_table, WORKLOG_COLUMNS, worklogs)
        counts["tickets"] += len(tickets)
        counts["clocks"] += len(clocks)
        counts["events"] += len(events)
        print(f"\r  {counts['tickets']:>9,} tickets", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    from contracts.models import Organization

    hospitals = dict(Organization.objects.values_list("code", "pk"))
    TicketSequence.objects.bulk_create(
        [
            TicketSequence(hospital_id=hospitals[code], year=year, last=last)
            for (code, year), last in numbers.items()
        ],
        update_conflicts=True,
        unique_fields=["hospital", "year"],
        update_fields=["last"],
    )
    with connection.cursor() as cursor:
        cursor.execute(next_deadline_sql.POSTGRESQL_BACKFILL)
        for table in ("tickets_ticket", "tickets_ticketclock", "tickets_event"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE")
    return {
        **counts,
        "version": GENERATOR_VERSION,
        "reference_time": now.isoformat(),
        "contracts": len(specs),
        "hospitals": HOSPITALS,
        "seconds": round(time.perf_counter() - started, 1),
    }


def ensure(count: int) -> dict:
    """The population of `count` tickets in DATABASE_URL's database, made if it is missing."""
    _set_up_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark population needs PostgreSQL: set DATABASE_URL.")
    found = recorded_population()
    if found and found.get("version") == GENERATOR_VERSION and found.get("asked") == count:
        # Kept, and brought up to the current schema (the migrations backfill what they add).
        call_command("migrate", interactive=False, verbosity=0)
        return found
    _drop_everything()
    call_command("migrate", interactive=False, verbosity=0)
    data = {**generate(count), "asked": count}
    _record_population(data)
    return data


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 1_000_000
    data = ensure(count)
    print(json.dumps(data))


if __name__ == "__main__":
    main(sys.argv[1:])
