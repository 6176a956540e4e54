from model_bakery.recipe import Recipe, seq

from agents.models import Team

team = Recipe(Team, name=seq("Team "), auto_assign_priorities=["high", "critical"])
