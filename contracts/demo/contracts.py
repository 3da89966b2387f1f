"""The five contracts of DOMAIN.md, as OpsDesk's demo data and acceptance cases.

Texts in Chinese are the contracts' own words (the tenders restated in docs/contracts.md). The seeds name no
vendors and no dates: the vendors are fictional and the terms are chosen to be in force in
2026 (reading).
"""

from __future__ import annotations

import datetime as dt


def clock(name: str, amount: int, unit: str, calendar: str, **options) -> dict:
    return {"clock": name, "amount": amount, "unit": unit, "calendar": calendar, **options}


def fault(level: int, name: str, definition: str, *clocks: dict) -> dict:
    return {
        "kind": "fault",
        "level": level,
        "code": f"level-{level}",
        "name": name,
        "definition": definition,
        "clocks": list(clocks),
    }


def row(kind: str, code: str, name: str, definition: str, *clocks: dict) -> dict:
    return {
        "kind": kind,
        "level": None,
        "code": code,
        "name": name,
        "definition": definition,
        "clocks": list(clocks),
    }


HOSPITALS = [
    {"code": "CD", "name": "成都市公共卫生临床医疗中心", "short_name": "成都公卫中心"},
    {"code": "ZJ", "name": "湛江中心人民医院", "short_name": "湛江中心医院"},
    {"code": "YN", "name": "郁南县人民医院", "short_name": "郁南县医院"},
    {"code": "FD", "name": "复旦大学附属肿瘤医院", "short_name": "复旦肿瘤医院"},
    {"code": "GZ", "name": "高州市人民医院", "short_name": "高州市医院"},
]

VENDORS = [
    {"code": "NYYX", "name": "广东南粤医信科技有限公司", "short_name": "南粤医信"},
    {"code": "RKYY", "name": "成都蓉康营养信息技术有限公司", "short_name": "蓉康营养"},
    {"code": "SKHL", "name": "上海申康互联医疗科技有限公司", "short_name": "申康互联"},
]

