from rest_framework.routers import SimpleRouter

from tickets.knowledge.api.views import ArticleViewSet

router = SimpleRouter()
router.register("kb/articles", ArticleViewSet, basename="kb-article")

urlpatterns = router.urls
