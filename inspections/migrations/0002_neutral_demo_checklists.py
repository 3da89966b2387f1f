from django.db import migrations, models

# The demo's two contract-specific checklists were coded after their contracts and named
# their hospitals; the catalogue is shown to every organisation, so they become neutral.
RENAMED = {
    "zj-einvoice": (
        "einvoice-system",
        "湛江中心人民医院电子票据管理系统：环境巡检、业务功能巡检与 GDCA 证书服务器检查。",
        "电子票据管理系统：环境巡检、业务功能巡检与 GDCA 证书服务器检查。",
    ),
    "cd-nutrition": (
        "nutrition-system",
        "成都市公共卫生临床医疗中心营养诊疗系统：客户端性能、服务器健康、IIS 日志清理、数据库备份。",
        "营养诊疗系统：客户端性能、服务器健康、IIS 日志清理、数据库备份。",
    ),
}


def neutral_demo_checklists(apps, schema_editor):
    ChecklistTemplate = apps.get_model("inspections", "ChecklistTemplate")
    for old_code, (new_code, old_description, new_description) in RENAMED.items():
        if ChecklistTemplate.objects.filter(code=new_code).exists():
            continue
        templates = ChecklistTemplate.objects.filter(code=old_code)
        templates.filter(description=old_description).update(description=new_description)
        templates.update(code=new_code)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checklisttemplate",
            name="code",
            field=models.SlugField(
                help_text="Shared by every version, e.g. einvoice-system.",
                max_length=40,
                verbose_name="code",
            ),
        ),
        migrations.RunPython(neutral_demo_checklists, migrations.RunPython.noop),
    ]
