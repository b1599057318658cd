"""What can go wrong talking to Paystack, as typed errors whose `str()` a cashier can read (see `client.py`)."""


class PaystackError(Exception):
    """Anything that went wrong talking to Paystack. `str()` is fit for a cashier; `detail` is for the log."""

    default_message = "Paystack could not complete the request."

    def __init__(self, message=None, *, detail=None, status_code=None, paystack_message=None):
        super().__init__(message or self.default_message)
        self.detail = detail
        self.status_code = status_code
        self.paystack_message = paystack_message


class PaystackUnavailable(PaystackError):
    default_message = "Paystack is not answering just now. Please try again in a minute."

    def __init__(self, message=None, *, outcome_unknown=False, **kwargs):
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown


class PaystackTimeout(PaystackUnavailable):
    """Paystack did not answer in time: a create may or may not have happened (`outcome_unknown`)."""

    default_message = "Paystack did not answer in time. Please try again in a minute."


class PaystackServerError(PaystackUnavailable):
    """Paystack answered, with a server error (HTTP 5xx): it is up, but could not do this just now."""

    default_message = ("Paystack answered with an error and did not complete this. Please try again in a minute; "
                       "tell an administrator if it keeps happening.")


class PaystackRejected(PaystackError):
    """Paystack answered and refused; `paystack_message` is its own words."""


class PaystackNotFound(PaystackRejected):
    default_message = "Paystack does not know that record."


class PaystackAuthError(PaystackRejected):
    default_message = "The desk's Paystack key was refused. Please tell an administrator."
