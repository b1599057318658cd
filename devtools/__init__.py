"""Development tools that stand in for the outside world on a laptop and in the tests — never imported by the
product (`billing_desk`): the local Paystack sandbox (`devtools.sandbox`) and the SMTP mail catcher
(`devtools.mailcatcher`). `scripts/run` starts both; the test suite drives them over loopback."""
