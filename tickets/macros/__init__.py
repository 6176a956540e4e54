"""Macros: canned responses that act (a reply or note template plus field changes)."""
