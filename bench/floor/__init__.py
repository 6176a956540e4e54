"""The raw-SQL floor of the API bench: a minimal Django process serving the same pages from one
SQL query each, beside the product's own URLs (never part of the product)."""
