"""The document store's parts on their own: the type read from the content, the storages (the
same contract for the directory and for S3, the latter against a real S3 protocol server:
moto's, tests/conftest.py s3_server), the size limit and the virus-scan hook (a real command:
a tiny script)."""
import os
import stat
import sys

import pytest

from documents import DocumentStore, LocalStorage, UploadRefused, check_upload, sniff_type
from documents.storage import S3Storage
from documents.content import matches_accept
from documents.attachments import attachment_ids_in, clean_name

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def store(tmp_path, **settings) -> DocumentStore:
    return DocumentStore({"DOCUMENTS_STORAGE": "local", "DOCUMENTS_DIR": str(tmp_path / "files"),
                          "DOCUMENTS_MAX_BYTES": 1024, **settings})


def script(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("data, expected", [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (PDF, "application/pdf"),
    (b"GIF89a" + b"\x00" * 10, "image/gif")])
def test_the_type_is_read_from_the_first_bytes(data, expected):
    assert sniff_type(data) == expected


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00 a Windows program", b"<html><script>alert(1)</script>", b"PK\x03\x04 a zip",
    b"plain text", b"", b"RIFF\x24\x00\x00\x00WAVEfmt "])
def test_anything_else_has_no_accepted_type(data):
    assert sniff_type(data) is None


def test_a_program_named_like_a_photo_is_refused_by_its_content(tmp_path):
    with pytest.raises(UploadRefused) as refused:
        check_upload(store(tmp_path), b"MZ\x90\x00" + b"\x00" * 40)
    assert refused.value.reason == "type" and "JPEG" in refused.value.message


def test_accept_of_the_field_narrows_the_types():
    assert matches_accept("image/png", "image/*,.pdf") and matches_accept("application/pdf", "image/*,.pdf")
    assert matches_accept("image/jpeg", ".jpeg") and matches_accept("image/png", "")
    assert not matches_accept("application/pdf", "image/*")
    assert not matches_accept("image/webp", "image/jpeg,image/png")


def test_a_pdf_in_a_field_for_images_only_is_refused(tmp_path):
    with pytest.raises(UploadRefused) as refused:
        check_upload(store(tmp_path), PDF, accept="image/*")
    assert refused.value.reason == "accept"


def test_the_size_limit_comes_from_the_settings(tmp_path):
    assert check_upload(store(tmp_path), PNG + b"\x00" * (1024 - len(PNG))) == "image/png"
    with pytest.raises(UploadRefused) as refused:
        check_upload(store(tmp_path), PNG + b"\x00" * (1025 - len(PNG)))
    assert refused.value.reason == "size" and refused.value.params["limit_bytes"] == 1024
    with pytest.raises(UploadRefused):
        check_upload(store(tmp_path, DOCUMENTS_MAX_BYTES=50), PNG + b"\x00" * 10)
    with pytest.raises(UploadRefused) as empty:
        check_upload(store(tmp_path), b"")
    assert empty.value.reason == "empty"


def test_the_scan_command_runs_on_each_upload_and_a_failing_scan_refuses_it(tmp_path):
    seen = tmp_path / "scanned.txt"
    clean = script(tmp_path, "clean-scan", f"import sys, pathlib\n"
                   f"pathlib.Path({str(seen)!r}).write_bytes(pathlib.Path(sys.argv[-1]).read_bytes())")
    assert check_upload(store(tmp_path, DOCUMENTS_SCAN_COMMAND=clean), PNG) == "image/png"
    assert seen.read_bytes() == PNG  # the scanner got the very bytes
    infected = script(tmp_path, "infected-scan", "import sys\nprint('Eicar-Signature FOUND')\nsys.exit(1)")
    with pytest.raises(UploadRefused) as refused:
        check_upload(store(tmp_path, DOCUMENTS_SCAN_COMMAND=infected), PNG)
    assert refused.value.reason == "scan"


