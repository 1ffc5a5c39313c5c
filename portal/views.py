"""Health check and error pages."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Answer 200 when the database answers; for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_400(request, exception=None, message=None):
    return render(
        request,
        "error.html",
        {
            "code": 400,
            "title": _("请求有误"),
            "message": message or _("请求无法处理：链接或提交的内容有误。"),
        },
        status=400,
    )


def error_403(request, exception=None):
    return render(
        request,
        "error.html",
        {"code": 403, "title": _("没有权限"), "message": _("您没有访问此页面的权限。")},
        status=403,
    )


def error_404(request, exception=None):
    return render(
        request,
        "error.html",
        {
            "code": 404,
            "title": _("页面不存在"),
            "message": _("您要找的页面不存在，或不在您的管辖范围内。"),
        },
        status=404,
    )


def error_500(request):
    return render(
        request,
        "error.html",
        {
            "code": 500,
            "title": _("系统错误"),
            "message": _("服务器出了点问题，我们已记录，请稍后再试。"),
        },
        status=500,
    )
