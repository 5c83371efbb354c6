//! Key records parsed once and reused while their TTL lasts.
//!
//! A receiver verifies many messages signed with the same few keys. Parsing
//! a key record (the tag-list, the base64 of `p=`, the SubjectPublicKeyInfo)
//! costs about as much as hashing a short body, so [`KeyCache`] keeps what
//! [`verify_cached`](crate::verify_cached) learned from each key name: the
//! parsed keys, or the reason the records were unusable. Failed lookups are
//! never kept, so a temporary DNS failure is asked again next time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::Cause;
use crate::verify::ParsedKey;

/// What the records at one key name gave: the usable keys, in record order,
/// or why none was usable.
pub(crate) type KeySet = Result<Arc<[ParsedKey]>, Cause>;

/// Parsed key records by key name (`selector._domainkey.domain`), each kept
/// until `now` reaches the time it was fetched plus its DNS TTL.
///
/// The cache is shared through `&` and may be used from several threads.
/// When it holds `capacity` names, expired entries are dropped first, then
/// an arbitrary one.
///
/// ```
/// use mailtrail_dkim::{DkimResult, KeyCache, Signer, SigningKey, VerifyOptions, verify_cached};
/// use mailtrail_dns::{RecordData, Txt, ZoneResolver};
///
/// let key = SigningKey::from_ed25519_seed(&[7; 32])?;
/// let message = b"From: alice@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
/// let field = Signer::new(&key, "example.com", "sel")?.sign(message, 1_700_000_000)?;
/// let signed = [field.as_bytes(), message].concat();
///
/// let mut zone = ZoneResolver::new();
/// let record = key.public_key_record();
/// zone.insert("sel._domainkey.example.com", 300, RecordData::Txt(Txt::new([record])))?;
///
/// let cache = KeyCache::default();
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let options = VerifyOptions::new(1_700_000_060);
/// let first = runtime.block_on(verify_cached(&zone, &signed, &options, &cache));
/// let again = runtime.block_on(verify_cached(&ZoneResolver::new(), &signed, &options, &cache));
///
/// assert_eq!(first.result(), DkimResult::Pass);
/// assert_eq!(again.result(), DkimResult::Pass);
/// assert_eq!(cache.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, Entry>>,
    capacity: usize,
}

/// One key name's keys and the Unix second they expire at.
#[derive(Debug)]
struct Entry {
    expires: u64,
    keys: KeySet,
}

impl KeyCache {
    /// An empty cache that holds at most `capacity` key names.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// How many key names are held, expired ones included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key name is held.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forgets every key name.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The keys of `name`, if they were fetched and have not expired at
    /// `now`.
    pub(crate) fn get(&self, name: &str, now: u64) -> Option<KeySet> {
        let entries = self.lock();
        let entry = entries.get(name)?;
        (now < entry.expires).then(|| entry.keys.clone())
    }

    /// Keeps the keys of `name`, fetched at `now` with `ttl` seconds to
    /// live.
    pub(crate) fn insert(&self, name: &str, now: u64, ttl: u32, keys: KeySet) {
        if self.capacity == 0 || ttl == 0 {
            return;
        }

        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(name) {
            make_room(&mut entries, now, self.capacity);
        }

        let expires = now.saturating_add(u64::from(ttl));
        entries.insert(name.to_owned(), Entry { expires, keys });
    }

    /// The entries; a thread that panicked while holding them cannot have
    /// left an entry half-written, so a poisoned lock is taken as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for KeyCache {
    /// A cache of up to [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) names.
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl KeyCache {
    /// The capacity of [`KeyCache::default`].
    pub const DEFAULT_CAPACITY: usize = 1024;
}

/// Drops the expired entries, then one more while still at `capacity`.
fn make_room(entries: &mut HashMap<String, Entry>, now: u64, capacity: usize) {
    entries.retain(|_, entry| now < entry.expires);
    if entries.len() < capacity {
        return;
    }

    if let Some(name) = entries.keys().next().cloned() {
        entries.remove(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_set() -> KeySet {
        Ok(Arc::from(Vec::new()))
    }

    #[test]
    fn entries_expire_with_their_ttl() {
        let cache = KeyCache::new(4);
        cache.insert("a._domainkey.example.com", 100, 60, empty_set());

        assert!(cache.get("a._domainkey.example.com", 159).is_some());
        assert!(cache.get("a._domainkey.example.com", 160).is_none());
        assert!(cache.get("b._domainkey.example.com", 100).is_none());
    }

    #[test]
    fn a_zero_ttl_or_capacity_keeps_nothing() {
        let cache = KeyCache::new(4);
        cache.insert("a", 100, 0, empty_set());
        assert!(cache.is_empty());

        let none = KeyCache::new(0);
        none.insert("a", 100, 60, empty_set());
        assert!(none.is_empty());
    }

    #[test]
    fn a_full_cache_drops_expired_entries_first() {
        let cache = KeyCache::new(2);
        cache.insert("old", 100, 10, empty_set());
        cache.insert("fresh", 100, 1000, empty_set());
        cache.insert("new", 200, 1000, empty_set());

        assert_eq!(cache.len(), 2);
        assert!(cache.get("fresh", 200).is_some());
        assert!(cache.get("new", 200).is_some());
    }

    #[test]
    fn a_full_cache_of_live_entries_still_takes_the_new_one() {
        let cache = KeyCache::new(1);
        cache.insert("first", 100, 1000, empty_set());
        cache.insert("second", 100, 1000, empty_set());

        assert_eq!(cache.len(), 1);
        assert!(cache.get("second", 100).is_some());
        cache.clear();
        assert!(cache.is_empty());
    }
}
