from django.urls import path

from tickets.portal import auth, survey, views

app_name = "portal"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggested/<slug:slug>/", views.suggested_article, name="suggested_article"),
    path("satisfaction/<str:token>/", survey.satisfaction, name="satisfaction"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("login/link/", auth.login_link_request, name="login_link_request"),
    path("login/link/<str:token>/", auth.login_link, name="login_link"),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("signup/", auth.signup, name="signup"),
    path("signup/<str:token>/", auth.signup_confirm, name="signup_confirm"),
]
