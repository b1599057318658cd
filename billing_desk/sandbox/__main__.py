"""`python -m billing_desk.sandbox [--port N …]`."""
from billing_desk.sandbox.cli import paystack_sandbox_command

paystack_sandbox_command(prog_name="python -m billing_desk.sandbox")
