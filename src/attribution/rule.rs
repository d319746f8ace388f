//! The attribution rules by name: the six heuristics and the two data-driven rules.

use std::fmt;

/// One way to share a conversion among the touches before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// All credit to the earliest touch.
    FirstTouch,
    /// All credit to the latest touch.
    LastTouch,
    /// All credit to the latest touch that is not direct (the latest direct one if all are).
    LastNonDirect,
    /// Equal credit to every touch.
    Linear,
    /// Credit halving with every half-life between the touch and the conversion.
    TimeDecay,
    /// 40 % first, 40 % last, 20 % shared by the touches between (weights configurable).
    PositionBased,
    /// First-order Markov chain removal effect.
    Markov,
    /// Shapley value of each channel in the game "conversions from journeys whose channels all
    /// belong to the coalition".
    Shapley,
}

impl Rule {
    /// Every rule, in the order tables show them.
    pub const ALL: [Rule; 8] = [
        Rule::FirstTouch,
        Rule::LastTouch,
        Rule::LastNonDirect,
        Rule::Linear,
        Rule::TimeDecay,
        Rule::PositionBased,
        Rule::Markov,
        Rule::Shapley,
    ];

    /// The heuristic rules, which split each journey's conversion touch by touch.
    pub const HEURISTIC: [Rule; 6] = [
        Rule::FirstTouch,
        Rule::LastTouch,
        Rule::LastNonDirect,
        Rule::Linear,
        Rule::TimeDecay,
        Rule::PositionBased,
    ];

    /// The rule's name in `attribution.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::FirstTouch => "first_touch",
            Rule::LastTouch => "last_touch",
            Rule::LastNonDirect => "last_non_direct",
            Rule::Linear => "linear",
            Rule::TimeDecay => "time_decay",
            Rule::PositionBased => "position_based",
            Rule::Markov => "markov",
            Rule::Shapley => "shapley",
        }
    }

    /// A short column heading for the terminal table.
    pub fn heading(self) -> &'static str {
        match self {
            Rule::FirstTouch => "first",
            Rule::LastTouch => "last",
            Rule::LastNonDirect => "last-nd",
            Rule::Linear => "linear",
            Rule::TimeDecay => "decay",
            Rule::PositionBased => "position",
            Rule::Markov => "markov",
            Rule::Shapley => "shapley",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_heuristics_come_first() {
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
        assert_eq!(&Rule::ALL[..6], &Rule::HEURISTIC);
    }
}
