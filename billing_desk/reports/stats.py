"""The figures of the statistics page, each an SQL aggregate over one date range.

Days are the hospital's days (`TIMEZONE`): a range's bounds are its local midnights in UTC (timestamps are
stored as naive UTC) and bars group by the local date. Amounts stay integer minor units, per currency;
only rates are ratios (Decimal, for display). Every query filters on an indexed timestamp
(`invoices.issued_at`, `payments.paid_at`, `refunds.processed_at`, `terminal_pushes.created_at`) and
groups in the database, so no query loads the range's rows into Python.

Invoice figures follow the invoices *issued* in the range (what was billed then, and what of it is still
owed now); money figures follow when money moved (payments by `paid_at`, refunds by `processed_at`).
"""
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, and_, case, func, literal, literal_column, select, type_coerce, union_all

from billing_desk.extensions import db
from billing_desk.models import Invoice, InvoiceLine, Payment, Refund, Service, Staff, Terminal, TerminalPush
from billing_desk.models.payment import channel_label
from billing_desk.reports import sql
from billing_desk.reports.tables import COUNT, DATE, MONEY, RATE, SECONDS, Column, Table, ratio
from billing_desk.timeutil import day_start_utc, hospital_zone, local_today

UNITS = ("day", "week", "month")
TOP_SERVICES = 10
# Terminal push outcomes as the page reports them; any other status counts as "still open or other".
PUSH_OUTCOMES = {
    "paid": ("paid",),
    "declined": ("failed", "declined"),
    "timed_out": ("timed_out", "expired"),
    "abandoned": ("abandoned", "cancelled"),
}
PERCENTILES = (0.5, 0.95)


@dataclass(frozen=True)
class Period:
    """The hospital's days `first`..`last` (both included) in `zone`, shown in bars of one `unit` each."""

    first: date
    last: date
    unit: str = "day"
    today: date | None = None  # what is overdue is judged against it; default: today in `zone`
    zone: ZoneInfo = field(default_factory=hospital_zone)

    def __post_init__(self):
        if self.today is None:
            object.__setattr__(self, "today", local_today(self.zone))

    @property
    def start_at(self):
        return day_start_utc(self.first, self.zone)

    @property
    def end_at(self):
        return day_start_utc(self.last + timedelta(days=1), self.zone)

    @property
    def days(self):
        return (self.last - self.first).days + 1

    def bucket_starts(self):
        """The first day of every bar, empty ones included, so the chart shows gaps as gaps."""
        current = bucket_start(self.first, self.unit)
        starts = []
        while current <= self.last:
            starts.append(current)
            current = _next_bucket(current, self.unit)
        return starts


def bucket_start(day, unit):
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day, unit):
    if unit == "week":
        return day + timedelta(days=7)
    if unit == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _sum(expression):
    return func.coalesce(func.sum(expression), 0)


def _in(column, period):
    return and_(column >= period.start_at, column < period.end_at)


# ---- money per currency -------------------------------------------------------------------------------

