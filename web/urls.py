from django.contrib.auth import views as auth_views
from django.urls import path

from web import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.account, name="account"),
    path("settings/preferences/", views.preferences_save, name="preferences-save"),
    path("settings/token/", views.token_create, name="token-create"),
    path("settings/token/revoke/", views.token_revoke, name="token-revoke"),
    path("favicon.ico", views.favicon, name="favicon"),
]
