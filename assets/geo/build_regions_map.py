"""Build app/data/regions-map.geojson: the 18 French regions, simplified and laid out for the
dashboard's map, with the five overseas regions as insets in a row under metropolitan France.

Source: IGN Admin Express COG 2018 (Licence Ouverte / Etalab), as described in
../shared/data/README.md. Coordinates are projected (equirectangular, each area at its own
latitude) into one plane whose unit is about one degree of latitude: metropolitan France keeps
its shape and scale, each overseas region is scaled to fill an inset box of INSET units.

Run (shapely is needed at build time only, not by the application):
    pip install shapely==2.2.0
    python assets/geo/build_regions_map.py ../shared/data/geo
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parents[2] / "app" / "data" / "regions-map.geojson"
METRO_LATITUDE = 46.5
OVERSEAS_TOLERANCE = 0.004  # degrees, about 400 m: the overseas file is not simplified
METRO_TOLERANCE = 0.01  # degrees, on top of the source's own simplification
INSET = 2.2  # side of an inset box, in map units
GAP = 0.45  # between two insets
OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte


def project(geometry: Any, latitude: float) -> Any:
    """Return the geometry in the plane: x = longitude × cos(latitude), y = latitude."""
    factor = math.cos(math.radians(latitude))
    return shapely.transform(geometry, lambda coords: coords * [factor, 1.0])


def rounded(geojson: dict[str, Any]) -> dict[str, Any]:
    """Return a GeoJSON geometry with coordinates rounded to 3 decimals (about 100 m)."""

    def walk(item: Any) -> Any:
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], (int, float)):
            return [round(item[0], 3), round(item[1], 3)]
        return [walk(x) for x in item]

    return {"type": geojson["type"], "coordinates": walk(geojson["coordinates"])}


def main(source: Path) -> None:
    """Write the map's GeoJSON from the two IGN files of the source directory."""
    metro = json.loads((source / "regions-metropole-simplifiee.geojson").read_text("utf-8"))
    full = json.loads((source / "regions-avec-outre-mer.geojson").read_text("utf-8"))
    features = []
    for feature in metro["features"]:
        geometry = shape(feature["geometry"]).simplify(METRO_TOLERANCE, preserve_topology=True)
        features.append((feature["properties"], project(geometry, METRO_LATITUDE), False))
    bottom = min(g.bounds[1] for _p, g, _i in features)
    left = min(g.bounds[0] for _p, g, _i in features)
    overseas = {f["properties"]["code"]: f for f in full["features"]}
    for index, code in enumerate(OVERSEAS):
        feature = overseas[code]
        raw = shape(feature["geometry"]).simplify(OVERSEAS_TOLERANCE, preserve_topology=True)
        geometry = project(raw, raw.centroid.y)
        x0, y0, x1, y1 = geometry.bounds
        scale = INSET / max(x1 - x0, y1 - y0)
        geometry = affinity.scale(geometry, scale, scale, origin=(x0, y0))
        nx0, ny0, nx1, ny1 = geometry.bounds
        box_x = left + index * (INSET + GAP)
        box_y = bottom - 1.0 - INSET
        offset_x = box_x + (INSET - (nx1 - nx0)) / 2 - nx0
        offset_y = box_y + (INSET - (ny1 - ny0)) / 2 - ny0
        geometry = affinity.translate(geometry, offset_x, offset_y)
        props = {**feature["properties"], "box": [round(box_x, 3), round(box_y, 3), INSET]}
        features.append((props, geometry, True))
    collection = {
        "type": "FeatureCollection",
        "source": "IGN, Admin Express COG 2018 (Licence Ouverte / Etalab)",
        "features": [
            {
                "type": "Feature",
                "properties": {**props, "inset": inset},
                "geometry": rounded(mapping(geometry)),
            }
            for props, geometry, inset in features
        ],
    }
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), "utf-8")
    print(f"{OUT}: {len(features)} regions, {OUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
