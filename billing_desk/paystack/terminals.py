"""Paystack's terminals as the desk knows them: the list, and whether one can take a payment now."""
from dataclasses import dataclass, field

from sqlalchemy import select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import Terminal
from billing_desk.paystack.client import get_client
from billing_desk.paystack.coerce import as_int

TERMINAL_PAGES = 20


@dataclass
class TerminalSync:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # ours, no longer listed by Paystack (left for an admin)


def sync_terminals(*, actor_id):
    """Upsert a Terminal row for every terminal Paystack lists; names and desks given here are kept."""
    seen = _listed_terminals()
    result = TerminalSync()
    rows = {row.terminal_id: row for row in db.session.execute(select(Terminal)).scalars()}
    for code, item in sorted(seen.items()):
        facts = {"paystack_id": as_int(item.get("id")), "serial_number": item.get("serial_number"),
                 "status": item.get("status")}
        row = rows.get(code)
        if row is None:
            row = Terminal(terminal_id=code, name=(item.get("name") or code)[:80], active=True, **facts)
            db.session.add(row)
            db.session.flush()
            audit.record("terminal.added", row, after={"terminal_id": code, **facts}, actor_id=actor_id)
            result.added.append(row)
        elif any(getattr(row, name) != value for name, value in facts.items()):
            before = audit.snapshot(row, tuple(facts))
            for name, value in facts.items():
                setattr(row, name, value)
            audit.record("terminal.updated", row, before=before, after=audit.snapshot(row, tuple(facts)),
                         actor_id=actor_id)
            result.updated.append(row)
    result.missing = [row for code, row in sorted(rows.items()) if code not in seen]
    db.session.flush()
    return result


def _listed_terminals():
    seen, cursor = {}, None
    for _page in range(TERMINAL_PAGES):
        params = {"perPage": 100, **({"next": cursor} if cursor else {})}
        items, meta = get_client().list_terminals(**params)
        seen.update({str(item["terminal_id"]): item for item in items if item.get("terminal_id")})
        cursor = meta.get("next")
        if not cursor or not items:
            break
    return seen


def terminal_presence(terminal_row_id):
    """`{"online", "available", "message"}` for a terminal, asked of Paystack now."""
    terminal = db.session.get(Terminal, terminal_row_id)
    presence = get_client().terminal_presence(terminal.terminal_id)
    online, available = presence.get("online") is True, presence.get("available") is True
    if not online:
        message = f"{terminal.name} is offline. Check that it is switched on and connected."
    elif not available:
        message = f"{terminal.name} is busy with another payment."
    else:
        message = f"{terminal.name} is ready."
    return {"online": online, "available": online and available, "message": message}
