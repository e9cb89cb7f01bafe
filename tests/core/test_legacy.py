"""Legacy Vietnamese fonts (SPEC §8.3): TCVN3 and VNI text, converted by hand.

Every expected string below was written out by hand from the TCVN3 (VN3) and VNI code charts,
letter by letter, independently of the tables in ``kpitui.core.legacy``.
"""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest

from kpitui.core.legacy import (
    TCVN3,
    TCVN3_TABLE,
    VNI,
    convert,
    convert_expr,
    detect,
    detect_many,
    font_encoding,
)

# (as a workbook shows it with a Unicode font, what the writer typed)
TCVN3_CASES = [
    ("§¬n vÞ", "Đơn vị"),
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("Sè tµi kho¶n ®· kÝch ho¹t", "Số tài khoản đã kích hoạt"),
    ("Tû lÖ dÞch vô c«ng trùc tuyÕn", "Tỷ lệ dịch vụ công trực tuyến"),
    ("Ph\xadêng Long H\xad¬ng", "Phường Long Hương"),  # ư is byte 0xAD, a soft hyphen in cp1252
    ("X· Long Ph\xadíc", "Xã Long Phước"),
    ("thuû lîi", "thuỷ lợi"),
    ("Tæng sè hå s¬ gi¶i quyÕt", "Tổng số hồ sơ giải quyết"),
    ("b»ng, ch¼ng, s½n, b¾t, ®Æc", "bằng, chẳng, sẵn, bắt, đặc"),
    ("cÇn, chuÈn, mÉu, cÊp", "cần, chuẩn, mẫu, cấp"),
    ("mÌ, trÎ, sÏ, bÐ, mÑ", "mè, trẻ, sẽ, bé, mẹ"),
    ("g×, tØnh, nghÜa, kÝch, vÞ", "gì, tỉnh, nghĩa, kích, vị"),
    ("hßa, nhá, râ, cã, häc", "hòa, nhỏ, rõ, có, học"),
    ("hç trî, vì, ë, víi, ng\xadêi", "hỗ trợ, vỡ, ở, với, người"),
    ("Phï, cña, Vòng, phóc, vô", "Phù, của, Vũng, phúc, vụ"),
    ("tõ, sö, gi÷a, møc, thùc", "từ, sử, giữa, mức, thực"),
    ("kú, Uû, kü, Quý, Mþ", "kỳ, Uỷ, kỹ, Quý, Mỵ"),
    ("¡n, ¢m, £n, ¤ng, ¥n, ¦ng, §i", "Ăn, Âm, Ên, Ông, Ơn, Ưng, Đi"),
]

VNI_CASES = [
    ("Ñôn vò", "Đơn vị"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Soá taøi khoaûn ñaõ kích hoaït", "Số tài khoản đã kích hoạt"),
    ("Phöôøng Long Höông", "Phường Long Hương"),
    ("Tyû leä", "Tỷ lệ"),
    ("Thaùng 6/2024", "Tháng 6/2024"),
    ("Naêm 2024", "Năm 2024"),
    ("COÄNG HOØA XAÕ HOÄI", "CỘNG HÒA XÃ HỘI"),
    ("aé aè aú aü aë", "ắ ằ ẳ ẵ ặ"),
    ("aá aà aå aã aä", "ấ ầ ẩ ẫ ậ"),
    ("ôù ôø ôû ôõ ôï", "ớ ờ ở ỡ ợ"),
    ("öù öø öû öõ öï", "ứ ừ ử ữ ự"),
    ("kính, mì, tæ, nghóa, vò cuûa", "kính, mì, tỉ, nghĩa, vị của"),
    ("yù yø yû yõ î", "ý ỳ ỷ ỹ ỵ"),
    ("ÑOÂNG", "ĐÔNG"),
]

UNICODE_VIETNAMESE = [
    "Hà Nội",
    "Quý",
    "Tháng 6/2024",
    "Công an",
    "Thanh Hoá",
    "văn hoá",
    "Hoà Bình",
    "xuân",
    "khuya",
    "Số TK đã kích hoạt",
    "20°C",
    "2×3",
    "dd_kich_hoat",
    "",
]


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3_CASES)
def test_tcvn3_converts_and_is_detected(legacy: str, unicode: str) -> None:
    assert convert(legacy, TCVN3) == unicode
    assert detect(legacy) == TCVN3


