//! Calendar dates, as the parameters of the plan are dated.
//!
//! Only what the engine needs: parse and print `YYYY-MM-DD`, order dates, and walk
//! the months of a year. Kept dependency-free so that a date in a data file is
//! validated by exactly the rules written here (a real day of a real month).

use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub const fn new(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    /// The first day of `month` (1-12) of `year`.
    pub const fn first_of(year: i32, month: u32) -> Date {
        Date::new(year, month, 1)
    }

    /// The next calendar day.
    pub fn succ(self) -> Date {
        if self.day < Date::days_in_month(self.year, self.month) {
            Date::new(self.year, self.month, self.day + 1)
        } else if self.month < 12 {
            Date::new(self.year, self.month + 1, 1)
        } else {
            Date::new(self.year + 1, 1, 1)
        }
    }

    /// Parse `YYYY-MM-DD`, or a bare year `YYYY` meaning its 1 January.
    pub fn parse_date_or_year(text: &str) -> Result<Date, String> {
        let t = text.trim();
        if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            return Ok(Date::new(
                t.parse().map_err(|_| format!("`{t}` is not a year"))?,
                1,
                1,
            ));
        }
        t.parse()
    }

    fn days_in_month(year: i32, month: u32) -> u32 {
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => 0,
        }
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        let bad = || format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2019-01-01");
        let parts: Vec<&str> = text.trim().split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad());
        }
        let year: i32 = parts[0].parse().map_err(|_| bad())?;
        let month: u32 = parts[1].parse().map_err(|_| bad())?;
        let day: u32 = parts[2].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || day == 0 || day > Date::days_in_month(year, month) {
            return Err(format!("`{text}` is not a real calendar day"));
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        let d: Date = "2020-03-01".parse().unwrap();
        assert_eq!(d, Date::new(2020, 3, 1));
        assert_eq!(d.to_string(), "2020-03-01");
    }

    #[test]
    fn next_day_rolls_over_months_and_years() {
        assert_eq!(Date::new(2019, 12, 31).succ(), Date::new(2020, 1, 1));
        assert_eq!(Date::new(2020, 2, 28).succ(), Date::new(2020, 2, 29));
        assert_eq!(Date::new(2019, 2, 28).succ(), Date::new(2019, 3, 1));
        assert_eq!(
            Date::parse_date_or_year("2018").unwrap(),
            Date::new(2018, 1, 1)
        );
    }

    #[test]
    fn rejects_impossible_days() {
        assert!("2019-02-29".parse::<Date>().is_err());
        assert!("2020-02-29".parse::<Date>().is_ok());
        assert!("2020-13-01".parse::<Date>().is_err());
        assert!("2020-1-01".parse::<Date>().is_err());
    }
}
