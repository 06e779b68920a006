//! The page around the charts: one HTML file with its style sheet inline, no script,
//! nothing fetched, readable on screen and printable on A4.
//!
//! Print rules: each section starts a page; a figure, a table row and a table's header
//! are never split; a long table repeats its header on every page. Fonts are the
//! system's: a list that names the common Chinese fonts of Linux, macOS and Windows.

use std::fmt::Write as _;

use crate::money::{Scale, grouped};

/// Text for HTML content or an attribute: `& < > " '` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whole fen in 万元, two decimals, thousands separated: `74,476,703.03`.
pub fn wan(fen: i64) -> String {
    grouped(&Scale::Wan.format(fen))
}

/// Whole fen in 万元 with a sign: `+1,234.50`, `-0.10`, `0.00`.
pub fn signed_wan(fen: i64) -> String {
    let s = wan(fen);
    if fen > 0 { format!("+{s}") } else { s }
}

/// Whole fen in 亿元 (10^8 yuan), for drawing only.
pub fn yi(fen: i64) -> f64 {
    fen as f64 / 1e10
}

/// `part / whole` as a percentage with one decimal: `36.4`.
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return String::new();
    }
    let p = rust_decimal::Decimal::from(part) * rust_decimal::Decimal::ONE_HUNDRED
        / rust_decimal::Decimal::from(whole);
    format!(
        "{:.1}",
        p.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    )
}

