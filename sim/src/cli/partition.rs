//! `luasim test --partition K/N`: one shard of a suite for a CI matrix. Shard K of N takes the
//! scenarios at positions K-1, K-1+N, ... of the sorted selection, so the N shards together run
//! every scenario exactly once, and the same files give the same shards on every machine.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    index: usize,
    count: usize,
}

impl Partition {
    /// The items of `sorted` that belong to this shard, in order.
    pub fn take<T>(self, sorted: Vec<T>) -> Vec<T> {
        sorted.into_iter().enumerate().filter(|(i, _)| self.owns(*i)).map(|(_, t)| t).collect()
    }

    /// Whether the item at `position` (0-based) of the sorted selection is this shard's.
    pub fn owns(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// The shard of `count` that owns `position`.
    pub fn owner(position: usize, count: usize) -> Partition {
        Partition { index: position % count + 1, count }
    }

    /// How many of `total` sorted items this shard takes.
    pub fn share(self, total: usize) -> usize {
        (0..total).filter(|&i| self.owns(i)).count()
    }

    pub fn count(self) -> usize {
        self.count
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let bad = || format!("`{text}`: a partition is K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) =
            (k.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_everything_once_and_bad_shards_are_refused() {
        let items: Vec<u32> = (0..10).collect();
        let mut all: Vec<u32> =
            (1..=3).flat_map(|k| format!("{k}/3").parse::<Partition>().unwrap().take(items.clone())).collect();
        all.sort();
        assert_eq!(all, items);
        assert_eq!("2/3".parse::<Partition>().unwrap().take(items), vec![1, 4, 7]);
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }
}
