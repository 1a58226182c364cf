"""Safe parsing of uploaded BPMN and its validation against the BPMN 2.0 XSD."""

import threading

import pytest
from lxml import etree

from models.errors import BpmnValidationError
from engine.spiff.xmlsafe import BPMN_NS, parse_bpmn_xml, validate_bpmn_xsd


def refusal(xml, **kwargs):
    with pytest.raises(BpmnValidationError) as info:
        parse_bpmn_xml(xml, **kwargs)
    assert len(info.value.errors) == 1
    return info.value.errors[0]


def test_valid_bpmn_io_file_with_extensions_parses_and_validates(fixture_bytes):
    tree = parse_bpmn_xml(fixture_bytes("valid_spiff_process.bpmn"))
    assert tree.getroot().tag == f"{{{BPMN_NS}}}definitions"
    assert validate_bpmn_xsd(tree) == []


def test_str_input_with_declared_encoding_is_accepted(fixture_bytes):
    text = fixture_bytes("valid_spiff_process.bpmn").decode("utf-8")
    assert validate_bpmn_xsd(parse_bpmn_xml(text)) == []


def test_billion_laughs_refused_before_expansion(fixture_bytes):
    error = refusal(fixture_bytes("billion_laughs.bpmn"))
    assert "DOCTYPE" in error.message
    assert error.line == 2


def test_external_entity_refused_and_file_never_read(fixture_bytes):
    error = refusal(fixture_bytes("external_entity.bpmn"))
    assert "DOCTYPE" in error.message
    assert "root:" not in str(error)


def test_doctype_hidden_by_utf16_encoding_still_refused(fixture_bytes):
    # The raw-bytes check cannot see "<!DOCTYPE" in UTF-16; the parsed docinfo must catch it.
    text = fixture_bytes("external_entity.bpmn").decode("utf-8").replace("UTF-8", "UTF-16")
    error = refusal(text.encode("utf-16"))
    assert "DOCTYPE" in error.message
    assert "root:" not in str(error)


def test_oversize_refused():
    xml = (f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" targetNamespace="x">'
           + "<!-- padding -->" * 100 + "</bpmn:definitions>")
    error = refusal(xml, max_bytes=1000)
    assert "too large" in error.message and "1,000" in error.message


def test_empty_input_refused():
    assert "empty" in refusal(b"  \n").message


def test_malformed_xml_reports_line(fixture_bytes):
    error = refusal(fixture_bytes("malformed_unclosed_tag.bpmn"))
    assert error.line == 7
    assert "not well-formed" in error.message
    assert "startEvent line 4" in error.message


def test_wrong_root_refused(fixture_bytes):
    error = refusal(fixture_bytes("wrong_root.bpmn"))
    assert "not a BPMN 2.0 file" in error.message
    assert "DMN" in error.message
    assert error.tag == "definitions" and error.line == 2


def test_xsd_errors_name_element_id_and_line(fixture_bytes):
    errors = validate_bpmn_xsd(parse_bpmn_xml(fixture_bytes("xsd_invalid_task.bpmn")))
    by_line = {e.line: e for e in errors}
    assert set(by_line) == {7, 12}

    attr = by_line[7]
    assert (attr.tag, attr.element_id) == ("userTask", "Task_bad_attr")
    assert "bpmn:assignee" in attr.message and "not allowed" in attr.message
    assert "{http" not in attr.message

    child = by_line[12]
    assert child.tag == "documentation" and child.element_id is None
    assert "not expected" in child.message and "Task_bad_child" in child.message


def test_duplicate_ids_explained():
    xml = (f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="D" targetNamespace="x">\n'
           '<bpmn:process id="same"/>\n<bpmn:process id="same"/>\n</bpmn:definitions>')
    [error] = validate_bpmn_xsd(parse_bpmn_xml(xml))
    assert error.line == 3 and error.element_id == "same"
    assert "must be unique" in error.message


def test_bpmn_io_correlation_formal_expression_accepted_without_touching_tree():
    xml = f"""<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="D" targetNamespace="x">
  <bpmn:message id="Message_1" name="m" />
  <bpmn:correlationProperty id="CP_1" name="order">
    <bpmn:correlationPropertyRetrievalExpression messageRef="Message_1">
      <bpmn:formalExpression>order_id</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
</bpmn:definitions>"""
    tree = parse_bpmn_xml(xml)
    assert validate_bpmn_xsd(tree) == []
    assert tree.getroot().find(f".//{{{BPMN_NS}}}formalExpression") is not None


def test_validation_is_thread_safe(fixture_bytes):
    good = parse_bpmn_xml(fixture_bytes("valid_spiff_process.bpmn"))
    bad = parse_bpmn_xml(fixture_bytes("xsd_invalid_task.bpmn"))
    results = []

    def work(tree, expected):
        for _ in range(20):
            results.append(len(validate_bpmn_xsd(tree)) == expected)

    threads = [threading.Thread(target=work, args=(t, n)) for t, n in [(good, 0), (bad, 2)] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results and all(results)


def test_schema_loading_does_not_use_network(monkeypatch):
    import engine.spiff.xmlsafe as xmlsafe
    monkeypatch.setattr(xmlsafe, "_schema", None)
    seen = []
    original = etree.XMLParser

    def spy(*args, **kwargs):
        seen.append(kwargs.get("no_network", True))
        return original(*args, **kwargs)

    monkeypatch.setattr(etree, "XMLParser", spy)
    assert isinstance(xmlsafe._get_schema(), etree.XMLSchema)
    assert seen and all(seen)


def test_doctype_refused_after_parse_if_byte_scan_misses_it(monkeypatch, fixture_bytes):
    import engine.spiff.xmlsafe as xmlsafe
    monkeypatch.setattr(xmlsafe, "dtd_line", lambda data: None)
    xml = (f'<!DOCTYPE bpmn:definitions [ <!ENTITY x "harmless"> ]>\n'
           f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" targetNamespace="&x;"/>')
    assert "DOCTYPE" in refusal(xml).message
    # libxml2's own amplification limit still stops a bomb on this path.
    assert "not well-formed" in refusal(fixture_bytes("billion_laughs.bpmn")).message
