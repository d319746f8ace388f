//! "Did you mean...?": the header name nearest to a misspelt column, by Levenshtein distance.

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The candidate closest to `wanted`, ignoring case, if it is close enough to be a likely typo:
/// within a third of the longer name's length (at least 2 edits), or one name containing the
/// other (`tv` for `tv_spend`). Ties go to the earlier candidate.
pub(crate) fn nearest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    let wanted = wanted.to_lowercase();
    candidates
        .iter()
        .filter_map(|c| {
            let lower = c.to_lowercase();
            let distance = levenshtein(&wanted, &lower);
            let longest = wanted.chars().count().max(lower.chars().count());
            let close = distance <= (longest / 3).max(2);
            let contained =
                !lower.is_empty() && (lower.contains(&wanted) || wanted.contains(&lower));
            (close || contained).then_some((distance, c.as_str()))
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn levenshtein_matches_textbook_examples() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("same", "same"), 0);
        assert_eq!(levenshtein("ßx", "sx"), 1);
    }

    #[test]
    fn nearest_finds_a_typo_and_ignores_case() {
        let header = names(&["date_week", "y", "tv_spend", "radio_spend"]);
        assert_eq!(nearest("tv_spned", &header), Some("tv_spend"));
        assert_eq!(nearest("Radio_Spend", &header), Some("radio_spend"));
        assert_eq!(nearest("date", &header), Some("date_week"));
    }

    #[test]
    fn nearest_declines_unrelated_names() {
        let header = names(&["date_week", "y", "x1", "x2"]);
        assert_eq!(nearest("facebook_spend", &header), None);
    }

    #[test]
    fn nearest_prefers_the_closest_then_the_first() {
        let header = names(&["x1", "x2", "x12"]);
        assert_eq!(nearest("x3", &header), Some("x1"));
        assert_eq!(nearest("x122", &header), Some("x12"));
    }
}
