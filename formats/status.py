"""Certificate status codes (docs/formats.md), the verdict each gives, and the verdicts' words.

One table: every status code with its name, its Chinese label and the verdict a verifier
shows; every verdict with its short headline (pages, the citizen page) and its sentences.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class Verdict(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    NOT_ORIGINAL = "not_original"
    UNKNOWN = "unknown"


VALID, SUSPENDED, WITHDRAWN, CANCELLED, LAPSED, TRANSFERRED, REVOKED, OTHER = (
    "01", "02", "03", "04", "05", "06", "07", "99")


@dataclass(frozen=True)
class Status:
    code: str
    name: str
    label: str
    """Chinese name of the status (有效, 暂停, …)."""
    verdict: Verdict
    """The verdict a verifier shows for a certificate in this status."""
    headline: str = ""
    """The big word on a page when this status is known (已撤销 is not 已吊销)."""
    advice: str = ""
    """What the citizen page says under it."""


STATUSES: Mapping[str, Status] = MappingProxyType({s.code: s for s in (
    Status(VALID, "valid", "有效", Verdict.VALID, "真实有效", "电子签名有效，证照当前有效。"),
    Status(SUSPENDED, "suspended", "暂停", Verdict.SUSPENDED,  # incl. pledged 质押
           "已暂停", "此证照已暂停使用（含质押），暂停期间不能作为有效证照使用。"),
    # 撤销: the issuing department withdraws a certificate (wrongly issued, on request); no penalty
    Status(WITHDRAWN, "withdrawn", "撤销", Verdict.REVOKED,
           "已撤销", "此证照已被签发部门撤销，不能作为有效证照使用。"),
    Status(CANCELLED, "cancelled", "注销", Verdict.CANCELLED,
           "已注销", "此证照已注销，不能作为有效证照使用。"),
    Status(LAPSED, "lapsed", "失效", Verdict.EXPIRED, "已失效", "此证照已失效。"),
    # 转移: the right passed to another holder; not 注销
    Status(TRANSFERRED, "transferred", "转移", Verdict.CANCELLED,
           "已转移", "此证照记载的权利已转移至新的持证主体，本证照不再有效，请查看新证照。"),
    # 吊销: revoked as an administrative penalty
    Status(REVOKED, "revoked", "吊销", Verdict.REVOKED,
           "已吊销", "此证照已被依法吊销（行政处罚），不能作为有效证照使用。"),
    Status(OTHER, "other", "其他", Verdict.CANCELLED,
           "已终止", "此证照已终止使用，请向签发部门核实。"),
)})
"""Every status code, by code."""


def status_verdict(code: str) -> Verdict | None:
    """The verdict status `code` gives (None for a code that is not one of ours)."""
    s = STATUSES.get(code)
    return None if s is None else s.verdict


@dataclass(frozen=True)
class VerdictText:
    headline: str
    """Two to seven characters: the big word on a page."""
    summary: str
    """One line: the verdict and what it means (API results, CLI, a failed status check)."""
    advice: str
    """What the citizen page says under the headline."""


VERDICT_TEXT: Mapping[Verdict, VerdictText] = MappingProxyType({
    Verdict.VALID: VerdictText("真实有效", "有效：证照真实且当前有效",
                               "电子签名有效，证照当前有效。"),
    Verdict.INVALID: VerdictText("伪造或被篡改", "无效：签名或内容校验不通过，可能被篡改或伪造",
                                 "二维码内容的电子签名不正确：可能被伪造或篡改，请勿采信。"),
    Verdict.REVOKED: VerdictText("已撤销或吊销", "已撤销或吊销",
                                 "此证照已被撤销或吊销，不能作为有效证照使用。"),
    Verdict.SUSPENDED: VerdictText("已暂停", "已暂停（含质押）", "此证照已暂停使用（含质押）。"),
    Verdict.EXPIRED: VerdictText("已过期", "已失效（超出有效期）", "此证照已超出有效期。"),
    Verdict.CANCELLED: VerdictText("已注销或转移", "已注销、转移或终止",
                                   "此证照已注销、转移或终止，不再有效。"),
    Verdict.SUPERSEDED: VerdictText("已被新版本替代", "已变更：此为旧版本，请查看最新版本",
                                    "此证照已变更，此为旧版本，请查看最新版本。"),
    Verdict.NOT_ORIGINAL: VerdictText("非原件", "非原件：文件不含电子签名，仅为副本或打印件",
                                      "文件不含电子签名，仅为副本或打印件。"),
    Verdict.UNKNOWN: VerdictText(
        "无法确认", "无法确定：核验所需信息不足或已过期，请联网核验",
        "无法完成核验（信任列表过期或无法获取当前状态），请联网后重试或向签发部门核实。"),
})
"""Words for every verdict; the citizen page's constants are rendered from these."""
