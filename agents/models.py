"""People who log in (the custom user model), the agents among them, and their teams.

The user model lives here because identity and authentication are this app's job (ARCHITECTURE:
"agents: ... API auth"); customers who get portal access are users too, linked from their
Customer row, and act with the `customer` role."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey

from config.db import email_matches


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email_matches(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A login: email and password. Agents have an `agent` profile; portal customers a `customer`."""

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Priority(models.TextChoices):
    """A ticket's priority. Declared here, the lowest layer that needs it (a team lists the
    priorities it auto-assigns); tickets.models uses this class."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"
    SKILLS = "skills", "Skills, then least loaded"
    SENIORITY = "seniority", "Seniority first"


def default_auto_assign_priorities() -> list[str]:
    return ["high", "critical"]


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True, help_text="Shared inbox address of the team, if any.")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    assignment_strategy = models.CharField(
        max_length=20, choices=AssignmentStrategy.choices, default=AssignmentStrategy.ROUND_ROBIN
    )
    auto_assign_priorities = models.JSONField(
        default=default_auto_assign_priorities,
        blank=True,
        help_text="Priorities auto-assigned on creation with the team's strategy.",
    )
    # Round-robin cursor: the agent who got the last ticket, advanced under select_for_update.
    last_assigned_agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    is_default = models.BooleanField(default=False, help_text="Tickets with no routed category land here.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignment_strategy__in=AssignmentStrategy.values),
                name="team_assignment_strategy_valid",
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SENIOR_AGENT = "senior_agent", "Senior agent"
    AGENT = "agent", "Agent"
    VIEWER = "viewer", "Viewer"


class TicketScope(models.TextChoices):
    ALL = "all", "All tickets"
    TEAMS = "teams", "Their teams' tickets (and those assigned to them)"
    ASSIGNED = "assigned", "Only tickets assigned to them"


class FollowedUpdates(models.TextChoices):
    """Which updates of the tickets an agent follows are emailed to them."""

    ALL = "all", "Public replies, customer replies and internal notes"
    PUBLIC = "public", "Public and customer replies only"
    NONE = "none", "None"


class Agent(models.Model):
    """The agent profile of a user: role, teams, skills, capacity and which tickets they see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    skills = models.JSONField(default=list, blank=True, help_text="Category slugs this agent handles.")
    max_open_tickets = models.PositiveIntegerField(default=20, help_text="Capacity: open tickets at most.")
    is_available = models.BooleanField(default=True)
    ticket_scope = models.CharField(
        max_length=10,
        choices=TicketScope.choices,
        default=TicketScope.ALL,
        help_text="Which tickets this agent sees everywhere (queue, API, search, exports). Admins see all.",
    )
    # Notification preferences (tickets/recipients.py reads them).
    notify_followed = models.CharField(
        max_length=10,
        choices=FollowedUpdates.choices,
        default=FollowedUpdates.ALL,
        help_text="Email about updates of the tickets this agent follows.",
    )
    notify_mentions = models.BooleanField(default=True, help_text="Email when mentioned (@name) in an internal note.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="agent_role_valid"),
        ]
        indexes = [models.Index(fields=["role", "is_available"], name="agent_role_available_idx")]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def can_write(self) -> bool:
        return self.role != Role.VIEWER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiKey(AbstractAPIKey):
    """An integration's key: hashed at rest (djangorestframework-api-key), shown once, revocable,
    bound to a role. Requests made with it act as its service user, so audit and permissions
    work as for a person."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_key", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        constraints = [models.CheckConstraint(condition=models.Q(role__in=Role.values), name="apikey_role_valid")]
