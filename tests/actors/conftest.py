"""Fixtures shared by the structures' tests: the Occitanie territory and one of its animators."""
import pytest


@pytest.fixture
def occitanie(factory):
    return factory.territory(slug="occitanie", name="Occitanie")


@pytest.fixture
def animator(factory, occitanie):
    return factory.user(roles={occitanie: "animator"})
