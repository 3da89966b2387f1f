"""The demo contracts' checklists and inspection rules (DOMAIN.md), loaded by load_demo.

Item texts are the contracts' own words where the seeds give them (C2's ten environment and
seven business items with their < 90 % thresholds; C1's client performance, server health,
IIS log clean-up and database backup); the general set is what a hospital's IT department
checks on any system.
"""

from __future__ import annotations

from decimal import Decimal

from inspections.models import (
    MAJOR_HOLIDAYS_TO_BRING_FORWARD,
    Cadence,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    InspectionRule,
    Purpose,
)
from inspections.schedule import plan_contract


def ok(name: str, guidance: str = "") -> dict:
    return {"name": name, "kind": "pass_fail", "guidance": guidance}


def measure(name: str, unit: str, comparator: str, limit: str, guidance: str = "") -> dict:
    return {
        "name": name,
        "kind": "measurement",
        "unit": unit,
        "comparator": comparator,
        "limit": Decimal(limit),
        "guidance": guidance,
    }


def text(name: str, guidance: str = "") -> dict:
    return {"name": name, "kind": "text", "guidance": guidance}


TEMPLATES = {
    "einvoice-system": {
        "name": "电子票据管理系统季度巡检表",
        "description": "电子票据管理系统：环境巡检、业务功能巡检与 GDCA 证书服务器检查。",
        "sections": [
            (
                "环境巡检",
                [
                    ok("系统登录及页面显示正常"),
                    ok("系统页面响应及时"),
                    ok("后台服务运行正常"),
                    ok("接口服务运行正常"),
                    measure("电子票据用户表空间使用率", "%", "lt", "90"),
                    measure("系统表空间使用率", "%", "lt", "90"),
                    ok("备份正常执行且备份空间充足"),
                    measure("服务器磁盘使用率", "%", "lt", "90"),
                    ok("系统日志无异常"),
                    text("系统优化建议", "写明本季度发现的问题与改进建议，汇总进巡检报告。"),
                ],
            ),
            (
                "业务功能巡检",
                [
                    ok("基础数据管理功能正常"),
                    ok("票据管理功能正常"),
                    ok("票据开具功能正常"),
                    ok("票据归档功能正常"),
                    ok("票据交付功能正常"),
                    ok("综合报表查询功能正常"),
                    ok("系统管理功能正常"),
                ],
            ),
            (
                "GDCA 证书服务器",
                [
                    ok("GDCA 证书服务器运行正常"),
                    measure("服务器证书剩余有效期", "天", "ge", "30"),
                    measure("本季度证书服务故障次数", "次", "le", "0"),
                ],
            ),
        ],
    },
    "nutrition-system": {
        "name": "医院营养诊疗系统巡检表",
        "description": "营养诊疗系统：客户端性能、服务器健康、IIS 日志清理、数据库备份。",
        "sections": [
            (
                "客户端性能",
                [
                    ok("客户端启动及常用操作流畅"),
                    measure("营养筛查页面打开时间", "秒", "le", "3"),
                ],
            ),
            (
                "服务器健康",
                [
                    measure("CPU 使用率（高峰时段）", "%", "lt", "80"),
                    measure("内存使用率", "%", "lt", "85"),
                    measure("系统盘与数据盘使用率", "%", "lt", "90"),
                    ok("应用服务及计划任务运行正常"),
                ],
            ),
            (
                "IIS 日志清理",
                [
                    ok("IIS 日志已清理并保留近 30 天"),
                    measure("IIS 日志目录占用空间", "GB", "lt", "20"),
                ],
            ),
            (
                "数据库备份",
                [
                    ok("数据库备份作业执行成功"),
                    measure("距最近一次完整备份", "小时", "le", "24"),
                    ok("抽查备份文件可正常恢复"),
                ],
            ),
        ],
    },
    "general-hospital": {
        "name": "医院信息系统通用巡检表",
        "description": "适用于各类医院信息系统的服务器、数据库、备份、日志、接口、证书与时间同步检查。",
        "sections": [
            (
                "服务器与数据库",
                [
                    measure("CPU 使用率（高峰时段）", "%", "lt", "80"),
                    measure("内存使用率", "%", "lt", "85"),
                    measure("磁盘使用率", "%", "lt", "90"),
                    measure("数据库表空间使用率", "%", "lt", "90"),
                    ok("备份作业执行成功"),
                ],
            ),
            (
                "应用与接口",
                [
                    ok("应用日志无异常报错"),
                    ok("与 HIS 的接口通信正常"),
                    measure("SSL 证书剩余有效期", "天", "ge", "30"),
                    measure("服务器时间与院内时钟源偏差", "秒", "le", "1"),
                ],
            ),
            ("结论", [text("发现的问题与改进建议")]),
        ],
    },
    "follow-up-visit": {
        "name": "服务回访记录表",
        "description": "半年或年度回访：系统运行与服务质量评价、遗留问题、用户建议与培训需求。",
        "sections": [
            (
                "回访内容",
                [
                    ok("院方对系统运行情况满意"),
                    ok("院方对维保服务质量满意"),
                    text("遗留问题及处理计划"),
                    text("用户意见与建议"),
                    text("培训需求"),
                ],
            ),
        ],
    },
}

