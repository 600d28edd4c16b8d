"""Open a PDF with PDFium (pypdfium2) and render its first page to a PNG — run in a child
process (``python -I pdfpreview.py PDF PNG WIDTH HEIGHT``) by ``operations.check_pdf``, so that a
file made to hang or crash the parser costs a time-out, never the worker; its memory and CPU
time are bounded. Standalone: it imports nothing from csti.

Prints ``opened <pages>`` once the document is open (it is a PDF), then ``rendered`` once the
PNG is written. Exit status: 0 rendered, 2 not a PDF PDFium can open, 3 protected by a password,
4 opened but not rendered (the document is kept without a preview)."""
import sys

MEMORY_LIMIT = 1024 * 1024 * 1024
CPU_SECONDS = 20


def _limit() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    except (ImportError, ValueError, OSError):  # not on this system: the parent's time-out remains
        pass


def main(source: str, target: str, width: int, height: int) -> int:
    _limit()
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as error:
        return 3 if "password" in str(error).lower() else 2
    pages = len(document)
    if pages < 1:
        return 2
    print(f"opened {pages}", flush=True)
    try:
        page = document[0]
        page_width, page_height = page.get_size()
        if page_width <= 0 or page_height <= 0:
            return 4
        scale = min(width / page_width, height / page_height, 4.0)
        image = page.render(scale=scale, draw_annots=True, may_draw_forms=False).to_pil()
        image.convert("RGB").save(target, "PNG")
    except Exception:  # noqa: BLE001 — no preview; the document itself opened
        return 4
    print("rendered", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
