//! Month names in the languages servers print them in, and the other localised words
//! of a listing (`total` and its translations).
//!
//! GNU `ls` prints `%b` (the locale's abbreviated month, sometimes the full name when
//! it is short, as `mars`, `juni`, `april`), and other servers print their own
//! abbreviations or full names, in any case, with or without a trailing `.`. The
//! languages: English, German (and Austrian `Jänner`), French, Spanish, Italian,
//! Portuguese, Dutch, Swedish, Norwegian, Danish, Finnish, Hungarian, Polish, Czech,
//! Russian and Ukrainian, nominative and genitive (`März`, `marca`, `мая`).
//!
//! A word is matched after decoding it: with the listing's encoding, and, when the
//! listing is read as UTF-8 but the word is not valid UTF-8 (a server that sends a
//! legacy encoding the user has not chosen), with the common legacy encodings in turn
//! (Windows-1252, Windows-1250, ISO-8859-2, Windows-1251, KOI8-R; without the
//! `encoding_rs` feature only Latin-1). No abbreviation names two different months in
//! these languages, so trying encodings in turn cannot give a wrong month; at worst a
//! word matches nothing.

use crate::Encoding;

/// The month of a month name, `None` if `token` is not one.
pub(crate) fn month_from_name(token: &[u8], encoding: Encoding) -> Option<u8> {
    let token = token.strip_suffix(b".").or_else(|| token.strip_suffix(b",")).unwrap_or(token);
    if token.len() < 3 || token.len() > 24 || token.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if token.is_ascii() {
        let mut buf = [0u8; 24];
        let lower = buf.get_mut(..token.len())?;
        for (out, b) in lower.iter_mut().zip(token) {
            *out = b.to_ascii_lowercase();
        }
        return ascii_month(lower);
    }
    decoded(token, encoding, |word| unicode_month(word).or_else(|| ascii_month(word.as_bytes())))
}

/// Whether `word` is the word `ls -l` prints before the block count (`total`,
/// `insgesamt`, `итого`, `合計`, ...), in the encodings of [`month_from_name`] and the
/// legacy East Asian ones.
pub(crate) fn is_total_word(word: &[u8], encoding: Encoding) -> bool {
    const ASCII: &[&[u8]] =
        &[b"total", b"insgesamt", b"totale", b"totaal", b"totalt", b"razem", b"celkem", b"gesamt"];
    const LEGACY: &[&[u8]] = &[
        b"\xb9\xe7\xb7\xd7",         // 合計, EUC-JP
        b"\x8d\x87\x8c\x76",         // 合計, Shift_JIS
        b"\xc7\xd5\xb0\xe8",         // 합계, EUC-KR
        b"\xd7\xdc\xbc\xc6",         // 总计, GBK
        b"\xd7\xdc\xd3\xc3\xc1\xbf", // 总用量, GBK
        b"\xc1\x60\xa5\xce\xb6\x71", // 總用量, Big5
    ];
    if word.is_ascii() {
        return ASCII.iter().any(|w| w.eq_ignore_ascii_case(word));
    }
    LEGACY.contains(&word)
        || decoded(word, encoding, |w| {
            matches!(
                w,
                "итого"
                    | "загалом"
                    | "yhteensä"
                    | "összesen"
                    | "合計"
                    | "합계"
                    | "总计"
                    | "总用量"
                    | "總用量"
                    | "總計"
            )
            .then_some(())
        })
        .is_some()
}

/// Decodes a short non-ASCII word, lower-cases it and hands it to `check`: with the
/// listing's encoding, or (for a UTF-8 listing whose word is not UTF-8) with the
/// fallback encodings in turn until `check` accepts one.
fn decoded<T>(word: &[u8], encoding: Encoding, check: impl Fn(&str) -> Option<T>) -> Option<T> {
    let lower = |text: &str| -> Option<T> {
        let mut buf = [0u8; 96];
        let mut len = 0;
        for c in text.chars().flat_map(char::to_lowercase) {
            let dst = buf.get_mut(len..len + c.len_utf8())?;
            c.encode_utf8(dst);
            len += c.len_utf8();
        }
        check(std::str::from_utf8(buf.get(..len)?).ok()?)
    };
    if encoding.is_utf8() {
        if let Ok(text) = std::str::from_utf8(word) {
            return lower(text);
        }
        return fallbacks(word, lower);
    }
    lower(&encoding.decode(word))
}

#[cfg(feature = "encoding_rs")]
fn fallbacks<T>(word: &[u8], lower: impl Fn(&str) -> Option<T>) -> Option<T> {
    [
        encoding_rs::WINDOWS_1252,
        encoding_rs::WINDOWS_1250,
        encoding_rs::ISO_8859_2,
        encoding_rs::WINDOWS_1251,
        encoding_rs::KOI8_R,
    ]
    .into_iter()
    .find_map(|e| lower(&e.decode_without_bom_handling(word).0))
}

