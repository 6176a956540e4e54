from model_bakery.recipe import Recipe, foreign_key, seq

from tests.customers.baker_recipes import customer
from tickets.models import Category, Comment, CustomField, Ticket, TimeEntry

category = Recipe(Category, slug=seq("category-"), name=seq("Category "))
ticket = Recipe(
    Ticket,
    title=seq("Ticket number "),
    description="Something does not work.",
    customer=foreign_key(customer),
    tags=[],
    metadata={},
    external_id=None,
)
comment = Recipe(Comment, ticket=foreign_key(ticket), body=seq("Comment "))
custom_field = Recipe(CustomField, key=seq("field_"), label=seq("Field "), field_type="text")
time_entry = Recipe(TimeEntry, ticket=foreign_key(ticket), customer=foreign_key(customer), minutes=15)
