"""Fetch the map page's third-party assets from the npm registry into the package (run once per upgrade).

    .venv/bin/python tools/vendor_web.py

The page must work air-gapped, so nothing is loaded from a CDN: the files
below are taken from the packages' published tarballs (``npm pack``), copied
under ``services/newswire/api/static/vendor/`` and committed, and
``VENDOR.json`` records each package's version, its registry integrity hash
and every copied file's SHA-256 (``tests/test_api_assets.py`` fails when a
file drifts from it).

- Leaflet (BSD-2-Clause): the map.
- topojson-client (ISC): TopoJSON to GeoJSON in the browser.
- world-atlas (ISC): Natural Earth's admin-0 country boundaries (public
  domain, Natural Earth 4.1.0) as TopoJSON, 1:50m.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "services" / "newswire" / "api" / "static" / "vendor"

# package -> (version, {path in the tarball: path under vendor/})
PACKAGES: dict[str, tuple[str, dict[str, str]]] = {
    "leaflet": ("1.9.4", {
        "package/dist/leaflet.js": "leaflet/leaflet.js",
        "package/dist/leaflet.css": "leaflet/leaflet.css",
        "package/dist/images/layers.png": "leaflet/images/layers.png",
        "package/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
        "package/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
        "package/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
        "package/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
        "package/LICENSE": "leaflet/LICENSE",
    }),
    "topojson-client": ("3.1.0", {
        "package/dist/topojson-client.min.js": "topojson-client/topojson-client.min.js",
        "package/LICENSE": "topojson-client/LICENSE",
    }),
    "world-atlas": ("2.0.2", {
        "package/countries-50m.json": "world-atlas/countries-50m.json",
        "package/LICENSE": "world-atlas/LICENSE",
    }),
}


def main() -> None:
    manifest: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, (version, _) in PACKAGES.items()]
        out = subprocess.run(["npm", "pack", *specs, "--json"], cwd=tmp, check=True,  # noqa: S603, S607
                             capture_output=True, text=True).stdout
        packed = {p["name"]: p for p in json.loads(out)}
        for name, (version, files) in PACKAGES.items():
            info = packed[name]
            copied = {}
            with tarfile.open(Path(tmp) / info["filename"]) as tar:
                for member, target in files.items():
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                    dest = VENDOR / target
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data)
                    copied[target] = hashlib.sha256(data).hexdigest()
            manifest[name] = {"version": version, "integrity": info["integrity"], "files": copied}
    (VENDOR / "VENDOR.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"vendored {', '.join(f'{n}@{v}' for n, (v, _) in PACKAGES.items())} into {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