# (code, name, children) — codes are unique within a hospital.
SYSTEMS = {
    "CD": [
        (
            "NUTRI",
            "医院营养诊疗系统",
            [
                (
                    "NUTRI.OPD",
                    "营养门诊管理系统",
                    [
                        ("NUTRI.OPD.SCREEN", "营养筛查", []),
                        ("NUTRI.OPD.ASSESS", "评估", []),
                        ("NUTRI.OPD.DIET", "膳食调查", []),
                        ("NUTRI.OPD.RECIPE", "食谱编制", []),
                        ("NUTRI.OPD.THERAPY", "营养治疗", []),
                        ("NUTRI.OPD.REPORT", "营养门诊报告", []),
                        ("NUTRI.OPD.ARCHIVE", "门诊档案中心", []),
                    ],
                ),
                (
                    "NUTRI.IPD",
                    "住院营养诊疗系统",
                    [
                        ("NUTRI.IPD.PATIENT", "患者管理", []),
                        ("NUTRI.IPD.SCREEN", "营养筛评", []),
                        ("NUTRI.IPD.THERAPY", "营养治疗", []),
                        ("NUTRI.IPD.RECORD", "营养病历", []),
                        ("NUTRI.IPD.ENTERAL", "肠内营养制剂中心", []),
                        ("NUTRI.IPD.ENTERAL-RPT", "肠内营养治疗报表", []),
                    ],
                ),
            ],
        ),
    ],
    "ZJ": [
        (
            "EINV",
            "电子票据管理系统",
            [
                ("EINV.BASE", "基础信息管理", []),
                ("EINV.MANAGE", "医疗票据管理", []),
                ("EINV.ISSUE", "医疗票据开具", []),
                ("EINV.ARCHIVE", "医疗票据存档", []),
                ("EINV.DELIVER", "医疗票据交付", []),
                ("EINV.REPORT", "综合报表查询", []),
                ("EINV.ADMIN", "系统管理", []),
            ],
        ),
        ("GDCA", "GDCA 数字证书服务器", []),
    ],
    "YN": [
        ("EMRQC", "电子病历质控系统", []),
        ("RATIONAL-DRUG", "阳光用药系统", []),
        ("ANTI-KICKBACK", "医院防统方系统", []),
        ("HIS", "医院信息系统（HIS）", []),
        ("PACS", "PACS系统", []),
        ("LIS", "LIS系统", []),
        ("DATA-EXCHANGE", "数据交换与共享平台", []),
        ("INFUSION", "输液室管理系统", []),
        ("PATHWAY", "临床路径系统", []),
        ("OA", "医院协同办公系统（OA）", []),
        ("ESIGN", "电子签名系统", []),
        ("ECG-EEG", "心脑电管理系统", []),
        ("INFECTION", "院感系统", []),
        ("INTERNET-HOSPITAL", "互联网+医院平台", []),
        ("PE", "普通体检管理系统", []),
        ("OCC-DISEASE", "职业病管理系统", []),
        ("PE-BILLING", "体检收费管理系统", []),
        ("PE-FOLLOWUP", "体检随访管理系统", []),
        ("DRUG-SUPERVISION", "全流程药品监管系统", []),
    ],
    "FD": [
        ("PORTAL", "统一就诊服务门户", []),
        ("IH", "互联网医院平台", []),
        ("WAITING-HALL", "数字候诊大厅", []),
        ("VISIT-TRACE", "患者就诊全流程可视化", []),
    ],
    "GZ": [
        (
            "LOGI",
            "后勤综合管理平台",
            [
                (
                    "LOGI.BASE",
                    "基础框架",
                    [
                        ("LOGI.BASE.FRAME", "框架/权限", []),
                        ("LOGI.BASE.ARCHIVE", "基础档案", []),
                        ("LOGI.BASE.COMM", "通信插件", []),
                        ("LOGI.BASE.BARCODE", "条码插件", []),
                    ],
                ),
                ("LOGI.REPAIR", "综合维修管理", []),
                (
                    "LOGI.EQUIP",
                    "设备档案及巡检管理",
                    [
                        ("LOGI.EQUIP.PATROL", "设备巡检", []),
                        ("LOGI.EQUIP.NFC", "NFC 芯片", []),
                        ("LOGI.EQUIP.LEDGER", "设备台账", []),
                    ],
                ),
                ("LOGI.WASTE", "医废管理", []),
                ("LOGI.SAFETY", "安全巡查管理", []),
                ("LOGI.SATISFACTION", "满意度管理", []),
                (
                    "LOGI.BI",
                    "BI 统计",
                    [
                        ("LOGI.BI.DESK", "服务台", []),
                        ("LOGI.BI.REPORTS", "报表管理", []),
                    ],
                ),
                ("LOGI.GAS", "医用气体安全监测", []),
                ("LOGI.POWER", "智慧用电", []),
            ],
        ),
    ],
}

H24 = "24x7"
WORK = "cn-work-0830-1730"
HOSPITAL_HOURS = "cn-work-hospital"
DAILY = "daily-7x8"
FD_OPENING = "fd-registration"

