"""Reading the actors pages in tests."""


def path(actor) -> str:
    """The canonical URL of a structure's page (what ``actor.url`` gives inside a request)."""
    return f"/actor/{actor.id}-{actor.slug}"


def titles(response) -> list[str]:
    """The structure names listed by a directory response, in order."""
    return [a.get_text(strip=True) for a in response.html.select(".actor-list h3 a")]


def facet(response, name) -> dict[str, int]:
    """{value: count} of one facet of the filter form."""
    counts = {}
    for box in response.html.select(f'input[type=checkbox][name="{name}"]'):
        label = response.html.find("label", attrs={"for": box["id"]})
        counts[box["value"]] = int(label.select_one(".count").get_text(strip=True).strip("()"))
    return counts


def checked(response, name) -> list[str]:
    return [box["value"] for box in response.html.select(f'input[type=checkbox][name="{name}"][checked]')]


def refresh(db) -> None:
    """See what the requests committed: end the test's own transaction (on SQLite in WAL mode
    an open read transaction keeps its snapshot) and expire the loaded objects."""
    db.session.commit()
    db.session.expire_all()
