"""The service calendars of DOMAIN.md."""

CALENDARS = [
    {
        "code": "24x7",
        "name": "7×24 全天候",
        "day_rule": "always",
        "description": "Around the clock, holidays included.",
        "periods": [],
    },
    {
        "code": "cn-work-0830-1730",
        "name": "工作日 08:30–17:30",
        "day_rule": "cn_workdays",
        "description": "Chinese working days, 08:30–17:30 (C3's service time).",
        "periods": [("08:30", "17:30")],
    },
    {
        "code": "cn-work-hospital",
        "name": "医院作息（工作日 08:00–12:00、14:00–17:30）",
        "day_rule": "cn_workdays",
        "description": "Chinese working days in the hospital's hours, lunch break excluded (C1).",
        "periods": [("08:00", "12:00"), ("14:00", "17:30")],
    },
    {
        "code": "daily-7x8",
        "name": "7×8×365（每天 08:00–12:00、14:00–18:00）",
        "day_rule": "every_day",
        "description": "Every day of the year, holidays included (C5's phone support).",
        "periods": [("08:00", "12:00"), ("14:00", "18:00")],
    },
    {
        # C4's night and holiday rule: faults of levels 1–2 filed while the hospital is closed
        # are due before its next morning's registration, 07:30 (reading); the outpatient
        # hours until 17:30 are a reading too.
        "code": "fd-registration",
        "name": "复旦肿瘤医院门诊挂号（工作日 07:30–17:30）",
        "day_rule": "cn_workdays",
        "description": "The hospital's opening hours: registration opens 07:30 on working days "
        "(C4's night and holiday rule).",
        "periods": [("07:30", "17:30")],
    },
]
