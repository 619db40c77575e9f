//! How wide each column of a list is drawn. Fixed columns keep their length; the flexible
//! ones share the rest by their weights, but a column never takes more than its widest value,
//! so what one would leave empty goes to the columns whose values are cut (a full email at 120
//! columns rather than a wide, half-empty title).

use ratatui::layout::Constraint;

/// The widths of `columns` (constraints) in `available` cells, given what each column's widest
/// value (its title included) needs: `wants[i]`. Fixed columns (`Length`) get their length (as
/// far as there is room); `Fill(weight)` columns share the rest.
pub fn allocate(columns: &[Constraint], wants: &[usize], available: usize) -> Vec<usize> {
    let mut widths = vec![0; columns.len()];
    let mut left = available;
    let mut flexible: Vec<(usize, usize)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        match *c {
            Constraint::Fill(weight) => flexible.push((i, usize::from(weight.max(1)))),
            Constraint::Length(n) | Constraint::Min(n) | Constraint::Max(n) => {
                widths[i] = usize::from(n).min(left);
                left -= widths[i];
            }
            // Not used by lists; treated as flexible with weight 1.
            _ => flexible.push((i, 1)),
        }
    }
    // Water-filling: a column whose want is under its share takes only its want and leaves
    // the rest to the others; repeat until every remaining column wants more than its share.
    loop {
        let weight: usize = flexible.iter().map(|(_, w)| w).sum();
        if weight == 0 {
            break;
        }
        let satisfied: Vec<(usize, usize)> = flexible
            .iter()
            .copied()
            .filter(|&(i, w)| wants.get(i).copied().unwrap_or(0) * weight <= left * w)
            .collect();
        if satisfied.is_empty() {
            // Everyone is cut: shares by weight, the remainder to the first columns.
            let mut given = 0;
            for &(i, w) in &flexible {
                widths[i] = left * w / weight;
                given += widths[i];
            }
            for &(i, _) in flexible.iter().take(left - given) {
                widths[i] += 1;
            }
            return widths;
        }
        for &(i, _) in &satisfied {
            widths[i] = wants.get(i).copied().unwrap_or(0);
            left -= widths[i];
        }
        flexible.retain(|(i, _)| !satisfied.iter().any(|(j, _)| j == i));
        if flexible.is_empty() {
            break;
        }
    }
    // Everything fits whole: the room left goes to the flexible columns by weight, so the
    // table still spans the list (the last one takes the remainder).
    let fills: Vec<(usize, usize)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Constraint::Fill(w) => Some((i, usize::from((*w).max(1)))),
            _ => None,
        })
        .collect();
    let weight: usize = fills.iter().map(|(_, w)| w).sum();
    let spare = left;
    for &(i, w) in &fills {
        let extra = (spare * w).checked_div(weight).unwrap_or(0);
        widths[i] += extra;
        left -= extra;
    }
    if let Some(&(i, _)) = fills.last() {
        widths[i] += left;
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;
    use Constraint::{Fill, Length};

    #[test]
    fn a_short_column_gives_its_room_to_a_cut_one() {
        // Title (short values), Partner, Email (long): 60 cells.
        let cols = [Fill(3), Fill(3), Length(9), Fill(3)];
        let wants = [10, 14, 9, 40];
        let w = allocate(&cols, &wants, 60);
        assert_eq!(w.iter().sum::<usize>(), 60);
        assert_eq!(w[2], 9);
        assert!(w[0] >= 10 && w[1] >= 14, "{w:?}");
        assert!(w[3] >= 27, "the email takes what the others leave: {w:?}");
    }

    #[test]
    fn when_everything_fits_the_spare_room_is_shared_and_nothing_is_cut() {
        let cols = [Fill(3), Fill(2), Length(9)];
        let w = allocate(&cols, &[10, 6, 9], 100);
        assert_eq!(w.iter().sum::<usize>(), 100);
        assert!(w[0] >= 10 && w[1] >= 6 && w[2] == 9, "{w:?}");
    }

    #[test]
    fn when_everything_is_cut_the_weights_decide_and_nothing_overflows() {
        let cols = [Fill(3), Fill(1), Length(5)];
        let w = allocate(&cols, &[100, 100, 5], 25);
        assert_eq!(w, vec![15, 5, 5]);
        // Less room than the fixed columns: they shrink, nothing panics.
        assert_eq!(allocate(&cols, &[100, 100, 5], 3), vec![0, 0, 3]);
        assert_eq!(allocate(&[], &[], 10), Vec::<usize>::new());
    }
}
