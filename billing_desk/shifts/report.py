"""The Z report of a closed shift as a one-page PDF, drawn from the same partial as the web page.

The renderer may fetch nothing but data: URIs, so text typed by staff (a variance reason) can never make it
read a file or call out to the network.
"""
from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from billing_desk.shifts.service import ShiftRefused


def z_report_pdf(shift):
    """PDF bytes of a closed shift's Z report; an open shift has none yet."""
    if shift.is_open:
        raise ShiftRefused("An open shift has no Z report yet: it is made when the shift closes.")
    page = render_template("pdf/z_report.html", shift=shift)
    return HTML(string=page, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
