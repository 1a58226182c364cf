"""Open311 services: the list and each definition, as JSON and XML, and unknown resources."""
from programmes.citizens.requests import SERVICES
from open311_support import BASE, json_errors, xml_of, xml_records

# The spec's fields, and "public": whether the service's requests are listed (issue 18).
SPEC_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group",
               "public"}


def test_the_service_list_in_json_names_every_service_in_persian_with_the_spec_fields(app):
    response = app.test_client().get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert "خدماتی".encode() in response.get_data()  # sent as UTF-8, not \\u escapes
    services = response.get_json()
    assert [s["service_code"] for s in services] == [s.code for s in SERVICES]
    assert all(set(s) == SPEC_FIELDS for s in services)
    first = services[0]
    assert first["service_name"] == "خدماتی" and first["metadata"] is True  # the consent attribute
    assert first["type"] == "realtime" and first["group"] == "سامانه ۱۳۷"
    assert first["description"] == SERVICES[0].description_fa
    assert services[3]["group"] == "شکایات"


def test_the_service_list_in_xml_is_well_formed_with_persian_intact(app):
    response = app.test_client().get(f"{BASE}/services.xml")
    assert response.status_code == 200
    root = xml_of(response)
    assert root.tag == "services" and {item.tag for item in root} == {"service"}
    services = xml_records(root)
    assert [s["service_code"] for s in services] == [s.code for s in SERVICES]
    assert services[1]["service_name"] == "فنی و عمرانی"
    assert services[1]["metadata"] == "true" and services[1]["type"] == "realtime"
    assert set(services[1]) == SPEC_FIELDS


def test_locale_en_gives_english_service_names(app):
    services = app.test_client().get(f"{BASE}/services.json?locale=en").get_json()
    assert services[0]["service_name"] == "City services"
    assert services[0]["group"] == "137 citizen messages"


def test_a_public_service_definition_asks_for_the_citizens_consent_in_json_and_xml(app):
    client = app.test_client()
    response = client.get(f"{BASE}/services/complaint_service.json")
    assert response.status_code == 200
    [consent] = response.get_json()["attributes"]
    assert consent["code"] == "description_public" and consent["required"] is False
    assert [v["key"] for v in consent["values"]] == ["true", "false"]
    root = xml_of(client.get(f"{BASE}/services/complaint_service.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "complaint_service"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 1


def test_a_private_service_is_marked_private_and_asks_no_consent(app):
    client = app.test_client()
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").get_json()}
    staff = services["complaint_employee"]
    assert staff["public"] is False and "private" in staff["keywords"].split(",")
    assert all(s["public"] for code, s in services.items() if code != "complaint_employee")
    assert client.get(f"{BASE}/services/complaint_employee.json").get_json() == {
        "service_code": "complaint_employee", "attributes": []}
    xml = {s["service_code"]: s for s in xml_records(xml_of(client.get(f"{BASE}/services.xml")))}
    assert xml["complaint_employee"]["public"] == "false" and xml["service"]["public"] == "true"


def test_an_unknown_service_code_is_a_404_open311_error_in_either_format(app):
    client = app.test_client()
    response = client.get(f"{BASE}/services/potholes.json")
    assert response.status_code == 404
    assert "potholes" in json_errors(response)[0]
    response = client.get(f"{BASE}/services/potholes.xml")
    assert response.status_code == 404
    root = xml_of(response)
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404"
    assert "potholes" in root.find("error").findtext("description")


def test_a_format_other_than_json_or_xml_is_a_404(app):
    client = app.test_client()
    for url in ("/services.csv", "/services.html", "/services", "/requests.yaml",
                "/services/service.txt", "/nothing-here.xml"):
        response = client.get(BASE + url)
        assert response.status_code == 404, url
    assert xml_of(client.get(f"{BASE}/nothing-here.xml")).tag == "errors"
    assert json_errors(client.get(f"{BASE}/services.csv"))
