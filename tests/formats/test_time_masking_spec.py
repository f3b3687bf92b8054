"""formats.chinatime, formats.masking and formats.spec.as_json."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from formats import spec
from formats.chinatime import (
    CHINA,
    china_date,
    day_start_utc,
    end_of_day_utc,
    parse_utc_z,
    require_utc,
    utc_z,
    valid_to_date,
)
from formats.masking import (
    ORGANISATION,
    display_holder,
    mask_code,
    mask_fields,
    mask_name,
    mask_value,
)
from formats.status import STATUSES, VERDICT_TEXT


def test_china_days() -> None:
    late = dt.datetime(2026, 11, 29, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 30th in Beijing
    assert china_date(late) == dt.date(2026, 11, 30)
    assert day_start_utc(dt.date(2026, 11, 30)) == dt.datetime(2026, 11, 29, 16, tzinfo=dt.UTC)
    end = end_of_day_utc(dt.date(2029, 11, 28))
    assert end == dt.datetime(2029, 11, 28, 16, tzinfo=dt.UTC)
    assert valid_to_date(end) == dt.date(2029, 11, 28) and valid_to_date(None) is None
    assert dt.datetime(2026, 1, 1, tzinfo=CHINA).utcoffset() == dt.timedelta(hours=8)


def test_utc_strings() -> None:
    t = dt.datetime(2026, 11, 29, 10, 0, 0, 999, tzinfo=CHINA)
    assert utc_z(t) == "2026-11-29T02:00:00Z"
    assert parse_utc_z("2026-11-29T02:00:00Z") == t.replace(microsecond=0)
    for bad in ("2026-11-29T02:00:00", 5, "x" * 41 + "Z"):
        with pytest.raises(ValueError):
            parse_utc_z(bad)
    with pytest.raises(ValueError):
        utc_z(dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        require_utc(dt.datetime(2026, 1, 1))
    require_utc(t)


def test_masking() -> None:
    assert mask_name("张三") == "张*" and mask_name(" 张三丰 ") == "张**" and mask_name("张") == "张*"
    assert mask_code("540102199001011234") == "540***********1234"
    assert mask_code("1234567") == "1******" and mask_code("") == "" and mask_name("") == ""
    assert mask_value(None) is None and mask_value(5) == "***"
    assert mask_value("A1B2C3D4E") == "A1B**3D4E" and mask_value("王五") == "王*"  # code / name
    assert mask_fields({"a": "李四", "b": "x"}, ["a"]) == {"a": "李*", "b": "x"}
    assert display_holder("某公司", "91350100M000100Y43", ORGANISATION) == ("某公司",
                                                                          "91350100M000100Y43")
    assert display_holder("张三", "540102199001011234", "111") == ("张*", "540***********1234")


def test_as_json_is_plain_json_with_what_a_js_verifier_needs() -> None:
    value = spec.as_json()
    assert json.loads(json.dumps(value, ensure_ascii=False)) == value
    assert value["kid"]["chars"] == 12 and len(value["kid"]["alphabet"]) == 64
    assert value["typ"] == {"record": "ecert-record+jws", "ecert/qr/3": "eqr3",
                            "ecert/qr/2": "eqr", "ecert/qr/1": "ecert-qr+jws"}
    assert value["qr"]["issued"] == "ecert/qr/3"
    assert value["qr"]["spec_by_typ"] == {"eqr3": "ecert/qr/3", "eqr": "ecert/qr/2",
                                          "ecert-qr+jws": "ecert/qr/1"}
    assert value["qr"]["specs"]["ecert/qr/3"]["packed"] == ["h", "hc", "vf", "vt", "iat", "rh",
                                                            "si"]
    assert value["status_shard"] == {
        "spec": "ecert/status-shard/2", "size": 131072, "bits": 2,
        "entry_codes": ["01", "02", "07", "99"], "signature_header": "Ecert-Shard-Signature",
        "path": "/pki/status/"}
    assert value["qr"]["specs"]["ecert/qr/1"]["claims"][:4] == ["spec", "id", "t", "tn"]
    assert {c: s["verdict"] for c, s in value["statuses"].items()} == {
        "01": "valid", "02": "suspended", "03": "revoked", "04": "cancelled", "05": "expired",
        "06": "cancelled", "07": "revoked", "99": "cancelled"}
    assert value["statuses"]["07"]["label"] == STATUSES["07"].label == "吊销"
    assert set(value["verdicts"]) == {v.value for v in VERDICT_TEXT}
    assert value["verdicts"]["valid"]["headline"] == "真实有效"
