"""The loans' world, shared by test_bookings.py and test_loan_lifecycle.py: a museum lends an
exhibition, a school's members borrow it."""
import pytest

from csti.models import Resource


@pytest.fixture
def world(db, factory, make_actor):
    t = factory.territory(slug="t", name="Territoire T")
    people = {
        "owner": factory.user(email="owner@example.org", name="Olga Prêteuse", locale="fr", roles={t: "member"}),
        "borrower": factory.user(email="borrower@example.org", name="Bruno Emprunteur", locale="en",
                                 roles={t: "member"}),
        "borrower_manager": factory.user(email="bmanager@example.org", name="Berthe", locale="en",
                                         roles={t: "member"}),
        "colleague": factory.user(email="colleague@example.org", name="Colette", locale="en", roles={t: "member"}),
        "outsider": factory.user(email="outsider@example.org", name="Oscar", locale="en", roles={t: "member"}),
        "animator": factory.user(email="animator@example.org", name="Anima", locale="en", roles={t: "animator"}),
        "admin": factory.user(email="admin@example.org", name="Admin", locale="en", admin=True),
    }
    owner_structure = make_actor(t, title="Muséum prêteur", managers=[people["owner"]])
    school = make_actor(t, title="École Jean Jaurès", managers=[people["borrower_manager"]],
                        members=[people["borrower"], people["colleague"]])
    other = make_actor(t, title="Club d'ailleurs", managers=[people["outsider"]])
    resource = Resource(title="Exposition Lune", territory=t, author=people["owner"], resource_kind="exhibition",
                        lendable=True)
    resource.owners = [owner_structure]
    resource.publish()
    db.session.add(resource)
    db.session.commit()
    return {"t": t, "people": people, "owner_structure": owner_structure, "school": school, "other": other,
            "resource": resource, "resource_id": resource.id, "school_id": school.id, "other_id": other.id}
