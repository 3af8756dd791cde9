from django.contrib import admin

from web.forms import PLAIN_NUMBERS
from web.models import Preferences


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin[Preferences]):
    list_display = ["user", "odds_format", "time_zone", "currency", "stake_rounding"]
    formfield_overrides = PLAIN_NUMBERS
