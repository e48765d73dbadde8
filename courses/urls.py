from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("<id:course_id>/enrol/", views.enrol, name="enrol"),
    path("<id:course_id>/leave/", views.leave, name="leave"),
    path("modules/<id:module_id>/complete/", views.module_complete, name="module_complete"),
    path("notices/<id:notice_id>/dismiss/", views.notice_dismiss, name="notice_dismiss"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/<id:course_id>/report/", views.report, name="report"),
    path("manage/<id:course_id>/report/people/", views.report_people, name="report_people"),
    path("manage/<id:course_id>/report.<str:fmt>", views.report_export, name="report_export"),
    path("manage/<id:course_id>/assign/", views.assign, name="assign"),
    path("manage/<id:course_id>/pending/", views.pending, name="pending"),
]
