"""PDF documents from the portal's own templates, rendered by WeasyPrint (the copy of record of a report
submission: ``portal.reports.receipt_pdf``).

The page's HTML is rendered by the same Jinja environment and context as every page, then laid out with one
print stylesheet from ``web_templates/static``; WeasyPrint fetches nothing (images, stylesheets or fonts
named by URL are refused), and fonts come from the machine (fonts-noto-cjk, installed by the Makefile), their
glyphs embedded. Its dates come from the document's ``dcterms.created``/``dcterms.modified`` meta, so the
same HTML gives the same bytes. A render is CPU-bound and takes from a tenth of a second to seconds
(docs/architecture.md, "The copy of record"): it runs in a worker thread, one at a time per process, so the
server goes on answering meanwhile and a burst of downloads queues instead of taking both cores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request

from portal.templating import STATIC_DIR

_limiter: anyio.CapacityLimiter | None = None


def html_to_pdf(html: str, stylesheet: Path) -> bytes:
    # Imported here, not with the portal: WeasyPrint and pango take about half a second to load, which every
    # server process would pay at start for a page few requests ask for.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class NothingFetched(URLFetcher):  # type: ignore[misc]
        """The document is whole as rendered: no file, address or data URL is read while laying it out."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"not fetched: {url[:80]}")

    fonts = FontConfiguration()
    fetcher = NothingFetched()
    css = CSS(filename=str(stylesheet), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher, base_url=str(STATIC_DIR))
    pdf: bytes = document.write_pdf(stylesheets=[css], font_config=fonts)
    return pdf


def render_html(request: Request, name: str, context: dict[str, Any]) -> str:
    """A template rendered to text with the context every page gets (translations, locale, helpers)."""
    templates = request.app.state.templates
    full: dict[str, Any] = {"request": request}
    for processor in templates.context_processors:
        full.update(processor(request))
    full.update(context)
    return str(templates.get_template(name).render(full))


async def render_pdf(request: Request, name: str, context: dict[str, Any], *, stylesheet: str) -> bytes:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(1)
    html = render_html(request, name, context)
    return await anyio.to_thread.run_sync(html_to_pdf, html, STATIC_DIR / stylesheet, limiter=_limiter)
