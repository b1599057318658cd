"""The billing domain: money, the invoice state machine, invoice and payment rules. No Flask requests here."""
