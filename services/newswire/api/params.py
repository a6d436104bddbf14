"""The parameters of the read API and of ``newswire export``: one model per list, validated once.

FastAPI reads them from the query string (so they appear in the OpenAPI
document, and an unknown or malformed one is a 422 naming it); the export
command builds the same models from its flags, so both accept and refuse
exactly the same values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from newswire.projector.query import EVENT_TYPES, Filters, decode_cursor

__all__ = ["ControlParams", "CrossingParams", "EventParams", "HistoryParams", "MeetingParams", "ViewParams",
           "first_error"]


def _bbox(value: str | None) -> str | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        lo_lon, lo_lat, hi_lon, hi_lat = (float(p) for p in parts)
    except ValueError:
        raise ValueError("use min_lon,min_lat,max_lon,max_lat (four numbers)") from None
    if not (-180 <= lo_lon <= hi_lon <= 180 and -90 <= lo_lat <= hi_lat <= 90):
        raise ValueError("use min_lon,min_lat,max_lon,max_lat with -180 <= lon <= 180, -90 <= lat <= 90, min <= max")
    return value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    known_at: datetime | None = Field(
        default=None, description="The state as newswire knew it at this time (ISO 8601; no zone means UTC): "
                                  "from only the reports it had received by then (transaction time).")

    @field_validator("known_at")
    @classmethod
    def _known_at_utc(cls, v: datetime | None) -> datetime | None:
        return _utc(v)


class ViewParams(_Params):
    """Shared by the three state lists."""

    format: Literal["json", "geojson", "csv"] = Field(default="json", description="json, geojson or csv.")
    as_of: date | None = Field(default=None, description="The state on this date (YYYY-MM-DD; valid time).")
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$",
                                description="ISO 3166-1 alpha-2 code of the place's country.")
    status: str | None = Field(default=None, description="The row's status.")
    place: str | None = Field(default=None, description="The place's id, or part of its name (any case).")
    bbox: str | None = Field(default=None, description="min_lon,min_lat,max_lon,max_lat: only rows located "
                                                       "inside (rows without coordinates are left out).")

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, v: str | None) -> str | None:
        return _bbox(v)

    def filters(self) -> Filters:
        given = {k: v for k, v in self.model_dump(exclude={"format", "as_of", "known_at"}).items() if v is not None}
        if "bbox" in given:
            given["bbox"] = tuple(float(p) for p in given["bbox"].split(","))
        return Filters(**given)


class ControlParams(ViewParams):
    status: Literal["held", "contested"] | None = Field(default=None, description="held or contested.")
    side: str | None = Field(default=None, description="The controller's side, e.g. opposition, government.")
    controller: str | None = Field(default=None, description="The controller's id, or part of its name.")


class CrossingParams(ViewParams):
    status: Literal["seized", "closed", "opened"] | None = Field(default=None, description="The overall status.")
    side: str | None = Field(default=None, description="The holder's side, or the country code of one side.")
    controller: str | None = Field(default=None, description="The holder's id, or part of its name.")


class MeetingParams(ViewParams):
    status: Literal["held", "scheduled"] | None = Field(default=None, description="held or scheduled.")
    participant: str | None = Field(default=None, description="A participant's id, or part of its name.")
    date_from: date | None = Field(default=None, alias="from", description="Meetings on or after this date.")
    date_to: date | None = Field(default=None, alias="to", description="Meetings on or before this date.")


class HistoryParams(_Params):
    format: Literal["json", "geojson", "csv"] = Field(default="json", description="json, geojson or csv.")


class EventParams(_Params):
    format: Literal["json", "geojson", "csv"] = Field(default="json", description="json, geojson or csv.")
    type: Literal[EVENT_TYPES] | None = Field(default=None, description="One event type.")  # type: ignore[valid-type]
    place: str | None = Field(default=None, description="The subject's id, or part of its (location's) name.")
    actor: str | None = Field(default=None, description="The actor's (a participant's) id, or part of its name.")
    date_from: date | None = Field(default=None, alias="from", description="Events dated on or after this day.")
    date_to: date | None = Field(default=None, alias="to", description="Events dated on or before this day.")
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")
    limit: int = Field(default=100, ge=1, le=1000, description="Events per page (1 to 1000).")

    @field_validator("cursor")
    @classmethod
    def _check_cursor(cls, v: str | None) -> str | None:
        if v is not None:
            decode_cursor(v)
        return v


def first_error(exc: ValidationError | list[dict[str, Any]], allowed: list[str] | None = None
                ) -> tuple[str, str]:
    """(parameter, one-line message) of the first problem, the parameter named as the user wrote it."""
    errors = exc.errors() if isinstance(exc, ValidationError) else exc
    err = errors[0]
    loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
    name = loc[0] if loc else "request"
    name = {"date_from": "from", "date_to": "to"}.get(name, name)
    if err.get("type") == "extra_forbidden":
        known = f": this list takes {', '.join(allowed)}" if allowed else ""
        return name, f"unknown parameter {name!r}{known}"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    given = err.get("input")
    got = f" (got {given!r})" if isinstance(given, (str, int, float)) else ""
    return name, f"parameter {name!r}: {msg}{got}"