def summary(period):
    """One row per currency: invoiced, collected, refunded, outstanding, overdue, collection rate."""
    live = Invoice.status != "void"
    owed = Invoice.total_minor - Invoice.amount_paid_minor - Invoice.amount_refunded_minor
    owed_now = case((and_(live, owed > 0), owed), else_=0)
    rows = {}
    for currency, invoices, invoiced, kept, outstanding, overdue, voided in db.session.execute(
        select(
            Invoice.currency,
            _sum(case((live, 1), else_=0)),
            _sum(case((live, Invoice.total_minor), else_=0)),
            _sum(case((live, Invoice.amount_paid_minor), else_=0)),
            _sum(owed_now),
            _sum(case((Invoice.due_date < period.today, owed_now), else_=0)),
            _sum(case((live, 0), else_=1)),
        )
        .where(_in(Invoice.issued_at, period))
        .group_by(Invoice.currency)
    ):
        rows[currency] = {
            "invoices": int(invoices), "invoiced": int(invoiced), "kept": int(kept),
            "outstanding": int(outstanding), "overdue": int(overdue), "voided": int(voided),
        }
    for currency, count, amount in db.session.execute(
        select(Payment.currency, func.count(), _sum(Payment.amount_minor))
        .where(_in(Payment.paid_at, period))
        .group_by(Payment.currency)
    ):
        rows.setdefault(currency, {}).update(payments=int(count), collected=int(amount))
    for currency, count, amount in db.session.execute(
        select(Refund.currency, func.count(), _sum(Refund.amount_minor))
        .where(Refund.status == "processed", _in(Refund.processed_at, period))
        .group_by(Refund.currency)
    ):
        rows.setdefault(currency, {}).update(refunds=int(count), refunded=int(amount))

    table = Table(
        "summary", "Money by currency",
        (
            Column("currency", "Currency"), Column("invoices", "Invoices issued", COUNT),
            Column("invoiced", "Invoiced", MONEY), Column("payments", "Payments", COUNT),
            Column("collected", "Collected", MONEY), Column("refunds", "Refunds", COUNT),
            Column("refunded", "Refunded", MONEY),
            Column("net_collected", "Collected less refunds", MONEY),
            Column("outstanding", "Outstanding", MONEY), Column("overdue", "Overdue", MONEY),
            Column("voided", "Invoices voided", COUNT), Column("collection_rate", "Collection rate", RATE),
        ),
        note="Invoiced, outstanding, overdue and the collection rate follow the invoices issued in the range "
             "(void ones left out): the rate is the share of what was invoiced that is paid and not refunded. "
             "Collected and refunded follow the day the money moved.",
    )
    for currency in sorted(rows):
        row = {key: 0 for key in ("invoices", "invoiced", "kept", "outstanding", "overdue", "voided",
                                  "payments", "collected", "refunds", "refunded")}
        row.update(rows[currency], currency=currency)
        row["net_collected"] = row["collected"] - row["refunded"]
        row["collection_rate"] = ratio(row["kept"], row["invoiced"])
        table.rows.append(row)
    return table


def _breakdown_table(name, title, label_title):
    return Table(
        name, title,
        (Column("label", label_title), Column("currency", "Currency"), Column("payments", "Payments", COUNT),
         Column("collected", "Collected", MONEY)),
    )


def payments(period):
    """Collected by day/week/month, by channel, by cashier and by terminal, from ONE scan of the range's payments.

    A CTE groups the payments once per (currency, period, channel, cashier, terminal) — a few thousand
    groups at most — and the four breakdowns are rolled up from it in the same statement, as the parts of
    a UNION ALL told apart by `kind`. Card payments booked from a webhook without a cashier's push have no
    cashier and are shown as such.
    """
    bucket = sql.period_start(Payment.paid_at, period)
    grouped = (
        select(Payment.currency, bucket.label("bucket"), Payment.channel, Payment.received_by_id, Payment.terminal_id,
               func.count().label("payments"), _sum(Payment.amount_minor).label("amount"))
        .where(_in(Payment.paid_at, period))
        .group_by(Payment.currency, bucket, Payment.channel, Payment.received_by_id, Payment.terminal_id)
        .cte("grouped")
    )
    g = grouped.c
    totals = (_sum(g.payments), _sum(g.amount).label("amount"))
    parts = (
        select(literal("period").label("kind"), g.currency.label("currency"), type_coerce(g.bucket, Date),
               literal(None, String).label("label"), *totals).group_by(g.currency, g.bucket),
        select(literal("channel"), g.currency, literal(None, Date), g.channel, *totals)
        .group_by(g.currency, g.channel),
        select(literal("cashier"), g.currency, literal(None, Date), func.coalesce(Staff.full_name, "(no cashier)"),
               *totals).outerjoin(Staff, Staff.id == g.received_by_id)
        .group_by(g.currency, g.received_by_id, Staff.full_name),
        select(literal("terminal"), g.currency, literal(None, Date), Terminal.name, *totals)
        .join(Terminal, Terminal.id == g.terminal_id).group_by(g.currency, g.terminal_id, Terminal.name),
    )
    query = union_all(*parts).order_by(
        literal_column("kind"), literal_column("currency"), literal_column("amount").desc(), literal_column("label"))

    over_time = {}
    tables = {
        "channel": _breakdown_table("by_channel", "Collected by channel", "Channel"),
        "cashier": _breakdown_table("by_cashier", "Collected by cashier", "Cashier"),
        "terminal": _breakdown_table("by_terminal", "Collected by terminal", "Terminal"),
    }
    for kind, currency, day, label, count, amount in db.session.execute(query):
        if kind == "period":
            over_time[day, currency] = (int(count), int(amount))
        else:
            label = channel_label(label) if kind == "channel" else label
            tables[kind].rows.append(
                {"label": label, "currency": currency, "payments": int(count), "collected": int(amount)})
    return (_over_time_table(period, over_time), *tables.values())


