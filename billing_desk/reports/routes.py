"""Administrators' pages: statistics with CSV downloads, background jobs, daily Paystack reconciliation."""
import logging
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from redis.exceptions import RedisError

from billing_desk.auth.access import require_admin_for_blueprint
from billing_desk.jobs import jobs_run_inline
from billing_desk.extensions import db
from billing_desk.models import ReconciliationRun
from billing_desk.reports import ops, reconciliations, stats
from billing_desk.reports.forms import JobActionForm, RangeForm, ReconcileForm
from billing_desk.reports.tables import percent_text, to_csv
from billing_desk.timeutil import local_today

bp = Blueprint("reports", __name__, url_prefix="/reports")
require_admin_for_blueprint(bp)
log = logging.getLogger(__name__)

@bp.app_template_filter("percent")
def _percent(ratio):
    return f"{percent_text(ratio)} %"


@bp.app_template_filter("duration")
def _duration(seconds):
    """83.4 → '1 min 23 s': push-to-paid times are read by people, not parsed."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


REDIS_DOWN = "Redis does not answer, so the queues cannot be read or changed. Jobs are not running; check Redis."


@bp.get("/")
def index():
    return redirect(url_for("reports.statistics"))


@bp.get("/statistics")
def statistics():
    form = RangeForm(request.args)
    if not form.validate():
        return render_template("reports/statistics.html", form=form, tables=None), 422
    tables = stats.dashboard(form.period)
    return render_template("reports/statistics.html", form=form, tables=tables, period=form.period,
                           csv_args=form.query_args())


@bp.get("/statistics/<name>.csv")
def statistics_csv(name):
    """One table of the page as CSV, for the same range the page shows."""
    if name not in stats.TABLE_SOURCES:
        abort(404)
    form = RangeForm(request.args)
    if not form.validate():
        problems = "; ".join(error for errors in form.errors.values() for error in errors)
        abort(422, f"The date range is not valid: {problems}")
    period = form.period
    return Response(
        to_csv(stats.table(name, period)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{period.first}-{period.last}.csv"'},
    )


@bp.get("/jobs")
def jobs():
    if jobs_run_inline():
        return render_template("reports/jobs.html", inline=True)
    try:
        queues, workers = ops.queue_overview()
    except RedisError as error:
        log.warning("jobs page: Redis unavailable: %s", error)
        return render_template("reports/jobs.html", redis_error=REDIS_DOWN), 503
    return render_template("reports/jobs.html", queues=queues, workers=workers, form=JobActionForm())


def _job_action(action, purpose, job_id, done_message):
    if jobs_run_inline():
        abort(404)
    if not JobActionForm().validate_on_submit():
        abort(400, "The form was out of date. Please reload the page and try again.")
    try:
        action(purpose, job_id)
    except ops.UnknownJob:
        abort(404, "That job is not among the failed jobs any more (another administrator may have handled it).")
    except RedisError:
        abort(503, REDIS_DOWN)
    log.info("%s failed job %s on %s (staff %s)", action.__name__, job_id, purpose, current_user.id)
    flash(done_message, "success")
    return redirect(url_for("reports.jobs"))


@bp.post("/jobs/<purpose>/<job_id>/retry")
def retry_job(purpose, job_id):
    return _job_action(ops.retry_failed, purpose, job_id, f"Job {job_id} is queued again.")


@bp.post("/jobs/<purpose>/<job_id>/delete")
def delete_job(purpose, job_id):
    return _job_action(ops.delete_failed, purpose, job_id, f"Job {job_id} is deleted.")


@bp.route("/reconciliation", methods=["GET", "POST"])
def reconciliation():
    """Stored reconciliations (the scheduler runs yesterday's every night), and running one day by hand (POST:
    it verifies pending requests, which can book)."""
    form = ReconcileForm()
    if request.method == "GET":
        form.day.data = local_today() - timedelta(days=1)
    elif form.validate_on_submit():
        run = reconciliations.run_and_store(form.day.data, started_by_id=current_user.id)
        return redirect(url_for("reports.reconciliation_run", run_id=run.id), 303)
    status = 422 if form.errors else 200
    return render_template("reports/reconciliation.html", form=form, runs=reconciliations.history(),
                           labels=reconciliations.RESULT_LABELS), status


@bp.get("/reconciliation/<id:run_id>")
def reconciliation_run(run_id):
    run = db.get_or_404(ReconciliationRun, run_id, description="There is no such reconciliation.")
    return render_template("reports/reconciliation_run.html", run=run, labels=reconciliations.RESULT_LABELS)
