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

/// Deletion variants of some strings, as sorted `(hash, string index)` pairs: 16 bytes a
/// variant and one allocation, where a map of vectors would cost an allocation per variant.
/// Most lookups miss, so a bitmap of the hashes (about 8 bits a variant) answers those without
/// a binary search.
struct DeletionIndex {
    entries: Vec<(u64, u32)>,
    present: Vec<u64>,
}

impl DeletionIndex {
    fn build(strings: &[String]) -> Self {
        let mut entries: Vec<(u64, u32)> = strings
            .iter()
            .enumerate()
            .flat_map(|(i, s)| variants(s).map(move |h| (h, i as u32)))
            .collect();
        entries.sort_unstable();
        entries.dedup();
        let bits = (entries.len() * 8).next_power_of_two().max(64);
        let mut present = vec![0u64; bits / 64];
        for (hash, _) in &entries {
            let bit = (*hash as usize) & (bits - 1);
            present[bit / 64] |= 1 << (bit % 64);
        }
        DeletionIndex { entries, present }
    }

    fn may_hold(&self, hash: u64) -> bool {
        let bit = (hash as usize) & (self.present.len() * 64 - 1);
        self.present[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The strings sharing a variant with `name`, each once.
    fn hits(&self, name: &str) -> Vec<u32> {
        let mut found: Vec<u32> = Vec::new();
        for hash in variants(name).filter(|h| self.may_hold(*h)) {
            let from = self.entries.partition_point(|(h, _)| *h < hash);
            found.extend(
                self.entries[from..].iter().take_while(|(h, _)| *h == hash).map(|(_, i)| *i),
            );
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Which side is indexed: the input values (the usual case, a short list against a large
/// tenant), or the tenant's names, collected while the listing streams and indexed at the end
/// (a list longer than the tenant: a million rows against twenty thousand users).
enum Side {
    Values(DeletionIndex),
    Tenant(Vec<String>),
}

/// The index of input values and the best suggestions found so far.
pub struct Suggester {
    values: Vec<String>,
    side: Side,
    best: HashMap<u32, Vec<(usize, String)>>,
}

impl Suggester {
    /// Indexes the smaller side: `values`, or the `tenant_names` names that will be offered.
    pub fn for_tenant<'a>(values: impl IntoIterator<Item = &'a String>, tenant_names: u64) -> Self {
        let values: Vec<String> = values.into_iter().cloned().collect();
        let side = if values.len() as u64 > tenant_names {
            Side::Tenant(Vec::new())
        } else {
            Side::Values(DeletionIndex::build(&values))
        };
        Suggester { values, side, best: HashMap::new() }
    }

    /// Offers one listed name (lower-cased) as a suggestion for the values it is close to.
    pub fn offer(&mut self, name: &str) {
        if self.values.is_empty() || name.is_empty() {
            return;
        }
        match &mut self.side {
            Side::Tenant(names) => names.push(name.to_string()),
            Side::Values(index) => {
                for i in index.hits(name) {
                    consider(&mut self.best, &self.values, i, name);
                }
            }
        }
    }

    /// The suggestions for each value that has any.
    pub fn finish(mut self) -> HashMap<String, Vec<String>> {
        if let Side::Tenant(mut names) = std::mem::replace(&mut self.side, Side::Tenant(Vec::new()))
        {
            names.sort_unstable();
            names.dedup();
            let index = DeletionIndex::build(&names);
            for i in 0..self.values.len() as u32 {
                for j in index.hits(&self.values[i as usize]) {
                    consider(&mut self.best, &self.values, i, &names[j as usize]);
                }
            }
        }
        let values = self.values;
        self.best
            .into_iter()
            .map(|(i, best)| {
                (values[i as usize].clone(), best.into_iter().map(|(_, s)| s).collect())
            })
            .collect()
    }
}

/// Keeps `name` among value `i`'s closest suggestions if it is near but not equal.
fn consider(best: &mut HashMap<u32, Vec<(usize, String)>>, values: &[String], i: u32, name: &str) {
    let distance = edit_distance(&values[i as usize], name);
    if distance == 0 || distance > MAX_DISTANCE {
        return;
    }
    let best = best.entry(i).or_default();
    if best.iter().any(|(_, s)| s == name) {
        return;
    }
    best.push((distance, name.to_string()));
    best.sort();
    best.truncate(MAX_SUGGESTIONS);
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
    std::iter::once(fnv(&[bytes])).chain(
        s.char_indices().map(move |(at, c)| fnv(&[&bytes[..at], &bytes[at + c.len_utf8()..]])),
    )
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
        let values = vec![
            "jon.smith@acme.example".to_string(),
            "zzz".to_string(),
            "ana@acme.example".to_string(),
        ];
        for tenant_names in [u64::MAX, 1] {
            check_side(Suggester::for_tenant(&values, tenant_names));
        }
    }

    fn check_side(mut suggester: Suggester) {
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
        assert!(
            jon[..3].iter().all(|s| s != "jon.smith@acme.exampel"),
            "distance-1 names come first: {jon:?}"
        );
        assert_eq!(found["ana@acme.example"], ["anna@acme.example"]);
        assert!(!found.contains_key("zzz"));
    }
}
