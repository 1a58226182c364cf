"""Districts' boundaries: the GeoJSON an administrator uploads, and the district of a point.

A boundary is a Polygon or MultiPolygon in longitude/latitude (RFC 7946), given as a bare
geometry, a Feature or a FeatureCollection of polygons (joined into one). It is checked whole
before anything is stored: JSON, polygonal, coordinates on the globe, not crossing itself.
A point filed on the portal or through Open311 belongs to the district whose boundary covers
it; when any boundary exists, a point covered by none is outside the city and refused.
"""
import json

import shapely
from shapely.geometry import mapping, shape
from shapely.ops import unary_union
from sqlalchemy import select

from models import District, DistrictBoundary, User, utcnow
from models.errors import InvalidData

GEOJSON_MAX_BYTES = 2 * 1024 * 1024
POLYGONAL = ("Polygon", "MultiPolygon")


def _refuse(message: str):
    raise InvalidData(message, {"geojson": message})


def _geometries(document) -> list[dict]:
    """The geometry objects of a GeoJSON document (a geometry, Feature or FeatureCollection)."""
    if not isinstance(document, dict):
        _refuse("The file is not a GeoJSON object.")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or not features:
            _refuse("The FeatureCollection has no features.")
        return [g for feature in features for g in _geometries(feature)]
    if kind == "Feature":
        return _geometries(document.get("geometry"))
    if kind in POLYGONAL:
        return [document]
    _refuse("The boundary must be a Polygon or MultiPolygon (or Features of them).")


def parse_boundary(text) -> shapely.Geometry:
    """The boundary a GeoJSON text describes; InvalidData (one Persian-translatable message) if not."""
    if isinstance(text, bytes):
        if len(text) > GEOJSON_MAX_BYTES:
            _refuse("The file is larger than 2 MB.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            _refuse("The file is not GeoJSON text (UTF-8).")
    if not str(text or "").strip():
        _refuse("Choose a GeoJSON file of the district's boundary.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        _refuse("The file is not valid JSON.")
    parts = []
    for geometry in _geometries(document):
        try:
            parts.append(shape(geometry))
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError):
            _refuse("The polygon's coordinates are malformed.")
    boundary = unary_union(parts) if len(parts) > 1 else parts[0]
    if boundary.is_empty or boundary.geom_type not in POLYGONAL:
        _refuse("The boundary must be a Polygon or MultiPolygon (or Features of them).")
    west, south, east, north = boundary.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        _refuse("The coordinates must be longitude and latitude (longitude first).")
    if not boundary.is_valid:
        _refuse("The polygon crosses itself or is not closed.")
    return boundary


def save_boundary(session, district_code: str, text, user: User) -> DistrictBoundary:
    """Store (or replace) a district's boundary; InvalidData and nothing changes when bad."""
    district = session.scalars(select(District).where(District.code == str(district_code or ""))).first()
    if district is None:
        raise InvalidData("Choose a district.", {"district": "Choose a district."})
    boundary = parse_boundary(text)
    row = session.scalars(select(DistrictBoundary).where(
        DistrictBoundary.district_id == district.id)).first()
    if row is None:
        row = DistrictBoundary(district_id=district.id, district=district)
        session.add(row)
    row.geojson = json.dumps(mapping(boundary))
    row.uploaded_at, row.uploaded_by_id = utcnow(), user.id
    session.flush()
    return row


def remove_boundary(session, district_code: str) -> bool:
    """Forget a district's boundary; True if there was one."""
    row = session.scalars(select(DistrictBoundary).join(District).where(
        District.code == str(district_code or ""))).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def list_boundaries(session) -> list[DistrictBoundary]:
    """Every stored boundary, by district code."""
    return list(session.scalars(select(DistrictBoundary).join(District).order_by(District.code)))


def boundaries_exist(session) -> bool:
    """True once an administrator uploaded at least one boundary."""
    return session.scalars(select(DistrictBoundary.id).limit(1)).first() is not None


def district_at(session, lat: float, lon: float) -> District | None:
    """The district whose boundary covers the point (on its edge counts), or None."""
    point = shapely.Point(lon, lat)
    for row in list_boundaries(session):
        if shape(json.loads(row.geojson)).covers(point):
            return row.district
    return None


def boundaries_geojson(session) -> dict:
    """Every boundary as one FeatureCollection (code and names as properties), for the map."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(row.geojson),
         "properties": {"code": row.district.code, "name_fa": row.district.name_fa,
                        "name_en": row.district.name_en}}
        for row in list_boundaries(session)]}
