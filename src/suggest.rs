//! "Did you mean": for each username or email in the input, the closest usernames and emails in
//! the tenant, found while the listing streams past, so a typo is fixed in seconds.
//!
//! Comparing every listed user with every input value would cost tenant × rows edit distances
//! (10¹⁰ for a million users and 10,000 rows). Instead, the symmetric-deletion trick: each input
//! value is indexed under itself and every one-character deletion of it (as 64-bit hashes, so the
//! index stays a few megabytes), and each listed name looks up its own variants the same way.
//! Two strings share a variant exactly when they are within one insertion, deletion or
//! substitution of each other (or two, if both sides delete), so the lookups find every
//! candidate within edit distance 1 and most within 2; the true distance is then computed for
//! those few. At most three suggestions are kept per value, closest first.

use std::collections::HashMap;

/// The most suggestions kept for one value.
pub const MAX_SUGGESTIONS: usize = 3;
/// The largest edit distance suggested.
pub const MAX_DISTANCE: usize = 2;

/// The index of input values and the best suggestions found so far.
#[derive(Debug, Default)]
pub struct Suggester {
    values: Vec<String>,
    index: HashMap<u64, Vec<u32>>,
    best: HashMap<u32, Vec<(usize, String)>>,
}

impl Suggester {
    /// Indexes `values` (lower-cased usernames or emails).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Self {
        let mut suggester = Suggester::default();
        for value in values {
            let i = suggester.values.len() as u32;
            suggester.values.push(value.clone());
            for hash in variants(value) {
                let slot = suggester.index.entry(hash).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
        }
        suggester
    }

    /// Offers one listed name (lower-cased) as a suggestion for the values it is close to.
    pub fn offer(&mut self, name: &str) {
        if self.values.is_empty() || name.is_empty() {
            return;
        }
        let mut seen: Vec<u32> = Vec::new();
        for hash in variants(name) {
            let Some(hits) = self.index.get(&hash) else { continue };
            for &i in hits {
                if seen.contains(&i) {
                    continue;
                }
                seen.push(i);
                let distance = edit_distance(&self.values[i as usize], name);
                if distance == 0 || distance > MAX_DISTANCE {
                    continue;
                }
                let best = self.best.entry(i).or_default();
                if best.iter().any(|(_, s)| s == name) {
                    continue;
                }
                best.push((distance, name.to_string()));
                best.sort();
                best.truncate(MAX_SUGGESTIONS);
            }
        }
    }

    /// The suggestions for each value that has any.
    pub fn finish(self) -> HashMap<String, Vec<String>> {
        let values = self.values;
        self.best.into_iter().map(|(i, best)| (values[i as usize].clone(), best.into_iter().map(|(_, s)| s).collect())).collect()
    }
}

/// FNV-1a over bytes, fed in pieces so a deletion needs no allocation.
fn fnv(pieces: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for piece in pieces {
        for &byte in *piece {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The hashes of `s` and of every one-character deletion of it.
fn variants(s: &str) -> impl Iterator<Item = u64> + '_ {
    let bytes = s.as_bytes();
    std::iter::once(fnv(&[bytes])).chain(s.char_indices().map(move |(at, c)| fnv(&[&bytes[..at], &bytes[at + c.len_utf8()..]])))
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ada@x", "ada@x"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("jöhn", "john"), 1);
    }

    #[test]
    fn typos_find_the_closest_names_and_at_most_three() {
        let values = vec!["jon.smith@acme.example".to_string(), "zzz".to_string(), "ana@acme.example".to_string()];
        let mut suggester = Suggester::new(&values);
        for name in [
            "john.smith@acme.example",   // one insertion
            "jon.smyth@acme.example",    // one substitution
            "jon.smit@acme.example",     // one deletion
            "jon.smith@acme.exampel",    // two substitutions (a transposition)
            "jon.smith@acme.example",    // exact: that is a match, not a suggestion
            "someone.else@acme.example", // far away
            "anna@acme.example",
        ] {
            suggester.offer(name);
        }
        let found = suggester.finish();
        let jon = &found["jon.smith@acme.example"];
        assert_eq!(jon.len(), 3, "{jon:?}");
        assert!(jon[..3].iter().all(|s| s != "jon.smith@acme.exampel"), "distance-1 names come first: {jon:?}");
        assert_eq!(found["ana@acme.example"], ["anna@acme.example"]);
        assert!(!found.contains_key("zzz"));
    }
}
