from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("<int:pk>/", views.quiz_detail, name="quiz"),
    path("<int:pk>/start/", views.quiz_start, name="start"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/answer/", views.attempt_answer, name="answer"),
    path("attempts/<uuid:attempt_id>/review/", views.attempt_review, name="review"),
    path("manage/import/", views.bank_import, name="import"),
    path("manage/template.xlsx", views.xlsx_template, name="xlsx_template"),
    path("manage/categories/<int:pk>/export.<str:fmt>", views.bank_export, name="export"),
    path("manage/<int:pk>/statistics/", views.quiz_statistics, name="statistics"),
]
