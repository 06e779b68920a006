//! The fiscal figures a bureau has for its units: own general-budget revenue, the
//! transfers received, the all-in revenue collected locally. Kept exactly as given —
//! whole fen, one figure per year, unit and measure — and never filled in: a figure
//! that is not in the file is `None` here and an empty cell in every output.
//!
//! The file is read by `load::fiscal` (through the one CSV reader every input uses);
//! this module is only what the figures are.

use std::collections::BTreeMap;

/// What a fiscal figure measures. The names are the budget's own (预算法, 政府收支分类科目);
/// a figure is never moved from one measure to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// 一般公共预算收入: the unit's own general public budget revenue (taxes and non-tax
    /// revenue that stay with the county-level budget). The base of every capacity measure.
    OwnRevenue,
    /// 一般性转移支付: general (untied) transfers received from the levels above.
    GeneralTransfers,
    /// 均衡性转移支付: the equalization transfer, a part of the general transfers.
    EqualizationTransfers,
    /// 专项转移支付: earmarked transfers received.
    SpecialTransfers,
    /// 全部财政收入: all fiscal revenue collected in the unit, including the taxes shared
    /// with the centre and the province. Larger than own revenue; shown, never used as it.
    TotalRevenue,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::OwnRevenue,
        Measure::GeneralTransfers,
        Measure::EqualizationTransfers,
        Measure::SpecialTransfers,
        Measure::TotalRevenue,
    ];

    /// The name in a file's `measure` column and in output headers.
    pub fn key(self) -> &'static str {
        match self {
            Measure::OwnRevenue => "own_revenue",
            Measure::GeneralTransfers => "general_transfers",
            Measure::EqualizationTransfers => "equalization_transfers",
            Measure::SpecialTransfers => "special_transfers",
            Measure::TotalRevenue => "total_revenue",
        }
    }

    /// The budget's Chinese name, also accepted in a file's `measure` column.
    pub fn zh(self) -> &'static str {
        match self {
            Measure::OwnRevenue => "一般公共预算收入",
            Measure::GeneralTransfers => "一般性转移支付",
            Measure::EqualizationTransfers => "均衡性转移支付",
            Measure::SpecialTransfers => "专项转移支付",
            Measure::TotalRevenue => "全部财政收入",
        }
    }

    /// A measure by its key or its Chinese name.
    pub fn parse(text: &str) -> Option<Measure> {
        Measure::ALL
            .into_iter()
            .find(|m| m.key() == text || m.zh() == text)
    }
}

/// The citation that marks a figure as made up for an example: `illustrative (why)`.
/// It is not a document, and every output that uses such a figure says so.
pub const ILLUSTRATIVE: &str = "illustrative";

/// One figure as given, whole fen, with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub fen: i64,
    /// The `source` cell: citations of the bibliography, or `illustrative (…)`.
    pub source: String,
    /// Made up for an example (its source cites `illustrative`), not data.
    pub illustrative: bool,
}

/// The fiscal figures of a run, by (year, unit index, measure). Units are the model's,
/// by their place in the units file.
#[derive(Debug, Clone, Default)]
pub struct Fiscal {
    /// The file the figures came from, as errors and outputs name it.
    pub file: String,
    pub figures: BTreeMap<(i32, usize, Measure), Figure>,
}

impl Fiscal {
    pub fn get(&self, year: i32, unit: usize, measure: Measure) -> Option<&Figure> {
        self.figures.get(&(year, unit, measure))
    }

    /// A figure in whole fen, or `None` when the file does not give it.
    pub fn fen(&self, year: i32, unit: usize, measure: Measure) -> Option<i64> {
        self.get(year, unit, measure).map(|f| f.fen)
    }

    /// Whether any figure of `years` is made up for an example.
    pub fn illustrative_in(&self, first: i32, last: i32) -> bool {
        self.figures
            .iter()
            .any(|((y, _, _), f)| (first..=last).contains(y) && f.illustrative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_parse_by_key_and_by_chinese_name() {
        for m in Measure::ALL {
            assert_eq!(Measure::parse(m.key()), Some(m));
            assert_eq!(Measure::parse(m.zh()), Some(m));
        }
        assert_eq!(Measure::parse("revenue"), None);
        // 全部财政收入 is a measure of its own, never own revenue.
        assert_eq!(Measure::parse("全部财政收入"), Some(Measure::TotalRevenue));
    }
}