GENERAL_QUARTERLY = {"purpose": Purpose.ROUTINE, "cadence": Cadence.QUARTERLY}

RULES = {
    "cd-nutrition": [
        {
            # "1年4次巡检服务（每季度进行定期巡检，重大节假日提前巡检）": the quarter's own
            # inspection is brought forward to the day before Spring Festival or National Day.
            **GENERAL_QUARTERLY,
            "template": "nutrition-system",
            "holidays": MAJOR_HOLIDAYS_TO_BRING_FORWARD,
            "bring_forward_days": 1,
            "instructions": "每季度定期巡检；重大节假日（春节、国庆）前提前巡检，确认应急值守安排。",
        },
        {
            "purpose": Purpose.VISIT,
            "cadence": Cadence.HALF_YEARLY,
            "template": "follow-up-visit",
            "instructions": "每半年一次现场回访。",
        },
    ],
    "zj-einvoice": [
        {
            **GENERAL_QUARTERLY,
            "template": "einvoice-system",
            "instructions": "季度现场巡检，计入每年不少于 10 个现场服务日；同时检查 GDCA 证书服务器并统计故障。",
        },
        {
            "purpose": Purpose.VISIT,
            "cadence": Cadence.YEARLY,
            "template": "follow-up-visit",
            "instructions": "年度回访，并提交服务总结报告及改进措施。",
        },
    ],
    "yn-his": [
        {
            **GENERAL_QUARTERLY,
            "template": "general-hospital",
            "instructions": "每 3 个月维护巡检一次。",
        }
    ],
    "fd-internet": [
        {
            **GENERAL_QUARTERLY,
            "template": "general-hospital",
            "instructions": "季度巡检；核对异地备份。",
        }
    ],
    "gz-logistics": [
        {
            **GENERAL_QUARTERLY,
            "template": "general-hospital",
            "instructions": "现场巡检并召开季度会议；会前提交上季度系统运行总结报告。",
        }
    ],
}


def load_templates(upsert) -> dict[str, ChecklistTemplate]:
    templates = {}
    for code, spec in TEMPLATES.items():
        template = ChecklistTemplate.objects.filter(code=code, is_current=True).first()
        if template is not None and template.version > 1:
            templates[code] = template  # an administrator revised it: theirs wins
            continue
        template = upsert(
            ChecklistTemplate,
            {"code": code, "version": 1},
            {"name": spec["name"], "description": spec["description"], "is_current": True},
        )
        templates[code] = template
        if template.is_frozen:
            continue
        for section_position, (title, items) in enumerate(spec["sections"], start=1):
            section = upsert(
                ChecklistSection,
                {"template": template, "position": section_position},
                {"title": title},
            )
            for item_position, item in enumerate(items, start=1):
                upsert(
                    ChecklistItem,
                    {"section": section, "position": item_position},
                    {
                        "unit": "",
                        "comparator": "",
                        "limit": None,
                        "upper_limit": None,
                        "guidance": "",
                        **item,
                    },
                )
    return templates


def load_inspections(contracts, upsert) -> None:
    """Checklists, each contract's rules, and the plan for its whole term."""
    templates = load_templates(upsert)
    for contract in contracts:
        kept = []
        for spec in RULES.get(contract.code, []):
            values = {**spec, "template": templates[spec["template"]]}
            rule = upsert(
                InspectionRule,
                {
                    "contract": contract,
                    "purpose": values.pop("purpose"),
                    "cadence": values.pop("cadence"),
                },
                {"holidays": "", "instructions": "", "bring_forward_days": 0, **values},
            )
            kept.append(rule.pk)
        # C1's former extra pre-holiday rule, replaced by bringing the quarter's inspection
        # forward, stops planning in a database loaded before; its untouched plans go.
        InspectionRule.objects.filter(
            contract=contract, cadence=Cadence.BEFORE_HOLIDAYS, is_active=True
        ).exclude(pk__in=kept).update(is_active=False)
        plan_contract(contract)
