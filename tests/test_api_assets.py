"""The map page's third-party files are the ones tools/vendor_web.py took from the npm registry, unchanged."""

from __future__ import annotations

import hashlib
import json
import re
from importlib.resources import files

STATIC = files("newswire.api") / "static"


def test_vendored_files_match_their_manifest() -> None:
    manifest = json.loads((STATIC / "vendor" / "VENDOR.json").read_text())
    assert set(manifest) == {"leaflet", "topojson-client", "world-atlas"}
    for package in manifest.values():
        assert package["integrity"].startswith("sha512-")
        for path, digest in package["files"].items():
            data = (STATIC / "vendor" / path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, path
    # Natural Earth's country outlines: a TopoJSON topology with the countries object.
    topo = json.loads((STATIC / "vendor" / "world-atlas" / "countries-50m.json").read_text())
    assert topo["type"] == "Topology" and len(topo["objects"]["countries"]["geometries"]) > 200


def test_the_page_loads_nothing_from_elsewhere() -> None:
    for name in ("index.html", "map.js", "map.css"):
        text = (STATIC / name).read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert "cdn" not in text.lower(), name


def test_public_names_of_the_api_modules() -> None:
    import importlib

    for name in ("app", "changes", "cli", "formats", "live", "params", "server"):
        module = importlib.import_module(f"newswire.api.{name}")
        assert module.__all__ and all(hasattr(module, n) for n in module.__all__), name
