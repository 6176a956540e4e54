from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from customers.crm import crm_on_customer_changed
        from customers.events import EVENTS
        from notifications import consumers, events

        events.register(EVENTS)
        # CRM sync is a consumer of the customer's own events: pushed after commit, retried by the
        # outbox's consumer runs.
        consumers.register("customer.created", crm_on_customer_changed, name="customers.crm_push")
        consumers.register("customer.updated", crm_on_customer_changed, name="customers.crm_push")