CONTRACTS = [
    {
        "code": "cd-nutrition",
        "name": "医院营养诊疗系统维保服务",
        "hospital": "CD",
        "vendor": "RKYY",
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "calendar": HOSPITAL_HOURS,
        "min_team_size": 3,
        "notes": "三年维保；远程 7×24（电话、邮件、企业微信、VPN），现场服务按故障紧急程度分级提供。",
        "systems": ["NUTRI"],
        "classes": [
            fault(
                1,
                "一级故障",
                "系统瘫痪、严重影响系统使用、严重影响其他关键业务正常使用，如：系统无法访问、数据库无法连接等。",
                clock("respond", 30, "minutes", H24),
                clock("arrive", 8, "hours", H24),
                clock(
                    "resolve", 4, "hours", H24, starts_from="arrival", extendable_with_consent=True
                ),
            ),
            fault(
                2,
                "二级故障",
                "影响系统使用、影响其他关键业务正常使用，如：系统能正常访问，但部分功能模块无法使用。",
                clock("respond", 30, "minutes", H24),
                clock("arrive", 12, "hours", H24),
                clock(
                    "resolve", 4, "hours", H24, starts_from="arrival", extendable_with_consent=True
                ),
            ),
            fault(
                3,
                "三级故障",
                "轻微影响使用，远程支持后可解决；不影响其他关键业务使用，如：系统自身的BUG，用户对系统使用的疑问，对系统新功能的咨询等。",
                clock("respond", 30, "minutes", H24),
                clock(
                    "resolve", 60, "minutes", H24, extendable_with_consent=True, max_extension=60
                ),
            ),
            row(
                "service_request",
                "consulting",
                "业务咨询",
                "对系统各类运行状态、部署环境及接口等的咨询了解，对业务流程、业务知识、操作使用等方面的支持。",
                clock("respond", 30, "minutes", HOSPITAL_HOURS),
                clock("resolve", 30, "minutes", HOSPITAL_HOURS),
            ),
            row(
                "service_request",
                "usage-support",
                "使用支持",
                "如终端系统安装、终端接入、账号开通及维护、密码重置、权限变更操作。",
                clock("respond", 30, "minutes", HOSPITAL_HOURS),
                clock("resolve", 1, "working_days", HOSPITAL_HOURS),
            ),
            row(
                "service_request",
                "backend-business",
                "后台业务维护",
                "如业务数据查询、报表、分析统计，后台数据批量处理、修改、流程调整等。",
                clock("respond", 30, "minutes", HOSPITAL_HOURS),
                clock("resolve", 2, "working_days", HOSPITAL_HOURS),
            ),
            row(
                "service_request",
                "backend-platform",
                "后台平台维护",
                "如系统部署或重装、配置项变更、运行方式变更、系统接口调整等。",
                clock("respond", 30, "minutes", HOSPITAL_HOURS),
                clock("resolve", 3, "working_days", HOSPITAL_HOURS),
            ),
        ],
    },
    {
        "code": "zj-einvoice",
        "name": "电子票据管理系统运维服务",
        "hospital": "ZJ",
        "vendor": "NYYX",
        "starts_on": dt.date(2026, 3, 1),
        "ends_on": dt.date(2027, 2, 28),
        "calendar": H24,
        "min_onsite_days": 10,
        "notes": "服务期内不低于10个工作日的上门服务（包括季度巡检），其余时间电话及网络远程服务。",
        "systems": ["EINV", "GDCA"],
        "classes": [
            fault(
                1,
                "影响业务的紧急问题",
                "一时无法答复，但影响用户业务需要紧急解决的问题：立即组织技术小组商讨解决方案，24小时内答复客户。",
                clock("resolve", 24, "hours", H24),
            ),
            fault(
                2,
                "不影响业务的问题",
                "一时无法答复，但不影响用户业务的问题：立即组织技术小组商讨解决方案，48小时内答复客户。",
                clock("resolve", 48, "hours", H24),
            ),
        ],
    },
    {
        "code": "yn-his",
        "name": "信息化系统售后维护服务",
        "hospital": "YN",
        "vendor": "NYYX",
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "calendar": WORK,
        # "响应时间：从接到服务请求到与院方联系并承诺解决方案" (DOMAIN.md, C3).
        "response_needs_plan": True,
        "notes": "服务时间为工作时间 08:30–17:30，技术人员电话专线 7×24；重大事件6小时内到达现场，365天支持。",
        "systems": [code for code, _name, _children in SYSTEMS["YN"]],
        "classes": [
            fault(
                1,
                "一级故障",
                "本项目现有的系统瘫痪，或对最终用户的业务运作有重大影响。",
                clock("respond", 30, "minutes", H24),
                clock("arrive", 6, "hours", H24),
                clock("resolve", 6, "hours", H24),
            ),
            fault(
                2,
                "二级故障",
                "现有系统的操作性能严重降级，或由于系统性能失常严重影响用户的业务运作。",
                clock("respond", 1, "hours", H24),
                clock("arrive", 12, "hours", H24),
                clock("resolve", 12, "hours", H24),
            ),
            # Levels 3–4: on site (or remote) within the time agreed with the hospital.
            {
                **fault(
                    3,
                    "三级故障",
                    "系统的操作性能受损，但大部分业务运作仍可正常工作。",
                    clock("respond", 2, "hours", WORK),
                    clock("arrive", 1, "working_days", WORK),
                ),
                "arrival_by_appointment": True,
            },
            {
                **fault(
                    4,
                    "四级故障",
                    "在产品（如设备、操作系统）功能、安装或配置方面需要信息或支援，对用户的业务运作几乎无影响。",
                    clock("respond", 2, "hours", WORK),
                    clock("arrive", 2, "working_days", WORK),
                ),
                "arrival_by_appointment": True,
            },
        ],
    },
    {
        "code": "fd-internet",
        "name": "互联网医院及在线服务年度运维服务",
        "hospital": "FD",
        "vendor": "SKHL",
        "starts_on": dt.date(2026, 7, 1),
        "ends_on": dt.date(2027, 6, 30),
        "calendar": H24,
        "recurrence_count": 3,
        "recurrence_window_days": 90,
        "recurrence_raises_to_level": 1,
        "notes": "升级须事先提供升级计划和回退方案，经院方信息中心认可后实施；夜间或节假日故障须在次日挂号前完成。",
        "systems": ["PORTAL", "IH", "WAITING-HALL", "VISIT-TRACE"],
        "classes": [
            fault(
                1,
                "一级故障",
                "严重故障，导致医院现场交易（扫码付、当面付）无法进行的故障。",
                clock("respond", 60, "minutes", H24),
                clock("resolve", 24, "hours", H24, due_by_opening_of=FD_OPENING),
            ),
            fault(
                2,
                "二级故障",
                "重要故障，导致医院服务窗无法正常使用的故障。",
                clock("respond", 60, "minutes", H24),
                clock("resolve", 24, "hours", H24, due_by_opening_of=FD_OPENING),
            ),
            fault(
                3,
                "三级故障",
                "轻微故障，对医院或用户有影响，但交易和服务功能能正常提供（例如页面偶尔有报错，但点击取消后仍能继续操作等）。"
                "列入版本更新清单，每周或最迟不长于每两周更新解决。",
                clock("respond", 60, "minutes", WORK),
                clock("resolve", 14, "working_days", H24),
            ),
            fault(
                4,
                "四级故障",
                "用户体验故障，如页面缺少用户引导，或操作不符合用户习惯等，此类故障一般由运营人员收集后上报。",
                clock("respond", 60, "minutes", WORK),
            ),
            row(
                "consultation",
                "consultation",
                "技术咨询",
                "与产品相关的技术咨询（热线电话、电子邮件 7×24、传真）：最迟4小时内做出反应、48小时内提出解决方案。",
                clock("respond", 4, "hours", H24),
                clock("resolve", 48, "hours", H24),
            ),
            row(
                "change",
                "upgrade",
                "版本升级/变更",
                "供应商事先提供升级计划和回退方案，经院方信息中心认可并确定具体实施时间后实施。",
            ),
        ],
    },
    {
        "code": "gz-logistics",
        "name": "智慧后勤管理系统维保服务",
        "hospital": "GZ",
        "vendor": "NYYX",
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "calendar": DAILY,
        "allowed_downtime_hours": "8.00",
        "person_day_quota": 15,
        "notes": "电话技术支持 7×8×365，现场服务 5×8；适应性维护工作量原则上不超过15人/天；每季度不少于一次现场巡检并召开例会。",
        "systems": ["LOGI"],
        "classes": [
            fault(
                1,
                "平台故障",
                "平台出现故障，后勤业务无法正常开展（突发故障）。",
                clock("respond", 15, "minutes", DAILY),
                clock("arrive", 12, "hours", H24),
            ),
            fault(
                2, "功能故障", "部分功能模块无法正常运行。", clock("respond", 15, "minutes", DAILY)
            ),
            # The seed caps adaptive work at 15 person-days a year and sets no deadline for it.
            {
                **row(
                    "service_request",
                    "adaptive-maintenance",
                    "适应性维护",
                    "因医院管理流程变化、接口对接等需要进行的适应性修改（流程调整、接口开发），"
                    "工作量原则上每年不超过15人/天。",
                ),
                "counts_against_quota": True,
            },
        ],
    },
]
