"""The type of a file, read from its content; only these types are ever kept."""

# content type -> (extension, what a person calls it)
ACCEPTED_TYPES = {
    "image/jpeg": (".jpg", "JPEG"),
    "image/png": (".png", "PNG"),
    "image/webp": (".webp", "WebP"),
    "image/gif": (".gif", "GIF"),
    "application/pdf": (".pdf", "PDF"),
}
IMAGE_TYPES = frozenset(t for t in ACCEPTED_TYPES if t.startswith("image/"))


def sniff_type(data: bytes) -> str | None:
    """The accepted type these bytes are (by their magic numbers), or None for anything else."""
    head = bytes(data[:16])
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def matches_accept(content_type: str, accept: str | None) -> bool:
    """Whether a type read from the content fits a form-js `accept` ("image/*,.pdf"); no accept: all."""
    tokens = [t.strip().lower() for t in str(accept or "").split(",") if t.strip()]
    if not tokens:
        return True
    extension = ACCEPTED_TYPES[content_type][0]
    for token in tokens:
        if token == content_type or token == extension:
            return True
        if token in (".jpeg", ".jpe") and content_type == "image/jpeg":
            return True
        if token.endswith("/*") and content_type.startswith(token[:-1]):
            return True
    return False
