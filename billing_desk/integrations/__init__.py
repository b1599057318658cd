"""Outbound webhooks to the hospital's other systems, queued through an outbox like the patients' emails.

The invoice, payment and refund rules call `emit(event, entity)` once where the event happens; that writes
one `WebhookDelivery` row per subscription in the same transaction, and the delivery job is started only
after that transaction commits (`outbox`). Deliveries are signed (`signing`), retried with backoff, listed
on Admin → Integrations, and can be replayed.
"""
from billing_desk.integrations.outbox import emit

__all__ = ["emit"]