def _over_time_table(period, found):
    """Every period of the range per currency, empty ones as zero rows (the chart shows gaps as gaps)."""
    table = Table(
        "collected_over_time", f"Collected by {period.unit}",
        (Column("period", f"{period.unit.capitalize()} starting", DATE), Column("currency", "Currency"),
         Column("payments", "Payments", COUNT), Column("collected", "Collected", MONEY)),
    )
    for currency in sorted({currency for _day, currency in found}):
        for start in period.bucket_starts():
            count, amount = found.get((start, currency), (0, 0))
            table.rows.append({"period": start, "currency": currency, "payments": count, "collected": amount})
    return table


NO_SERVICE = "(typed line, no service)"
REVENUE_NOTE = "Line totals of the invoices issued in the range, before invoice-wide discounts; void invoices left out."


def _invoice_id_bounds(period):
    """The lowest and highest id of the invoices issued in the range ((0, 0) when there are none).

    Only used to narrow the invoice-line scan: the lines of those invoices can only have invoice ids in
    this span, so `invoice_id BETWEEN` them changes no result, but lets the database read the range's lines
    from the `invoice_id` index instead of scanning every line ever written. `id + 0` stops PostgreSQL from
    answering min(id) by walking the primary key and filtering the whole table; it uses the issued_at
    index instead.
    """
    plain_id = Invoice.id + 0
    return db.session.execute(
        select(func.coalesce(func.min(plain_id), 0), func.coalesce(func.max(plain_id), 0))
        .where(_in(Invoice.issued_at, period))
    ).one()


def revenue(period):
    """Top services (ten per currency) and revenue by department, from ONE pass over the invoice lines.

    Joining the range's invoices to their lines is the page's most expensive step, so it runs once, in a
    CTE grouped per service; the ranking (a window function) and the department totals are computed from
    that CTE in the same statement, as the two halves of a UNION ALL told apart by `kind`.
    """
    first_id, last_id = _invoice_id_bounds(period)
    per_service = (
        select(Invoice.currency, InvoiceLine.service_id,
               _sum(InvoiceLine.quantity).label("quantity"), _sum(InvoiceLine.line_total_minor).label("amount"))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(_in(Invoice.issued_at, period), Invoice.status != "void",
               InvoiceLine.invoice_id.between(first_id, last_id))
        .group_by(Invoice.currency, InvoiceLine.service_id)
        .cte("per_service")
    )
    service_name = func.coalesce(Service.name, NO_SERVICE)
    named = (
        select(per_service, service_name.label("service"), Service.department,
               func.row_number().over(partition_by=per_service.c.currency,
                                      order_by=(per_service.c.amount.desc(), service_name)).label("rank"))
        .outerjoin(Service, Service.id == per_service.c.service_id)
        .cte("named")
    )
    services = select(
        literal("service").label("kind"), named.c.currency, named.c.service.label("label"),
        func.coalesce(named.c.department, "—").label("department"), named.c.quantity, named.c.amount,
    ).where(named.c.rank <= TOP_SERVICES)
    departments = select(
        literal("department"), named.c.currency, func.coalesce(named.c.department, NO_SERVICE),
        literal(None), _sum(named.c.quantity), _sum(named.c.amount),
    ).group_by(named.c.currency, named.c.department)
    query = union_all(services, departments).order_by(
        literal_column("kind"), literal_column("currency"), literal_column("amount").desc(), literal_column("label"))

    counts = (Column("currency", "Currency"), Column("quantity", "Quantity", COUNT), Column("revenue", "Revenue", MONEY))
    top = Table("top_services", f"Top {TOP_SERVICES} services by revenue",
                (Column("service", "Service"), Column("department", "Department"), *counts), note=REVENUE_NOTE)
    by_department = Table("by_department", "Revenue by department", (Column("department", "Department"), *counts),
                          note=REVENUE_NOTE)
    for kind, currency, label, department, quantity, amount in db.session.execute(query):
        row = {"currency": currency, "quantity": int(quantity), "revenue": int(amount)}
        if kind == "service":
            top.rows.append({**row, "service": label, "department": department})
        else:
            by_department.rows.append({**row, "department": label})
    return top, by_department


