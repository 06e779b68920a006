//! What a run's figures rest on, as report sections: the assumptions ranked by the
//! money they move (or, without `at_stake.csv`, grouped without amounts), and the
//! documents cited. Kept apart from the figures' sections in `run.rs`, which show what
//! the run computed; these show how far to trust it.

use super::files::{RunFolder, StakeOrigin};
use super::page::{self, Align, Table, wan};
use crate::provenance::AtStake;

/// Assumptions shown in the ranked list.
const STAKES_SHOWN: usize = 20;

/// The assumptions section: ranked by money at stake when the run carries it, else
/// the run's assumed figures, grouped, without amounts.
pub fn assumptions_section(run: &RunFolder) -> String {
    let mut s = String::new();
    if let Some(stakes) = &run.at_stake {
        s.push_str(&stakes_table(stakes, run.meta.years));
        if let StakeOrigin::Computed(how) = &run.stake_origin {
            s.push_str(&page::para(
                "note",
                &format!(
                    "这些金额由 fendan report 重新载入本次运行的情景计算（情景与输入文件的 SHA-256、全部参数与各级逐年合计均与本次运行一致）。 These amounts were computed by `fendan report` from {}, reloaded exactly: its SHA-256, its inputs' hashes and every parameter match the manifest, and run again it gives the run's totals by level and year.",
                    how
                ),
            ));
        }
    } else {
        s.push_str(&page::para(
            "",
            "本次运行未附带各项假设的影响金额（at_stake.csv），因此无法按影响金额排序；以下按类别汇总本次运行的全部假设，不含金额。 This run carries no money-at-stake table (at_stake.csv), so its assumptions cannot be ranked by the money they move; here they are, by kind, without amounts.",
        ));
        if let StakeOrigin::Missing(why) = &run.stake_origin
            && !why.is_empty()
        {
            s.push_str(&page::para(
                "note",
                &format!(
                    "无法重新计算：{} It could not be computed for this report: {}.",
                    "本次运行的情景无法原样重新载入。", why
                ),
            ));
        }
    }
    match &run.meta.assumptions {
        None => s.push_str(&page::para(
            "note",
            &format!(
                "这个 manifest.json 早于 fendan 记录假设清单的版本；请用当前版本重新运行 simulate。 This manifest predates the list of assumptions ({} assumed parameters counted); rerun `fendan simulate` with this fendan to list them.",
                run.meta.counts.get("assumptions").copied().unwrap_or(0)
            ),
        )),
        Some(list) => {
            s.push_str(&assumption_groups(list));
            let mut t = Table::new(&[
                ("参数路径", "path", Align::Code),
                ("含义", "label", Align::Text),
                ("依据", "basis", Align::Text),
            ]);
            for a in list {
                t.row(vec![a.path.clone(), a.label.clone(), a.basis.clone()]);
            }
            s.push_str(&format!(
                "<details>\n<summary>{}</summary>\n{}</details>\n",
                page::bilingual(
                    &format!("展开全部 {} 项假设及其依据（打印版不含）", list.len()),
                    &format!(
                        "Show all {} assumed figures with their basis (not printed; also in manifest.json and `fendan assumptions`)",
                        list.len()
                    )
                ),
                t.html("assumptions")
            ));
        }
    }
    page::section(
        "assumptions",
        "六、影响最大的假设",
        "The assumptions that move the most money",
        false,
        &s,
    )
}

/// The assumed figures by kind: how many, and a few of them.
fn assumption_groups(list: &[crate::provenance::AssumedFigure]) -> String {
    const KINDS: [(&str, &str, &str); 4] = [
        ("splits", "分担比例", "split shares"),
        (
            "services",
            "服务标准、覆盖率与天数",
            "service standards, coverage, days",
        ),
        (
            "cohorts",
            "人群占比与调整系数",
            "cohort ratios and adjustments",
        ),
        ("units", "单位财政体制类别", "units' fiscal classes"),
    ];
    let mut t = Table::new(&[
        ("类别", "kind", Align::Text),
        ("项数", "figures", Align::Num),
        ("例如", "for example", Align::Text),
    ]);
    let mut shown = 0;
    for (key, zh, en) in KINDS {
        let mine: Vec<_> = list
            .iter()
            .filter(|a| a.path.split('.').next() == Some(key))
            .collect();
        if mine.is_empty() {
            continue;
        }
        shown += mine.len();
        let mut examples: Vec<&str> = Vec::new();
        for a in &mine {
            if examples.len() < 3 && !examples.contains(&a.label.as_str()) {
                examples.push(&a.label);
            }
        }
        t.row(vec![
            format!("{zh} {en}"),
            mine.len().to_string(),
            examples.join("；"),
        ]);
    }
    if shown < list.len() {
        t.row(vec![
            "其他 other".into(),
            (list.len() - shown).to_string(),
            String::new(),
        ]);
    }
    t.total(vec![
        "合计 total".into(),
        list.len().to_string(),
        String::new(),
    ]);
    t.html("assumption-kinds")
}

