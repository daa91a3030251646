//! A count and its noun for messages, "1 feature" but "2 features": what every area's error
//! messages share. A leaf: it uses nothing from the crate.

/// `n` followed by `noun` (given in the singular), with an `s` unless `n` is 1: `count(1,
/// "value")` is `"1 value"`, `count(0, "value")` is `"0 values"`. For regular nouns only
/// (feature, value, step, sequence, prediction, name, dimension, output, mean, deviation).
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "feature"), "1 feature");
        assert_eq!(count(0, "feature"), "0 features");
        assert_eq!(count(2, "value"), "2 values");
        assert_eq!(count(11, "step"), "11 steps");
    }
}
