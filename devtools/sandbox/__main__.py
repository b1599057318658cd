"""`python -m devtools.sandbox [--port N …]`."""
from devtools.sandbox.cli import paystack_sandbox_command

paystack_sandbox_command(prog_name="python -m devtools.sandbox")
