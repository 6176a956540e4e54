"""The root conftest.py of a mutation work directory (config/mutation/run.py copies it there, after
the project's own root conftest.py if there is one). Never loaded by the normal test run.

1. One test database per mutation run. pytest-django builds the test database (every migration) at
   the start of each pytest session, and mutmut starts a session per mutant, in a process forked from
   the one that ran the clean tests. The first session of the process builds it exactly as
   pytest-django does; the later sessions of that process and of its forks use it as it is. On SQLite
   the test database lives in memory, so every fork works on its own copy: one mutant's writes never
   reach the next one. (On PostgreSQL the database test_<name> is shared and left in place, like
   pytest-django's --reuse-db; mutants run one after the other.)
2. Table mutants (mutmut mutates only functions): MUTATION_TABLE_FLIP="module:NAME:key:member"
   adds `member` to, or removes it from, `module.NAME[key]` (a module-level dict of sets) before
   any test runs, in place, so every module that imported the table sees the change."""

from __future__ import annotations

import importlib
import os

import pytest

DATABASE_READY = "MUTATION_TEST_DATABASE_READY"
TABLE_FLIP = "MUTATION_TABLE_FLIP"


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    if os.environ.get(DATABASE_READY):
        yield
        return
    from django.test.utils import setup_databases
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
        )
    os.environ[DATABASE_READY] = "1"
    yield
    # No teardown: the next sessions of this process and its forks use the database.


def pytest_sessionstart(session) -> None:
    flip = os.environ.get(TABLE_FLIP)
    if not flip:
        return
    module_name, name, key, member = flip.split(":")
    table = getattr(importlib.import_module(module_name), name)
    current = table[key]
    table[key] = type(current)(set(current) ^ {member})
