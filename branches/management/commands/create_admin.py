"""Create (or promote) the first administrator of a fresh installation.

    manage.py create_admin --username alice --email alice@example.gov.cn

Asks for the password (or reads it from DJANGO_ADMIN_PASSWORD for scripts), creates the root
organization (省直机关工委) when the tree is empty, and grants the admin role on it: the Django
superuser flag opens /admin/, the role makes the portal treat the user as an administrator
everywhere (branches/permissions.py).
"""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from branches import services
from branches.models import Organization, RoleAssignment, User


class Command(BaseCommand):
    help = "Create or promote an administrator and grant the admin role on the root organization."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--root-name", default="省直机关工委", help="name of the root if none exists yet")
        parser.add_argument(
            "--must-change-password",
            action="store_true",
            help="require a new password at the first login (when handing over a temporary one)",
        )

    def _password(self, user):
        password = os.environ.get("DJANGO_ADMIN_PASSWORD")
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        return password

    def handle(self, *args, username, email, display_name, root_name, must_change_password, **options):
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            created = user is None
            if created:
                user = User(username=username, email=email, display_name=display_name)
                user.set_password(self._password(user))
            user.is_staff = user.is_superuser = user.is_active = True
            if email:
                user.email = email
            if must_change_password:
                user.must_change_password = True
            user.save()
            root = Organization.objects.filter(parent=None).order_by("pk").first()
            if root is None:
                root = services.organization_create(name=root_name, kind=Organization.Kind.WORK_COMMITTEE)
                self.stdout.write(f"Created the root organization {root.name}.")
            services.role_assign_by_system(user=user, role=RoleAssignment.Role.ADMIN, organization=root)
        verb = "Created" if created else "Promoted"
        self.stdout.write(self.style.SUCCESS(f"{verb} administrator {username} (admin role on {root.name})."))
