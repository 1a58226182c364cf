"""Every well-formed BPMN file of other modelling tools (../shared/corpus) imports into the studio
as a draft that opens on the modeler page; what is wrong with it is said on its element, in words,
never as a traceback."""
import re
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from models.studio import ProcessDraft

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FILES = sorted(CORPUS.rglob("*.bpmn")) if CORPUS.is_dir() else []
PYTHON_WORDS = re.compile(r"Traceback|object at 0x|File \"/")


BPMN_DEFINITIONS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}definitions"


def bpmn_file(path: Path) -> bool:
    """Well-formed XML whose root is BPMN 2.0's definitions (a few fixtures are not even that)."""
    try:
        root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False
    return root.tag == BPMN_DEFINITIONS


@pytest.mark.slow
@pytest.mark.skipif(not FILES, reason="../shared/corpus is not there")
def test_every_well_formed_corpus_file_imports_as_a_draft_that_opens(app, login):
    owner = login("process_owner")
    imported, not_bpmn = 0, []
    files = [p for p in FILES if bpmn_file(p)]
    for path in files:
        response = owner.post("/studio/import", data={"file": (path.open("rb"), path.name)},
                              content_type="multipart/form-data")
        text = response.get_data(as_text=True)
        assert not PYTHON_WORDS.search(text), (path, text[-2000:])
        if response.status_code != 303:
            not_bpmn.append((path.name, re.sub(r"<[^>]+>", " ", text)[-300:]))
            continue
        assert response.status_code == 303, (path, response.status_code, text[-1500:])
        page = owner.get(response.headers["Location"])
        assert page.status_code == 200, (path, page.status_code)
        imported += 1
    session = app.extensions["db_sessions"]()
    drafts = session.scalar(select(ProcessDraft.id).limit(1))
    session.close()
    assert drafts is not None
    assert not_bpmn == [] and imported == len(files) > 200


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not there")
def test_a_well_formed_file_that_is_not_bpmn_is_refused_in_words(login):
    owner = login("process_owner")
    for path in [p for p in FILES if not bpmn_file(p)][:5]:
        response = owner.post("/studio/import", data={"file": (path.open("rb"), path.name)},
                              content_type="multipart/form-data")
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and not PYTHON_WORDS.search(text), path
