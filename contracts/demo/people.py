"""Demo people, one or more for every role. All share DEMO_PASSWORD (README lists them)."""

# Public (README, run-dev): it meets the portal's own password rule (accounts/passwords.py),
# and a demo loaded on a production server must be changed at first sign-in (load_demo).
DEMO_PASSWORD = "OpsDesk-Demo-2026"

# username, full name, organisation code, role, job title, phone
PEOPLE = [
    ("cd-reporter", "王晓燕", "CD", "reporter", "营养科护士长", "13880010001"),
    ("cd-it", "刘建国", "CD", "hospital_it", "信息科工程师", "13880010002"),
    ("zj-reporter", "陈丽华", "ZJ", "reporter", "门诊收费处组长", "13902580001"),
    ("zj-it", "梁志强", "ZJ", "hospital_it", "信息科科长", "13902580002"),
    ("yn-reporter", "黄小梅", "YN", "reporter", "门诊部护士", "13726380001"),
    ("yn-it", "李明", "YN", "hospital_it", "信息科科长", "13726380002"),
    ("yn-admin", "邓伟", "YN", "administrator", "信息科系统管理员", "13726380003"),
    ("fd-reporter", "周婷", "FD", "reporter", "门诊办公室", "13816880001"),
    ("fd-it", "徐磊", "FD", "hospital_it", "信息中心主任", "13816880002"),
    ("gz-reporter", "吴芳", "GZ", "reporter", "后勤保障部", "13652880001"),
    ("gz-it", "林海", "GZ", "hospital_it", "信息科工程师", "13652880002"),
    ("ny-engineer", "陈工", "NYYX", "engineer", "驻场工程师", "13510080001"),
    ("ny-engineer2", "赵工", "NYYX", "engineer", "运维工程师", "13510080002"),
    ("ny-dispatcher", "孙敏", "NYYX", "dispatcher", "服务台调度", "13510080003"),
    ("ny-manager", "杨帆", "NYYX", "vendor_manager", "项目经理", "13510080004"),
    ("rk-engineer", "张工", "RKYY", "engineer", "实施工程师", "18980080001"),
    ("rk-dietitian", "何营养师", "RKYY", "engineer", "营养师", "18980080002"),
    ("rk-engineer2", "罗工", "RKYY", "engineer", "运维工程师", "18980080003"),
    ("rk-dispatcher", "唐静", "RKYY", "dispatcher", "服务台调度", "18980080004"),
    ("rk-manager", "钟毅", "RKYY", "vendor_manager", "项目经理", "18980080005"),
    ("sk-engineer", "蒋工", "SKHL", "engineer", "运维工程师", "13601780001"),
    ("sk-dispatcher", "许诺", "SKHL", "dispatcher", "服务台调度", "13601780002"),
    ("sk-manager", "韩松", "SKHL", "vendor_manager", "项目经理", "13601780003"),
]

# Vendor managers may enter contracts in the admin; "admin" is the platform administrator.
STAFF = {"ny-manager", "rk-manager", "sk-manager", "yn-admin"}

# contract code -> usernames of its named contacts; the first of each side is primary.
CONTACTS = {
    "cd-nutrition": ["cd-it", "rk-manager"],
    "zj-einvoice": ["zj-it", "ny-manager"],
    "yn-his": ["yn-it", "ny-manager"],
    "fd-internet": ["fd-it", "sk-manager"],
    "gz-logistics": ["gz-it", "ny-manager"],
}