/// The ranked money-at-stake table: per level, the change of its total at the
/// assumption's low and high end.
fn stakes_table(stakes: &[AtStake], years: [i32; 2]) -> String {
    let mut ranked: Vec<&AtStake> = stakes.iter().collect();
    ranked.sort_by(|a, b| b.swing().cmp(&a.swing()).then(a.path.cmp(&b.path)));
    let mut t = Table::new(&[
        ("假设", "assumption", Align::Text),
        ("中央", "central", Align::Num),
        ("省", "province", Align::Num),
        ("市", "city", Align::Num),
        ("县(市、区)", "county", Align::Num),
        ("合计变动幅度", "swing, all levels", Align::Num),
    ]);
    for a in ranked.iter().take(STAKES_SHOWN) {
        let mut row = vec![format!("{} ({})", a.label, a.path)];
        for li in 0..4 {
            row.push(format!(
                "{} … {}",
                page::signed_wan(a.low[li]),
                page::signed_wan(a.high[li])
            ));
        }
        row.push(wan(a.swing()));
        t.row(row);
    }
    let shown = STAKES_SHOWN.min(ranked.len());
    let mut s = page::para(
        "",
        &format!(
            "每项假设在其合理区间内变动时，各级 {y0}-{y1} 年合计的变化（万元，低端 … 高端），按四级合计的变动幅度排序，列出前 {shown} 项。 How each level's {y0}-{y1} total moves when one assumption moves over its plausible range (10,000 yuan, low … high end); the {shown} that move the most money first.",
            y0 = years[0],
            y1 = years[1],
        ),
    );
    s.push_str(&t.html("at-stake"));
    s
}

/// Sources shown before the rest are counted.
const SOURCES_SHOWN: usize = 30;

pub fn sources_section(run: &RunFolder) -> String {
    let m = &run.meta;
    let mut s = String::new();
    match &m.sources {
        Some(sources) => {
            let mut t = Table::new(&[
                ("来源", "source", Align::Text),
                ("引用参数数", "parameters", Align::Num),
            ]);
            for src in sources.iter().take(SOURCES_SHOWN) {
                t.row(vec![src.source.clone(), src.parameters.to_string()]);
            }
            if sources.len() > SOURCES_SHOWN {
                let rest: usize = sources[SOURCES_SHOWN..].iter().map(|x| x.parameters).sum();
                t.row(vec![
                    format!(
                        "其余 {} 项来源 … and {} more sources (all in manifest.json)",
                        sources.len() - SOURCES_SHOWN,
                        sources.len() - SOURCES_SHOWN
                    ),
                    rest.to_string(),
                ]);
            }
            s.push_str(&t.html("sources"));
        }
        None => s.push_str(&page::para(
            "note",
            "这个 manifest.json 未记录来源清单；请重新运行 simulate。 This manifest predates the list of sources; rerun `fendan simulate` to list them.",
        )),
    }
    s.push_str(&format!(
        "<h3>{}</h3>\n",
        page::bilingual("输入文件", "Input files")
    ));
    let listed = |files: &[super::files::Listed]| -> Vec<(String, String)> {
        files
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect()
    };
    s.push_str(&page::files_table(&listed(&m.inputs), "inputs"));
    s.push_str(&format!(
        "<h3>{}</h3>\n",
        page::bilingual(
            "已核验的结果文件",
            "Output files, verified against manifest.json"
        )
    ));
    s.push_str(&page::files_table(&listed(&m.outputs), "outputs"));
    page::section(
        "sources",
        "七、来源与核验",
        "Sources and verification",
        false,
        &s,
    )
}
