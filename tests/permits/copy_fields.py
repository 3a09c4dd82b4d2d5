"""A permit copy (副本) as the portal's form posts it (portal/permit_form.py): one field per value, named by
the path the domain's errors use, so a test fills the form as a person would and compares with GraphQL's
``content``."""

from __future__ import annotations

from typing import Any

from portal.permit_form import PLAIN_SECTIONS


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def copy_fields(content: dict[str, Any]) -> dict[str, Any]:
    """``{"outlets": [{"code": "DA001", "limits": [...]}]}`` -> ``{"content.outlets[0].code": "DA001", ...}``;
    check boxes ticked are present ("1"), lists of check boxes repeat their name."""
    fields: dict[str, Any] = {}
    for section, value in content.items():
        name = f"content.{section}"
        if section in ("report_kinds", "secret_sections"):
            fields[name] = list(value)
        elif section == "report_due_days":
            for kind, day in value.items():
                fields[f"{name}.{kind}"] = str(day)
        elif section == "report_folding":
            if value:
                fields[name] = "1"
        elif isinstance(value, list):
            for index, row in enumerate(value):
                at = f"{name}[{index}]"
                for key, item in row.items():
                    if key == "limits":
                        for number, limit in enumerate(item):
                            for field, cell in limit.items():
                                if cell is not None:
                                    fields[f"{at}.limits[{number}].{field}"] = _text(cell)
                    elif key == "online_monitoring":
                        if item:
                            fields[f"{at}.{key}"] = "1"
                    elif item is not None:
                        plain = section in PLAIN_SECTIONS
                        shown = not plain or key in PLAIN_SECTIONS[section]
                        where = f"{at}.{key}" if shown else f"{at}.extra.{key}"
                        fields[where] = _text(item)
        elif value is not None:
            fields[name] = _text(value)
    return fields
