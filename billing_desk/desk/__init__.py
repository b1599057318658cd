"""The cashier's home: my shift so far, invoices waiting for payment, the terminals, recent patients."""
