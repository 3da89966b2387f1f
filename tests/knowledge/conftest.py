from __future__ import annotations

from contracts.models import Contract, CoveredSystem, Organization
from knowledge import services
from knowledge.models import Article
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services as tickets
from tickets.models import Ticket

RESOLUTION = "收费服务进程挂死，重启 HIS 收费服务并清理打印队列后恢复。"


def resolved_ticket(
    contract: Contract,
    *,
    title: str = "门诊收费窗口无法打印发票",
    note: str = RESOLUTION,
    day: str = "2026-11-03",
) -> Ticket:
    """A fault filed by the hospital's reporter, dispatched, and resolved with `note`."""
    vendor = {"yn-his": "ny", "zj-einvoice": "ny", "gz-logistics": "ny", "cd-nutrition": "rk"}
    prefix = vendor.get(contract.code, "sk")
    ticket = file_ticket(contract, "level-2", f"{day} 09:00", title=title)
    dispatcher, engineer = demo_user(f"{prefix}-dispatcher"), demo_user(f"{prefix}-engineer")
    tickets.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=dispatcher, now=at(f"{day} 09:05")
    )
    tickets.assign(ticket=ticket, by=dispatcher, engineer=engineer, now=at(f"{day} 09:06"))
    tickets.resolve(ticket=ticket, by=engineer, note=note, now=at(f"{day} 10:30"))
    return ticket


def system(hospital_code: str, code: str) -> CoveredSystem:
    return CoveredSystem.objects.get(hospital__code=hospital_code, code=code)


def write(
    hospital_code: str = "YN",
    *,
    by: str = "ny-engineer",
    title: str = "HIS 登录缓慢",
    problem: str = "早上八点登录 HIS 需要一分钟以上。",
    solution: str = "清理数据库临时表空间。",
    keywords: str = "",
    system_code: str | None = None,
    published: bool = True,
) -> Article:
    """An article written through the service, published unless told otherwise."""
    hospital = Organization.objects.get(code=hospital_code)
    article = services.create_article(
        by=demo_user(by),
        hospital=hospital,
        title=title,
        problem=problem,
        solution=solution,
        keywords=keywords,
        system=system(hospital_code, system_code) if system_code else None,
    )
    if published:
        services.publish(article, demo_user(by))
    return article
