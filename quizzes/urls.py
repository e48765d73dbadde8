from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("<id:pk>/", views.quiz_detail, name="quiz"),
    path("<id:pk>/start/", views.quiz_start, name="start"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/answer/", views.attempt_answer, name="answer"),
    path("attempts/<uuid:attempt_id>/flag/", views.attempt_flag, name="flag"),
    path("attempts/<uuid:attempt_id>/review/", views.attempt_review, name="review"),
    path("manage/import/", views.bank_import, name="import"),
    path("manage/template.xlsx", views.xlsx_template, name="xlsx_template"),
    path("manage/categories/<id:pk>/export.<str:fmt>", views.bank_export, name="export"),
    path("manage/<id:pk>/statistics/", views.quiz_statistics, name="statistics"),
]
