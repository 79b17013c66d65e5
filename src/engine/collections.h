// Collection values (hashes, sets; lists and sorted sets follow the same scheme): how
// they live in an Entry, how they are changed, and what a reader on another thread may
// do with them.
//
// Representation. A collection entry (Entry::type() != kString) stores in its value
// bytes (Entry::CollectionValue()) one tag byte, the encoding (Enc), followed by:
//   - compact encodings (Redis's "listpack", "intset"): the whole collection, inline,
//     in one contiguous blob (compact.h has the byte formats). No other allocation.
//   - large encodings (Redis's "hashtable"): a root pointer and the byte count of a
//     persistent hash trie (pmap.h) allocated outside the entry:
//       [tag][Node* root, 8 bytes][u64 external bytes, 8 bytes]       (17 bytes)
//
// Update protocol (the "old or new WHOLE value"): copy-on-write, always.
//   - Compact: every change builds a new blob and publishes a new Entry carrying it
//     (Db::SetCollection), exactly like a string change. O(blob) per write; the blobs
//     are bounded by the *-max-listpack-* thresholds.
//   - Large: every change path-copies the trie nodes from the changed leaf to the root
//     (O(log n) nodes of bounded size), publishes a new Entry with the new root, and
//     only THEN retires the replaced nodes with engine::Retire (freed after a grace
//     period). Untouched subtrees are shared between the old and new version.
//   - Quicklists (list.h) are the exception to "copy": a push at an end writes into
//     spare capacity that no published version covers and a pop narrows the bounds,
//     and the new Entry carries the new bounds; bytes inside any published version's
//     bounds are never written again, so a reader still sees its whole old version.
//
// Thread safety (with keyspace.h / rcu.h):
//   - Readers on other threads (inside a ReadSection) may read any published
//     collection entry they reached through the engine's reader API: the inline blob,
//     the root pointer and every node reachable from it, with the read helpers in this
//     header, compact.h and pmap.h (all const, lock-free, allocation-free except where
//     they fill caller vectors). What they see is one consistent version of the whole
//     collection (the version of the entry they found), never a mix: nothing reachable
//     from a published root is ever written again. They must not keep any pointer or
//     string_view past their ReadSection.
//   - Everything that changes a collection, and the lifetime hooks below, REQUIRES the
//     writer thread.
//
// Invariants:
//   1. A collection entry's value starts with its Enc tag; Enc agrees with type().
//      Compact encodings never hold an external pointer; large ones always hold a
//      non-null root of a non-empty trie.
//   2. A collection is never empty: the command layer deletes a key whose collection
//      became empty (and fires "del").
//   3. Nodes reachable from a published root are immutable and owned by exactly one
//      live key. Entry copies that share a root (a rehash migration's Entry::Copy, the
//      superseded entry of a SetExpire/Rename/MoveTo) are never freed *with* the root:
//      the engine frees entries with FreeBlock (slab.h), and trees only through the hooks
//      below. COPY deep-copies (CopyExternalValue), so no two live keys share nodes.
//   4. When a key leaves the keyspace for good (DEL, expiry, eviction, overwrite by a
//      string, FLUSH, table drop, keyspace destruction), its tree is released exactly
//      once: RetireExternalValue (deferred, writer) when readers may still reach it,
//      FreeExternalValue (now) when none can (a retired Table's destructor).
//   5. Memory accounting: Entry::MemoryBytes() of a large collection includes the
//      external byte count (the sum of the trie nodes' allocator size classes), kept
//      exact by every path copy, so table bytes stay exact (table.h invariant 6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "engine/keyspace.h"

namespace brisk::engine {

namespace pmap {
struct Node;
}

// First byte of a collection entry's value.
enum class Enc : uint8_t {
  kHashListpack = 1,
  kHashTable = 2,
  kSetIntset = 3,
  kSetListpack = 4,
  kSetTable = 5,
  kListListpack = 10,
  kListQuicklist = 11,  // external: [spine][bytes] + the rest of a list::View (list.h)
  kZSetListpack = 12,
  kZSetSkiplist = 13,  // external: [pmap root][bytes][treap root] (engine/zset.h)
};

inline bool IsExternal(Enc enc) {
  return enc == Enc::kHashTable || enc == Enc::kSetTable || enc == Enc::kListQuicklist ||
         enc == Enc::kZSetSkiplist;
}

// Redis's OBJECT ENCODING name.
std::string_view EncName(Enc enc);

// Bytes of the external header after the tag.
inline constexpr size_t kExternalValueBytes = 16;

// ---- reading a collection entry (writer, or reader inside a ReadSection) ----

// REQUIRES: e.type() != kString.
inline Enc EncodingOf(const Entry& e) {
  return Enc(uint8_t(e.CollectionValue()[0]));
}
// The compact blob after the tag. REQUIRES: compact encoding.
inline std::string_view InlineBody(const Entry& e) {
  return e.CollectionValue().substr(1);
}
// REQUIRES: large encoding.
inline const pmap::Node* ExternalRoot(const Entry& e) {
  const pmap::Node* root;
  std::memcpy(&root, e.CollectionValue().data() + 1, sizeof(root));
  return root;
}
inline size_t ExternalBytes(const Entry& e) {
  uint64_t bytes;
  std::memcpy(&bytes, e.CollectionValue().data() + 1 + sizeof(void*), sizeof(bytes));
  return size_t(bytes);
}
// Encodes [tag][root][bytes] into out (1 + kExternalValueBytes bytes).
inline void EncodeExternal(Enc enc, const pmap::Node* root, size_t bytes, char* out) {
  out[0] = char(enc);
  std::memcpy(out + 1, &root, sizeof(root));
  uint64_t b = bytes;
  std::memcpy(out + 1 + sizeof(void*), &b, sizeof(b));
}

// ---- lifetime hooks (writer; invariants 3 and 4), called by the engine ----

// Retires every node of e's tree (freed after a grace period). No-op for strings and
// compact encodings.
void RetireExternalValue(const Entry& e);
// Frees every node of e's tree now. REQUIRES: no reader can reach it.
void FreeExternalValue(const Entry& e);
// `value` is a fresh copy of a collection entry's value bytes (Entry::Clone): gives it
// its own deep copy of the tree. No-op for compact encodings.
void CopyExternalValue(char* value, size_t len);

}  // namespace brisk::engine
