"""Demo data: the quick start's small desk (desk.py, workspace.py) and the bulk top-up (bulk.py)."""
