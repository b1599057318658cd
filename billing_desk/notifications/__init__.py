"""Emails to patients: invoices, receipts and payment reminders, sent through an outbox.

Every email is an `EmailOutbox` row first, added in the same transaction as the action that caused it
(`outbox.queue_*` flush; the caller commits, then calls `outbox.dispatch`). The job `tasks.send_outbox_email`
sends it over SMTP; `sweep.run_notification_sweep` queues reminders and picks up rows whose job was lost.

Delivery guarantee: AT MOST ONCE per row, automatically; at least once only by an administrator's decision.
The job commits `status="sending"` (with `claimed_at` and the Message-ID) before it opens the SMTP
conversation, and only a row that is `queued` or `failed` with a `next_attempt_at` can be claimed. So:

- a failure before the message is handed over (server down, 4xx refusal, Paystack link not ready) is safe to
  repeat: the row goes back to `failed` with `next_attempt_at`, up to `EMAIL_MAX_ATTEMPTS` tries;
- a 5xx refusal is final (`failed`, no `next_attempt_at`);
- a connection lost while the message itself is being handed over (DATA), or a worker that dies between
  the server's "250 OK" and our commit, leaves the row where we cannot know whether the patient got it. Such
  a row is never retried automatically: a job or the sweep that finds it still `sending` after
  `EMAIL_SENDING_STALE_SECONDS` marks it `failed` with "may have been delivered", and an administrator can
  resend it from the Email log (audited). A receipt is therefore never sent twice by the machinery, which is
  what the issue asks for; the cost is that a rare crash needs a human to press Resend.

Uniqueness backs this up: one receipt row per payment, one row per reminder number per invoice.
"""