# ---- card terminals -----------------------------------------------------------------------------------

def terminal_pushes(period):
    """How pushes to terminals in the range ended, and how long a paid one took from push to paid."""
    counts = dict(
        db.session.execute(
            select(TerminalPush.status, func.count()).where(_in(TerminalPush.created_at, period))
            .group_by(TerminalPush.status)
        ).all()
    )
    pushed = sum(counts.values())
    row = {"pushed": pushed}
    for outcome, statuses in PUSH_OUTCOMES.items():
        row[outcome] = sum(counts.get(status, 0) for status in statuses)
    row["open_or_other"] = pushed - sum(row[outcome] for outcome in PUSH_OUTCOMES)
    row["success_rate"] = ratio(row["paid"], pushed)
    row["median_seconds"], row["p95_seconds"] = push_to_paid_seconds(period)
    return Table(
        "terminal_pushes", "Card terminal pushes",
        (Column("pushed", "Pushed", COUNT), Column("paid", "Paid", COUNT), Column("declined", "Declined", COUNT),
         Column("timed_out", "Timed out", COUNT), Column("abandoned", "Abandoned", COUNT),
         Column("open_or_other", "Still open or other", COUNT), Column("success_rate", "Success rate", RATE),
         Column("median_seconds", "Push to paid, median", SECONDS),
         Column("p95_seconds", "Push to paid, 95th percentile", SECONDS)),
        rows=[row],
        note="Success rate = pushes paid ÷ pushes sent in the range.",
    )


def push_to_paid_seconds(period):
    """Median and 95th percentile (linear interpolation, as `percentile_cont`) of push-to-paid seconds.

    PostgreSQL computes them with `percentile_cont`. SQLite has no percentile function: there the count
    is read first and, per percentile, the two durations around its position are fetched with
    ORDER BY … LIMIT 2 OFFSET k — two rows per figure, never the whole list — and interpolated.
    """
    seconds = sql.seconds_between(TerminalPush.created_at, TerminalPush.finished_at)
    paid = (TerminalPush.status == "paid", TerminalPush.finished_at.is_not(None),
            _in(TerminalPush.created_at, period))
    if sql.is_postgresql():
        figures = db.session.execute(
            select(*(func.percentile_cont(fraction).within_group(seconds) for fraction in PERCENTILES)).where(*paid)
        ).one()
        return tuple(None if value is None else float(value) for value in figures)
    count = db.session.execute(select(func.count()).where(*paid)).scalar_one()
    if not count:
        return (None,) * len(PERCENTILES)
    figures = []
    for fraction in PERCENTILES:
        position = fraction * (count - 1)
        below = math.floor(position)
        pair = db.session.execute(
            select(seconds).where(*paid).order_by(seconds).limit(2).offset(below)
        ).scalars().all()
        upper = pair[1] if len(pair) > 1 else pair[0]
        figures.append(pair[0] + (upper - pair[0]) * (position - below))
    return tuple(figures)


# Every table of the page in page order, with the function that builds it (one function may build several,
# running its queries once for all of them).
TABLE_SOURCES = {
    "summary": summary,
    "collected_over_time": payments,
    "terminal_pushes": terminal_pushes,
    "by_channel": payments,
    "by_cashier": payments,
    "by_terminal": payments,
    "top_services": revenue,
    "by_department": revenue,
}


def _tables(source, period):
    result = source(period)
    return result if isinstance(result, tuple) else (result,)


def dashboard(period):
    """Every table of the page, by name; each source runs once."""
    return {table.name: table for source in dict.fromkeys(TABLE_SOURCES.values())
            for table in _tables(source, period)}


def table(name, period):
    """One table by name (for its CSV), running only the queries it needs."""
    return next(t for t in _tables(TABLE_SOURCES[name], period) if t.name == name)
