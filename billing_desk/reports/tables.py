"""A figure table described once, then shown as HTML and downloaded as CSV from the same description.

Keeping one description per table means the page and its CSV can never disagree about columns or
amounts: money columns become `<key>_minor` (integer minor units) and `<key>_major` (text) in the CSV,
beside the row's `currency` column.
"""
import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from billing_desk.billing.money import to_major_text

TEXT, COUNT, MONEY, RATE, SECONDS, DATE = "text", "count", "money", "rate", "seconds", "date"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT


@dataclass
class Table:
    name: str
    title: str
    columns: tuple
    rows: list = field(default_factory=list)
    note: str | None = None

    def csv_header(self):
        header = []
        for column in self.columns:
            header.extend(_csv_names(column))
        return header

    def csv_rows(self):
        for row in self.rows:
            cells = []
            for column in self.columns:
                cells.extend(_csv_cells(column, row.get(column.key)))
            yield cells


def _csv_names(column):
    if column.kind == MONEY:
        return [f"{column.key}_minor", f"{column.key}_major"]
    if column.kind == RATE:
        return [f"{column.key}_percent"]
    if column.kind == SECONDS:  # a key that already says its unit ("median_seconds") keeps it once
        return [column.key if column.key.endswith("_seconds") else f"{column.key}_seconds"]
    return [column.key]


def _csv_cells(column, value):
    if value is None:
        return [""] * len(_csv_names(column))
    if column.kind == MONEY:
        return [int(value), to_major_text(value)]
    if column.kind == RATE:
        return [percent_text(value)]
    if column.kind == SECONDS:
        return [f"{Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP)}"]
    if column.kind == DATE:
        return [value.isoformat()]
    return [value]


def percent_text(ratio):
    """A Decimal ratio as a percentage with one decimal: Decimal('0.8333') → '83.3'."""
    return str((ratio * 100).quantize(Decimal("0.1"), ROUND_HALF_UP))


def ratio(part, whole):
    """`part / whole` as a Decimal for display, or None when there is nothing to divide by."""
    return Decimal(int(part)) / Decimal(int(whole)) if whole else None


def escape_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.csv_header())
    for cells in table.csv_rows():
        writer.writerow([escape_cell(cell) for cell in cells])
    return buffer.getvalue()
