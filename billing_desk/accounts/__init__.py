"""Patient accounts: deposits, credit, money applied to invoices, refunds of what is left, statements, aging."""
