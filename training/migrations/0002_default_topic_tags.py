from django.db import migrations

# Frozen data: the default topic list; admins edit it afterwards.
TAGS = [
    ("学习贯彻党的创新理论", False),
    ("党支部标准化规范化建设", True),
    ("党务工作实务", False),
    ("发展党员工作", False),
    ("党风廉政建设", False),
    ("换届选举工作", False),
]


def add_tags(apps, schema_editor):
    TopicTag = apps.get_model("training", "TopicTag")
    for position, (name, is_standard) in enumerate(TAGS):
        TopicTag.objects.get_or_create(name=name, defaults={"is_standard": is_standard, "position": position})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_training_events_attendance")]

    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
