"""The cashier's home page ("/"): the day at a glance, each part a link to where the work is done."""
from flask import Blueprint, render_template
from flask_login import current_user

from billing_desk.desk import service

bp = Blueprint("desk", __name__)


@bp.get("/desk")
def home():
    return render_template("desk/home.html", **service.my_day(current_user.id))
