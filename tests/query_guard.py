"""Counting the SQL a page issues, and catching any issued while a template renders.

"Data a page shows is loaded in the view": a lazy relationship or a helper that queries from Jinja is
invisible in the view's code and runs once per row. `watch_queries(app)` records every statement with
whether a template was rendering at the time (Flask's `before_render_template` / `template_rendered`
signals bracket the render), so a test can assert both the count and that none came from a template.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import before_render_template, template_rendered
from sqlalchemy import event

from billing_desk.extensions import db


@dataclass
class Queries:
    statements: list = field(default_factory=list)
    from_templates: list = field(default_factory=list)
    _rendering: int = 0

    def reset(self):
        self.statements.clear()
        self.from_templates.clear()


@contextmanager
def watch_queries(app):
    queries = Queries()

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        queries.statements.append(statement)
        if queries._rendering:
            queries.from_templates.append(statement)

    def started(_app, **_extra):
        queries._rendering += 1

    def finished(_app, **_extra):
        queries._rendering -= 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    try:
        yield queries
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        before_render_template.disconnect(started, app)
        template_rendered.disconnect(finished, app)
