//! The scheduler's storage, sized for thousands of checkers: the states in one vector sorted
//! by id (found by binary search over the ids alone), and the timers in a min-heap of
//! (deadline, index) so that the next deadline and the due checkers cost a heap operation each
//! instead of a walk over every checker (keepalived keeps its timers in an rbtree the same way).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Duration;

use super::State;
use crate::check::event::CheckerId;

/// Every checker's state, in id order.
#[derive(Clone, Debug, Default)]
pub(super) struct Checkers {
    ids: Vec<CheckerId>,
    states: Vec<State>,
}

impl Checkers {
    /// The checkers of a map (its order is the id order).
    pub(super) fn from_map(map: BTreeMap<CheckerId, State>) -> Checkers {
        let (ids, states) = map.into_iter().unzip();
        Checkers { ids, states }
    }

    /// Where a checker is.
    pub(super) fn index_of(&self, id: &CheckerId) -> Option<usize> {
        self.ids.binary_search(id).ok()
    }

    /// A checker's state.
    pub(super) fn get(&self, id: &CheckerId) -> Option<&State> {
        self.index_of(id).map(|i| &self.states[i])
    }

    /// A checker's state, to change.
    pub(super) fn get_mut(&mut self, id: &CheckerId) -> Option<&mut State> {
        self.index_of(id).map(|i| &mut self.states[i])
    }

    /// The state at an index.
    pub(super) fn at(&self, i: usize) -> &State {
        &self.states[i]
    }

    /// The state at an index, to change.
    pub(super) fn at_mut(&mut self, i: usize) -> &mut State {
        &mut self.states[i]
    }

    /// Every checker, in id order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&CheckerId, &State)> {
        self.ids.iter().zip(&self.states)
    }

    /// Every checker's id, in order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &CheckerId> {
        self.ids.iter()
    }
}

/// When the checkers run next. An entry is live while its checker's `next` still equals its
/// deadline; a changed or cleared `next` leaves the old entry behind, skipped when reached
/// (lazy deletion: a heap cannot remove from the middle). The top is always live.
#[derive(Clone, Debug, Default)]
pub(super) struct Timers(BinaryHeap<Reverse<(Duration, u32)>>);

impl Timers {
    /// The timers of every waiting checker.
    pub(super) fn of(checkers: &Checkers) -> Timers {
        Timers(
            checkers
                .states
                .iter()
                .enumerate()
                .filter_map(|(i, st)| Some(Reverse((st.next?, i as u32))))
                .collect(),
        )
    }

    /// Adds a deadline for the checker at index `i`.
    pub(super) fn push(&mut self, at: Duration, i: usize) {
        self.0.push(Reverse((at, i as u32)));
    }

    /// Drops the stale entries on top, so that [`first`](Self::first) is a live deadline.
    pub(super) fn settle(&mut self, checkers: &Checkers) {
        while let Some(Reverse((t, i))) = self.0.peek() {
            if checkers.states[*i as usize].next == Some(*t) {
                break;
            }
            self.0.pop();
        }
    }

    /// The earliest live deadline (after [`settle`](Self::settle)).
    pub(super) fn first(&self) -> Option<Duration> {
        self.0.peek().map(|Reverse((t, _))| *t)
    }

    /// Takes every live entry due at `now`: the checkers' indices, in order, each once.
    pub(super) fn pop_due(&mut self, now: Duration, checkers: &Checkers) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(Reverse((t, i))) = self.0.peek().copied()
            && t <= now
        {
            self.0.pop();
            if checkers.states[i as usize].next == Some(t) {
                out.push(i as usize);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every entry, live or stale (for the tests' invariants).
    #[cfg(test)]
    pub(super) fn entries(&self) -> impl Iterator<Item = (Duration, usize)> + '_ {
        self.0.iter().map(|Reverse((t, i))| (*t, *i as usize))
    }
}
