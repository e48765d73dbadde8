from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("<int:course_id>/leave/", views.leave, name="leave"),
    path("modules/<int:module_id>/complete/", views.module_complete, name="module_complete"),
    path("notices/<int:notice_id>/dismiss/", views.notice_dismiss, name="notice_dismiss"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/<int:course_id>/report/", views.report, name="report"),
    path("manage/<int:course_id>/report/people/", views.report_people, name="report_people"),
    path("manage/<int:course_id>/report.<str:fmt>", views.report_export, name="report_export"),
    path("manage/<int:course_id>/assign/", views.assign, name="assign"),
    path("manage/<int:course_id>/pending/", views.pending, name="pending"),
]
