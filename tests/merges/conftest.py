import pytest


@pytest.fixture
def occitanie(factory):
    return factory.territory(slug="occitanie", name="Occitanie")


@pytest.fixture
def bretagne(factory):
    return factory.territory(slug="bretagne", name="Bretagne")


@pytest.fixture
def animator(factory, occitanie):
    return factory.user(name="Claire Animatrice", roles={occitanie: "animator"})
