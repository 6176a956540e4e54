from django.urls import path

from tickets.knowledge import views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("articles/<slug:slug>/vote/", views.vote, name="vote"),
    path("<slug:category>/<slug:slug>/", views.section, name="section"),
]
