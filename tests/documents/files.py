"""Files for the documents' tests, made here: a real PDF (Pillow), office documents as their
zip containers, and the disguises the checks must refuse."""
import io
import zipfile

from PIL import Image

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def pdf_bytes(color=(200, 30, 30), pages=1) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("RGB", (595, 842), color) for _ in range(pages)]
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _zip(members: dict, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), members.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _content_types(main: str, extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/>{extra}</Types>')


def docx_bytes() -> bytes:
    return _zip({"[Content_Types].xml": _content_types(DOCX_MAIN),
                 "_rels/.rels": "<Relationships/>",
                 "word/document.xml": "<w:document xmlns:w='urn:w'><w:body/></w:document>"})


def docm_bytes() -> bytes:
    extra = '<Override PartName="/word/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    return _zip({"[Content_Types].xml": _content_types(DOCM_MAIN, extra),
                 "_rels/.rels": "<Relationships/>",
                 "word/document.xml": "<w:document xmlns:w='urn:w'><w:body/></w:document>",
                 "word/vbaProject.bin": b"\x00" * 64})


def docx_with_vba_bytes() -> bytes:
    """A .docx main type, with a VBA project slipped in anyway."""
    return _zip({"[Content_Types].xml": _content_types(DOCX_MAIN),
                 "word/document.xml": "<w:document xmlns:w='urn:w'/>",
                 "word/vbaProject.bin": b"\x00" * 64})


def odt_bytes() -> bytes:
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text",
                 "META-INF/manifest.xml": "<manifest/>", "content.xml": "<office:document-content/>"},
                first="mimetype")


def odt_with_basic_bytes() -> bytes:
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>",
                 "Basic/Standard/Module1.xml": "<script/>"}, first="mimetype")


def zip_bomb_bytes(unpacked_mb=300) -> bytes:
    """A docx whose one member unpacks to ``unpacked_mb`` MB of zeros (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _content_types(DOCX_MAIN))
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(block)
    return buffer.getvalue()


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
FAKE_PDF_BYTES = b"%PDF-1.7\n<script>alert(1)</script>\nnot really a pdf\n"
