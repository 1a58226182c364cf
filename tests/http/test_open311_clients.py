"""An existing Open311 client works unchanged, against the app served on a loopback port.

The client library is `georeport` (PyPI, Python 3, reads services and requests in JSON and
XML; it has no filing call). Filing, and everything again without any library, is done with
urllib exactly as the spec's examples send it: a form-encoded POST, then .xml and .json GETs.
(`open311` 1.1 and `three` 0.8 were tried too: both are Python 2 only.)
"""
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from open311_support import CONTACT_TRACES, DESCRIPTION, deploy_citizen_processes, issue_key
from tests.browser.live_server import browser_app, serve

# A live server in another thread reads what the test arranged.
pytestmark = pytest.mark.committed


@pytest.fixture
def live(app, database_url):
    """The Open311 root of a live server (CSRF on, as in production) and a key."""
    deploy_citizen_processes(app)
    _, key = issue_key(app, "Citizen app")
    with serve(browser_app(database_url)) as base:
        yield f"{base}/open311/v2", key


def _post(root: str, fmt: str, form: dict) -> tuple[int, bytes]:
    """POST application/x-www-form-urlencoded, as the spec's example; (status, body)."""
    request = urllib.request.Request(f"{root}/requests.{fmt}", data=urllib.parse.urlencode(form).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _spec_form(key: str) -> dict:
    """The fields of the spec's POST example, with this city's values."""
    return {"api_key": key, "jurisdiction_id": "d1", "service_code": "service",
            "lat": "34.6401", "long": "50.8764", "address_string": "قم، میدان سعیدی",
            "email": "zahra.kazemi@example.org", "device_id": "tt222111", "account_id": "",
            "first_name": "زهرا", "last_name": "کاظمی‌نژاد", "phone": "09121234567",
            "description": DESCRIPTION, "media_url": "http://photos.example.org/1.jpg",
            "attribute[description_public]": "true"}


def test_the_georeport_client_library_reads_services_and_a_posted_request(live):
    georeport = pytest.importorskip("georeport")
    root, key = live
    status, body = _post(root, "json", _spec_form(key))
    assert status == 201, body
    code = json.loads(body)[0]["service_request_id"]

    client = georeport.GeoReport(root, jurisdiction="d1", api_key=key)
    services = client.get_service_list()
    assert [s["service_code"] for s in services][:3] == ["service", "technical", "urban_planning"]
    assert [a["code"] for a in client.get_service_definition("service")["attributes"]] == ["description_public"]
    one = client.get_service_request(code)
    assert (one["service_request_id"], one["status"], one["description"]) == (code, "open", DESCRIPTION)
    assert [r["service_request_id"] for r in client.get_service_requests(service_request_id=code)] == [code]
    assert [r["service_request_id"] for r in client.get_service_requests(status="open")] == [code]

    xml_client = georeport.GeoReport(root, jurisdiction="d1", output_format="xml")
    assert xml_client.get_service_list()[0]["service_name"] == "خدماتی"
    assert xml_client.get_service_definition("service")["service_code"] == "service"
    one_xml = xml_client.get_service_request(code)
    assert one_xml["service_request_id"] == code
    assert one_xml["agency_responsible"] == "شهرداری منطقه ۱"


def test_a_plain_http_client_files_and_follows_a_request_as_the_spec_examples_do(live):
    root, key = live
    status, body = _post(root, "xml", _spec_form(key))
    assert status == 201, body
    answer = ET.fromstring(body).find("request")
    code, token = answer.findtext("service_request_id"), answer.findtext("token")

    status, body = _get(f"{root}/tokens/{token}.xml")
    assert status == 200 and ET.fromstring(body).find("request").findtext("service_request_id") == code
    status, body = _get(f"{root}/requests/{code}.json")
    assert status == 200 and json.loads(body)[0]["address"] == "قم، میدان سعیدی"
    query = urllib.parse.urlencode({"jurisdiction_id": "d1", "service_code": "service",
                                    "start_date": "2020-01-01T00:00:00Z", "status": "open"})
    status, body = _get(f"{root}/requests.xml?{query}")
    assert status == 200
    records = ET.fromstring(body).findall("request")
    assert [r.findtext("service_request_id") for r in records] == [code]
    assert records[0].findtext("requested_datetime").endswith("+03:30")
    for trace in CONTACT_TRACES:
        assert trace.encode() not in body

    status, body = _post(root, "xml", {**_spec_form("not-a-key")})
    assert status == 403
    assert ET.fromstring(body).find("error").findtext("code") == "403"
