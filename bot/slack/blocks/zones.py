"""The candidate's time zone as a select: common IANA zones grouped by region."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.slack.blocks import option, plain

ZONES: dict[str, tuple[str, ...]] = {
    "Americas": (
        "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Vancouver",
        "America/Tijuana", "America/Denver", "America/Phoenix", "America/Edmonton",
        "America/Chicago", "America/Mexico_City", "America/Winnipeg", "America/Guatemala",
        "America/Costa_Rica", "America/New_York", "America/Toronto", "America/Panama",
        "America/Bogota", "America/Lima", "America/Puerto_Rico", "America/Halifax",
        "America/Caracas", "America/La_Paz", "America/St_Johns", "America/Santiago",
        "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Montevideo",
    ),
    "Europe and Africa": (
        "Atlantic/Reykjavik", "Europe/London", "Europe/Dublin", "Europe/Lisbon",
        "Africa/Casablanca", "Africa/Lagos", "Europe/Madrid", "Europe/Paris", "Europe/Brussels",
        "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Vienna",
        "Europe/Prague", "Europe/Warsaw", "Europe/Stockholm", "Europe/Oslo",
        "Europe/Copenhagen", "Africa/Johannesburg", "Africa/Cairo", "Europe/Helsinki",
        "Europe/Athens", "Europe/Bucharest", "Europe/Kyiv", "Europe/Istanbul", "Africa/Nairobi",
        "Europe/Moscow",
    ),
    "Asia": (
        "Asia/Jerusalem", "Asia/Riyadh", "Asia/Dubai", "Asia/Tehran", "Asia/Karachi",
        "Asia/Tashkent", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Almaty", "Asia/Dhaka",
        "Asia/Bangkok", "Asia/Jakarta", "Asia/Ho_Chi_Minh", "Asia/Singapore",
        "Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei",
        "Asia/Seoul", "Asia/Tokyo",
    ),
    "Australia and Pacific": (
        "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney",
        "Australia/Melbourne", "Pacific/Guam", "Pacific/Auckland", "Pacific/Fiji",
    ),
    "Other": ("UTC",),
}  # fmt: skip
OPTION_LIMIT = 100


def zone_option(name: str, day: date) -> dict:
    """`Seoul (UTC+09:00)`: the place, and its offset on `day`."""
    return option(_zone_label(name, day), name)


@lru_cache(maxsize=1024)
def _zone_label(name: str, day: date) -> str:
    # Kept: ZoneInfo holds only its last few zones, so each select of ZONES read most of
    # them from disk again.
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    offset = datetime.combine(day, time(12), tzinfo=UTC).astimezone(zone).strftime("%z")
    place = name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{place} (UTC{offset[:3]}:{offset[3:]})"


def zone_select(initial: str, day: date) -> dict:
    """A static select of ZONES in groups; a zone not listed (the creator's own, say) leads."""
    groups = [(label, list(names)) for label, names in ZONES.items()]
    if initial and not any(initial in names for _, names in groups):
        try:
            ZoneInfo(initial)
            groups.insert(0, ("Your time zone", [initial]))
        except (ZoneInfoNotFoundError, ValueError):
            initial = "UTC"
    element = {
        "type": "static_select",
        "option_groups": [
            {"label": plain(label, 75), "options": [zone_option(n, day) for n in names]}
            for label, names in groups
        ],
    }
    chosen = [o for g in element["option_groups"] for o in g["options"] if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element
