// Engine operations on hashes and sets (the two "field -> value" collections; a set is
// a hash whose values are empty): reading any encoding, and HashSetEditor, which
// applies one command's changes and publishes them copy-on-write (collections.h).
//
// Encodings and conversions (Redis 7.2's rules and names):
//   hash: "listpack" while it has <= hash-max-listpack-entries fields and no field or
//         value longer than hash-max-listpack-value; then "hashtable", for good.
//   set:  "intset" while every member is a canonical int64 and there are <=
//         set-max-intset-entries; "listpack" while <= set-max-listpack-entries members
//         of <= set-max-listpack-value bytes; then "hashtable", for good. An intset that
//         outgrows its limit becomes a hashtable (as Redis's maybeConvertIntset).
//
// Thread safety: the read functions are READER-SAFE (collections.h: a reader inside a
// ReadSection on an entry it found); HashSetEditor is writer-only.
//
// Invariants:
//   1. Element order: listpack keeps insertion order (an overwritten hash field keeps
//      its place); intset is ascending; hashtable is (hash, field) order. ForEach, Nth
//      and Scan all use that one order.
//   2. An editor publishes at most one new entry (Commit), or deletes the key when the
//      collection became empty (collections.h invariant 2). Until Commit, the keyspace
//      is untouched.
//   3. The hot path (listpack edits) allocates nothing per command in steady state:
//      its working buffer comes from a per-thread pool (engine/buffer_pool.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collections.h"
#include "engine/compact.h"
#include "engine/pmap.h"

namespace brisk::engine {

struct CollectionLimits {
  size_t hash_max_listpack_entries = 128;
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t set_max_listpack_entries = 128;
  size_t set_max_listpack_value = 64;
};

// ---- reading (hash or set entry) ----

// Formats an intset member into buf (>= 24 bytes); returns its length.
size_t FormatIntsetMember(int64_t v, char* buf);

// Number of fields / members.
size_t CollectionLen(const Entry& e);
// A hash field's value, or a set member's presence (*value = ""); false if absent.
// Views are valid while `e` is (keyspace.h invariant 6).
bool CollectionFind(const Entry& e, std::string_view field, std::string_view* value);

// Calls fn(field, value) for every element in order (invariant 1); sets give value "".
// Intset members are formatted into a scratch buffer valid during the call only.
template <typename Fn>
void CollectionForEach(const Entry& e, Fn&& fn) {
  Enc enc = EncodingOf(e);
  if (enc == Enc::kSetIntset) {
    IntsetView is(InlineBody(e));
    char buf[24];
    for (size_t i = 0; i < is.size(); ++i) {
      fn(std::string_view(buf, FormatIntsetMember(is.at(i), buf)), std::string_view());
    }
  } else if (IsExternal(enc)) {
    pmap::ForEach(ExternalRoot(e), [&](const pmap::Item& it) {
      fn(it.field, it.value);
      return true;
    });
  } else {
    bool pairs = enc == Enc::kHashListpack;
    size_t n;
    LpCursor c(LpElements(InlineBody(e), &n));
    while (!c.done()) {
      std::string_view f = c.Next();
      std::string_view v = pairs ? c.Next() : std::string_view();
      fn(f, v);
    }
  }
}

// The i-th element (invariant 1). Intset members are formatted into buf (>= 24 bytes).
// REQUIRES: i < CollectionLen(e).
void CollectionNth(const Entry& e, size_t i, char* buf, std::string_view* field,
                   std::string_view* value);

// One HSCAN/SSCAN step: compact encodings return everything and cursor 0 (as Redis);
// hashtables visit about `count` elements from `cursor`. Returns the next cursor.
template <typename Fn>
uint64_t CollectionScan(const Entry& e, uint64_t cursor, size_t count, Fn&& fn) {
  if (!IsExternal(EncodingOf(e))) {
    CollectionForEach(e, fn);
    return 0;
  }
  return pmap::Scan(ExternalRoot(e), cursor, count,
                    [&](const pmap::Item& it) { fn(it.field, it.value); });
}

// ---- writing ----

// One command's changes to one hash or set key. Usage:
//   HashSetEditor ed(db, key, entry_or_null, ObjType::kHash, limits);
//   ed.Set("f", "v"); ed.Del("g"); ...; bool exists = ed.Commit();
// REQUIRES: entry_or_null is the key's live entry of `type` (or nullptr: the key is
// absent and Commit creates it). No other write to this key between construction and
// Commit.
class HashSetEditor {
 public:
  HashSetEditor(Db& db, std::string_view key, Entry* e, ObjType type,
                const CollectionLimits& limits);
  ~HashSetEditor();
  HashSetEditor(const HashSetEditor&) = delete;
  HashSetEditor& operator=(const HashSetEditor&) = delete;

  // A new set (e was nullptr): picks the initial encoding as Redis's setTypeCreate
  // from the first member and the number of members the command brings.
  void InitNewSet(std::string_view first, size_t size_hint);
  // Redis's hashTypeTryConversion / setTypeMaybeConvert before a multi-element write:
  // converts to hashtable at once if `incoming` elements (longest `max_len` bytes)
  // would cross a threshold.
  void Reserve(size_t incoming, size_t max_len);

  // Adds or overwrites; true if the element is new. Sets: value must be empty.
  bool Set(std::string_view field, std::string_view value);
  // Removes; true if it existed.
  bool Del(std::string_view field);
  // Reads the working state (sees this editor's changes).
  bool Find(std::string_view field, std::string_view* value) const;
  size_t Len() const;
  bool changed() const { return changed_; }

  // Publishes the new version (or deletes the key if empty). Returns whether the key
  // exists afterwards. Without changes: does nothing and returns Len() > 0.
  bool Commit();

 private:
  enum class Mode : uint8_t { kListpack, kIntset, kTable };
  void ToTable();
  void ToListpack();  // intset -> listpack
  bool ListpackFind(std::string_view field, size_t* off, size_t* len,
                    std::string_view* value) const;

  Db& db_;
  std::string_view key_;
  Entry* entry_;
  ObjType type_;
  const CollectionLimits& limits_;
  Mode mode_;
  bool changed_ = false;
  bool existed_;
  // kListpack: element bytes and element count; kIntset: sorted values.
  std::string* elems_ = nullptr;
  size_t count_ = 0;
  std::vector<int64_t> ints_;
  // kTable.
  std::optional<pmap::Editor> table_;
};

}  // namespace brisk::engine
