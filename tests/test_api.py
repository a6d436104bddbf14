"""The read API on a real server, the same tests on SQLite and PostgreSQL.

The tables hold :func:`tests.fixtures.api.history_events`: a history built so
that "as of a date" (valid time) and "as known at a time" (transaction time)
give different answers.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.log import SqliteLog
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic as s
from newswire.projector.service import make_projector
from newswire.projector.store import create_engine
from newswire.projector.tables import make_tables
from newswire.core.config import load_settings
from tests.fixtures import api as h
from tests.fixtures.db import new_postgres_database


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database holding the history, once per backend, shared by the read-only tests of this module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'tables.db'}"
        _seed(url)
        yield url
    else:
        with new_postgres_database() as url:
            _seed(url)
            yield url


def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        h.apply_events(engine, h.history_events())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def api(seeded_url: str) -> Iterator[httpx.Client]:
    with h.running_api(seeded_url) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def data(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in rows}


# --- now ----------------------------------------------------------------------------------------------------------


def test_control_now_has_rows_geometry_and_evidence(api: httpx.Client) -> None:
    rows = by(data(api, "/api/v1/control"), "place_name")
    assert set(rows) == {"Alpha", "Bravo", "Charlie"}
    alpha = rows["Alpha"]
    assert (alpha["controller_name"], alpha["side"], alpha["since"]) == ("government forces", "government",
                                                                         "2026-03-01")
    assert alpha["geometry"] == {"type": "Point", "coordinates": [36.5, 35.5]} and alpha["geometry_reason"] is None
    [evidence] = alpha["evidence"]
    assert evidence["outlet"] == "sana" and evidence["url"].startswith("https://sana.example/")
    assert evidence["sentence"] == "government forces took control of Alpha."
    assert evidence["received_at"] == "2026-03-02T12:00:00Z"
    bravo = rows["Bravo"]
    assert bravo["geometry"] is None
    assert bravo["geometry_reason"].startswith("not in the gazetteer")


@pytest.mark.parametrize(("params", "expected"), [
    ({"country": "sd"}, {"Charlie"}),
    ({"side": "government"}, {"Alpha", "Bravo"}),
    ({"controller": "rapid support"}, {"Charlie"}),
    ({"controller": "sd.rsf"}, {"Charlie"}),
    ({"status": "held"}, {"Alpha", "Bravo", "Charlie"}),
    ({"status": "contested"}, set()),
    ({"place": "test:alpha"}, {"Alpha"}),
    ({"place": "RAV"}, {"Bravo"}),
    ({"bbox": "35,30,40,37"}, {"Alpha"}),
    ({"bbox": "-180,-90,180,90"}, {"Alpha", "Charlie"}),  # Bravo has no coordinates
    ({"country": "SY", "side": "government"}, {"Alpha", "Bravo"}),
])
def test_control_filters(api: httpx.Client, params: dict[str, str], expected: set[str]) -> None:
    assert {r["place_name"] for r in data(api, "/api/v1/control", **params)} == expected


def test_crossings_have_a_status_per_side(api: httpx.Client) -> None:
    [xray] = data(api, "/api/v1/crossings")
    assert (xray["status"], xray["holder_name"], xray["holder_side"]) == ("seized", "opposition forces", "opposition")
    assert xray["sides"]["JO"]["status"] == "closed"
    assert xray["geometry"]["coordinates"] == [36.2, 32.6]
    assert {e["outlet"] for e in xray["evidence"]} == {"jordan-times", "reuters"}
    for params, n in [({"side": "JO"}, 1), ({"side": "opposition"}, 1), ({"side": "government"}, 0),
                      ({"status": "seized"}, 1), ({"status": "opened"}, 0), ({"controller": "opposition"}, 1),
                      ({"place": "xray"}, 1), ({"country": "JO"}, 1), ({"bbox": "0,0,10,10"}, 0)]:
        assert len(data(api, "/api/v1/crossings", **params)) == n, params


def test_meetings_and_their_filters(api: httpx.Client) -> None:
    rows = by(data(api, "/api/v1/meetings"), "location_name")
    assert set(rows) == {"Baghdad", "Doha"}
    assert (rows["Doha"]["status"], rows["Doha"]["date"], rows["Doha"]["framework"]) == (
        "held", "2026-03-20", "Astana process")
    assert rows["Doha"]["geometry"]["coordinates"] == [51.53, 25.29]
    assert {e["outlet"] for e in rows["Doha"]["evidence"]} == {"aljazeera"} and len(rows["Doha"]["evidence"]) == 2
    for params, names in [({"participant": "iraq"}, {"Baghdad"}), ({"participant": "iso:TR"}, {"Doha"}),
                          ({"from": "2026-02-01"}, {"Doha"}), ({"to": "2026-02-01"}, {"Baghdad"}),
                          ({"from": "2026-01-01", "to": "2026-12-31"}, {"Baghdad", "Doha"}),
                          ({"status": "scheduled"}, set()), ({"country": "QA"}, {"Doha"}),
                          ({"place": "baghdad"}, {"Baghdad"}), ({"bbox": "40,30,50,40"}, {"Baghdad"})]:
        assert {r["location_name"] for r in data(api, "/api/v1/meetings", **params)} == names, params


# --- valid time and transaction time -------------------------------------------------------------------------------


def controller(api: httpx.Client, **params: str) -> str | None:
    rows = data(api, "/api/v1/control", place="test:alpha", **params)
    return rows[0]["side"] if rows else None


def test_as_of_is_valid_time_with_all_reports(api: httpx.Client) -> None:
    assert controller(api, as_of="2026-01-09") is None
    assert controller(api, as_of="2026-01-15") == "opposition"
    assert controller(api, as_of="2026-02-15") == "kurdish-led"  # from the late report
    assert controller(api, as_of="2026-03-05") == "government"


def test_known_at_is_transaction_time(api: httpx.Client) -> None:
    before = (h.T_ALPHA_OPPOSITION - timedelta(seconds=1)).isoformat()
    assert data(api, "/api/v1/control", known_at=before) == []
    assert controller(api, known_at=h.T_ALPHA_OPPOSITION.isoformat()) == "opposition"
    assert controller(api, known_at="2026-03-05T00:00:00Z") == "government"
    # A time without a zone is UTC.
    assert controller(api, known_at="2026-01-11T12:00:00") == "opposition"
    assert controller(api, known_at="2026-01-11T11:59:59") is None
    rows = data(api, "/api/v1/control", known_at="2026-03-05T00:00:00Z")
    assert {r["place_name"] for r in rows} == {"Alpha", "Bravo", "Charlie"}
    [evidence] = by(rows, "place_name")["Alpha"]["evidence"]
    assert evidence["outlet"] == "sana"


def test_as_of_and_known_at_combined_tell_them_apart(api: httpx.Client) -> None:
    # On 15 February, as newswire knew it on 5 March: the opposition. With everything since: Kurdish-led forces.
    assert controller(api, as_of="2026-02-15", known_at="2026-03-05T00:00:00Z") == "opposition"
    assert controller(api, as_of="2026-02-15", known_at="2026-03-10T12:00:00Z") == "kurdish-led"
    assert controller(api, as_of="2026-02-15") == "kurdish-led"


def test_known_at_for_crossings_and_meetings(api: httpx.Client) -> None:
    [xray] = data(api, "/api/v1/crossings", known_at="2026-03-05T00:00:00Z")
    assert xray["holder_name"] is None and xray["sides"]["JO"]["status"] == "closed"
    assert [e["outlet"] for e in xray["evidence"]] == ["jordan-times"]
    doha = by(data(api, "/api/v1/meetings", known_at="2026-03-05T00:00:00Z"), "location_name")["Doha"]
    assert doha["status"] == "scheduled"
    assert by(data(api, "/api/v1/meetings"), "location_name")["Doha"]["status"] == "held"
    assert data(api, "/api/v1/crossings", as_of="2026-02-01") == []
    [early] = data(api, "/api/v1/crossings", as_of="2026-02-10")
    assert early["holder_name"] is None


def test_history_lists_every_transition_with_interval_and_sources(api: httpx.Client) -> None:
    rows = data(api, "/api/v1/control/test:alpha/history")
    assert [(r["side"], r["valid_from"], r["valid_to"]) for r in rows] == [
        ("opposition", "2026-01-10", "2026-02-01"), ("kurdish-led", "2026-02-01", "2026-03-01"),
        ("government", "2026-03-01", None)]
    assert [r["sources"][0]["outlet"] for r in rows] == ["reuters", "hawar", "sana"]
    assert all(r["geometry"]["coordinates"] == [36.5, 35.5] for r in rows)
    known = data(api, "/api/v1/control/test:alpha/history", known_at="2026-03-05T00:00:00Z")
    assert [(r["side"], r["valid_to"]) for r in known] == [("opposition", "2026-03-01"), ("government", None)]


def test_events_filters_and_cursor_pagination(api: httpx.Client) -> None:
    everything = data(api, "/api/v1/events", limit=1000)
    assert len(everything) == 10
    pages, cursor = [], None
    while True:
        response = api.get("/api/v1/events", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        body = response.json()
        pages.append([e["event_id"] for e in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert response.headers["link"].endswith('>; rel="next"')
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert [e for p in pages for e in p] == [e["event_id"] for e in everything]
    days = [e["day_start"] for e in everything]
    assert days == sorted(days)

    def ids(**params: str) -> set[str]:
        return {e["subject_name"] for e in data(api, "/api/v1/events", **params)}

    assert ids(type="crossing.status_changed") == {"Xray crossing"}
    assert ids(place="test:alpha") == {"Alpha"}
    assert ids(place="doh") == {"Doha"}
    assert ids(actor="rapid") == {"Charlie"}
    assert ids(actor="iraq") == {"Baghdad"}  # a meeting's participant
    assert ids(**{"from": "2026-03-01", "to": "2026-03-11"}) == {"Alpha", "Xray crossing"}
    assert ids(known_at="2026-01-31T00:00:00Z") == {"Alpha", "Baghdad"}
    [bravo] = data(api, "/api/v1/events", place="bravo")
    assert bravo["geometry"] is None and bravo["geometry_reason"].startswith("not in the gazetteer")
    assert bravo["sentence"] == "government forces took control of Bravo."


# --- formats ---------------------------------------------------------------------------------------------------------


def test_geojson_features_carry_points_or_a_reason(api: httpx.Client) -> None:
    response = api.get("/api/v1/control", params={"format": "geojson"})
    assert response.headers["content-type"] == "application/geo+json"
    doc = response.json()
    assert doc["type"] == "FeatureCollection"
    features = {f["id"]: f for f in doc["features"]}
    assert features["test:alpha"]["geometry"] == {"type": "Point", "coordinates": [36.5, 35.5]}
    assert features["test:alpha"]["properties"]["controller_name"] == "government forces"
    assert features["newswire:sy:bravo"]["geometry"] is None
    assert "gazetteer" in features["newswire:sy:bravo"]["properties"]["geometry_reason"]
    for path in ("/api/v1/crossings", "/api/v1/meetings", "/api/v1/events", "/api/v1/control/test:alpha/history"):
        doc = api.get(path, params={"format": "geojson"}).json()
        assert doc["type"] == "FeatureCollection" and doc["features"], path
        assert all(f["geometry"] is None or f["geometry"]["type"] == "Point" for f in doc["features"])


def test_csv_has_a_header_coordinates_and_outlets(api: httpx.Client) -> None:
    response = api.get("/api/v1/control", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = {r["place_name"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert (rows["Alpha"]["lat"], rows["Alpha"]["lon"], rows["Alpha"]["outlets"]) == ("35.5", "36.5", "sana")
    assert rows["Bravo"]["lat"] == "" and rows["Bravo"]["geometry_reason"].startswith("not in the gazetteer")
    meetings = list(csv.DictReader(io.StringIO(api.get("/api/v1/meetings", params={"format": "csv"}).text)))
    assert {m["participants"] for m in meetings} == {"Iran; Russia; Turkey", "Iran; Iraq; Syria"}
    for path in ("/api/v1/crossings", "/api/v1/events", "/api/v1/control/test:alpha/history"):
        assert len(list(csv.DictReader(io.StringIO(api.get(path, params={"format": "csv"}).text)))) >= 1, path


# --- ETag, errors, OpenAPI -----------------------------------------------------------------------------------------


def test_etag_and_if_none_match(api: httpx.Client) -> None:
    first = api.get("/api/v1/control", params={"side": "government"})
    etag = first.headers["etag"]
    again = api.get("/api/v1/control", params={"side": "government"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = api.get("/api/v1/control", params={"side": "opposition"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    assert api.get("/api/v1/events", headers={"If-None-Match": "*"}).status_code == 304
    # httpx asks for gzip: the body comes compressed, under the same version's ETag with a suffix.
    assert first.headers["content-encoding"] == "gzip" and etag.endswith('-gzip"')
    plain = api.get("/api/v1/control", params={"side": "government"}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"] == etag.replace("-gzip", "")
    assert plain.json() == first.json()
    assert api.get("/api/v1/control", params={"side": "government"},
                   headers={"Accept-Encoding": "identity", "If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(("path", "params", "parameter", "words"), [
    ("/api/v1/control", {"as_of": "yesterday"}, "as_of", "valid date"),
    ("/api/v1/control", {"known_at": "soon"}, "known_at", "valid datetime"),
    ("/api/v1/control", {"bbox": "1,2,3"}, "bbox", "four numbers"),
    ("/api/v1/control", {"bbox": "10,0,5,5"}, "bbox", "min <= max"),
    ("/api/v1/control", {"country": "Syria"}, "country", "pattern"),
    ("/api/v1/control", {"status": "maybe"}, "status", "'held' or 'contested'"),
    ("/api/v1/control", {"format": "xml"}, "format", "'json', 'geojson' or 'csv'"),
    ("/api/v1/control", {"participant": "iran"}, "participant", "unknown parameter 'participant'"),
    ("/api/v1/meetings", {"from": "March"}, "from", "valid date"),
    ("/api/v1/events", {"limit": "0"}, "limit", "greater than or equal to 1"),
    ("/api/v1/events", {"cursor": "nope"}, "cursor", "not a cursor"),
    ("/api/v1/events", {"type": "control.lost"}, "type", "control.changed"),
    ("/api/v1/control/test:alpha/history", {"as_of": "2026-01-01"}, "as_of", "unknown parameter"),
])
def test_bad_parameters_get_a_422_naming_them(api: httpx.Client, path: str, params: dict[str, str],
                                               parameter: str, words: str) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["status"], error["parameter"]) == (422, parameter)
    assert words in error["message"] and "\n" not in error["message"]


def test_not_found_is_the_same_error_shape(api: httpx.Client) -> None:
    missing = api.get("/api/v1/control/test:nowhere/history")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "message": "no control reports about place 'test:nowhere'",
                                        "parameter": "place_id"}}
    unknown = api.get("/api/v1/nothing")
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "no such path: /api/v1/nothing"


def test_openapi_documents_every_endpoint_and_parameter(api: httpx.Client) -> None:
    doc = api.get("/openapi.json").json()
    assert {"/api/v1/control", "/api/v1/crossings", "/api/v1/meetings", "/api/v1/control/{place_id}/history",
            "/api/v1/events", "/api/v1/changes"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/api/v1/meetings"]["get"]["parameters"]}
    assert {"format", "as_of", "known_at", "country", "status", "place", "bbox", "participant", "from", "to"} <= names
    names = {p["name"] for p in doc["paths"]["/api/v1/control"]["get"]["parameters"]}
    assert {"side", "controller"} <= names and "participant" not in names


def test_meta_gives_the_page_its_ranges(api: httpx.Client) -> None:
    meta = api.get("/api/v1/meta").json()
    assert meta["tile_url"] is None
    assert (meta["first_date"], meta["last_date"]) == ("2026-01-10", "2026-03-01")
    assert meta["first_received_at"].startswith("2026-01-11T12:00:00")
    assert meta["last_received_at"].startswith("2026-03-21T12:00:00")


def test_the_page_and_its_assets_are_served_locally(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200 and "leaflet.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from elsewhere
    for asset in ("/static/map.js", "/static/vendor/leaflet/leaflet.js",
                  "/static/vendor/world-atlas/countries-50m.json",
                  "/static/vendor/topojson-client/topojson-client.min.js"):
        assert api.get(asset).status_code == 200, asset


# --- a database that changes -----------------------------------------------------------------------------------------


def test_etag_changes_and_the_change_stream_sends_new_rows(db_url: str) -> None:
    engine = create_engine(db_url)
    h.apply_events(engine, h.history_events()[:2])
    with h.running_api(db_url) as base, httpx.Client(base_url=base, timeout=30) as client:
        etag = client.get("/api/v1/control").headers["etag"]
        messages: list[tuple[str, str, str]] = []
        hello = threading.Event()
        got = threading.Event()

        def listen() -> None:
            with httpx.stream("GET", base + "/api/v1/changes", timeout=30) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                ident = event = ""
                for line in response.iter_lines():
                    if line.startswith("id: "):
                        ident = line[4:]
                    elif line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        messages.append((event, ident, line[6:]))
                        (hello if event == "hello" else got).set()
                        if event == "change":
                            return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        assert hello.wait(20)
        h.apply_events(engine, [h.history_events()[4]])  # Charlie
        assert got.wait(20), messages
        reader.join(5)
        event, ident, payload = messages[-1]
        [change] = json.loads(payload)["changes"]
        assert (event, change["table"], change["key"]) == ("change", "control", "test:charlie")
        assert change["row"]["controller_name"] == "Rapid Support Forces"
        assert change["row"]["geometry"]["coordinates"] == [30.2, 13.2]
        assert change["row"]["evidence"][0]["outlet"] == "dabanga"

        # The old ETag no longer matches; the new one does.
        changed = client.get("/api/v1/control", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert {r["place_name"] for r in changed.json()["data"]} == {"Alpha", "Charlie"}

        # A client resuming after the hello's id is sent what it missed.
        first_id = messages[0][1]
        with httpx.stream("GET", base + "/api/v1/changes", headers={"Last-Event-ID": first_id},
                          timeout=30) as response:
            lines = []
            for line in response.iter_lines():
                lines.append(line)
                if line.startswith("data: ") and "test:charlie" in line:
                    break
        assert "event: change" in lines
    engine.dispose()


def test_received_at_is_the_log_records_timestamp(tmp_path: Path, db_url: str) -> None:
    log = SqliteLog(tmp_path / "log.db", session_timeout=3.0)
    log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
    events = [e for e, _ in h.history_events()[:3]]
    for e in events:
        log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
    log.flush()
    consumer = log.consumer(None, EVENT_TOPICS)
    stamps = {json.loads(r.value)["event_id"]: r.timestamp for r in consumer.poll(100, timeout=2)}
    consumer.close()
    settings = load_settings(log_url=log.url, db_url=db_url)
    projector = make_projector(settings, log)
    try:
        projector.run(once=True)
    finally:
        projector.close()
    engine = create_engine(db_url)
    ae = make_tables().applied_events.c
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(ae.event_id, ae.received_at)).all())
    engine.dispose()
    log.close()
    assert set(stored) == set(stamps) == {e.event_id for e in events}
    assert all(abs(stored[k] - stamps[k]) < 1e-6 for k in stamps)


# --- newswire export ---------------------------------------------------------------------------------------------------


def export(url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db-url", url, "export", *args])
    return result


def test_export_formats_and_filters(seeded_url: str, tmp_path: Path) -> None:
    result = export(seeded_url, "control", "--format", "jsonl", "--side", "government")
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(line)["place_name"] for line in result.stdout.splitlines()) == ["Alpha", "Bravo"]

    out = tmp_path / "control.geojson"
    result = export(seeded_url, "control", "--format", "geojson", "--as-of", "2026-02-15",
                    "--known-at", "2026-03-05T00:00:00Z", "--place", "alpha", "--output", str(out))
    assert result.exit_code == 0, result.output
    [feature] = json.loads(out.read_text())["features"]
    assert feature["properties"]["side"] == "opposition"

    result = export(seeded_url, "meetings", "--format", "csv", "--participant", "iraq")
    assert [r["location_name"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["Baghdad"]

    result = export(seeded_url, "events", "--format", "jsonl", "--type", "control.changed", "--known-at",
                    "2026-02-28")
    assert sorted(json.loads(line)["subject_name"] for line in result.stdout.splitlines()) == [
        "Alpha", "Bravo", "Charlie"]

    result = export(seeded_url, "crossings", "--format", "csv", "--status", "seized")
    assert [r["name"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["Xray crossing"]


@pytest.mark.parametrize(("args", "message"), [
    (["control", "--participant", "iran"], "--participant does not apply to control"),
    (["control", "--as-of", "yesterday"], "--as-of: "),
    (["events", "--bbox", "1,2,3,4"], "--bbox does not apply to events"),
    (["meetings", "--from", "March"], "--from: "),
])
def test_export_refuses_bad_flags_in_one_line(seeded_url: str, args: list[str], message: str) -> None:
    result = export(seeded_url, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_synthetic_places_can_carry_coordinates() -> None:
    place = s.place("Somewhere", lat=1.5, lon=2.5)
    assert (place.lat, place.lon) == (1.5, 2.5)


def test_the_in_memory_view_equals_a_fresh_read_after_every_batch(db_url: str) -> None:
    from newswire.api.formats import encode
    from newswire.api.live import LiveView
    from newswire.projector.query import VIEWS, Filters, read_view
    from newswire.projector.store import stored_offsets

    engine = create_engine(db_url)
    tables = make_tables()
    views = {view: LiveView(tables, view) for view in VIEWS}
    meta = {"as_of": None, "known_at": None}
    cases = [Filters(), Filters(country="SY"), Filters(place="a"), Filters(bbox=(35.0, 30.0, 40.0, 37.0))]
    events = h.history_events()
    for i in range(len(events)):
        h.apply_events(engine, events[i:i + 1])  # one batch, then the views catch up by the rows it changed
        with engine.connect() as conn:
            offsets = {(tp.topic, tp.partition): n for tp, n in stored_offsets(conn, tables).items()}
            for view, live in views.items():
                live.refresh(conn, offsets)
                for filters in cases:
                    for fmt in ("json", "geojson", "csv"):
                        fresh = [r for r in read_view(conn, tables, view) if filters.keep(view, r)]
                        assert live.encode(fmt, filters, meta) == encode(view, fresh, fmt, meta), (i, view, fmt)
    engine.dispose()
