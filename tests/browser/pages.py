"""What the browser tests check on every page a person reads: that nothing is wider than the screen and
that no internal code shows where a name belongs; and logging in to the demo city."""

from __future__ import annotations

import re

from demo.city import DEMO_PASSWORD
from domain.permits.reference import POLLUTANTS

# The codes that read as nothing else (TN, SS, PM... could be words or units, so are not searched).
POLLUTANT_CODES = [
    "SO2",
    "NOX",
    "VOCS",
    "NMHC",
    "H2S",
    "HCL",
    "CRM",
    "DIOX",
    "COD",
    "NH3N",
    "BOD5",
    "CR6",
    "TCR",
    "FCOLI",
    "VOLPH",
    "ANILINE",
    "AOX",
]
CODE = re.compile(
    r"(?<![A-Za-z0-9_.-])(" + "|".join(POLLUTANT_CODES) + r")(?![A-Za-z0-9_-])"  # a bare pollutant code
    r"|\b[a-z]+_[a-z_]+\b"  # a section, scope or state key (abnormal_operation, not_applicable)
    r"|\bcontent\.[a-z]"  # a field path
    r"|(?<![A-Za-z/])(ledger|reports|monitoring|operations)(?![A-Za-z/])"  # a scope key
)

# The text a person reads: visible text outside drop-down lists (whose options may name a pollutant with
# its code, to tell apart two of the same name) and outside scripts.
_READ_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('select, datalist, script, style, template, noscript')) continue;
    if (!el.checkVisibility()) continue;
    out.push(node.textContent);
  }
  return out.join(' ');
}"""


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in to the demo city as ``username`` (dropping whoever was logged in)."""
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


def overflow(page) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    """The document's width, the screen's, and the outermost elements that stick out past it."""
    return page.evaluate(
        """() => {
          const inner = window.innerWidth, out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            const parent = el.parentElement;
            if (r.width && r.right > inner + 1 && !(parent && parent.closest('.table-scroll'))
                && !(parent && parent.getBoundingClientRect().right > inner + 1)) {
              const classes = typeof el.className === 'string' ? el.className.split(' ').join('.') : '';
              out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                       (classes ? '.' + classes : '') + ' ' + Math.round(r.right));
            }
          }
          return [document.documentElement.scrollWidth, inner, out.slice(0, 8)];
        }"""
    )


def visible_codes(page, *, strict: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    """Codes shown where a name belongs.

    Leniently, a code after its name (氮氧化物 NOX) passes; ``strict``, it does not, and only the visible
    text outside drop-down lists is read.
    """
    text = page.evaluate(_READ_TEXT) if strict else page.locator("body").inner_text()
    found = set()
    for match in CODE.finditer(text):
        pollutant = POLLUTANTS.get(match.group(0))
        before = text[: match.start()].rstrip(" (（")
        if not strict and pollutant is not None and before.endswith((pollutant.name_zh, pollutant.name_en)):
            continue
        found.add(match.group(0))
    return sorted(found)