@pytest.mark.parametrize(("legacy", "unicode"), VNI_CASES)
def test_vni_converts_and_is_detected(legacy: str, unicode: str) -> None:
    assert convert(legacy, VNI) == unicode
    assert unicodedata.is_normalized("NFC", convert(legacy, VNI))
    assert detect(legacy) == VNI


@pytest.mark.parametrize("text", UNICODE_VIETNAMESE)
def test_unicode_text_is_not_legacy(text: str) -> None:
    assert detect(text) is None


def test_tcvn3_table_covers_every_letter_once() -> None:
    letters = set(TCVN3_TABLE.values())
    assert len(letters) == len(TCVN3_TABLE) == 74  # 12 vowels x 5 tones + 14
    vowels = "aăâeêioôơuưy"
    tones = "\u0300\u0309\u0303\u0301\u0323"
    for v in vowels:
        for t in tones:
            assert unicodedata.normalize("NFC", v + t) in letters


def test_capitals_font_shows_upper_case() -> None:
    # .VnTimeH draws the lower-case codes as capitals.
    assert convert("Uû ban nh©n d©n tØnh", TCVN3, upper=True) == "UỶ BAN NHÂN DÂN TỈNH"
    assert detect("Uû ban nh©n d©n tØnh", ".VnTimeH") == TCVN3


def test_font_settles_ambiguous_text() -> None:
    # "Céng" holds only letters Vietnamese uses: alone it is no evidence.
    assert detect("Céng") is None
    assert detect("Céng", ".VnTime") == TCVN3
    assert convert("Céng", TCVN3) == "Cộng"
    assert detect("Ñoâng", "VNI-Times") == VNI
    # A Unicode font does not make Unicode text legacy, nor a legacy font plain ASCII.
    assert detect("Cộng", ".VnTime") is None
    assert detect("Tong so", ".VnTime") is None
    assert detect("Céng", "Times New Roman") is None


def test_font_names() -> None:
    assert font_encoding(".VnTime") == (TCVN3, False)
    assert font_encoding(".VnArialH") == (TCVN3, True)
    assert font_encoding("VNI-Times") == (VNI, False)
    assert font_encoding("VNI-Helve") == (VNI, False)
    assert font_encoding("Times New Roman") is None
    assert font_encoding(None) is None


def test_vectorised_conversion_equals_the_scalar_one() -> None:
    for encoding, cases in ((TCVN3, TCVN3_CASES), (VNI, VNI_CASES)):
        frame = pl.DataFrame({"t": [c[0] for c in cases] + [None]})
        got = frame.select(convert_expr(pl.col("t"), encoding)).to_series().to_list()
        assert got == [c[1] for c in cases] + [None]


def test_detect_many_reports_the_legacy_texts_only() -> None:
    found = detect_many(["§¬n vÞ", "Hà Nội", "Ñôn vò", "§¬n vÞ"])
    assert found == {"§¬n vÞ": TCVN3, "Ñôn vò": VNI}


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError):
        convert("x", "viqr")


def test_tcvn3_agrees_with_the_c_library() -> None:
    """glibc's TCVN5712-1 decoder, an independent implementation of the standard, reads every
    TCVN3 byte and every hand-converted text as our table does."""
    import shutil
    import subprocess

    iconv = shutil.which("iconv")
    assert iconv, "iconv (glibc) is part of every Debian system"
    legacy_texts = [legacy for legacy, _ in TCVN3_CASES]
    raw = "\n".join(legacy_texts).encode("cp1252")
    out = subprocess.run(
        [iconv, "-f", "TCVN5712-1", "-t", "UTF-8"], input=raw, capture_output=True, check=True
    ).stdout.decode("utf-8")
    theirs = unicodedata.normalize("NFC", out).split("\n")
    assert theirs == [convert(t, TCVN3) for t in legacy_texts] == [u for _, u in TCVN3_CASES]
