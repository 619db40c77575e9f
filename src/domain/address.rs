//! A partner's postal address, structured (RECORDS.md §2), and the conservative split of the
//! one-line addresses written before it: by the migration that brought the structure, and for
//! seed files that still carry a line.

use serde::{Deserialize, Serialize};

use super::countries::{country_from_name, country_name};
use crate::text::{Clean, line};

/// Every part may be empty; `country` is an ISO 3166-1 alpha-2 code (or empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    /// Province, state, county: whatever the country calls it.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
}

impl Clean for Address {
    fn clean(self) -> Self {
        Address {
            line1: line(self.line1),
            line2: line(self.line2),
            city: line(self.city),
            region: line(self.region),
            postal_code: line(self.postal_code),
            country: line(self.country),
        }
    }
}

impl Address {
    pub fn is_empty(&self) -> bool {
        *self == Address::default()
    }

    /// The address on one line, its non-empty parts joined with ", ": `line1, line2, city,
    /// region postal_code, country's name`. An address kept whole in `line1` reads as it was
    /// written.
    pub fn one_line(&self) -> String {
        let region_postal = [self.region.as_str(), self.postal_code.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let country = country_name(&self.country).unwrap_or(&self.country);
        [
            self.line1.as_str(),
            self.line2.as_str(),
            self.city.as_str(),
            region_postal.as_str(),
            country,
        ]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// A one-line address split into its parts where that is safe, else kept whole in
    /// `line1`: nothing is ever dropped or guessed at. Safe means the line is one of three
    /// common shapes, with a country this list knows at its end:
    /// - `street, 10119 Berlin, Germany` (postal code of digits before the city);
    /// - `street, New York, NY 10118, USA` (a city, then a two-letter region and a ZIP code);
    /// - `street, London EC2R 8EJ, United Kingdom` (a UK postcode after the city).
    ///
    /// Line breaks count as commas (an address written on several lines), and a line kept
    /// whole has them as `, ` so that `line1` stays one line.
    pub fn from_one_line(text: &str) -> Address {
        let text = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        split_one_line(&text).unwrap_or(Address {
            line1: text,
            ..Address::default()
        })
    }
}

fn split_one_line(text: &str) -> Option<Address> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let (country, rest) = parts.split_last()?;
    let country = country_from_name(country)?.to_string();
    match rest {
        // `street, 10119 Berlin`
        [street, place] => {
            if let Some((postal, city)) = place.split_once(' ')
                && is_numeric_postal(postal)
                && is_name(city)
            {
                return Some(Address {
                    line1: street.to_string(),
                    city: city.to_string(),
                    postal_code: postal.to_string(),
                    country,
                    ..Address::default()
                });
            }
            // `street, London EC2R 8EJ`
            let words: Vec<&str> = place.split(' ').collect();
            if words.len() >= 3 && country == "GB" {
                let (city, postcode) = words.split_at(words.len() - 2);
                let postcode = postcode.join(" ");
                let city = city.join(" ");
                if is_uk_postcode(&postcode) && is_name(&city) {
                    return Some(Address {
                        line1: street.to_string(),
                        city,
                        postal_code: postcode,
                        country,
                        ..Address::default()
                    });
                }
            }
            None
        }
        // `street, New York, NY 10118`
        [street, city, region_zip] => {
            let (region, zip) = region_zip.split_once(' ')?;
            let is_region = region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase());
            (is_region && is_us_zip(zip) && is_name(city)).then(|| Address {
                line1: street.to_string(),
                city: city.to_string(),
                region: region.to_string(),
                postal_code: zip.to_string(),
                country,
                ..Address::default()
            })
        }
        _ => None,
    }
}

fn is_numeric_postal(s: &str) -> bool {
    (4..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_us_zip(s: &str) -> bool {
    let (five, plus4) = s.split_once('-').unwrap_or((s, "0000"));
    five.len() == 5
        && plus4.len() == 4
        && five
            .bytes()
            .chain(plus4.bytes())
            .all(|b| b.is_ascii_digit())
}

/// `EC2R 8EJ`, `SW1A 1AA`, `M1 1AE`: an outward code of 2–4 letters and digits starting with a
/// letter, and an inward code of a digit and two letters.
fn is_uk_postcode(s: &str) -> bool {
    let Some((out, inward)) = s.split_once(' ') else {
        return false;
    };
    let out_ok = (2..=4).contains(&out.len())
        && out.starts_with(|c: char| c.is_ascii_uppercase())
        && out
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let inward = inward.as_bytes();
    out_ok
        && inward.len() == 3
        && inward[0].is_ascii_digit()
        && inward[1..].iter().all(u8::is_ascii_uppercase)
}

/// A city's name: words of letters (and `-`, `'`, `.`), no digits.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(line1: &str, city: &str, region: &str, postal: &str, country: &str) -> Address {
        Address {
            line1: line1.into(),
            line2: String::new(),
            city: city.into(),
            region: region.into(),
            postal_code: postal.into(),
            country: country.into(),
        }
    }

    #[test]
    fn the_demo_shapes_split() {
        let cases = [
            (
                "Torstraße 12, 10119 Berlin, Germany",
                addr("Torstraße 12", "Berlin", "", "10119", "DE"),
            ),
            (
                "18 Rue de Rivoli, 75004 Paris, France",
                addr("18 Rue de Rivoli", "Paris", "", "75004", "FR"),
            ),
            (
                "350 5th Ave, New York, NY 10118, USA",
                addr("350 5th Ave", "New York", "NY", "10118", "US"),
            ),
            (
                "500 Howard St, San Francisco, CA 94105, USA",
                addr("500 Howard St", "San Francisco", "CA", "94105", "US"),
            ),
            (
                "1 Poultry, London EC2R 8EJ, United Kingdom",
                addr("1 Poultry", "London", "", "EC2R 8EJ", "GB"),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Address::from_one_line(text), want, "{text}");
        }
    }

    #[test]
    fn what_cannot_be_split_safely_is_kept_whole_in_line1() {
        for text in [
            "Unit 4, Harbour Road, Cork",
            "PO Box 12, 10119 Berlin, Atlantis",
            "Flat 2, 7 High St, Leeds LS1 4AP, UK",
            "Torstraße 12, Berlin 10119, Germany",
            "12 Main St,, Springfield, IL 62701, USA",
            "somewhere",
            " ",
            "",
        ] {
            let a = Address::from_one_line(text);
            assert_eq!(a.line1, text.trim(), "{text}");
            assert_eq!(
                a,
                Address {
                    line1: text.trim().into(),
                    ..Address::default()
                }
            );
        }
    }

    #[test]
    fn lines_count_as_commas() {
        assert_eq!(
            Address::from_one_line("Torstraße 140\n10119 Berlin\nGermany"),
            addr("Torstraße 140", "Berlin", "", "10119", "DE")
        );
        assert_eq!(
            Address::from_one_line("Unit 4\r\nHarbour Road\n\nCork").line1,
            "Unit 4, Harbour Road, Cork"
        );
    }

    #[test]
    fn one_line_reads_the_parts_back() {
        assert_eq!(
            addr("350 5th Ave", "New York", "NY", "10118", "US").one_line(),
            "350 5th Ave, New York, NY 10118, United States"
        );
        assert_eq!(
            Address::from_one_line("Unit 4, Harbour Road, Cork").one_line(),
            "Unit 4, Harbour Road, Cork"
        );
        assert_eq!(Address::default().one_line(), "");
    }
}
