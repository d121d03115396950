"""factory_boy factories. Organizations go through the service so paths are always right."""

from datetime import date

import factory

from branches import services
from branches.models import Member, Organization, RoleAssignment, User

Kind = Organization.Kind


# Every factory-made user signs in with this password (browser journeys type it).
DEFAULT_PASSWORD = "pw-123456"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(DEFAULT_PASSWORD)


def make_org(name, kind, parent=None, **fields):
    return services.organization_create(name=name, kind=kind, parent=parent, **fields)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Member.Gender.MALE
    birth_date = date(1980, 1, 1)
    joined_on = date(2005, 7, 1)
    full_since = date(2006, 7, 1)
    status = Member.Status.FULL


def grant(user, role, organization):
    return services.role_assign_by_system(user=user, role=role, organization=organization)


Role = RoleAssignment.Role