#[cfg(not(feature = "encoding_rs"))]
fn fallbacks<T>(word: &[u8], lower: impl Fn(&str) -> Option<T>) -> Option<T> {
    let latin1: String = word.iter().map(|&b| char::from(b)).collect();
    lower(&latin1)
}

/// Lower-case ASCII month names and abbreviations.
fn ascii_month(key: &[u8]) -> Option<u8> {
    Some(match key {
        // English, and the same letters in other languages.
        b"jan" | b"january" | b"januar" | b"januari" | b"janv" | b"janvier" | b"ene" | b"enero" => 1,
        b"gen" | b"gennaio" | b"janeiro" | b"sty" | b"led" | b"ledna" | b"leden" | b"tammi" => 1,
        b"tammikuu" | b"tammikuuta" | b"stycznia" => 1,
        b"feb" | b"february" | b"februar" | b"februari" | b"febr" | b"fev" | b"fevr" | b"febrero" => 2,
        b"febbraio" | b"fevereiro" | b"lut" | b"luty" | b"lutego" | b"helmi" | b"helmikuu" => 2,
        b"helmikuuta" | b"fevrier" => 2,
        b"mar" | b"march" | b"mrz" | b"maerz" | b"mars" | b"mrt" | b"maart" | b"marts" | b"marzo" => 3,
        b"marzec" | b"marca" | b"maalis" | b"maaliskuu" | b"maaliskuuta" => 3,
        b"apr" | b"april" | b"avr" | b"avril" | b"abr" | b"abril" | b"aprile" | b"kwi" | b"kwiecien" => 4,
        b"kwietnia" | b"dub" | b"duben" | b"dubna" | b"huhti" | b"huhtikuu" | b"huhtikuuta" => 4,
        b"may" | b"mai" | b"mei" | b"maj" | b"mayo" | b"mag" | b"maggio" | b"maio" | b"maja" => 5,
        b"touko" | b"toukokuu" | b"toukokuuta" => 5,
        b"jun" | b"june" | b"juni" | b"juin" | b"junio" | b"giu" | b"giugno" | b"junho" | b"cze" => 6,
        b"czerwiec" | b"czerwca" => 6,
        b"jul" | b"july" | b"juli" | b"juil" | b"juillet" | b"julio" | b"lug" | b"luglio" => 7,
        b"julho" | b"lip" | b"lipiec" | b"lipca" => 7,
        b"aug" | b"august" | b"augusti" | b"augustus" | b"aout" | b"ago" | b"agosto" | b"sie" => 8,
        b"sierpien" | b"sierpnia" | b"srp" | b"srpen" | b"srpna" | b"elo" | b"elokuu" | b"elokuuta" => 8,
        b"augusztus" | b"avg" => 8,
        b"sep" | b"sept" | b"september" | b"septembre" | b"septiembre" | b"setiembre" | b"set" => 9,
        b"settembre" | b"setembro" | b"wrz" | b"wrzesien" | b"wrzesnia" | b"szept" | b"szeptember" => 9,
        b"syys" | b"syyskuu" | b"syyskuuta" => 9,
        b"oct" | b"october" | b"okt" | b"oktober" | b"octobre" | b"octubre" | b"ott" | b"ottobre" => 10,
        b"out" | b"outubro" | b"paz" | b"pazdziernik" | b"pazdziernika" | b"loka" | b"lokakuu" => 10,
        b"lokakuuta" => 10,
        b"nov" | b"november" | b"novembre" | b"noviembre" | b"novembro" | b"lis" | b"listopad" => 11,
        b"listopada" | b"listopadu" | b"marras" | b"marraskuu" | b"marraskuuta" => 11,
        b"dec" | b"december" | b"dez" | b"dezember" | b"decembre" | b"dic" | b"diciembre" => 12,
        b"dicembre" | b"dezembro" | b"des" | b"desember" | b"gru" | b"grudzien" | b"grudnia" => 12,
        b"pro" | b"prosinec" | b"prosince" | b"joulu" | b"joulukuu" | b"joulukuuta" => 12,
        _ => return None,
    })
}

