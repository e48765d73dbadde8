from django.urls import path

from cms import feeds, views

app_name = "cms"

urlpatterns = [
    path("search/", views.search_view, name="search"),
    path("regulations/subscribe/", views.regulation_subscribe, name="regulation_subscribe"),
    path("regulations/feed/", feeds.RegulationUpdatesFeed(), name="regulation_feed"),
]
