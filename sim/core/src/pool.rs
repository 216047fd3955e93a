//! The one worker pool luasim runs scenarios on: suites (`luasim test`, the suite benchmark)
//! and the scenario runs of `luasim check` both hand it their items.
//!
//! Each item runs from start to end on one worker thread (a Lua state never moves between
//! threads), at most `jobs` at once, started in item order. The caller sees each result as it
//! completes, for progress, and gets all of them back in item order, so nothing reported
//! depends on scheduling. An item whose work panics gives back the panic instead of a result
//! (the panic hook has printed it), and the other items go on.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// What a panicking item's work gave back: the panic's payload, for `panic_message` or
/// `std::panic::resume_unwind`.
pub type Panic = Box<dyn Any + Send>;

/// `work` over `items` on up to `jobs` threads (at least one). `done(index, result)` is called
/// on the calling thread as each item finishes, in completion order; the results come back in
/// item order.
pub fn run<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, &Result<R, Panic>),
) -> Vec<Result<R, Panic>> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<R, Panic>>> = (0..items.len()).map(|_| None).collect();
    let (finished, arrivals) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            let (finished, next, work) = (finished.clone(), &next, &work);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = catch_unwind(AssertUnwindSafe(|| work(item)));
                if finished.send((i, result)).is_err() {
                    break;
                }
            });
        }
        drop(finished);
        for (i, result) in arrivals {
            done(i, &result);
            results[i] = Some(result);
        }
    });
    results.into_iter().map(|r| r.expect("every item is run once")).collect()
}

/// The text a panic was raised with.
pub fn panic_message(panic: &Panic) -> &str {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(text), _) => text,
        (None, Some(text)) => text,
        (None, None) => "a panic without a message",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order_and_each_is_seen_once() {
        let items: Vec<u64> = (0..50).collect();
        let mut seen = Vec::new();
        let results = run(&items, 4, |x| x * 2, |i, _| seen.push(i));
        let doubled: Vec<u64> = results.into_iter().map(|r| r.unwrap_or(0)).collect();
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<usize>>());
        assert!(run(&Vec::<u64>::new(), 4, |x| *x, |_, _| {}).is_empty());
        assert_eq!(run(&[7u64], 0, |x| *x, |_, _| {}).pop().map(|r| r.unwrap_or(0)), Some(7), "no jobs is one");
    }

    #[test]
    fn a_panicking_item_gives_its_panic_and_the_others_go_on() {
        let results = run(&[1u64, 0, 3], 2, |x| if *x == 0 { panic!("item {x} refused") } else { *x }, |_, _| {});
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        assert_eq!(results[1].as_ref().err().map(panic_message), Some("item 0 refused"));
        assert_eq!(results[2].as_ref().ok(), Some(&3));
    }
}
