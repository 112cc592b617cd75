from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.council import views as council_views
from accounts.people import views as people_views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.code, name="code"),
    path("sign-in/set-up/", views.set_up, name="set-up"),
    path("sign-in/passkey/options/", views.passkey_sign_in_options, name="passkey-sign-in-options"),
    path("sign-in/passkey/", views.passkey_sign_in, name="passkey-sign-in"),
    path("sign-in/council/", council_views.council_sign_in, name="council-sign-in"),
    path("sign-in/council/continue/", council_views.council_start, name="council-start"),
    path("sign-in/council/callback/", council_views.council_callback, name="council-callback"),
    path("sign-in/link/<str:token>/", people_views.enrolment_link, name="enrolment-link"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("unlock/", views.unlock, name="unlock"),
    path("unlock/passkey/options/", views.unlock_passkey_options, name="unlock-passkey-options"),
    path("unlock/passkey/", views.unlock_passkey, name="unlock-passkey"),
    path("your-sign-in/", views.your_sign_in, name="your-sign-in"),
    path("your-sign-in/passkeys/options/", views.passkey_add_options, name="passkey-add-options"),
    path("your-sign-in/passkeys/", views.passkey_add, name="passkey-add"),
    path("your-sign-in/passkeys/<int:pk>/remove/", views.passkey_remove, name="passkey-remove"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
