"""Loans of resources (``models.resources.Booking``): requests, answers, the availability
calendar. (Filled by the bookings work of issue #16.)"""


def show_context(resource) -> dict:
    """What the resource's page needs for its availability and loan request section."""
    return {}