/// Lower-case month names with letters outside ASCII.
fn unicode_month(key: &str) -> Option<u8> {
    Some(match key {
        "jän" | "jänner" | "január" => 1,
        "styczeń" => 1,
        "янв" | "январь" | "января" | "січ" | "січень" | "січня" => 1,
        "fév" | "févr" | "février" | "február" | "úno" | "únor" | "února" => 2,
        "фев" | "февр" | "февраль" | "февраля" | "лют" | "лютий" | "лютого" => {
            2
        }
        "mär" | "märz" | "márc" | "március" | "março" | "bře" | "březen" | "března" => 3,
        "мар" | "март" | "марта" | "бер" | "березень" | "березня" => 3,
        "ápr" | "április" | "kwiecień" => 4,
        "апр" | "апрель" | "апреля" | "кві" | "квітень" | "квітня" => 4,
        "máj" | "május" | "kvě" | "květen" | "května" => 5,
        "май" | "мая" | "тра" | "травень" | "травня" => 5,
        "jún" | "június" | "čen" | "čvn" | "červen" | "června" | "kesä" | "kesäkuu" | "kesäkuuta" => {
            6
        }
        "июн" | "июнь" | "июня" | "чер" | "червень" | "червня" => 6,
        "júl" | "július" | "čec" | "čvc" | "červenec" | "července" | "heinä" | "heinäkuu" => 7,
        "heinäkuuta" => 7,
        "июл" | "июль" | "июля" | "лип" | "липень" | "липня" => 7,
        "aoû" | "août" | "sierpień" => 8,
        "авг" | "август" | "августа" | "сер" | "серпень" | "серпня" => 8,
        "wrzesień" | "września" | "zář" | "září" => 9,
        "сен" | "сент" | "сентябрь" | "сентября" | "вер" | "вересень" | "вересня" => {
            9
        }
        "paź" | "październik" | "października" | "říj" | "říjen" | "října" | "október" => 10,
        "окт" | "октябрь" | "октября" | "жов" | "жовтень" | "жовтня" => 10,
        "ноя" | "нояб" | "ноябрь" | "ноября" | "лис" | "листопад" | "листопада" => {
            11
        }
        "déc" | "décembre" | "grudzień" => 12,
        "дек" | "декабрь" | "декабря" | "гру" | "грудень" | "грудня" => 12,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf8(name: &str) -> Option<u8> {
        month_from_name(name.as_bytes(), Encoding::UTF_8)
    }

    /// Every month in every language, as GNU `ls` 9.1 prints `%b` in that locale and
    /// as the full name, each in upper and lower case.
    #[test]
    fn every_language() {
        let table: &[(&str, [&str; 12])] = &[
            ("en", ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]),
            ("de", ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]),
            (
                "de full",
                [
                    "Januar",
                    "Februar",
                    "März",
                    "April",
                    "Mai",
                    "Juni",
                    "Juli",
                    "August",
                    "September",
                    "Oktober",
                    "November",
                    "Dezember",
                ],
            ),
            (
                "fr",
                [
                    "janv.", "févr.", "mars", "avril", "mai", "juin", "juil.", "août", "sept.", "oct.",
                    "nov.", "déc.",
                ],
            ),
            (
                "fr full",
                [
                    "janvier",
                    "février",
                    "mars",
                    "avril",
                    "mai",
                    "juin",
                    "juillet",
                    "août",
                    "septembre",
                    "octobre",
                    "novembre",
                    "décembre",
                ],
            ),
            ("es", ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]),
            (
                "es full",
                [
                    "enero",
                    "febrero",
                    "marzo",
                    "abril",
                    "mayo",
                    "junio",
                    "julio",
                    "agosto",
                    "septiembre",
                    "octubre",
                    "noviembre",
                    "diciembre",
                ],
            ),
            ("it", ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"]),
            (
                "it full",
                [
                    "gennaio",
                    "febbraio",
                    "marzo",
                    "aprile",
                    "maggio",
                    "giugno",
                    "luglio",
                    "agosto",
                    "settembre",
                    "ottobre",
                    "novembre",
                    "dicembre",
                ],
            ),
            ("nl", ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]),
            (
                "nl full",
                [
                    "januari",
                    "februari",
                    "maart",
                    "april",
                    "mei",
                    "juni",
                    "juli",
                    "augustus",
                    "september",
                    "oktober",
                    "november",
                    "december",
                ],
            ),
            ("sv", ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]),
            (
                "nb",
                [
                    "jan.", "feb.", "mars", "april", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.",
                    "des.",
                ],
            ),
            (
                "da full",
                [
                    "januar",
                    "februar",
                    "marts",
                    "april",
                    "maj",
                    "juni",
                    "juli",
                    "august",
                    "september",
                    "oktober",
                    "november",
                    "december",
                ],
            ),
            ("hu", ["jan", "febr", "márc", "ápr", "máj", "jún", "júl", "aug", "szept", "okt", "nov", "dec"]),
            (
                "hu full",
                [
                    "január",
                    "február",
                    "március",
                    "április",
                    "május",
                    "június",
                    "július",
                    "augusztus",
                    "szeptember",
                    "október",
                    "november",
                    "december",
                ],
            ),
            ("pl", ["sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"]),
            (
                "pl genitive",
                [
                    "stycznia",
                    "lutego",
                    "marca",
                    "kwietnia",
                    "maja",
                    "czerwca",
                    "lipca",
                    "sierpnia",
                    "września",
                    "października",
                    "listopada",
                    "grudnia",
                ],
            ),
            ("cs", ["led", "úno", "bře", "dub", "kvě", "čen", "čec", "srp", "zář", "říj", "lis", "pro"]),
            (
                "cs full",
                [
                    "leden",
                    "únor",
                    "březen",
                    "duben",
                    "květen",
                    "červen",
                    "červenec",
                    "srpen",
                    "září",
                    "říjen",
                    "listopad",
                    "prosinec",
                ],
            ),
            ("ru", ["янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]),
            (
                "ru full",
                [
                    "январь",
                    "февраль",
                    "март",
                    "апрель",
                    "май",
                    "июнь",
                    "июль",
                    "август",
                    "сентябрь",
                    "октябрь",
                    "ноябрь",
                    "декабрь",
                ],
            ),
            ("uk", ["січ", "лют", "бер", "кві", "тра", "чер", "лип", "сер", "вер", "жов", "лис", "гру"]),
            ("pt", ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]),
            (
                "fi",
                [
                    "tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys", "loka",
                    "marras", "joulu",
                ],
            ),
        ];
        for (language, names) in table {
            for (i, name) in names.iter().enumerate() {
                let want = Some(i as u8 + 1);
                assert_eq!(utf8(name), want, "{language} {name}");
                assert_eq!(utf8(&name.to_uppercase()), want, "{language} {name} in capitals");
                if !name.ends_with('.') {
                    assert_eq!(utf8(&format!("{name}.")), want, "{language} {name} with a dot");
                }
            }
        }
    }

    #[cfg(feature = "encoding_rs")]
    #[test]
    fn legacy_encodings() {
        let latin2 = Encoding::for_label("iso-8859-2").unwrap();
        let koi8 = Encoding::for_label("koi8-r").unwrap();
        let cp1251 = Encoding::for_label("windows-1251").unwrap();
        // As GNU ls prints them in de_DE.ISO-8859-1, hu_HU/cs_CZ.ISO-8859-2,
        // ru_RU.KOI8-R and ru_RU.CP1251.
        assert_eq!(month_from_name(b"M\xe4r", Encoding::for_label("latin1").unwrap()), Some(3));
        assert_eq!(month_from_name(b"m\xe1rc", latin2), Some(3));
        assert_eq!(month_from_name(b"j\xfal", latin2), Some(7));
        assert_eq!(month_from_name(b"b\xf8e", latin2), Some(3));
        assert_eq!(month_from_name(b"\xe8ec", latin2), Some(7));
        assert_eq!(month_from_name(b"\xcd\xc1\xd2", koi8), Some(3));
        assert_eq!(month_from_name(b"\xc9\xc0\xcc", koi8), Some(7));
        assert_eq!(month_from_name(b"\xec\xe0\xf0", cp1251), Some(3));
        assert_eq!(month_from_name(b"\xe8\xfe\xeb", cp1251), Some(7));
        // The same bytes in a listing read as UTF-8: the fallbacks find them.
        for (bytes, month) in [
            (&b"M\xe4r"[..], 3),
            (b"m\xe1rc", 3),
            (b"b\xf8e", 3),
            (b"pa\x9f", 10),
            (b"pa\xbc", 10),
            (b"\xcd\xc1\xd2", 3),
            (b"\xec\xe0\xf0", 3),
            (b"\xed\xee\xff", 11),
        ] {
            assert_eq!(month_from_name(bytes, Encoding::UTF_8), Some(month), "{bytes:?}");
        }
    }

    #[test]
    fn not_months() {
        for word in ["Jam", "FED", "ma", "12", "3月", "x", "", "juill", "abcdefghijklmnopqrstuvwxyz"] {
            assert_eq!(utf8(word), None, "{word}");
        }
        assert_eq!(month_from_name(b"\xff\xfe\xfd", Encoding::UTF_8), None);
        assert_eq!(month_from_name(&[0xc3; 30], Encoding::UTF_8), None);
    }

    #[test]
    fn total_words() {
        for word in
            ["total", "insgesamt", "итого", "合計", "합계", "总计", "总用量", "總用量", "celkem", "összesen"]
        {
            assert!(is_total_word(word.as_bytes(), Encoding::UTF_8), "{word}");
        }
        assert!(is_total_word(b"\xb9\xe7\xb7\xd7", Encoding::UTF_8), "EUC-JP");
        assert!(is_total_word(b"\xc1\x60\xa5\xce\xb6\x71", Encoding::UTF_8), "Big5");
        assert!(!is_total_word(b"totals", Encoding::UTF_8));
        assert!(!is_total_word("日本".as_bytes(), Encoding::UTF_8));
    }
}
