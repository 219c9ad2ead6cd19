"""Reading: raw bytes -> a normalised ``Document``, or a ``RejectedDocument`` that says why not.

Everything that depends on how a page was *encoded* is settled here, so that the parser only ever
sees one shape of text: no BOM, ``\\n`` line ends, plain spaces, no trailing whitespace, NFC. The
hash is taken of that text, so a page saved as UTF-16 with CRLF and the same page as UTF-8 hash the
same.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from pathlib import Path

from ingest.records import Document, RejectedDocument

DEFAULT_MAX_BYTES = 2_000_000

# Byte-order marks, longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Signatures of common binary formats, so the reason can name what the file probably is.
_MAGIC = (
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
)

_OTHER_LINE_BREAKS = ("\r", "\u2028", "\u2029", "\x85")  # all become "\n" ("\r\n" first)
_ODD_CHARACTER = re.compile(r"[\u00a0\u1680\u2000-\u200b\u202f\u205f\u2060\u3000\ufeff]")
_INVISIBLE = frozenset("\ufeff\u200b\u2060")  # BOMs left mid-text, zero-width spaces: dropped
# The rest of _ODD_CHARACTER look like a space but are not U+0020 (NBSP above all): made spaces.
_BLANK_RUN = re.compile(r"\n{3,}")
# C0 control characters other than tab, newline, form feed and carriage return: text never has many.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_VALID_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")

_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|!--|\?xml|[a-z][a-z0-9-]*(?:\s[^>]*)?/?>)", re.IGNORECASE)


def read_path(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read the file at ``path`` as a document; its path (as given) becomes the document's source.

    The size limit is checked before the file is read, so a huge file is rejected without loading it.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    return read_document(path.read_bytes(), str(path), max_bytes)


def read_document(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Decode and normalise one document, or raise ``RejectedDocument`` saying why it is not text.

    Accepts UTF-8 (with or without BOM), UTF-16/32 with a BOM, UTF-16 without one, and falls back to
    Windows-1252 for legacy pages. Rejection codes: ``empty``, ``too-large``, ``binary``, ``html``,
    ``json``.
    """
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data.strip():
        raise RejectedDocument(
            "the document is empty" if not data else "the document contains only whitespace", "empty"
        )
    text, notes = _decode(data)
    return document_from_text(text, source, notes)


def document_from_text(text: str, source: str = "<text>", notes: tuple[str, ...] = ()) -> Document:
    """Normalise already-decoded text into a ``Document`` (the parser uses this for plain strings).

    Applies the same checks as ``read_document`` that make sense for text: empty, binary-looking,
    HTML and JSON are rejected.
    """
    normalised = normalise_document_text(text)
    if not normalised:
        raise RejectedDocument("the document contains only whitespace", "empty")
    try:
        encoded = normalised.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only a str built in Python can hold them
        normalised = normalised.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        encoded = normalised.encode("utf-8")
        notes += ("decode: lone surrogate code points replaced with U+FFFD",)
    _reject_control_heavy(encoded)
    _reject_markup_and_json(normalised)
    digest = hashlib.sha256(encoded).hexdigest()
    return Document(source=source, text=normalised, sha256=digest, warnings=notes)


def normalise_document_text(text: str) -> str:
    """The one text shape the parser sees; see the module docstring. Returns '' for blank text.

    Leading and trailing blank lines are dropped and runs of blank lines collapse to one, so that a
    copy saved by an editor that adds a final newline still hashes the same.
    """
    # A regex pass costs a scan of the whole text, so each runs only when a cheap test says it must.
    text = text.replace("\r\n", "\n")
    for line_break in _OTHER_LINE_BREAKS:
        if line_break in text:
            text = text.replace(line_break, "\n")
    if not text.isascii():
        if _ODD_CHARACTER.search(text):
            text = _ODD_CHARACTER.sub(lambda m: "" if m.group() in _INVISIBLE else " ", text)
        # NFC only (not NFKC): it folds canonically-equal spellings (a Mac's decomposed accents)
        # without rewriting what was published (NFKC would turn ligatures and the like into other text).
        text = unicodedata.normalize("NFC", text)
    # Per line rather than one multi-line regex: a '[ \t]+$' pattern retries at every space.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


def _decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Bytes -> text and notes about anything lossy or guessed along the way."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), ()
            except UnicodeDecodeError as error:
                raise RejectedDocument(
                    f"the document starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} (byte {error.start + len(bom)})",
                    "binary",
                ) from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise RejectedDocument(f"the document is binary: it looks like {what}", "binary")
    if b"\x00" in data:
        return _decode_with_nuls(data)
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    return _decode_damaged_or_legacy(data)


def _decode_with_nuls(data: bytes) -> tuple[str, tuple[str, ...]]:
    """NUL bytes mean binary, unless they sit in every other byte: then it is UTF-16 without a BOM."""
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    if (
        len(data) % 2 == 0
        and half
        and max(even_nuls, odd_nuls) >= 0.9 * half
        and min(even_nuls, odd_nuls) <= half // 100
    ):
        encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        try:
            return data.decode(encoding), (f"decode: no byte-order mark; read as {encoding.upper()}",)
        except UnicodeDecodeError:
            pass
    count = data.count(0)
    raise RejectedDocument(f"the document is binary: it contains {count} NUL byte{'s' if count != 1 else ''}", "binary")


def _decode_damaged_or_legacy(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Not valid UTF-8: either UTF-8 with a few damaged bytes, or a legacy 8-bit encoding.

    If the bytes hold more well-formed UTF-8 sequences than broken ones, the page is UTF-8 with
    damage: keep it, replacing the broken bytes (U+FFFD) and saying so. Otherwise read it as
    Windows-1252, the usual legacy encoding of web text.
    """
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    if len(_VALID_UTF8_MULTIBYTE.findall(data)) > broken:
        return text, (
            f"decode: {broken} byte sequence{'s' if broken != 1 else ''} not valid UTF-8, replaced with U+FFFD",
        )
    try:
        return data.decode("cp1252"), ("decode: not valid UTF-8; read as Windows-1252",)
    except UnicodeDecodeError:
        return text, (f"decode: not valid UTF-8 nor Windows-1252; {broken} byte sequence(s) replaced with U+FFFD",)


def _reject_control_heavy(encoded: bytes) -> None:
    """Text with many control characters is a binary file that happened to decode."""
    controls = len(encoded) - len(encoded.translate(None, _CONTROL_BYTES))  # a C loop: fast
    if controls > max(8, len(encoded) // 100):
        raise RejectedDocument(
            f"the document is binary: {controls} control characters in {len(encoded):,} bytes", "binary"
        )


def _reject_markup_and_json(text: str) -> None:
    """HTML and JSON are whole other formats: say so instead of failing later on 'no title'."""
    head = text.lstrip()
    if head.startswith("<") and _HTML_START.match(head):
        raise RejectedDocument("the document is HTML/XML markup, not a plain-text comparison document", "html")
    if head[:1] in ("{", "[") and head.rstrip()[-1:] in ("}", "]"):
        try:
            json.loads(head)
        except ValueError:
            return
        raise RejectedDocument("the document is JSON, not a plain-text comparison document", "json")


def _too_large(size: int, max_bytes: int) -> RejectedDocument:
    return RejectedDocument(f"the document is {size:,} bytes, over the {max_bytes:,}-byte limit", "too-large")
