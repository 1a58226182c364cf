"""Parse uploaded BPMN safely (no DTDs, entities or network) and validate it against the BPMN 2.0 XSD."""

import copy
import os
import re
import threading

from lxml import etree

import SpiffWorkflow.bpmn.parser

from models.errors import BpmnError, BpmnValidationError
from models.messages import Message

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DEFINITIONS_TAG = f"{{{BPMN_NS}}}definitions"
SCHEMA_DIR = os.path.join(os.path.dirname(SpiffWorkflow.bpmn.parser.__file__), "schema")
XSD_PATH = os.path.join(SCHEMA_DIR, "BPMN20.xsd")

# Prefixes used when rewriting lxml's "{namespace}name" into what modelling tools show.
_PREFIXES = {
    BPMN_NS: "bpmn",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
    "http://www.omg.org/spec/DD/20100524/DC": "dc",
    "http://www.omg.org/spec/DD/20100524/DI": "di",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
    "http://camunda.org/schema/1.0/bpmn": "camunda",
}
_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")
_ELEMENT_IN_MESSAGE = re.compile(r"Element '(\{[^}]*\}[\w.-]+|[\w.-]+)'")
_XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)(['\"])[^'\"]*\2")

_DOCTYPE_MESSAGE = Message("The file contains a DOCTYPE (document type declaration). BPMN files do "
                           "not need one, and it is refused because it can define entities that "
                           "read local files or expand without limit. Remove the <!DOCTYPE ...> "
                           "part and upload again.")


_schema = None
# lxml validators keep their error log on the object: one validation at a time.
_schema_lock = threading.Lock()


def safe_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parser objects are not meant to be shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def _refuse(message: str, line: int | None = None, tag: str | None = None,
            element_id: str | None = None) -> BpmnValidationError:
    return BpmnValidationError([BpmnError(message, element_id=element_id, line=line, tag=tag)])


def xml_bytes(xml: bytes | str) -> bytes:
    """The file's bytes; text is encoded as UTF-8 with its declaration saying so."""
    if isinstance(xml, bytes):
        return xml
    # The text is already decoded, so a declared encoding other than UTF-8 would be wrong now.
    return _XML_DECL_ENCODING.sub(r"\1\2UTF-8\2", xml, count=1).encode("utf-8")


def parse_bpmn_xml(xml: bytes | str, max_bytes: int = 5_000_000) -> etree._ElementTree:
    """Parse BPMN XML without DTDs, entities or network access; raise BpmnValidationError if refused."""
    data = xml_bytes(xml)
    if len(data) > max_bytes:
        raise _refuse(Message("The file is too large ({size:,} bytes); the limit is {limit:,} bytes.",
                              size=len(data), limit=max_bytes))
    if not data.strip():
        raise _refuse(Message("The file is empty."))
    # Checked on the raw bytes first so no DTD is ever handed to libxml2 (entity bombs, XXE);
    # the docinfo check below catches any encoding this scan does not know.
    doctype_at = dtd_line(data)
    if doctype_at:
        raise _refuse(_DOCTYPE_MESSAGE, line=doctype_at)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _refuse(Message("The file is not well-formed XML: {detail}", detail=exc.msg),
                      line=exc.lineno) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _refuse(_DOCTYPE_MESSAGE, line=1)
    if root.tag != DEFINITIONS_TAG:
        qname = etree.QName(root)
        found = (Message("<{tag}> in the namespace {namespace}", tag=qname.localname,
                         namespace=qname.namespace) if qname.namespace else
                 Message("<{tag}> without a namespace", tag=qname.localname))
        raise _refuse(Message("This is not a BPMN 2.0 file: the root element is {found}, but it "
                              "must be <bpmn:definitions> in the namespace {namespace}.",
                              found=found, namespace=BPMN_NS),
                      line=root.sourceline, tag=qname.localname)
    return tree


_DTD_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def dtd_line(data: bytes) -> int | None:
    """Line of the first "<!DOCTYPE" or "<!ENTITY" in the raw bytes (UTF-8/16/32), or None."""
    for encoding in _DTD_ENCODINGS:
        for marker in ("<!DOCTYPE", "<!ENTITY"):
            pos = data.find(marker.encode(encoding))
            if pos >= 0:
                return data.count("\n".encode(encoding), 0, pos) + 1
    return None


def _display_name(clark: str) -> str:
    """Turn '{namespace}name' into 'prefix:name' for the namespaces process owners know."""
    def repl(match: re.Match) -> str:
        prefix = _PREFIXES.get(match.group(1))
        return f"{prefix}:{match.group(2)}" if prefix else match.group(0)
    return _CLARK.sub(repl, clark)


def _get_schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        with _schema_lock:
            if _schema is None:
                # Parsed from its path so the relative imports (Semantic.xsd, BPMNDI.xsd, ...)
                # resolve to the files next to it; no_network keeps them from ever being fetched.
                doc = etree.parse(XSD_PATH, etree.XMLParser(no_network=True, resolve_entities=False))
                _schema = etree.XMLSchema(doc)
    return _schema


def _for_schema(tree: etree._ElementTree) -> etree._ElementTree:
    """Return the tree to validate: a copy with bpmn.io's message-correlation quirk undone, if present."""
    # bpmn.io writes a formalExpression where the XSD wants messagePath; SpiffWorkflow's own
    # validator renames it in place, which would also change the caller's tree.
    found = tree.getroot().xpath(
        ".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression",
        namespaces={"bpmn": BPMN_NS})
    if not found:
        return tree
    root = copy.deepcopy(tree.getroot())
    for expr in root.xpath(".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression",
                           namespaces={"bpmn": BPMN_NS}):
        expr.tag = f"{{{BPMN_NS}}}messagePath"
    return root.getroottree()


def validate_bpmn_xsd(tree) -> list[BpmnError]:
    """Validate a parsed BPMN tree against the BPMN 2.0 XSD; return one BpmnError per problem."""
    if not hasattr(tree, "getroot"):
        tree = tree.getroottree()
    schema = _get_schema()
    with _schema_lock:
        valid = schema.validate(_for_schema(tree))
        entries = [] if valid else list(schema.error_log)
    by_line = {}
    for element in tree.iter() if entries else ():
        if isinstance(element.tag, str):
            by_line.setdefault(element.sourceline, []).append(element)
    return [_schema_error(by_line, entry) for entry in entries]


# libxml2's commonest XSD messages, as templates (the English text unchanged: a Message
# without params is its template) so that a page says them in its own language; anything else
# stays as libxml2 wrote it.
_XSD_MESSAGES = (
    (re.compile(r"^Element '(?P<element>[^']+)': The attribute '(?P<attribute>[^']+)' is required but "
                r"missing\.$"),
     Message("Element {element!r}: The attribute {attribute!r} is required but missing.")),
    (re.compile(r"^Element '(?P<element>[^']+)', attribute '(?P<attribute>[^']+)': The attribute "
                r"'(?P=attribute)' is not allowed\.$"),
     Message("Element {element!r}, attribute {attribute!r}: The attribute {attribute!r} is not allowed.")),
    (re.compile(r"^Element '(?P<element>[^']+)': This element is not expected\. Expected is one of "
                r"\( (?P<expected>.+) \)\.$"),
     Message("Element {element!r}: This element is not expected. Expected is one of ( {expected} ).")),
    (re.compile(r"^Element '(?P<element>[^']+)': This element is not expected\. Expected is "
                r"\( (?P<expected>.+) \)\.$"),
     Message("Element {element!r}: This element is not expected. Expected is ( {expected} ).")),
    (re.compile(r"^Element '(?P<element>[^']+)': This element is not expected\.$"),
     Message("Element {element!r}: This element is not expected.")),
    (re.compile(r"^Element '(?P<element>[^']+)': Missing child element\(s\)\. Expected is one of "
                r"\( (?P<expected>.+) \)\.$"),
     Message("Element {element!r}: Missing child element(s). Expected is one of ( {expected} ).")),
    (re.compile(r"^Element '(?P<element>[^']+)': Missing child element\(s\)\. Expected is "
                r"\( (?P<expected>.+) \)\.$"),
     Message("Element {element!r}: Missing child element(s). Expected is ( {expected} ).")),
    (re.compile(r"^Element '(?P<element>[^']+)', attribute '(?P<attribute>[^']+)': '(?P<value>[^']*)' "
                r"is not a valid value of the atomic type '(?P<type>[^']+)'\.$"),
     Message("Element {element!r}, attribute {attribute!r}: {value!r} is not a valid value of the atomic "
             "type {type!r}.")),
    (re.compile(r"^Element '(?P<element>[^']+)': Character content other than whitespace is not "
                r"allowed because the content type is 'element-only'\.$"),
     Message("Element {element!r}: Character content other than whitespace is not allowed because the "
             "content type is 'element-only'.")),
)


def _xsd_message(text: str) -> str:
    """libxml2's XSD message as a Message when it is one of the common ones (same English)."""
    for pattern, template in _XSD_MESSAGES:
        found = pattern.match(text)
        if found:
            message = Message(template.template, **found.groupdict())
            return message if message == text else text
    return text


def _schema_error(by_line: dict, entry) -> BpmnError:
    element = _find_element(by_line, entry)
    message = _xsd_message(_display_name(entry.message))
    if "atomic type 'xs:ID'" in message:
        message = Message("{detail} An id must be unique in the file, start with a letter or '_' "
                          "and contain no spaces.", detail=message)
    tag = element_id = None
    if element is not None:
        tag = etree.QName(element).localname
        element_id = element.get("id")
        if element_id is None:
            owner = next((a for a in element.iterancestors() if a.get("id")), None)
            if owner is not None:
                message = Message("{detail} (inside {tag} id={id!r})", detail=message,
                                  tag=_display_name(owner.tag), id=owner.get("id"))
    return BpmnError(Message("Not valid BPMN 2.0: {detail}", detail=message), element_id=element_id,
                     line=entry.line or None, tag=tag)


def _find_element(by_line: dict, entry):
    """Find the element an XSD error is about: the one on its line whose name the message gives."""
    on_line = by_line.get(entry.line, []) if entry.line else []
    match = _ELEMENT_IN_MESSAGE.search(entry.message)
    if match:
        named = [el for el in on_line if el.tag == match.group(1)
                 or (match.group(1) == "{%s}messagePath" % BPMN_NS
                     and el.tag == "{%s}formalExpression" % BPMN_NS)]
        if named:
            return named[0]
    return on_line[0] if on_line else None
