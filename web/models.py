from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from web import odds_format


class Preferences(models.Model):
    """How one bettor reads the site: kept per user, so every browser they log in from shows the same;
    and when they last opened the opportunities page, so it can mark what is new since."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="preferences"
    )
    odds_format = models.CharField(max_length=10, choices=odds_format.FORMATS, default=odds_format.DECIMAL)
    time_zone = models.CharField(max_length=64, blank=True, help_text="e.g. Europe/London; blank: the site's time zone")
    currency = models.CharField(max_length=3, blank=True, help_text="a symbol shown before amounts, e.g. €")
    stake_rounding = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.01"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="suggested stakes are rounded down to a multiple of this, e.g. 1 for whole units",
    )

    opportunities_visited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="when the opportunities page was last opened"
    )
    opportunities_new_after = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="the opening before that one: opportunities detected after it are marked new",
    )

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"