const STYLE: &str = r#"
:root { --ink: #222; --muted: #666; --rule: #d0d0d0; --band: #f4f4f4; --accent: #2f5d8a; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
  "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif;
  color: var(--ink); font-size: 15px; line-height: 1.55; background: #fff; }
body { max-width: 980px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 .en, h2 .en, h3 .en, th .en, figcaption .en { color: var(--muted); font-weight: normal; }
h1 .en { display: block; font-size: 16px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin: 36px 0 12px; }
h2 .en, h3 .en { font-size: 15px; margin-left: 8px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
p { margin: 6px 0 10px; }
.lede { color: var(--muted); margin-bottom: 16px; }
.note { color: var(--muted); font-size: 13px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin: 14px 0; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 13px; }
.card .v { font-size: 20px; font-weight: bold; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0 18px; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 14px; margin-bottom: 4px; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13.5px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; }
th { background: var(--band); text-align: left; }
th .en { display: block; font-size: 11.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
details { margin: 8px 0 16px; }
summary { cursor: pointer; color: var(--accent); }
td.tag { white-space: nowrap; }
table.band td.num { white-space: normal; }
td.code { min-width: 13em; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
tr.total td { font-weight: bold; border-top: 2px solid var(--ink); }
td.up { color: #a33; } td.down { color: #1f6b82; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--rule); padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  html { font-size: 12px; }
  body { max-width: none; padding: 0; }
  section { break-before: page; }
  section.first { break-before: auto; }
  h2, h3, figcaption { break-after: avoid; }
  figure, .cards, dl.facts { break-inside: avoid; }
  details { display: none; }
  thead { display: table-header-group; }
  tr, td, th { break-inside: avoid; }
  table { font-size: 10.5px; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// A whole HTML document: `title` in the head, `body` inside.
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"fendan {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title)
    )
}

/// A heading or label in Chinese, then English in a quieter style.
pub fn bilingual(zh: &str, en: &str) -> String {
    format!("{} <span class=\"en\">{}</span>", escape(zh), escape(en))
}

/// A section that starts a new printed page (except the first).
pub fn section(id: &str, zh: &str, en: &str, first: bool, content: &str) -> String {
    format!(
        "<section id=\"{id}\"{}>\n<h2>{}</h2>\n{content}</section>\n",
        if first { " class=\"first\"" } else { "" },
        bilingual(zh, en)
    )
}

/// A chart with its caption.
pub fn figure(zh: &str, en: &str, svg: &str) -> String {
    format!(
        "<figure>\n<figcaption>{}</figcaption>\n{svg}\n</figure>\n",
        bilingual(zh, en)
    )
}

/// How a column's cells are shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Text,
    /// Right-aligned figures.
    Num,
    /// A path or code, in a fixed-width face.
    Code,
    /// A short word that is never wrapped (a kind, a year).
    Tag,
}

/// A table: Chinese and English column names, rows, and totals rows at the foot.
pub struct Table {
    head: Vec<(String, String, Align)>,
    rows: Vec<(Vec<String>, &'static str)>,
}

impl Table {
    pub fn new(head: &[(&str, &str, Align)]) -> Table {
        Table {
            head: head
                .iter()
                .map(|(zh, en, a)| (zh.to_string(), en.to_string(), *a))
                .collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push((cells, ""));
    }

    /// A bold totals row.
    pub fn total(&mut self, cells: Vec<String>) {
        self.rows.push((cells, "total"));
    }

    pub fn html(&self, class: &str) -> String {
        let mut s = format!("<table class=\"{class}\">\n<thead><tr>");
        for (zh, en, a) in &self.head {
            let cls = if *a == Align::Num {
                " class=\"num\""
            } else {
                ""
            };
            let en = if en.is_empty() {
                String::new()
            } else {
                format!("<span class=\"en\">{}</span>", escape(en))
            };
            let _ = write!(s, "<th{cls}>{}{en}</th>", escape(zh));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for (cells, class) in &self.rows {
            if class.is_empty() {
                s.push_str("<tr>");
            } else {
                let _ = write!(s, "<tr class=\"{class}\">");
            }
            for (i, c) in cells.iter().enumerate() {
                let align = self.head.get(i).map_or(Align::Text, |h| h.2);
                let mut cls: Vec<&str> = Vec::new();
                match align {
                    Align::Num => cls.push("num"),
                    Align::Code => cls.push("code"),
                    Align::Tag => cls.push("tag"),
                    Align::Text => {}
                }
                if align == Align::Num && c.starts_with('+') {
                    cls.push("up");
                } else if align == Align::Num && c.starts_with('-') && c != "-" {
                    cls.push("down");
                }
                if cls.is_empty() {
                    let _ = write!(s, "<td>{}</td>", escape(c));
                } else {
                    let _ = write!(s, "<td class=\"{}\">{}</td>", cls.join(" "), escape(c));
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
        s
    }
}

/// Key figures as cards: (Chinese label, English label, value).
pub fn cards(items: &[(String, String, String)]) -> String {
    let mut s = String::from("<div class=\"cards\">\n");
    for (zh, en, v) in items {
        let _ = writeln!(
            s,
            "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>",
            bilingual(zh, en),
            escape(v)
        );
    }
    s.push_str("</div>\n");
    s
}

/// A definition list of facts: (Chinese label, English label, value).
pub fn facts(items: &[(&str, &str, String)]) -> String {
    let mut s = String::from("<dl class=\"facts\">\n");
    for (zh, en, v) in items {
        let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", bilingual(zh, en), escape(v));
    }
    s.push_str("</dl>\n");
    s
}

/// A paragraph of plain text (escaped) with an optional class.
pub fn para(class: &str, text: &str) -> String {
    if class.is_empty() {
        format!("<p>{}</p>\n", escape(text))
    } else {
        format!("<p class=\"{class}\">{}</p>\n", escape(text))
    }
}

/// The closing line: what made the file and from which verified folder.
pub fn footer(version: &str, what: &str, dir: &std::path::Path) -> String {
    format!(
        "<footer>{}</footer>\n",
        escape(&format!(
            "fendan {version} · {what} · 由 {} 中经 SHA-256 核验的文件生成 · made from the verified files of {}",
            dir.display(),
            dir.display()
        ))
    )
}

/// Output files with the first 16 digits of their SHA-256 (in full in manifest.json).
pub fn files_table(files: &[(String, String)], class: &str) -> String {
    let mut t = Table::new(&[
        ("文件", "file", Align::Code),
        (
            "SHA-256（前 16 位）",
            "first 16 digits; in full in manifest.json",
            Align::Code,
        ),
    ]);
    for (name, sha) in files {
        t.row(vec![
            name.clone(),
            format!("{}…", &sha[..sha.len().min(16)]),
        ]);
    }
    t.html(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(escape("邯郸"), "邯郸");
    }

    #[test]
    fn money_is_shown_in_wan_with_separators() {
        assert_eq!(wan(744_767_030_302), "744,767.03");
        assert_eq!(signed_wan(1_000_000), "+1.00");
        assert_eq!(signed_wan(-1_000_000), "-1.00");
        assert_eq!(signed_wan(0), "0.00");
        assert_eq!(percent(1, 3), "33.3");
        assert_eq!(percent(1, 0), "");
    }

    #[test]
    fn tables_mark_totals_and_signs() {
        let mut t = Table::new(&[("年度", "year", Align::Text), ("差额", "diff", Align::Num)]);
        t.row(vec!["2016".into(), "+1.00".into()]);
        t.total(vec!["合计".into(), "-1.00".into()]);
        let h = t.html("x");
        assert!(h.contains("<tr class=\"total\">"));
        assert!(h.contains("<td class=\"num up\">+1.00</td>"));
        assert!(h.contains("<td class=\"num down\">-1.00</td>"));
        assert!(h.contains("<th class=\"num\">差额<span class=\"en\">diff</span></th>"));
    }
}
