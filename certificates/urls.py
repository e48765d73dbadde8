from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/pdf/", views.certificate_pdf, name="pdf"),
    path("verify/<str:code>/credential.json", views.credential, name="credential"),
    path("issuer/", views.issuer, name="issuer"),
    path("status/<id:number>/", views.status_list, name="status_list"),
    path("mine/", views.mine, name="mine"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/<str:code>/", views.manage_detail, name="manage_detail"),
    path("batches/<id:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<id:pk>/download/", views.batch_download, name="batch_download"),
]
