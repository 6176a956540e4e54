from django.urls import path

from bench.floor import views
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/floor/tickets/", views.ticket_list),
    path("bench/floor/tickets/<int:pk>/", views.ticket_detail),
    *product_urlpatterns,
]
