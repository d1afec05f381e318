//! The scheduler's storage, sized for thousands of checkers: the states in one vector sorted
//! by id (found by binary search over the ids alone), and the timers in a min-heap of
//! (deadline, index) so that the next deadline and the due checkers cost a heap operation each
//! instead of a walk over every checker (keepalived keeps its timers in an rbtree the same way).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
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
    /// The checkers of a list of unique ids, in any order. The two vectors are allocated
    /// once at their final size (no growth, no map nodes: start-up's transient allocations
    /// would otherwise leave holes between the long-lived ones that the heap cannot return).
    pub(super) fn from_list(mut list: Vec<(CheckerId, State)>) -> Checkers {
        list.sort_by_key(|(id, _)| *id);
        let (ids, states) = list.into_iter().unzip();
        Checkers { ids, states }
    }

    /// How many checkers there are.
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The indices of a real server's checkers (`vs`, `rs`), searched from index `from` on.
    pub(super) fn rs_range(&self, (vs, rs): (usize, usize), from: usize) -> std::ops::Range<usize> {
        let ids = &self.ids[from.min(self.ids.len())..];
        let start = from + ids.partition_point(|id| (id.vs, id.rs) < (vs, rs));
        let end = from + ids.partition_point(|id| (id.vs, id.rs) <= (vs, rs));
        start..end
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

    /// The id of the checker at an index.
    pub(super) fn id_at(&self, i: usize) -> CheckerId {
        self.ids[i]
    }

    /// The state at an index.
    pub(super) fn at(&self, i: usize) -> &State {
        &self.states[i]
    }

    /// The state at an index, to change.
    pub(super) fn at_mut(&mut self, i: usize) -> &mut State {
        &mut self.states[i]
    }

    /// Every checker, in id order (for the tests' invariants).
    #[cfg(test)]
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
/// (lazy deletion: a heap cannot remove from the middle). The top is always live. Deadlines
/// are kept as nanoseconds (16 bytes an entry rather than 24: there is one per checker).
#[derive(Clone, Debug, Default)]
pub(super) struct Timers(BinaryHeap<Reverse<(u64, u32)>>);

/// A deadline as the heap keeps it (u64 nanoseconds: 584 years from the daemon's start).
fn key(t: Duration) -> u64 {
    u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)
}

/// Whether the checker at `i` still waits for the deadline `t` (a live entry).
fn live(checkers: &Checkers, t: u64, i: u32) -> bool {
    checkers.states[i as usize].next.map(key) == Some(t)
}

impl Timers {
    /// The timers of every waiting checker.
    pub(super) fn of(checkers: &Checkers) -> Timers {
        let mut entries = Vec::with_capacity(checkers.states.len());
        entries.extend(
            checkers
                .states
                .iter()
                .enumerate()
                .filter_map(|(i, st)| Some(Reverse((key(st.next?), i as u32)))),
        );
        Timers(BinaryHeap::from(entries))
    }

    /// Adds a deadline for the checker at index `i`.
    pub(super) fn push(&mut self, at: Duration, i: usize) {
        self.0.push(Reverse((key(at), i as u32)));
    }

    /// Drops the stale entries on top, so that [`first`](Self::first) is a live deadline.
    pub(super) fn settle(&mut self, checkers: &Checkers) {
        while let Some(&Reverse((t, i))) = self.0.peek() {
            if live(checkers, t, i) {
                break;
            }
            self.0.pop();
        }
    }

    /// The earliest live deadline (after [`settle`](Self::settle)).
    pub(super) fn first(&self) -> Option<Duration> {
        self.0.peek().map(|Reverse((t, _))| Duration::from_nanos(*t))
    }

    /// Takes every live entry due at `now`: the checkers' indices, in order, each once.
    pub(super) fn pop_due(&mut self, now: Duration, checkers: &Checkers) -> Vec<usize> {
        let mut out = Vec::new();
        let now = key(now);
        while let Some(Reverse((t, i))) = self.0.peek().copied()
            && t <= now
        {
            self.0.pop();
            if live(checkers, t, i) {
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
        self.0
            .iter()
            .map(|Reverse((t, i))| (Duration::from_nanos(*t), *i as usize))
    }
}
