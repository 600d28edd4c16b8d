"""Reading the widgets' pages in the tests."""


def titles(response) -> list[str]:
    """The titles a widget lists, in order (without the "opens in a new tab" note)."""
    found = []
    for link in response.html.select(".embed-list h2 a"):
        for hidden in link.select(".embed-hidden"):
            hidden.extract()
        found.append(link.get_text(strip=True))
    return found
