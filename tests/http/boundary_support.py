"""Districts' boundaries for the map tests: d1 and d2 side by side around Qom, as GeoJSON, and
points inside each and outside the city."""
import json

from sqlalchemy import select

from models import User
from programmes.citizens.boundaries import save_boundary

# longitude first (RFC 7946): d1 west of 50.90, d2 east of it
D1 = {"type": "Polygon", "coordinates": [[[50.80, 34.60], [50.90, 34.60], [50.90, 34.68],
                                           [50.80, 34.68], [50.80, 34.60]]]}
D2 = {"type": "Feature", "properties": {"name": "منطقه ۲"},
      "geometry": {"type": "Polygon", "coordinates": [[[50.90, 34.60], [51.00, 34.60], [51.00, 34.68],
                                                        [50.90, 34.68], [50.90, 34.60]]]}}
IN_D1 = ("34.640000", "50.850000")
IN_D2 = ("34.650000", "50.950000")
OUTSIDE = ("35.700000", "51.400000")  # Tehran


def upload_boundaries(app) -> None:
    """Store the boundaries of d1 and d2 as the demo administrator would."""
    session = app.extensions["db_sessions"]()
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    save_boundary(session, "d1", json.dumps(D1), admin)
    save_boundary(session, "d2", json.dumps(D2), admin)
    session.commit()
    session.close()
