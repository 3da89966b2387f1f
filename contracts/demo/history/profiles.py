"""How each demo contract lives: how often its hospital reports what, at which levels, who
answers, and the contract's particular activities (C1's service requests, C4's changes and
recurring problems, C5's outages and adaptive work)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import texts
from .texts import Problem


@dataclass(frozen=True)
class Profile:
    code: str
    seed: int
    faults_per_workday: float  # faults reported on an ordinary working day
    levels: dict[str, float]  # fault service-class code -> share
    problems: list[Problem]
    reporters: tuple[str, ...]  # hospital people who report
    hospital_it: str
    engineers: tuple[str, ...]
    dispatcher: str
    manager: str
    # Of the faults: reported outside 08:00–18:00, on a day off (relative rate).
    night_share: float = 0.12
    day_off_rate: float = 0.25
    onsite_share: float = 0.15  # visits beyond what an arrive clock asks for
    hold_share: float = 0.07
    extend_share: float = 0.0
    breach_share: float = 0.04
    reopen_share: float = 0.03
    # (from level, to level, why): a level corrected after a first look.
    level_changes: tuple[tuple[str, str, str], ...] = ()
    level_change_share: float = 0.05
    # Service requests (C1) and consultations (C4): category code -> share, per workday.
    requests_per_workday: float = 0.0
    request_texts: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    changes_per_month: float = 0.0
    recurring: dict[str, str] = field(default_factory=dict)  # group -> problem title
    # Level-1 outages (C5): (share of the history gone, minutes down).
    outages: tuple[tuple[float, int], ...] = ()
    # Adaptive work against the person-day quota (C5), person-days per month in turn.
    adaptive_person_days: tuple[float, ...] = ()
    open_now: int = 4  # tickets in today's queue (see faults.plan_open_queue)


PROFILES = {
    "cd-nutrition": Profile(
        code="cd-nutrition",
        open_now=5,
        seed=1101,
        faults_per_workday=0.14,
        levels={"level-1": 0.04, "level-2": 0.21, "level-3": 0.75},
        problems=texts.NUTRITION,
        reporters=("cd-reporter", "cd-reporter", "cd-it"),
        hospital_it="cd-it",
        engineers=("rk-engineer", "rk-engineer2", "rk-dietitian"),
        dispatcher="rk-dispatcher",
        manager="rk-manager",
        extend_share=0.08,
        requests_per_workday=0.1,
        request_texts=texts.NUTRITION_REQUESTS,
        level_changes=(("level-3", "level-2", "影响多个病区使用，经信息科确认升为二级故障。"),),
    ),
    "zj-einvoice": Profile(
        code="zj-einvoice",
        open_now=3,
        seed=2202,
        faults_per_workday=0.2,
        levels={"level-1": 0.3, "level-2": 0.7},
        problems=texts.EINVOICE,
        reporters=("zj-reporter", "zj-it"),
        hospital_it="zj-it",
        engineers=("ny-engineer", "ny-engineer2"),
        dispatcher="ny-dispatcher",
        manager="ny-manager",
        onsite_share=0.35,
        level_changes=(("level-1", "level-2", "已提供临时开票方案，不再影响收费业务，降为二级。"),),
    ),
    "yn-his": Profile(
        code="yn-his",
        open_now=7,
        seed=3303,
        faults_per_workday=0.45,
        levels={"level-1": 0.03, "level-2": 0.12, "level-3": 0.55, "level-4": 0.30},
        problems=texts.HIS,
        reporters=("yn-reporter", "yn-reporter", "yn-it"),
        hospital_it="yn-it",
        engineers=("ny-engineer", "ny-engineer2"),
        dispatcher="ny-dispatcher",
        manager="ny-manager",
        onsite_share=0.2,
        level_changes=(
            ("level-1", "level-2", "已恢复核心业务，剩余问题不影响门诊，按合同降为二级处理。"),
            ("level-3", "level-2", "多个科室同时受影响，升为二级。"),
        ),
    ),
    "fd-internet": Profile(
        code="fd-internet",
        open_now=6,
        seed=4404,
        faults_per_workday=0.4,
        levels={"level-1": 0.03, "level-2": 0.17, "level-3": 0.5, "level-4": 0.3},
        problems=texts.INTERNET,
        reporters=("fd-reporter", "fd-it"),
        hospital_it="fd-it",
        engineers=("sk-engineer",),
        dispatcher="sk-dispatcher",
        manager="sk-manager",
        night_share=0.2,
        day_off_rate=0.6,
        onsite_share=0.05,
        requests_per_workday=0.1,
        request_texts={"consultation": texts.INTERNET_CONSULTATIONS},
        changes_per_month=2.0,
        recurring=texts.RECURRING_INTERNET,
    ),
    "gz-logistics": Profile(
        code="gz-logistics",
        open_now=4,
        seed=5505,
        faults_per_workday=0.25,
        levels={"level-2": 1.0},
        problems=texts.LOGISTICS,
        reporters=("gz-reporter", "gz-reporter", "gz-it"),
        hospital_it="gz-it",
        engineers=("ny-engineer", "ny-engineer2"),
        dispatcher="ny-dispatcher",
        manager="ny-manager",
        onsite_share=0.25,
        outages=((0.12, 95), (0.38, 130), (0.61, 115), (0.86, 88)),
        adaptive_person_days=(1.0, 0.5, 1.5, 1.0, 0.5, 2.0, 1.0, 0.5, 1.0, 1.0, 0.5),
    ),
}
