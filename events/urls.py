from django.urls import path

from events import desk_views, views

app_name = "events"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("<id:event_id>/register/", views.register, name="register"),
    path("tickets/<uuid:registration_uuid>/", views.ticket, name="ticket"),
    path("tickets/<uuid:registration_uuid>/cancel/", views.cancel, name="cancel"),
    path("tickets/<uuid:registration_uuid>/certificate/", views.ticket_certificate, name="ticket_certificate"),
    path("s/<str:code>/", views.self_check_in, name="self_check_in"),
    path("p/<str:token>/", views.check_in_pass, name="check_in_pass"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/<id:event_id>/", views.manage_detail, name="manage_detail"),
    path("manage/<id:event_id>/nominate/", desk_views.add, name="nominate"),
    path("manage/<id:event_id>/registrations/", desk_views.desk, name="desk"),
    path("manage/<id:event_id>/registrations.xlsx", desk_views.export, name="desk_export"),
    path("manage/<id:event_id>/registrations/people/", desk_views.people_search, name="desk_people"),
    path("manage/<id:event_id>/registrations/units/", desk_views.unit_search, name="desk_units"),
    path("manage/<id:event_id>/registrations/<uuid:registration_uuid>/", desk_views.person, name="desk_person"),
    path("manage/<id:event_id>/settings/", desk_views.settings_page, name="desk_settings"),
    path("manage/<id:event_id>/settings/sessions/<id:session_id>/", desk_views.session_edit, name="desk_session"),
    path(
        "manage/<id:event_id>/settings/sessions/<id:session_id>/delete/",
        desk_views.session_delete,
        name="desk_session_delete",
    ),
    path("manage/<id:event_id>/import/", views.import_upload, name="import"),
    path("manage/<id:event_id>/import/confirm/", views.import_confirm, name="import_confirm"),
    path("manage/<id:event_id>/import/template.xlsx", views.import_template, name="import_template"),
    path("manage/<id:event_id>/report/", views.report, name="report"),
    path("manage/<id:event_id>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("manage/<id:event_id>/sign-in.pdf", views.sign_in_sheet, name="sign_in_sheet"),
    path("manage/<id:event_id>/certificates/", views.certificates, name="certificates"),
    path("manage/<id:event_id>/sessions/<id:session_id>/check-in/", views.check_in_page, name="check_in"),
    path(
        "manage/<id:event_id>/sessions/<id:session_id>/check-in/search/",
        views.check_in_search,
        name="check_in_search",
    ),
    path("manage/<id:event_id>/sessions/<id:session_id>/check-in/scan/", views.check_in_scan, name="check_in_scan"),
    path("manage/<id:event_id>/sessions/<id:session_id>/check-in/mark/", views.check_in_mark, name="check_in_mark"),
    path(
        "manage/<id:event_id>/sessions/<id:session_id>/check-in/undo/<id:change_id>/",
        views.check_in_undo,
        name="check_in_undo",
    ),
    path(
        "manage/<id:event_id>/sessions/<id:session_id>/check-in/roster/",
        views.check_in_roster,
        name="check_in_roster",
    ),
    path(
        "manage/<id:event_id>/sessions/<id:session_id>/check-in/admit/",
        views.check_in_admit,
        name="check_in_admit",
    ),
    path(
        "manage/<id:event_id>/sessions/<id:session_id>/check-in/worker.js",
        views.check_in_worker,
        name="check_in_worker",
    ),
    path("manage/<id:event_id>/sessions/<id:session_id>/counts/", views.check_in_counts, name="check_in_counts"),
    path("manage/<id:event_id>/sessions/<id:session_id>/projector/", views.projector, name="projector"),
]
