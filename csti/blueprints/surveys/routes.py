"""Routes of the surveys (issue #17). Sections: the organiser's builder (/surveys/…), the public
answer page (/s/<token>), the results (/surveys/<id>/results…)."""
from . import bp  # noqa: F401

# ---------------------------------------------------------------- builder (/surveys/…)

# ---------------------------------------------------------------- public answers (/s/<token>)

# ---------------------------------------------------------------- results
