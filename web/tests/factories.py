"""factory_boy factories for accounts: users and their API tokens."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory
from rest_framework.authtoken.models import Token


class UserFactory(DjangoModelFactory):
    """A user through ``create_user``: a ``password`` given is hashed, none leaves the password
    unusable (fast: hashing one costs a noticeable fraction of a second). ``admin=True`` makes a
    superuser, who may use the admin."""

    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"bettor{n}")
    password = None

    class Params:
        admin = factory.Trait(is_staff=True, is_superuser=True)

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object):
        return cls._get_manager(model_class).create_user(*args, **kwargs)


class TokenFactory(DjangoModelFactory):
    class Meta:
        model = Token

    user = factory.SubFactory(UserFactory)
