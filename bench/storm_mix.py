"""The delivery mix of the webhook storm (bench/storm.py), as plain functions of the genuine webhooks.

From the signed webhooks the sandbox sent for N terminal payments, in order, build what reaches the app: 20%
of them sent twice, 10% of the payments' webhooks swapped, 5% forged copies (the body changed, the signature
kept), and a few signed webhooks for payment requests the desk never made.
"""
import json
import random
from dataclasses import dataclass

from billing_desk.paystack.signature import sign


@dataclass(frozen=True)
class Delivery:
    raw: bytes
    signature: str
    kind: str  # genuine | duplicate | forged | unknown


def reorder(genuine, fraction, rng):
    """Swap neighbouring webhooks for `fraction` of them (the second goes first)."""
    order = list(genuine)
    for index in rng.sample(range(len(order) - 1), k=int(len(order) * fraction)):
        order[index], order[index + 1] = order[index + 1], order[index]
    return order


def forged(delivery):
    """A copy whose amount was raised after signing: the signature no longer matches the body."""
    body = json.loads(delivery.raw)
    body["data"]["amount"] = int(body["data"].get("amount") or 0) + 100_000
    return Delivery(json.dumps(body, separators=(",", ":")).encode(), delivery.signature, "forged")


def unknown(template, number, secret):
    """A correctly signed `paymentrequest.success` for a request the desk never made."""
    body = json.loads(template.raw)
    body["event"] = "paymentrequest.success"
    body["data"].update({"id": 990_000_000 + number, "request_code": f"PRQ_storm_unknown{number:05d}",
                         "offline_reference": f"99{number:010d}"})
    raw = json.dumps(body, separators=(",", ":")).encode()
    return Delivery(raw, sign(raw, secret), "unknown")


def storm_mix(genuine, secret, seed=15, duplicates=0.20, reordered=0.10, forgeries=0.05, unknowns=3):
    """The deliveries, in the order they are sent."""
    rng = random.Random(seed)
    stream = reorder(genuine, reordered, rng)
    extra = [Delivery(d.raw, d.signature, "duplicate") for d in rng.sample(genuine, k=int(len(genuine) * duplicates))]
    extra += [forged(d) for d in rng.sample(genuine, k=max(1, int(len(genuine) * forgeries)))]
    extra += [unknown(genuine[0], n, secret) for n in range(unknowns)]
    for delivery in extra:
        stream.insert(rng.randrange(len(stream) + 1), delivery)
    return stream
