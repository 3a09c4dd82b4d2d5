"""Ledger pages (环境管理台账): home, readings, other entries, import, export, charts, warnings.

One module per capability (``home``, ``readings``, ``entries``, ``files``, ``charts``); ``forms`` turns
what people type into the use cases' inputs. Every endpoint parses its input, calls one use case of
``domain.ledgers.service`` (writes) or ``domain.ledgers.queries`` (pages) and renders. Forms work
without JavaScript; htmx swaps only the part that changed. Times are shown and typed in China time;
the domain receives aware datetimes. ``routes`` is the table of all of them.
"""

from __future__ import annotations

from starlette.routing import Route

from portal.ledgers.charts import charts, exceedance_export, exceedance_list
from portal.ledgers.entries import add_entry, entries_list, entry_page, revise, revise_form, void_entry
from portal.ledgers.files import export_xlsx, import_file, import_form, template_csv, template_xlsx
from portal.ledgers.home import end_shutdown, explain, home, ledger_index, record_shutdown
from portal.ledgers.readings import add_reading, correct, correct_form, readings_table, void_reading
from portal.ledgers.stations import overview, register, set_active, stations_page

routes = [
    Route("/ledger", ledger_index, methods=["GET"], name="ledger_index"),
    Route("/exceedances", exceedance_list, methods=["GET"], name="exceedance_list"),
    Route("/exceedances/export.xlsx", exceedance_export, methods=["GET"], name="exceedance_export"),
    Route("/ledger/{number}", home, methods=["GET"], name="ledger_home"),
    Route(
        "/ledger/{number}/exceedances/{exceedance_id:int}/explain",
        explain,
        methods=["POST"],
        name="ledger_explain",
    ),
    Route("/ledger/{number}/shutdowns", record_shutdown, methods=["POST"], name="ledger_record_shutdown"),
    Route(
        "/ledger/{number}/shutdowns/{shutdown_id:int}/end",
        end_shutdown,
        methods=["POST"],
        name="ledger_end_shutdown",
    ),
    Route("/ledger/{number}/readings", readings_table, methods=["GET"], name="ledger_readings"),
    Route("/ledger/{number}/readings", add_reading, methods=["POST"], name="ledger_add_reading"),
    Route(
        "/ledger/{number}/readings/{reading_id:bigint}/correct",
        correct_form,
        methods=["GET"],
        name="ledger_correct_form",
    ),
    Route(
        "/ledger/{number}/readings/{reading_id:bigint}/correct",
        correct,
        methods=["POST"],
        name="ledger_correct",
    ),
    Route(
        "/ledger/{number}/readings/{reading_id:bigint}/void",
        void_reading,
        methods=["POST"],
        name="ledger_void_reading",
    ),
    Route("/ledger/{number}/entries", entries_list, methods=["GET"], name="ledger_entries"),
    Route("/ledger/{number}/entries", add_entry, methods=["POST"], name="ledger_add_entry"),
    Route("/ledger/{number}/entries/{entry_id:int}", entry_page, methods=["GET"], name="ledger_entry"),
    Route(
        "/ledger/{number}/entries/{entry_id:int}/revise",
        revise_form,
        methods=["GET"],
        name="ledger_revise_form",
    ),
    Route("/ledger/{number}/entries/{entry_id:int}/revise", revise, methods=["POST"], name="ledger_revise"),
    Route(
        "/ledger/{number}/entries/{entry_id:int}/void", void_entry, methods=["POST"], name="ledger_void_entry"
    ),
    Route("/ledger/{number}/import", import_form, methods=["GET"], name="ledger_import_form"),
    Route("/ledger/{number}/import", import_file, methods=["POST"], name="ledger_import"),
    Route("/ledger/{number}/template.csv", template_csv, methods=["GET"], name="ledger_template_csv"),
    Route("/ledger/{number}/template.xlsx", template_xlsx, methods=["GET"], name="ledger_template_xlsx"),
    Route("/ledger/{number}/export.xlsx", export_xlsx, methods=["GET"], name="ledger_export"),
    Route("/ledger/{number}/charts", charts, methods=["GET"], name="ledger_charts"),
    Route("/stations", overview, methods=["GET"], name="stations_overview"),
    Route("/ledger/{number}/stations", stations_page, methods=["GET"], name="ledger_stations"),
    Route("/ledger/{number}/stations", register, methods=["POST"], name="ledger_register_station"),
    Route(
        "/ledger/{number}/stations/{mn}/active", set_active, methods=["POST"], name="ledger_station_active"
    ),
]
