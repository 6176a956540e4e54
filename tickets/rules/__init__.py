"""Business rules an admin owns, one module per concept:

- the condition language is tickets/conditions.py (shared with SLA policies, tickets/sla/selection.py);
- actions.py: the action language; applied through the ordinary services (triggers);
- triggers.py: the runner the services call at the end of an originating change (tickets/changes.py);
- automations.py: the scheduled, set-based runs (beat), and the former fixed escalation and auto-close;
- services.py / selectors.py: saving rules (validated, versioned) and reading them;
- the rules the product ships are made by data migrations (editable, can be disabled, not deleted);
"""
