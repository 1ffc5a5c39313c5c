"""The special fund's ledger, and vouchers uploaded with spending records."""

import datetime
import threading
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, close_old_connections, connection, transaction
from PIL import Image

from support import selectors, services
from support.models import FundEntryKind, SpecialFundEntry
from tests.support.conftest import PDF_BYTES, make_budgets, make_fund


# -- special fund --------------------------------------------------------------------
def test_ledger_keeps_a_running_balance_and_refuses_overdrawing(world, today):
    fund = make_fund(world.street)
    services.special_fund_contribute(
        user=world.street_admin,
        fund=fund,
        amount=Decimal("50000"),
        occurred_on=today,
        counterparty="",
        unit=world.unit_a,
    )
    services.special_fund_grant(
        user=world.street_admin,
        fund=fund,
        amount=Decimal("20000"),
        occurred_on=today,
        counterparty="",
        purpose="困难群众帮扶",
        community=world.a,
    )
    with pytest.raises(ValidationError, match="余额不足"):
        services.special_fund_grant(
            user=world.street_admin,
            fund=fund,
            amount=Decimal("30000.01"),
            occurred_on=today,
            counterparty="乙社区",
            purpose="项目",
        )
    ledger = list(selectors.special_fund_ledger(fund=fund))
    assert [(e.kind, e.amount, e.balance) for e in ledger] == [
        (FundEntryKind.CONTRIBUTION, Decimal("50000.00"), Decimal("50000.00")),
        (FundEntryKind.GRANT, Decimal("-20000.00"), Decimal("30000.00")),
    ]
    assert ledger[0].counterparty == world.unit_a.name
    assert ledger[1].counterparty == world.a.name


def test_a_wrong_entry_is_reversed_once_never_edited(world, today):
    fund = make_fund(world.street)
    entry = services.special_fund_contribute(
        user=world.street_admin,
        fund=fund,
        amount=Decimal("1000"),
        occurred_on=today,
        counterparty="爱心企业",
    )
    reversal = services.special_fund_entry_reverse(
        user=world.street_admin, entry=entry, reason="金额录错"
    )
    assert reversal.amount == Decimal("-1000") and reversal.reverses == entry
    with pytest.raises(ValidationError, match="已冲正"):
        services.special_fund_entry_reverse(
            user=world.street_admin, entry=entry, reason="再来一次"
        )
    assert selectors.special_fund_get(user=world.street_admin, pk=fund.pk).balance == 0


def test_ledger_rows_cannot_be_updated_or_deleted_in_the_database(world, today):
    # given an entry in the ledger
    fund = make_fund(world.street)
    entry = services.special_fund_contribute(
        user=world.street_admin,
        fund=fund,
        amount=Decimal("1000"),
        occurred_on=today,
        counterparty="爱心企业",
    )
    # when someone bypasses the services, then PostgreSQL refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        SpecialFundEntry.objects.filter(pk=entry.pk).update(amount=Decimal("5"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        SpecialFundEntry.objects.filter(pk=entry.pk).delete()
    assert SpecialFundEntry.objects.get(pk=entry.pk).amount == Decimal("1000")


def test_secretary_may_not_move_the_special_fund(world, today):
    from django.core.exceptions import PermissionDenied

    fund = make_fund(world.street)
    with pytest.raises(PermissionDenied):
        services.special_fund_contribute(
            user=world.secretary_a,
            fund=fund,
            amount=Decimal("1"),
            occurred_on=today,
            counterparty="x",
        )
    assert not selectors.special_fund_list(user=world.secretary_a).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_grants_cannot_overdraw_the_fund(world, today):
    # given a fund holding 100 yuan
    fund = make_fund(world.street)
    services.special_fund_contribute(
        user=world.street_admin,
        fund=fund,
        amount=Decimal("100"),
        occurred_on=today,
        counterparty="爱心企业",
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def grant():
        try:
            barrier.wait()
            services.special_fund_grant(
                user=world.street_admin,
                fund=fund,
                amount=Decimal("70"),
                occurred_on=today,
                counterparty="甲社区",
                purpose="帮扶",
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    # when two grants of 70 race
    threads = [threading.Thread(target=grant) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly one wins and the balance stays positive
    assert sorted(outcomes) == ["ok", "refused"]
    assert selectors.special_fund_get(user=world.street_admin, pk=fund.pk).balance == (
        Decimal("30")
    )


# -- vouchers ------------------------------------------------------------------------
def _png_bytes():
    out = BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def _spend(world, today, upload):
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    return services.spending_create(
        user=world.secretary_a,
        budget=budget,
        amount=Decimal("10"),
        spent_on=today,
        purpose="购买办公用品",
        attachment=upload,
    )


def test_pdf_voucher_is_stored_under_a_server_generated_name(world, today):
    upload = SimpleUploadedFile(
        "../../etc/发票 1.pdf", PDF_BYTES, content_type="text/html"
    )
    spending = _spend(world, today, upload)
    assert spending.attachment_type == "application/pdf"
    assert spending.attachment_name == "发票 1.pdf"
    stored = spending.attachment.name
    assert stored.startswith(f"support/spending/{today.year}/")
    assert stored.endswith(".pdf") and "发票" not in stored and ".." not in stored
    with spending.attachment.open("rb") as handle:
        assert handle.read() == PDF_BYTES


def test_png_voucher_is_accepted_by_its_content(world, today):
    upload = SimpleUploadedFile("photo.jpg", _png_bytes(), content_type="image/jpeg")
    spending = _spend(world, today, upload)
    assert spending.attachment_type == "image/png"
    assert spending.attachment.name.endswith(".png")


@pytest.mark.parametrize(
    "name, content",
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really a png"),
        ("archive.xlsx", b"PK\x03\x04not a zip at all"),
        ("empty.pdf", b""),
    ],
)
def test_voucher_with_wrong_content_is_refused_and_nothing_is_written(
    world, today, name, content
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        _spend(world, today, upload)
    assert "attachment" in excinfo.value.message_dict
    from support.models import Spending

    assert not Spending.objects.exists()


def test_voucher_over_the_size_cap_is_refused(world, today, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 200)
    with pytest.raises(ValidationError, match="不能超过"):
        _spend(world, today, upload)


def test_spending_outside_the_budget_year_is_refused(world, today):
    (budget, *_rest) = make_budgets(world.a, today.year, "1000", "0", "0")
    with pytest.raises(ValidationError) as excinfo:
        services.spending_create(
            user=world.secretary_a,
            budget=budget,
            amount=Decimal("10"),
            spent_on=datetime.date(today.year - 1, 12, 31),
            purpose="x",
        )
    assert "spent_on" in excinfo.value.message_dict


def _photo_with_gps_and_a_tail():
    """A JPEG carrying EXIF (a GPS-like tag) and a script appended after it."""
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS info
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue() + b"<script>alert(1)</script>"


def test_a_photographed_voucher_is_stored_re_encoded(world, today):
    # given a receipt photo with metadata and bytes hidden after the picture
    data = _photo_with_gps_and_a_tail()
    upload = SimpleUploadedFile("receipt.jpg", data, content_type="image/jpeg")
    # when it is attached to a spending
    spending = _spend(world, today, upload)
    # then the stored file is a fresh JPEG of the same picture, nothing else
    with spending.attachment.open("rb") as handle:
        stored = handle.read()
    assert stored != data and b"<script>" not in stored
    with Image.open(BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()
    assert spending.attachment.name.endswith(".jpg")
