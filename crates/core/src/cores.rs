//! Work spread over every core where the build has threads (the `parallel` feature, which the
//! native `chronoscope` command turns on), else done in order on this one: the same results,
//! in the same order, either way. The app's worker has one thread, so it maps in order.

/// `f` of each item, in the items' order.
#[cfg(feature = "parallel")]
pub fn map<'a, T: Sync, U: Send>(items: &'a [T], f: impl Fn(&'a T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

/// `f` of each item, in the items' order.
#[cfg(not(feature = "parallel"))]
pub fn map<'a, T: Sync, U: Send>(items: &'a [T], f: impl Fn(&'a T) -> U + Sync + Send) -> Vec<U> {
    items.iter().map(f).collect()
}

/// Runs `a` and `b`, on two cores where there are threads; returns both results.
#[cfg(feature = "parallel")]
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(a, b)
}

/// Runs `a` and `b`, on two cores where there are threads; returns both results.
#[cfg(not(feature = "parallel"))]
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    (a(), b())
}
