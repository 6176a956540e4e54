from model_bakery.recipe import Recipe, seq

from customers.models import Customer, Organization

organization = Recipe(Organization, name=seq("Organisation "))
customer = Recipe(Customer, email=seq("customer", suffix="@example.com"), name=seq("Customer "), metadata={})
