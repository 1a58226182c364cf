"""Districts' boundaries (programmes.citizens.boundaries) and what filing does with a point:
GeoJSON checked whole, the district whose boundary covers a point, a point outside refused."""
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine_support import user
from modeling.deploy import deploy_process
from models import CitizenRequest, DistrictBoundary, Instance
from models.errors import InvalidData
from programmes.citizens import boundaries
from programmes.citizens.requests import OUTSIDE_CITY, file_request, is_public

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
D1 = {"type": "Polygon", "coordinates": [[[50.80, 34.60], [50.90, 34.60], [50.90, 34.68],
                                           [50.80, 34.68], [50.80, 34.60]]]}
D2 = {"type": "MultiPolygon", "coordinates": [[[[50.90, 34.60], [51.00, 34.60], [51.00, 34.68],
                                                 [50.90, 34.68], [50.90, 34.60]]]]}
FIELDS = {"service_code": "service", "description": "چراغ کوچه خاموش است."}


@pytest.fixture
def mapped(app, db):
    """The 137 cycle deployed and d1, d2 given boundaries."""
    deploy_process(db, (PROCESSES / "citizen_message_137.bpmn").read_bytes(), filename="citizen_message_137.bpmn")
    admin = user(db, "admin")
    boundaries.save_boundary(db, "d1", json.dumps(D1), admin)
    boundaries.save_boundary(db, "d2", json.dumps(D2), admin)
    db.commit()
    return db


def test_a_boundary_may_be_a_geometry_a_feature_or_a_collection_of_polygons():
    feature = {"type": "Feature", "properties": {}, "geometry": D1}
    collection = {"type": "FeatureCollection", "features": [feature, {"type": "Feature", "geometry": D2}]}
    assert boundaries.parse_boundary(json.dumps(D1)).geom_type == "Polygon"
    assert boundaries.parse_boundary(json.dumps(feature).encode()).geom_type == "Polygon"
    assert boundaries.parse_boundary(json.dumps(collection)).area == pytest.approx(0.016)


@pytest.mark.parametrize("text", [
    "", "{", "[]", '{"type": "Point", "coordinates": [50.8, 34.6]}', '{"type": "Polygon"}',
    '{"type": "Polygon", "coordinates": "x"}', '{"type": "FeatureCollection", "features": []}',
    '{"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]}',
    '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}',
    "[" * 100000,
])
def test_a_malformed_boundary_is_refused_with_one_message(text):
    with pytest.raises(InvalidData) as refused:
        boundaries.parse_boundary(text)
    assert set(refused.value.details) == {"geojson"}


def test_a_refused_boundary_leaves_the_stored_one_as_it_was(mapped):
    before = mapped.scalars(select(DistrictBoundary.geojson).join(DistrictBoundary.district)).all()
    with pytest.raises(InvalidData):
        boundaries.save_boundary(mapped, "d1", '{"type": "Point", "coordinates": [1, 2]}', user(mapped, "admin"))
    assert mapped.scalars(select(DistrictBoundary.geojson).join(DistrictBoundary.district)).all() == before


def test_the_district_of_a_point_is_the_one_whose_boundary_covers_it(mapped):
    assert boundaries.district_at(mapped, 34.64, 50.85).code == "d1"
    assert boundaries.district_at(mapped, 34.64, 50.95).code == "d2"
    assert boundaries.district_at(mapped, 34.60, 50.85).code == "d1"  # on the edge
    assert boundaries.district_at(mapped, 35.70, 51.40) is None


def test_filing_with_a_point_takes_its_district_and_outside_the_city_is_refused(mapped):
    filed, _ = file_request(mapped, {**FIELDS, "lat": "۳۴٫۶۵", "lon": "50.95"}, "d1")
    assert filed.instance.district.code == "d2"
    count = mapped.scalar(select(func.count(Instance.id)))
    with pytest.raises(InvalidData) as refused:
        file_request(mapped, {**FIELDS, "lat": "35.7", "lon": "51.4"}, "d1")
    assert refused.value.details == {"location": OUTSIDE_CITY}
    assert mapped.scalar(select(func.count(Instance.id))) == count


def test_consent_is_recorded_only_for_a_public_service(mapped):
    agreed, _ = file_request(mapped, {**FIELDS, "address": "کوچه ۱", "description_public": "1"}, "d1")
    silent, _ = file_request(mapped, {**FIELDS, "address": "کوچه ۲"}, "d1")
    assert (agreed.description_public, silent.description_public) == (True, False)
    assert is_public(agreed) and is_public(silent)
    assert mapped.scalar(select(func.count(CitizenRequest.id))) == 2