def test_a_scanner_that_cannot_run_or_hangs_refuses_the_file(tmp_path):
    with pytest.raises(UploadRefused):
        check_upload(store(tmp_path, DOCUMENTS_SCAN_COMMAND=str(tmp_path / "no-such-scanner")), PNG)
    slow = script(tmp_path, "slow-scan", "import time\ntime.sleep(5)")
    with pytest.raises(UploadRefused):
        check_upload(store(tmp_path, DOCUMENTS_SCAN_COMMAND=slow, DOCUMENTS_SCAN_TIMEOUT_SECONDS=0.5), PNG)


def test_no_scan_command_runs_nothing(tmp_path):
    assert check_upload(store(tmp_path, DOCUMENTS_SCAN_COMMAND=""), PDF) == "application/pdf"


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """Each backend in turn, empty: a directory of this test's, or a bucket of its own."""
    if request.param == "local":
        return store(tmp_path).storage
    return DocumentStore(request.getfixturevalue("s3_settings")).storage


def test_a_storage_writes_reads_and_deletes_whole_files(storage):
    storage.put("2026/12/abc", PNG)
    assert storage.get("2026/12/abc") == PNG and storage.exists("2026/12/abc")
    storage.put("2026/12/abc", PDF)  # a key written again holds the newer bytes
    assert storage.get("2026/12/abc") == PDF
    assert not storage.exists("2026/12/ab") and not storage.exists("2026/12")
    storage.delete("2026/12/abc")
    storage.delete("2026/12/abc")  # already gone: no error
    assert not storage.exists("2026/12/abc")
    with pytest.raises(FileNotFoundError):
        storage.get("2026/12/abc")
    with pytest.raises(FileNotFoundError):
        storage.get("2026/12/never-written")


def test_a_storage_keeps_each_key_apart_and_any_bytes_as_they_are(storage):
    every_byte = bytes(range(256)) * 3
    storage.put("2026/12/one", every_byte)
    storage.put("2026/12/two", b"\x00")
    assert storage.get("2026/12/one") == every_byte and storage.get("2026/12/two") == b"\x00"
    storage.delete("2026/12/one")
    assert storage.get("2026/12/two") == b"\x00" and not storage.exists("2026/12/one")


def test_the_directory_storage_leaves_no_temporary_file(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    storage.put("2026/12/abc", PNG)
    assert [p.name for p in (tmp_path / "files" / "2026" / "12").iterdir()] == ["abc"]


@pytest.mark.parametrize("key", ["../outside", "a/../../b", "/etc/passwd", "", "a b"])
def test_a_storage_key_never_leaves_its_directory(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).put(key, b"x")
    assert not os.path.exists(tmp_path.parent / "outside")


@pytest.mark.parametrize("key", ["../outside", "a/../../b", "/etc/passwd", "", "a b"])
def test_each_storage_refuses_the_same_bad_keys(storage, key):
    for action in (lambda: storage.put(key, b"x"), lambda: storage.get(key),
                   lambda: storage.delete(key), lambda: storage.exists(key)):
        with pytest.raises(ValueError):
            action()


def test_the_storage_setting_names_the_backend(tmp_path, s3_settings):
    assert isinstance(store(tmp_path).storage, LocalStorage)
    s3 = store(tmp_path, **s3_settings).storage
    assert isinstance(s3, S3Storage) and s3.bucket == s3_settings["DOCUMENTS_S3_BUCKET"]
    assert store(tmp_path, **s3_settings).storage is s3  # one client per set of settings
    with pytest.raises(ValueError, match="DOCUMENTS_S3_BUCKET"):
        _ = store(tmp_path, DOCUMENTS_STORAGE="s3").storage
    with pytest.raises(ValueError, match="not available"):
        _ = store(tmp_path, DOCUMENTS_STORAGE="ftp").storage


def test_a_file_name_keeps_no_directories_or_control_characters():
    assert clean_name("C:\\Users\\x\\عکس.png") == "عکس.png"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("a\x00b\u202ec.png") == "abc.png"
    assert clean_name("") == "file"


def test_a_file_fields_value_is_a_list_of_ids():
    assert attachment_ids_in([3, "4", "x", True, 3, -1]) == [3, 4]
    assert attachment_ids_in(7) == [7] and attachment_ids_in(None) == []
