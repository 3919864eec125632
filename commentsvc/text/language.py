"""A comment's language by script: Han text is zh-Hans or zh-Hant (by the characters that differ between
the two), Latin text is en, anything else (kana, hangul, Cyrillic, no letters at all) is other.

A script rule, not a statistical detector: the widget only needs `lang` for screen readers' voices and
for font fallback (simplified and traditional Han want different fonts), and the script decides both.
"""

from __future__ import annotations

from .plain import html_to_text

LANGUAGES = ("zh-Hans", "zh-Hant", "en", "other")

# Common characters written differently in the two scripts, each listed in the script that has it alone
# (pairs like 说/說, 们/們). A text leans to the script it has more of; none of either reads as zh-Hans,
# the mainland default our sites are written in.
_SIMPLIFIED_ONLY = frozenset(
    "这们说为来时个国对会过还发动后们样经头学问么现实种没开长应间门东车关见给让进话认边两将从几"
    "书买卖马鸟鱼龙亲觉爱网电脑机线飞专业产义乐习乡于亚仅从众优伤价众体侧写军农冲决况净减凤击划则刚创"
    "办务劳势区华协单卫历压厂县参双变叶号叹吗听启员响呢师带帮广庆库应张弹归当录复听态总恶战户扑执扩"
    "扰报担拥择换据摆无旧显晓术杂权条来极构标树样档欢气汉汤没沟济测浅涨温湾滚满灭灯灵热爷状独献环现"
    "电画畅监盖矿确础离种积称稳穷窝竞笔类纪约红级纸线练组细终经结给统继续维综网罗职联肃胜脏节苏药获"
    "虽补观规视览计认讨让训议记讲许论设访证评识诉词译试话诚询该详语误说请诸读课谁调谈谢谷贝负贡财责"
    "贫货质购贴费资赛赵赶跃车转轮软轻载较辆辑输边达过运还这进远连迟适选递邮钟钢钱铁银锁错键门闭问闲"
    "间闻阅队阳阴阶际陆陈险随隐难雾静页顶项顺须顾领频题颜风饭馆驱验骂鸡鲜黄龙"
)
_TRADITIONAL_ONLY = frozenset(
    "這們說為來時個國對會過還發動後樣經頭學問麼現實種沒開長應間門東車關見給讓進話認邊兩將從幾"
    "書買賣馬鳥魚龍親覺愛網電腦機線飛專業產義樂習鄉於亞僅眾優傷價體側寫軍農衝決況淨減鳳擊劃則剛創"
    "辦務勞勢區華協單衛歷壓廠縣參雙變葉號嘆嗎聽啟員響呢師帶幫廣慶庫張彈歸當錄復態總惡戰戶撲執擴"
    "擾報擔擁擇換據擺無舊顯曉術雜權條極構標樹檔歡氣漢湯溝濟測淺漲溫灣滾滿滅燈靈熱爺狀獨獻環"
    "畫暢監蓋礦確礎離積稱穩窮窩競筆類紀約紅級紙練組細終結統繼續維綜羅職聯肅勝髒節蘇藥獲"
    "雖補觀規視覽計討訓議記講許論設訪證評識訴詞譯試誠詢該詳語誤請諸讀課誰調談謝貝負貢財責"
    "貧貨質購貼費資賽趙趕躍轉輪軟輕載較輛輯輸達運遠連遲適選遞郵鐘鋼錢鐵銀鎖錯鍵閉閒"
    "聞閱隊陽陰階際陸陳險隨隱難霧靜頁頂項順須顧領頻題顏風飯館驅驗罵雞鮮黃"
)
# Only the characters that really differ: a character shared by both scripts (呢) tells nothing.
_SHARED = _SIMPLIFIED_ONLY & _TRADITIONAL_ONLY
_SIMPLIFIED_ONLY -= _SHARED
_TRADITIONAL_ONLY -= _SHARED


def _is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= code <= 0x4DBF  # Extension A
        or 0xF900 <= code <= 0xFAFF  # Compatibility Ideographs
        or 0x20000 <= code <= 0x3134F  # Extensions B to G
    )


def _is_kana_or_hangul(char: str) -> bool:
    code = ord(char)
    return 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF


def detect_language(text: str) -> str:
    """zh-Hans, zh-Hant, en or other for a comment's visible text. A Chinese comment quoting an English
    term is still Chinese: one Han character weighs as three Latin letters."""
    han = latin = foreign = simplified = traditional = 0
    for char in text:
        if _is_han(char):
            han += 1
            simplified += char in _SIMPLIFIED_ONLY
            traditional += char in _TRADITIONAL_ONLY
        elif "a" <= char <= "z" or "A" <= char <= "Z":
            latin += 1
        elif _is_kana_or_hangul(char) or (char.isalpha() and ord(char) > 0x24F):
            foreign += 1
    # Japanese and Korean mix in Han characters; their own letters decide.
    if foreign and foreign * 3 >= han + latin:
        return "other"
    if han and han * 3 >= latin:
        return "zh-Hant" if traditional > simplified else "zh-Hans"
    if latin:
        return "en"
    return "other"


def language_of_html(sanitized_html: str) -> str:
    """The language of what a reader sees of a stored comment: its text, not its markup or link targets."""
    return detect_language(html_to_text(sanitized_html))
