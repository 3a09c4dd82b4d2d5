"""Every user-facing text has its Simplified Chinese translation (the default locale)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from domain.i18n import translate

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "domain/i18n/locale/zh_Hans/LC_MESSAGES/messages.po"


def test_every_extracted_message_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        catalog = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(i for i in extracted if not catalog.get(i))
    assert not missing, "untranslated (run `make extract-messages`, then translate): " + "; ".join(missing)


def test_messages_are_translated_with_their_parameters():
    text = translate(
        "A unified social credit code has 18 characters; this one has {length}.", "zh_Hans", length=17
    )
    assert text == "统一社会信用代码应为 18 位，当前为 17 位。"
    assert translate("This field is required.", "en") == "This field is required."


def test_every_translation_keeps_the_placeholders_of_its_message():
    # pybabel compile refuses a catalog where they differ, and `make` would fail.
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check() if errors]
    assert not problems, problems
