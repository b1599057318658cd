"""What the invoice page's panels show, loaded by the view before the template renders.

Other blueprints add panels to the invoice page (refunds, charge on terminal, emails). Each registers a
loader here with `@invoice_panel(name)`; `render_invoice_page` calls every loader and hands the results to
the template as `panels`, so no panel queries the database while Jinja renders (a query from a template is
invisible in the view and easily repeated per row). A blueprint that is not installed registers nothing
and its panel's include is skipped.
"""
LOADERS = {}


def invoice_panel(name):
    """Register `loader(invoice)` as the data of the invoice page's panel `name`."""
    def register(loader):
        LOADERS[name] = loader
        return loader
    return register


def load_panels(invoice):
    return {name: loader(invoice) for name, loader in LOADERS.items()}
