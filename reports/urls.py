from django.urls import path

from reports import views, views_files, views_portfolio

urlpatterns = [
    path("portfolio/", views_portfolio.portfolio_page, name="portfolio"),
    path(
        "contracts/<slug:code>/dashboard/",
        views.contract_dashboard,
        name="contract-dashboard",
    ),
    path("contracts/<slug:code>/reports/", views_files.report_list, name="contract-reports"),
    path(
        "contracts/<slug:code>/reports/request/",
        views_files.report_request,
        name="contract-report-request",
    ),
    path(
        "contracts/<slug:code>/reports/<int:pk>/files/",
        views_files.report_files,
        name="contract-report-files",
    ),
    path(
        "contracts/<slug:code>/reports/<int:pk>/improvements/",
        views_files.report_improvements,
        name="contract-report-improvements",
    ),
    path(
        "contracts/<slug:code>/reports/<int:pk>/final/",
        views_files.report_make_final,
        name="contract-report-final",
    ),
    path(
        "contracts/<slug:code>/reports/<int:pk>/accept/",
        views_files.report_accept,
        name="contract-report-accept",
    ),
    path(
        "contracts/<slug:code>/reports/files/<int:pk>/retry/",
        views_files.report_retry,
        name="contract-report-retry",
    ),
    path(
        "contracts/<slug:code>/reports/files/<int:pk>/download/",
        views_files.report_file_download,
        name="contract-report-file-download",
    ),
]
