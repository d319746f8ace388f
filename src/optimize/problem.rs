//! The budget problem as argmin sees it: minimise the negated, normalised objective over the
//! unconstrained coordinates of [`BoundedSplit`], on a view that borrows the posterior.

use std::cell::{Cell, RefCell};

use argmin::core::{CostFunction, Error, Gradient};

use super::objective::{Objective, Scratch};
use super::split::BoundedSplit;

/// One evaluation, kept so that the gradient at the point just costed is free (argmin's line
/// searches ask for both at each trial point).
#[derive(Debug, Default)]
struct Memo {
    z: Vec<f64>,
    cost: f64,
    grad: Vec<f64>,
}

/// [`Objective`] composed with a [`BoundedSplit`]: argmin's `CostFunction` and `Gradient`.
#[derive(Debug)]
pub struct BudgetProblem<'o, 'p> {
    objective: &'o Objective<'p>,
    split: &'o BoundedSplit,
    /// The objective is divided by this, so the solver's tolerances are relative.
    scale: f64,
    scratch: RefCell<Scratch>,
    spend: RefCell<Vec<f64>>,
    grad_spend: RefCell<Vec<f64>>,
    memo: RefCell<Option<Memo>>,
    evaluations: Cell<usize>,
}

impl<'o, 'p> BudgetProblem<'o, 'p> {
    /// The problem of maximising `objective` over `split`; `scale` > 0 sets the size of an
    /// objective change that counts (|objective| at the start is a good choice).
    pub fn new(objective: &'o Objective<'p>, split: &'o BoundedSplit, scale: f64) -> Self {
        let c = split.dim();
        BudgetProblem {
            objective,
            split,
            scale,
            scratch: RefCell::new(Scratch::default()),
            spend: RefCell::new(vec![0.0; c]),
            grad_spend: RefCell::new(vec![0.0; c]),
            memo: RefCell::new(None),
            evaluations: Cell::new(0),
        }
    }

    /// Objective evaluations so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations.get()
    }

    /// The spends at `z`.
    pub fn spend_at(&self, z: &[f64]) -> Vec<f64> {
        let mut s = vec![0.0; self.split.dim()];
        self.split.spend(z, &mut s);
        s
    }

    fn evaluate(&self, z: &[f64]) -> Memo {
        if let Some(m) = self.memo.borrow().as_ref().filter(|m| m.z == z) {
            return Memo {
                z: m.z.clone(),
                cost: m.cost,
                grad: m.grad.clone(),
            };
        }
        self.evaluations.set(self.evaluations.get() + 1);
        let mut spend = self.spend.borrow_mut();
        let mut g_s = self.grad_spend.borrow_mut();
        let tau = self.split.spend(z, &mut spend);
        let value =
            self.objective
                .value_and_gradient(&spend, &mut g_s, &mut self.scratch.borrow_mut());
        let mut grad = vec![0.0; z.len()];
        self.split.pull_back(z, tau, &g_s, &mut grad);
        grad.iter_mut().for_each(|g| *g = -*g / self.scale);
        let memo = Memo {
            z: z.to_vec(),
            cost: -value / self.scale,
            grad,
        };
        *self.memo.borrow_mut() = Some(Memo {
            z: memo.z.clone(),
            cost: memo.cost,
            grad: memo.grad.clone(),
        });
        memo
    }
}

impl CostFunction for BudgetProblem<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Self::Param) -> Result<f64, Error> {
        let cost = self.evaluate(z).cost;
        if cost.is_finite() {
            Ok(cost)
        } else {
            Err(Error::msg("the objective is not finite at this plan"))
        }
    }
}

impl Gradient for BudgetProblem<'_, '_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, z: &Self::Param) -> Result<Vec<f64>, Error> {
        Ok(self.evaluate(z).grad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::ResponseLink;
    use crate::optimize::objective::Score;
    use crate::optimize::plan::PlanResponse;
    use crate::optimize::plan::tests::{hill, logistic};
    use crate::optimize::scenario::Risk;

    const FD_REL: f64 = 1e-6;
    const FD_STEP: f64 = 1e-6;

    #[test]
    fn gradient_in_z_matches_central_differences_of_the_cost() {
        let plan = PlanResponse::from_curves(
            vec![
                hill(2.0, 0.01, 1.5, 2.5),
                logistic(1.0, 0.02, 1.2),
                hill(1.0, 0.004, 1.0, 0.8),
            ],
            vec![ResponseLink::Additive { scale: 500.0 }],
            3,
            6,
        );
        let objective = Objective::new(&plan, Score::Outcome, Risk::Mean);
        let split = BoundedSplit::new(&[0.0, 50.0, 0.0], &[400.0, 300.0, 700.0], 800.0).unwrap();
        let problem = BudgetProblem::new(&objective, &split, 100.0);
        let z = vec![0.3, -0.4, 1.1];
        let g = problem.gradient(&z).unwrap();
        for j in 0..3 {
            let mut up = z.clone();
            up[j] += FD_STEP;
            let mut down = z.clone();
            down[j] -= FD_STEP;
            let fd = (problem.cost(&up).unwrap() - problem.cost(&down).unwrap()) / (2.0 * FD_STEP);
            assert!(
                (g[j] - fd).abs() <= FD_REL * fd.abs().max(1e-6),
                "{j}: {} vs {fd}",
                g[j]
            );
        }
        // The gradient at a point just costed comes from the memo.
        let before = problem.evaluations();
        problem.cost(&z).unwrap();
        problem.gradient(&z).unwrap();
        assert_eq!(problem.evaluations(), before + 1);
    }
}
